# Sourced by scripts/web.sh and scripts/test.sh: environment shared by every entry point.
# A local model mirror beside the checkout (../shared/models) stands in for downloads unless one is configured.
faceclip_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "${FACECLIP_MODEL_MIRROR:-}" ] && [ -d "$faceclip_root/../shared/models" ]; then
  FACECLIP_MODEL_MIRROR="$(cd "$faceclip_root/../shared/models" && pwd)"
  export FACECLIP_MODEL_MIRROR
fi
export FACECLIP_HOME="$faceclip_root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
