// Runs @vladmandic/face-api itself (node-wasm build, tfjs + tfjs-backend-wasm) on the sample photos and writes the
// reference JSON that the .NET tests compare against. JPEGs are decoded with jpeg-js (pure JS) so no native canvas is
// needed; the decoded pixels are probed (a fixed grid of RGB samples) so the .NET side can check it sees the same pixels.
//
// Usage (from the repository root, after `npm install`):
//   node tools/face-api-reference/reference.mjs [--out tests/FaceClip.Core.Tests/Vision/Reference/face-api-reference.json]
//   node tools/face-api-reference/reference.mjs --bench 5 [images...]   prints {"medianMs": {...}} timings as JSON
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const tf = require('@tensorflow/tfjs');
const wasm = require('@tensorflow/tfjs-backend-wasm');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
const jpeg = require('jpeg-js');

const EXPRESSIONS = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'];
const PROBE_GRID = 16;

function parseArgs(argv) {
  const args = { out: path.join(root, 'tests/FaceClip.Core.Tests/Vision/Reference/face-api-reference.json'), bench: 0, images: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') args.out = path.resolve(argv[++i]);
    else if (argv[i] === '--bench') args.bench = parseInt(argv[++i], 10);
    else args.images.push(path.resolve(argv[i]));
  }
  if (args.images.length === 0) {
    const demo = path.join(root, 'node_modules/@vladmandic/face-api/demo');
    args.images = [1, 2, 3, 4, 5, 6].map((i) => path.join(demo, `sample${i}.jpg`));
  }
  return args;
}

function decode(file) {
  const img = jpeg.decode(fs.readFileSync(file), { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 1024 });
  return img; // { width, height, data: Uint8Array RGB }
}

function probe(img) {
  const samples = [];
  for (let gy = 0; gy < PROBE_GRID; gy++) {
    for (let gx = 0; gx < PROBE_GRID; gx++) {
      const x = Math.floor(((gx + 0.5) * img.width) / PROBE_GRID);
      const y = Math.floor(((gy + 0.5) * img.height) / PROBE_GRID);
      const o = (y * img.width + x) * 3;
      samples.push([x, y, img.data[o], img.data[o + 1], img.data[o + 2]]);
    }
  }
  return samples;
}

async function analyse(tensor) {
  return faceapi.detectAllFaces(tensor, new faceapi.SsdMobilenetv1Options())
    .withFaceLandmarks()
    .withFaceExpressions()
    .withFaceDescriptors();
}

const round = (v, d = 6) => Number(v.toFixed(d));

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const wasmDir = path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + path.sep;
  wasm.setWasmPaths(wasmDir, false); // false: emscripten reads the .wasm from disk (node fetch rejects file paths)
  await tf.setBackend('wasm');
  await tf.ready();
  const modelDir = path.join(root, 'node_modules/@vladmandic/face-api/model');
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
  await faceapi.nets.faceExpressionNet.loadFromDisk(modelDir);

  if (args.bench > 0) {
    const medianMs = {};
    for (const file of args.images) {
      const img = decode(file);
      const tensor = tf.tensor3d(img.data, [img.height, img.width, 3], 'int32');
      // detection + landmarks + descriptor, the same work `faceclip bench faces` times
      await faceapi.detectAllFaces(tensor).withFaceLandmarks().withFaceDescriptors(); // warm-up
      const times = [];
      for (let r = 0; r < args.bench; r++) {
        const t0 = performance.now();
        await faceapi.detectAllFaces(tensor).withFaceLandmarks().withFaceDescriptors();
        times.push(performance.now() - t0);
      }
      tensor.dispose();
      times.sort((a, b) => a - b);
      medianMs[path.basename(file)] = times[Math.floor(times.length / 2)];
    }
    process.stdout.write(`${JSON.stringify({ backend: tf.getBackend(), faceapi: faceapi.version, tfjs: tf.version_core, medianMs })}\n`);
    return;
  }

  const images = [];
  for (const file of args.images) {
    const img = decode(file);
    const tensor = tf.tensor3d(img.data, [img.height, img.width, 3], 'int32');
    const results = await analyse(tensor);
    tensor.dispose();
    images.push({
      file: path.basename(file),
      width: img.width,
      height: img.height,
      probe: probe(img),
      faces: results.map((r) => ({
        score: round(r.detection.score),
        box: { x: round(r.detection.box.x, 3), y: round(r.detection.box.y, 3), width: round(r.detection.box.width, 3), height: round(r.detection.box.height, 3) },
        landmarks: r.landmarks.positions.map((p) => [round(p.x, 3), round(p.y, 3)]),
        expressions: EXPRESSIONS.map((e) => round(r.expressions[e])),
        descriptor: Array.from(r.descriptor).map((v) => round(v)),
      })),
    });
  }
  const doc = {
    generator: 'tools/face-api-reference/reference.mjs',
    faceapi: faceapi.version,
    tfjs: tf.version_core,
    backend: tf.getBackend(),
    decoder: 'jpeg-js 0.4.4 (no EXIF orientation)',
    detector: { minConfidence: 0.5, maxResults: 100 },
    expressionOrder: EXPRESSIONS,
    images,
  };
  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  fs.writeFileSync(args.out, `${JSON.stringify(doc)}\n`);
  process.stdout.write(`wrote ${args.out}: ${images.map((i) => `${i.file}=${i.faces.length}`).join(' ')}\n`);
}

main().catch((err) => { console.error(err); process.exit(1); });
