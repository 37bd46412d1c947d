#!/usr/bin/env bash
# Runs @vladmandic/human's own face pipeline on photos (default: the six sample photos) and writes its dense
# landmarks as JSON, for `faceclip bench dense --human FILE`. Needs node (npm install done) and the .NET SDK.
# Usage: tools/mediapipe-reference/pipeline.sh OUT.json [IMAGE...]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(realpath -m "$1")"; shift
cd "$root"
if [ "$#" -eq 0 ]; then set -- node_modules/@vladmandic/face-api/demo/sample{1,2,3,4,5,6}.jpg; fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
dotnet run tools/face-api-reference/decode-rgb.cs -- "$tmp" "$@" > /dev/null
node tools/mediapipe-reference/pipeline.mjs --rgb-dir "$tmp" --out "$out" "$@"
