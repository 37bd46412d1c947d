#!/usr/bin/env bash
# Regenerates tests/FaceClip.Core.Tests/Vision/Reference/face-api-reference.json from @vladmandic/face-api itself.
# Needs node (npm install done) and the .NET SDK; run from anywhere.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
demo=node_modules/@vladmandic/face-api/demo
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
dotnet run tools/face-api-reference/decode-rgb.cs -- "$tmp" "$demo"/sample{1,2,3,4,5,6}.jpg
node tools/face-api-reference/reference.mjs --rgb-dir "$tmp" "$demo"/sample{1,2,3,4,5,6}.jpg
