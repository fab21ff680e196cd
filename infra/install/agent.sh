#!/bin/sh
# Installs, upgrades or removes the Vigie agent on Linux or macOS (issue 11).
# The box serves this file as it is at /install/agent.sh: nothing secret is
# templated into it. The dashboard (Hosts & agents) and
# `vigie credentials add --host NAME` print the line that runs it:
#
#   curl -fsSL 'BOX/install/agent.sh' | sh -s -- --url 'BOX' --token 'TOKEN'
#
# Options:
#   --url URL       the box's dashboard URL (where the bundle and enrollment are)
#   --token TOKEN   the one-time enrollment token (or env VIGIE_ENROLL_TOKEN)
#   --dir DIR       install in DIR (no root, no service; implies --no-service)
#   --no-service    no root, no systemd: install in --dir (default ~/vigie-agent)
#   --reenroll      enroll again with --token even if a configuration exists
#   --uninstall     remove what this script installed
#   --print-unit    print the systemd unit it would install, and exit
#
# Root mode (the default): a system user `vigie-agent`, the bundle and its
# config (0600) under /opt/vigie-agent, data in /var/lib/vigie-agent and a
# hardened unit /etc/systemd/system/vigie-agent.service. Running it again
# upgrades the bundle in place and keeps the configuration (the token is not
# used then). The token reaches node through the environment, never argv.
set -eu

PROG=vigie-agent
SERVICE_USER=vigie-agent
ROOT_DIR=/opt/vigie-agent
ROOT_DATA=/var/lib/vigie-agent
UNIT=/etc/systemd/system/vigie-agent.service
NODE_MIN=20

URL=''
TOKEN=${VIGIE_ENROLL_TOKEN:-}
DIR=''
SERVICE=yes
REENROLL=no
UNINSTALL=no
PRINT_UNIT=no
WORK=''

say() { printf '%s: %s\n' "$PROG" "$*"; }
die() { printf '%s: %s\n' "$PROG" "$*" >&2; exit 1; }
cleanup() { if [ -n "$WORK" ]; then rm -rf "$WORK"; fi; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

need_value() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value (see the comment at the top of this script)"; }

while [ $# -gt 0 ]; do
  case $1 in
    --url) need_value "$@"; URL=$2; shift 2 ;;
    --token) need_value "$@"; TOKEN=$2; shift 2 ;;
    --dir) need_value "$@"; DIR=$2; SERVICE=no; shift 2 ;;
    --no-service) SERVICE=no; shift ;;
    --reenroll) REENROLL=yes; shift ;;
    --uninstall) UNINSTALL=yes; shift ;;
    --print-unit) PRINT_UNIT=yes; shift ;;
    -h|--help) echo "usage: sh agent.sh --url URL --token TOKEN [--dir DIR --no-service] [--reenroll] | --uninstall [--dir DIR]"; exit 0 ;;
    *) die "unknown option: $1 (expected --url, --token, --dir, --no-service, --reenroll, --uninstall)" ;;
  esac
done

if [ "$SERVICE" = no ] && [ -z "$DIR" ]; then
  [ -n "${HOME:-}" ] || die "--no-service needs --dir DIR (HOME is not set)"
  DIR=$HOME/vigie-agent
fi
if [ "$SERVICE" = yes ]; then
  PREFIX=$ROOT_DIR
  DATA=$ROOT_DATA
