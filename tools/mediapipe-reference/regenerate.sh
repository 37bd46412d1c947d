#!/usr/bin/env bash
# Regenerates tests/FaceClip.Core.Tests/Vision/Reference/mediapipe/: the first face of each sample photo as FaceClip
# crops it for Face Mesh and Iris (faceclip faces --dense --crops), and the outputs of the models as @vladmandic/human
# ships them, run by tfjs in Node on those very pixels. Needs node (npm install done) and a Release build of the CLI.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
demo=node_modules/@vladmandic/face-api/demo
out=tests/FaceClip.Core.Tests/Vision/Reference/mediapipe
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for i in 1 2 3 4 5 6; do
  dotnet src/FaceClip.Cli/bin/Release/net10.0/faceclip.dll faces "$demo/sample$i.jpg" --dense --crops "$tmp/all" > /dev/null
done
rm -rf "$out" && mkdir -p "$out" "$tmp/rgb"
cp "$tmp"/all/*-0.png "$tmp"/all/*-0-left.png "$tmp"/all/*-0-right.png "$out"/
dotnet run tools/face-api-reference/decode-rgb.cs -- "$tmp/rgb" "$out"/*.png > /dev/null
node tools/mediapipe-reference/reference.mjs --rgb-dir "$tmp/rgb" --out "$out/reference.json" "$out"/*.png
