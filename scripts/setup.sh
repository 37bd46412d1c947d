#!/usr/bin/env bash
# One idempotent set-up step for FaceClip on Debian/Ubuntu (run as root, or with sudo available for apt).
# --tests also installs what the tests need beyond the app (Chromium for the browser tests, Redis and PostgreSQL for the
# distributed backend's).
# Installs only what is missing: system packages, npm packages (face-api weights, three.js), the .NET build (which
# patches TorchSharp's native library where the host's libstdc++ is too old), and the required model assets.
# Does nothing when everything is already there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
configuration="${FACECLIP_CONFIGURATION:-Release}"
for_tests=false
[ "${1:-}" = "--tests" ] && for_tests=true
log() { printf '[setup] %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

# --- system packages -------------------------------------------------------------------------------------------
apt_wanted=()
have node || apt_wanted+=(nodejs)
have npm || apt_wanted+=(npm)
have git || apt_wanted+=(git)
have curl || apt_wanted+=(curl ca-certificates)
# awk reads all of ldconfig's output (an early exit would end ldconfig with SIGPIPE, which pipefail turns into a failure).
libstdcxx="$(/sbin/ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 / && !found {print $NF; found = 1}')"
if [ -z "$libstdcxx" ] || ! grep -qa GLIBCXX_3.4.32 "$libstdcxx"; then
  # TorchSharp's native library needs GCC 13's libstdc++; build/native/fix-libtorchsharp.sh patches it with these.
  have patchelf || apt_wanted+=(patchelf)
  have python3 || apt_wanted+=(python3)
  have g++ || apt_wanted+=(g++)
  have objdump || apt_wanted+=(binutils)
fi
# The build compiles build/native/handle_quarantine.c next to TorchSharp's native library.
have cc || apt_wanted+=(gcc libc6-dev)
if $for_tests && [ ! -x /usr/bin/chromium ] && [ -z "${FACECLIP_CHROMIUM:-}" ]; then
  apt_wanted+=(chromium)
fi
# The distributed backend's tests run against real Redis and PostgreSQL servers (scripts/services.sh starts them).
if $for_tests; then
  have redis-server || apt_wanted+=(redis-server)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_wanted+=(postgresql)
fi
if [ ${#apt_wanted[@]} -gt 0 ]; then
  log "installing system packages: ${apt_wanted[*]}"
  sudo_cmd=(); [ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_wanted[@]}" >/dev/null
fi

# --- .NET SDK ----------------------------------------------------------------------------------------------------
if ! have dotnet || ! dotnet --list-sdks 2>/dev/null | grep -c '^10\.' >/dev/null; then
  log "error: the .NET 10 SDK is required and is not installed (it is not in Debian's archive)."
  log "Install it from https://learn.microsoft.com/dotnet/core/install/linux-debian and run this again."
  exit 1
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# --- npm packages (face-api weights and sample photos, three.js) ---------------------------------------------------
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp=node_modules/.faceclip-lock.sha256
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  log "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > "$stamp"
fi

# --- build ---------------------------------------------------------------------------------------------------------
log "building FaceClip ($configuration)"
dotnet build FaceClip.Web.sln -c "$configuration" --nologo -v quiet -clp:ErrorsOnly -clp:NoSummary

# --- required model assets -----------------------------------------------------------------------------------------
cli=(dotnet "src/FaceClip.Cli/bin/$configuration/net10.0/faceclip.dll")
if ! FACECLIP_HOME="$root" "${cli[@]}" models status >/dev/null 2>&1; then
  log "fetching required model assets"
  FACECLIP_HOME="$root" "${cli[@]}" models fetch
fi
log "ready"
