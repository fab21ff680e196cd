import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ServiceEntry, ServiceState } from '../../protocol/payloads.js';
import { byName } from './order.js';

const run = promisify(execFile);

/** Win32_Service.State values (Microsoft Learn, "Win32_Service class") → the contract's states. */
export function windowsState(state: unknown): ServiceState {
  switch (state) {
    case 'Running':
      return 'running';
    case 'Stopped':
    case 'Paused':
      return 'stopped';
    case 'Start Pending':
    case 'Continue Pending':
      return 'starting';
    case 'Stop Pending':
    case 'Pause Pending':
      return 'stopping';
    default:
      return 'unknown';
  }
}

/** Win32_Service.StartMode → starts at boot: Auto/Boot/System do; Manual and Disabled don't. */
export function windowsEnabled(mode: unknown): boolean | null {
  if (mode === 'Auto' || mode === 'Boot' || mode === 'System') return true;
  if (mode === 'Manual' || mode === 'Disabled') return false;
  return null;
}

/**
 * Parses `Get-CimInstance Win32_Service | Select Name,State,StartMode |
 * ConvertTo-Json`: an array, or a single object when there is one service.
 * Rows without a name are skipped.
 */
export function parseWin32Services(json: string): ServiceEntry[] {
  const parsed: unknown = JSON.parse(json.trim() || '[]');
  const rows = Array.isArray(parsed) ? parsed : [parsed];
  const out: ServiceEntry[] = [];
  for (const row of rows) {
    if (typeof row !== 'object' || row === null) continue;
    const { Name, State, StartMode } = row as Record<string, unknown>;
    if (typeof Name !== 'string' || Name === '') continue;
    out.push({ name: Name.slice(0, 256), state: windowsState(State), enabled: windowsEnabled(StartMode) });
  }
  return out.sort(byName).slice(0, 2000);
}

const SCRIPT = 'Get-CimInstance -ClassName Win32_Service | Select-Object Name,State,StartMode | ConvertTo-Json -Compress';

/** Lists Windows services through PowerShell's CIM cmdlets (Windows PowerShell 5.1 ships with every supported Windows). */
export async function listWindowsServices(): Promise<ServiceEntry[]> {
  const { stdout } = await run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', SCRIPT], {
    timeout: 30_000,
    maxBuffer: 8 * 1024 * 1024,
    windowsHide: true,
  });
  return parseWin32Services(stdout);
}
