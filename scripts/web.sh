#!/usr/bin/env bash
# Sets up what is missing, then runs the FaceClip web app on its embedded defaults (http://127.0.0.1:5000).
# Extra arguments go to the app, e.g. --urls http://0.0.0.0:8080
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/environment.sh"
bash "$root/scripts/setup.sh"
cd "$root"
exec dotnet "src/FaceClip.Web/bin/${FACECLIP_CONFIGURATION:-Release}/net10.0/FaceClip.Web.dll" "$@"
