// Reads a picture as raw RGB written by tools/face-api-reference/decode-rgb.cs (the pixels FaceClip decodes): NAME.rgb
// (height x width x 3 bytes) and NAME.json ({ width, height }) in DIR, for the picture FILE (only its file name counts).
import fs from 'node:fs';
import path from 'node:path';

export function readRgb(dir, file) {
  const name = path.basename(file);
  const dims = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8'));
  const data = new Uint8Array(fs.readFileSync(path.join(dir, `${name}.rgb`)));
  if (data.length !== dims.width * dims.height * 3) throw new Error(`${name}: raw RGB size does not match ${dims.width} x ${dims.height}`);
  return { width: dims.width, height: dims.height, data };
}
