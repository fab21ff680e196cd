# Installs, upgrades or removes the Vigie agent on Windows (issue 11), in
# PowerShell 5.1 or 7 run as Administrator. The box serves this file as it
# is at /install/agent.ps1; the dashboard prints the line that runs it:
#
#   & ([scriptblock]::Create((irm 'BOX/install/agent.ps1'))) -Url 'BOX' -Token 'TOKEN'
#
# What it installs: the bundle and config.json under
# $env:ProgramFiles\vigie-agent (the config readable by SYSTEM and
# Administrators only), data under $env:ProgramData\vigie-agent, and a
# scheduled task "Vigie agent" that runs the agent as SYSTEM at boot, with no
# time limit, restarted every minute on failure (up to 999 times). A
# scheduled task rather than a service: node is not a Windows service
# binary, and a wrapper (NSSM, WinSW) would be one more download to trust.
# Running the line again upgrades the bundle and keeps the configuration
# (the token is not used); -Reenroll enrolls again; -Uninstall removes it all.
# Not run in Vigie's CI (no Windows there): see docs/agent.md.
param(
  [string]$Url,
  [string]$Token = $env:VIGIE_ENROLL_TOKEN,
  [switch]$Reenroll,
  [switch]$Uninstall
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue' # Invoke-WebRequest is many times slower with its progress bar
$NodeMin = 20
$TaskName = 'Vigie agent'
$Dir = Join-Path $env:ProgramFiles 'vigie-agent'
$Data = Join-Path $env:ProgramData 'vigie-agent'
$Config = Join-Path $Dir 'config.json'

function Say([string]$Text) { Write-Host "vigie-agent: $Text" }
function Fail([string]$Text) { Write-Host "vigie-agent: $Text" -ForegroundColor Red; throw "vigie-agent: $Text" }

$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
  Fail 'run PowerShell as Administrator (right-click, Run as administrator), then paste the line again'
}

if ($Uninstall) {
  $task = Get-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue
  if ($task) {
    Stop-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue
    Unregister-ScheduledTask -TaskName $TaskName -Confirm:$false
  }
  foreach ($path in @($Dir, $Data)) { if (Test-Path -LiteralPath $path) { Remove-Item -LiteralPath $path -Recurse -Force } }
  Say "removed the task, $Dir and $Data. Revoke its credentials in Hosts & agents if the host is gone for good."
  return
}

if (-not $Url -or $Url -notmatch '^https?://') { Fail '-Url is needed: the box''s dashboard URL, as the install line gives it' }
$Url = $Url.TrimEnd('/')

# Node.js
$nodeCmd = Get-Command node -ErrorAction SilentlyContinue
$nodeHelp = "The Vigie agent needs Node.js $NodeMin or newer. Install it (winget install OpenJS.NodeJS.LTS, or the installer from https://nodejs.org), open a new PowerShell as Administrator and paste the line again."
if (-not $nodeCmd) { Fail "node was not found on PATH. $nodeHelp" }
$Node = $nodeCmd.Source
$nodeVersion = (& $Node --version) -as [string]
if ($nodeVersion -notmatch '^v(\d+)\.' -or [int]$Matches[1] -lt $NodeMin) { Fail "node $nodeVersion is too old. $nodeHelp" }

