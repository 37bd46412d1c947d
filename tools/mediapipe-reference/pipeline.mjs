// Runs @vladmandic/human 3.3.6's own face pipeline (BlazeFace, Face Mesh with iris, tfjs-backend-wasm) on photos and
// prints, per face, its 478 points (468 mesh, then the left and right irises) in image pixels, as JSON. Used by
// `faceclip bench dense --human FILE` to compare FaceClip's dense landmarks with the package's end to end. Photos are
// read as raw RGB written by tools/face-api-reference/decode-rgb.cs (the pixels FaceClip decodes).
//
// Usage: node tools/mediapipe-reference/pipeline.mjs --rgb-dir DIR --out FILE IMAGE...
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { readRgb } from './raw-rgb.mjs';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const models = path.join(root, 'node_modules/@vladmandic/human/models');

// human fetches its models by URL; node's fetch does not read files, so file:// URLs are served from disk.
const nodeFetch = globalThis.fetch;
globalThis.fetch = async (url, init) => {
  const u = String(url);
  if (!u.startsWith('file://')) return nodeFetch(url, init);
  return new Response(fs.readFileSync(fileURLToPath(u)), { status: 200 });
};

// The package's exports map lists its builds without './', which node rejects, so the file is required by path.
const { Human } = require(path.join(root, 'node_modules/@vladmandic/human/dist/human.node-wasm.js'));

async function main() {
  const argv = process.argv.slice(2);
  let rgbDir = null; let out = null; const images = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rgb-dir') rgbDir = path.resolve(argv[++i]);
    else if (argv[i] === '--out') out = path.resolve(argv[++i]);
    else images.push(path.resolve(argv[i]));
  }
  if (!rgbDir || !out) throw new Error('usage: pipeline.mjs --rgb-dir DIR --out FILE IMAGE...');
  const human = new Human({
    backend: 'wasm',
    wasmPath: `file://${path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`,
    modelBasePath: `file://${models}/`,
    debug: false,
    cacheSensitivity: 0,
    filter: { enabled: false },
    face: {
      enabled: true,
      detector: { rotation: true, maxDetected: 20, minConfidence: 0.2, return: false },
      mesh: { enabled: true },
      iris: { enabled: true },
      attention: { enabled: false },
      description: { enabled: false }, emotion: { enabled: false }, antispoof: { enabled: false }, liveness: { enabled: false },
    },
    body: { enabled: false }, hand: { enabled: false }, object: { enabled: false }, gesture: { enabled: false }, segmentation: { enabled: false },
  });
  await human.load();
  const result = { generator: 'tools/mediapipe-reference/pipeline.mjs', human: human.version, backend: human.tf.getBackend(), images: [] };
  for (const file of images) {
    const name = path.basename(file);
    const { width, height, data } = readRgb(rgbDir, file);
    const input = human.tf.tensor3d(data, [height, width, 3], 'int32');
    const res = await human.detect(input);
    human.tf.dispose(input);
    result.images.push({ file: name, faces: res.face.map((f) => ({ score: f.score, box: f.box, mesh: f.mesh.map((p) => [p[0], p[1], p[2]]) })) });
  }
  fs.writeFileSync(out, JSON.stringify(result) + '\n');
  console.log(`wrote ${out}: ${result.images.reduce((n, i) => n + i.faces.length, 0)} faces`);
}

main().catch((e) => { console.error(e); process.exit(1); });
