#!/usr/bin/env bash
# Sets up what is missing, then runs the whole test suite and prints one summary line.
# Tests read the shared model mirror (../shared/models beside the checkout) unless FACECLIP_MODEL_MIRROR is set.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/environment.sh"
bash "$root/scripts/setup.sh" --tests
cd "$root"
configuration="${FACECLIP_CONFIGURATION:-Release}"
# Code style (.editorconfig): a change that dotnet format would rewrite fails here, before the tests run.
echo "[test] dotnet format --verify-no-changes"
dotnet format FaceClip.Web.sln --verify-no-changes --no-restore -v q
log="$(mktemp)"
trap 'rm -f "$log"; bash "$root/scripts/services.sh" stop' EXIT
# Throwaway Redis and PostgreSQL servers on loopback for the distributed backend's tests, stopped when the run ends.
services="$(bash "$root/scripts/services.sh" start)"  # a failed start stops the run here
eval "$services"
# A test host that dies of a native fault writes a crash report (the faulting thread's native and managed frames);
# it is printed after the run. The dumps themselves are removed.
crash_dir="$root/TestResults/crash"
rm -rf "$crash_dir"; mkdir -p "$crash_dir"
export DOTNET_DbgEnableMiniDump=1 DOTNET_DbgMiniDumpType=1 DOTNET_EnableCrashReport=1 DOTNET_DbgMiniDumpName="$crash_dir/testhost-%p.dmp"
set +e
# --blame: if a test host process dies (a native fault), the log names the test that was running.
dotnet test FaceClip.Web.sln -c "$configuration" --no-build --nologo --blame "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
rm -f "$crash_dir"/*.dmp
for report in "$crash_dir"/*.crashreport.json; do
  [ -e "$report" ] || continue
  echo "[test] a test host crashed; its faulting thread ($report):"
  python3 "$root/scripts/crash-report.py" "$report" 2>/dev/null || head -c 4000 "$report"
done
awk '/(Passed|Failed)! +- +Failed:/ {
       for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1)); if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     } END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