# Download and verify
$work = Join-Path ([IO.Path]::GetTempPath()) ("vigie-agent-" + [Guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $work | Out-Null
try {
  Say "downloading the agent from $Url"
  try {
    Invoke-WebRequest -UseBasicParsing -Uri "$Url/install/vigie-agent.json" -OutFile (Join-Path $work 'vigie-agent.json')
    Invoke-WebRequest -UseBasicParsing -Uri "$Url/install/vigie-agent.mjs" -OutFile (Join-Path $work 'vigie-agent.mjs')
  } catch {
    Fail "could not download from $Url ($($_.Exception.Message)): is the box reachable, is the agent built on it (npm run build)?"
  }
  $manifest = Get-Content -Raw -LiteralPath (Join-Path $work 'vigie-agent.json') | ConvertFrom-Json
  $actual = (Get-FileHash -Algorithm SHA256 -LiteralPath (Join-Path $work 'vigie-agent.mjs')).Hash.ToLowerInvariant()
  if ($manifest.sha256 -notmatch '^[0-9a-f]{64}$' -or $actual -ne $manifest.sha256) {
    Fail "checksum mismatch for vigie-agent.mjs (expected $($manifest.sha256), got $actual): nothing was installed"
  }
  Say "agent $($manifest.version), sha256 verified"

  $enroll = $Reenroll -or -not (Test-Path -LiteralPath $Config)
  if (-not $enroll) { Say "$Config exists: upgrading in place and keeping it; the token is not used (add -Reenroll to enroll again)" }
  $createdDir = -not (Test-Path -LiteralPath $Dir)
  New-Item -ItemType Directory -Force -Path $Dir | Out-Null
  $newConfig = Join-Path $Dir 'config.json.new'
  if ($enroll) {
    if (-not $Token) { Fail '-Token is needed to enroll (make one in Hosts & agents)' }
    # The token goes to node through the environment, never its command line.
    $env:VIGIE_ENROLL_TOKEN = $Token
    try {
      & $Node (Join-Path $work 'vigie-agent.mjs') enroll --url $Url --config $newConfig --data-dir $Data
      $code = $LASTEXITCODE
    } finally {
      Remove-Item Env:VIGIE_ENROLL_TOKEN -ErrorAction SilentlyContinue
    }
    if ($code -ne 0) {
      Remove-Item -LiteralPath $newConfig -Force -ErrorAction SilentlyContinue
      if ($createdDir) { Remove-Item -LiteralPath $Dir -Recurse -Force }
      Fail 'enrollment refused (see the message above); nothing was installed'
    }
  }

  # Stop a running agent before replacing its file (Windows locks nothing here, but a clean restart follows).
  $task = Get-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue
  if ($task) { Stop-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue }
  Copy-Item -Force -LiteralPath (Join-Path $work 'vigie-agent.mjs') -Destination (Join-Path $Dir 'vigie-agent.mjs')
  Copy-Item -Force -LiteralPath (Join-Path $work 'vigie-agent.json') -Destination (Join-Path $Dir 'vigie-agent.json')
  if ($enroll) { Move-Item -Force -LiteralPath $newConfig -Destination $Config }
  # SYSTEM (S-1-5-18) and Administrators (S-1-5-32-544) only, by SID so that localized group names do not matter.
  foreach ($secret in @($Config) + @(Get-ChildItem -LiteralPath $Dir -Filter '*.pem' | ForEach-Object { $_.FullName })) {
    & icacls.exe $secret /inheritance:r /grant:r '*S-1-5-18:(F)' '*S-1-5-32-544:(F)' | Out-Null
    if ($LASTEXITCODE -ne 0) { Fail "could not restrict the permissions of $secret" }
  }
  New-Item -ItemType Directory -Force -Path $Data | Out-Null
  & icacls.exe $Data /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)(F)' '*S-1-5-32-544:(OI)(CI)(F)' | Out-Null

  $action = New-ScheduledTaskAction -Execute $Node -Argument ('--lite-mode "{0}" run --config "{1}"' -f (Join-Path $Dir 'vigie-agent.mjs'), $Config) -WorkingDirectory $Dir
  $trigger = New-ScheduledTaskTrigger -AtStartup
  $settings = New-ScheduledTaskSettingsSet -ExecutionTimeLimit ([TimeSpan]::Zero) -RestartCount 999 -RestartInterval (New-TimeSpan -Minutes 1) `
    -StartWhenAvailable -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries -MultipleInstances IgnoreNew
  $runAs = New-ScheduledTaskPrincipal -UserId 'S-1-5-18' -LogonType ServiceAccount -RunLevel Highest
  Register-ScheduledTask -TaskName $TaskName -Action $action -Trigger $trigger -Settings $settings -Principal $runAs -Force | Out-Null
  Start-ScheduledTask -TaskName $TaskName
  Say "agent $($manifest.version) installed and started (task '$TaskName'). Paste this line again later to upgrade it; add -Uninstall to remove it."
} finally {
  Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