else
  case $DIR in /*) ;; *) DIR=$(pwd)/$DIR ;; esac
  PREFIX=${DIR%/}
  DATA=$PREFIX/data
fi
CONFIG=$PREFIX/config.json

# ---- uninstall -------------------------------------------------------------
if [ "$UNINSTALL" = yes ]; then
  if [ "$SERVICE" = no ]; then
    [ -d "$PREFIX" ] || { say "nothing installed in $PREFIX"; exit 0; }
    # Only a directory this script filled is removed: never a mistyped $HOME.
    [ -f "$PREFIX/vigie-agent.mjs" ] || [ -f "$CONFIG" ] || die "$PREFIX does not look like a Vigie agent install (no vigie-agent.mjs): not removing it"
    rm -rf "$PREFIX"
    say "removed $PREFIX (stop the agent if it still runs). Revoke its credentials in Hosts & agents if the host is gone for good."
    exit 0
  fi
  [ "$(id -u)" -eq 0 ] || die "--uninstall of the service needs root: run it with sudo (or add --dir DIR for a --no-service install)"
  if command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now vigie-agent.service >/dev/null 2>&1 || true
  fi
  rm -f "$UNIT"
  if command -v systemctl >/dev/null 2>&1; then systemctl daemon-reload || true; fi
  rm -rf "$ROOT_DIR" "$ROOT_DATA"
  if id "$SERVICE_USER" >/dev/null 2>&1; then userdel "$SERVICE_USER" 2>/dev/null || say "could not delete user $SERVICE_USER (delete it by hand)"; fi
  say "removed the service, $ROOT_DIR, $ROOT_DATA and the user $SERVICE_USER. Revoke its credentials in Hosts & agents if the host is gone for good."
  exit 0
fi

[ -n "$URL" ] || die "--url is needed: the box's dashboard URL, as the install line gives it"
case $URL in http://*|https://*) ;; *) die "--url: expected http(s)://…, got $URL" ;; esac
URL=${URL%/}

# ---- Node.js ---------------------------------------------------------------
node_help() {
  {
    printf '%s: %s\n' "$PROG" "$1"
    echo "The Vigie agent needs Node.js $NODE_MIN or newer. Install it, then run this command again:"
    if [ "$(uname -s 2>/dev/null)" = Darwin ]; then
      echo "  macOS (Homebrew):  brew install node"
    else
      echo "  Debian/Ubuntu:     apt-cache policy nodejs   # if the candidate is $NODE_MIN or newer:"
      echo "                     sudo apt install nodejs"
      echo "                     # otherwise NodeSource (https://github.com/nodesource/distributions):"
      echo "                     curl -fsSL https://deb.nodesource.com/setup_22.x | sudo bash - && sudo apt-get install -y nodejs"
      echo "  Fedora/RHEL:       sudo dnf install nodejs   # or NodeSource: https://rpm.nodesource.com/setup_22.x"
      echo "  Alpine:            apk add nodejs"
      echo "  macOS (Homebrew):  brew install node"
    fi
    echo "  Without root (nvm): curl -o- https://raw.githubusercontent.com/nvm-sh/nvm/v0.40.1/install.sh | bash"
    echo "                      then open a new shell: nvm install 22   (and use --dir DIR --no-service: a service cannot use a node under /home)"
  } >&2
  exit 1
}
command -v node >/dev/null 2>&1 || node_help "node was not found on PATH"
NODE=$(command -v node)
NODE_VERSION=$(node --version 2>/dev/null || true)
major=${NODE_VERSION#v}
major=${major%%.*}
case $major in ''|*[!0-9]*) node_help "could not run node --version (got: $NODE_VERSION)" ;; esac
[ "$major" -ge "$NODE_MIN" ] || node_help "node $NODE_VERSION is too old"

# ---- downloads -------------------------------------------------------------
fetch() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS --retry 2 -o "$2" "$1" || die "could not download $1 (is the box reachable from here? is the agent built on the box: npm run build?)"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1" || die "could not download $1 (is the box reachable from here? is the agent built on the box: npm run build?)"
  else
    die "curl or wget is needed to download the agent"
  fi
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vigie-agent.XXXXXX")

render_unit() {
  fetch "$URL/install/vigie-agent.service" "$WORK/unit.in"
  # Paths with sed metacharacters are refused rather than escaped.
  case $NODE$PREFIX in *'|'*|*'&'*|*'\'*) die "node's path or the install directory holds | & or \\: not supported in the unit" ;; esac
  sed -e "s|@NODE@|$NODE|g" -e "s|@DIR@|$PREFIX|g" "$WORK/unit.in"
}

if [ "$PRINT_UNIT" = yes ]; then
  render_unit
  exit 0
fi

# ---- root mode checks (before anything is written) -------------------------
if [ "$SERVICE" = yes ]; then
  [ "$(id -u)" -eq 0 ] || die "installing the service needs root: put sudo before sh (… | sudo sh -s -- …), or install without root with --dir \"\$HOME/vigie-agent\" --no-service"
  command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ] || die "systemd is not running here: install without a service with --dir DIR --no-service and start the agent your own way"
  case $NODE in /home/*|/root/*|/run/user/*) die "node is $NODE, under a home directory, which the hardened service cannot read (ProtectHome): install a system Node.js (see above), or use --dir DIR --no-service" ;; esac
fi

say "downloading the agent from $URL"
fetch "$URL/install/vigie-agent.json" "$WORK/vigie-agent.json"
fetch "$URL/install/vigie-agent.mjs" "$WORK/vigie-agent.mjs"
# sha256 with node: the one tool every target has (sha256sum and shasum differ between Linux and macOS).
EXPECTED=$(node -e 'const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); if (!/^[0-9a-f]{64}$/.test(m.sha256)) process.exit(1); process.stdout.write(m.sha256 + " " + m.version)' "$WORK/vigie-agent.json") \
  || die "$URL/install/vigie-agent.json is not a valid manifest"
SHA=${EXPECTED%% *}
VERSION=${EXPECTED#* }
ACTUAL=$(node -e 'process.stdout.write(require("crypto").createHash("sha256").update(require("fs").readFileSync(process.argv[1])).digest("hex"))' "$WORK/vigie-agent.mjs")
[ "$ACTUAL" = "$SHA" ] || die "checksum mismatch for vigie-agent.mjs (expected $SHA, got $ACTUAL): download interrupted or altered; nothing was installed"
node "$WORK/vigie-agent.mjs" --version >/dev/null 2>&1 || die "the downloaded agent does not run with $NODE ($NODE_VERSION)"
say "agent $VERSION, sha256 verified"

# ---- enrollment (or not: an existing configuration is kept) ----------------
ENROLL=yes
if [ -f "$CONFIG" ] && [ "$REENROLL" = no ]; then
  ENROLL=no
  say "$CONFIG exists: upgrading in place and keeping it; the token is not used (add --reenroll to enroll again)"
fi
# The service user first: creating it is what may fail, and a spent token must not be wasted on that.
CREATED_USER=no
if [ "$SERVICE" = yes ] && ! id "$SERVICE_USER" >/dev/null 2>&1; then
  NOLOGIN=$(command -v nologin 2>/dev/null || echo /usr/sbin/nologin)
  useradd --system --no-create-home --home-dir /nonexistent --shell "$NOLOGIN" "$SERVICE_USER" || die "could not create the system user $SERVICE_USER; nothing was installed"
  CREATED_USER=yes
fi
CREATED_PREFIX=no
if [ ! -d "$PREFIX" ]; then CREATED_PREFIX=yes; fi
mkdir -p "$PREFIX"
chmod 755 "$PREFIX"
if [ "$ENROLL" = yes ]; then
  if [ -z "$TOKEN" ]; then
    if [ "$CREATED_USER" = yes ]; then userdel "$SERVICE_USER" 2>/dev/null || true; fi
    if [ "$CREATED_PREFIX" = yes ]; then rmdir "$PREFIX"; fi
    die "--token is needed to enroll (make one in Hosts & agents)"
  fi
  # Written next to the final file (a CA file it writes stays beside it), moved in place only on success.
  rm -f "$PREFIX/config.json.new"
  if ! VIGIE_ENROLL_TOKEN=$TOKEN node "$WORK/vigie-agent.mjs" enroll --url "$URL" --config "$PREFIX/config.json.new" --data-dir "$DATA"; then
    rm -f "$PREFIX/config.json.new"
    if [ "$CREATED_USER" = yes ]; then userdel "$SERVICE_USER" 2>/dev/null || true; fi
    if [ "$CREATED_PREFIX" = yes ]; then rm -rf "$PREFIX"; die "enrollment failed (see the message above); nothing was installed"; fi
    die "enrollment failed (see the message above); the existing installation in $PREFIX is unchanged"
  fi
fi

# ---- install ---------------------------------------------------------------
cp "$WORK/vigie-agent.mjs" "$PREFIX/vigie-agent.mjs.new"
cp "$WORK/vigie-agent.json" "$PREFIX/vigie-agent.json"
chmod 644 "$PREFIX/vigie-agent.mjs.new" "$PREFIX/vigie-agent.json"
mv -f "$PREFIX/vigie-agent.mjs.new" "$PREFIX/vigie-agent.mjs"
if [ "$ENROLL" = yes ]; then
  chmod 600 "$PREFIX/config.json.new"
  mv -f "$PREFIX/config.json.new" "$CONFIG"
fi
if [ "$SERVICE" = no ]; then
  mkdir -p "$DATA"
  chmod 700 "$DATA"
  say "installed agent $VERSION in $PREFIX. Start it with:"
  echo "  MALLOC_ARENA_MAX=1 $NODE --lite-mode $PREFIX/vigie-agent.mjs run --config $CONFIG"
  echo "Run this line again later to upgrade it (the configuration is kept)."
  exit 0
fi

if [ "$CREATED_USER" = yes ]; then say "created the system user $SERVICE_USER"; fi
chown "$SERVICE_USER:$SERVICE_USER" "$CONFIG"
for extra in "$PREFIX"/*.pem; do
  if [ -f "$extra" ]; then chown "$SERVICE_USER:$SERVICE_USER" "$extra"; chmod 600 "$extra"; fi
done
render_unit > "$WORK/vigie-agent.service"
install -m 644 "$WORK/vigie-agent.service" "$UNIT"
systemctl daemon-reload
systemctl enable vigie-agent.service >/dev/null 2>&1
systemctl restart vigie-agent.service
say "agent $VERSION installed and started: systemctl status vigie-agent, journalctl -u vigie-agent"
echo "Run this line again later to upgrade it (the configuration is kept); --uninstall removes it."
