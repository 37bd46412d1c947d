// Runs @vladmandic/face-api itself (node-wasm build, tfjs + tfjs-backend-wasm) on the sample photos and writes the
// reference JSON that the .NET tests compare against.
//
// Pixels: JPEG decoders differ (jpeg-js vs ImageSharp: about half of all channel values differ by 1-3 levels), and the
// landmark net is sensitive enough to that for the comparison to be about decoders rather than networks. So the reference
// is made from the very pixels FaceClip decodes: `--rgb-dir` reads raw RGB written by decode-rgb.cs (ImageSharp 2.1.13,
// EXIF auto-orient, as FaceImage does), and the JSON records their SHA-256 so the .NET test proves it sees the same
// pixels. The jpeg-js decode is still compared and its difference recorded (`jpegJs`). Without --rgb-dir, jpeg-js pixels
// are used. Regenerate everything with tools/face-api-reference/regenerate.sh.
//
// Usage (from the repository root, after `npm install`):
//   node tools/face-api-reference/reference.mjs [--rgb-dir DIR] [--out FILE] [images...]
//   node tools/face-api-reference/reference.mjs --bench 5 [images...]   prints {"medianMs": {...}} timings as JSON
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import crypto from 'node:crypto';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const tf = require('@tensorflow/tfjs');
const wasm = require('@tensorflow/tfjs-backend-wasm');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
const jpeg = require('jpeg-js');

const EXPRESSIONS = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'];

function parseArgs(argv) {
  const args = { out: path.join(root, 'tests/FaceClip.Core.Tests/Vision/Reference/face-api-reference.json'), bench: 0, rgbDir: null, images: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') args.out = path.resolve(argv[++i]);
    else if (argv[i] === '--bench') args.bench = parseInt(argv[++i], 10);
    else if (argv[i] === '--rgb-dir') args.rgbDir = path.resolve(argv[++i]);
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

function readRgb(dir, file) {
  const name = path.basename(file);
  const dims = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8'));
  const data = new Uint8Array(fs.readFileSync(path.join(dir, `${name}.rgb`)));
  if (data.length !== dims.width * dims.height * 3) throw new Error(`${name}: raw RGB size does not match ${dims.width} x ${dims.height}`);
  return { width: dims.width, height: dims.height, data };
}

function compare(a, b) {
  if (a.width !== b.width || a.height !== b.height) return { sameSize: false };
  let sum = 0; let max = 0; let same = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]);
    sum += d; if (d > max) max = d; if (d === 0) same++;
  }
  return { sameSize: true, meanAbsDiff: round(sum / a.data.length, 4), maxDiff: max, identicalFraction: round(same / a.data.length, 4) };
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
  await faceapi.nets.tinyFaceDetector.loadFromDisk(modelDir);
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
    const flags = { simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), threads: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') };
    process.stdout.write(`${JSON.stringify({ backend: tf.getBackend(), wasm: flags, faceapi: faceapi.version, tfjs: tf.version_core, medianMs })}\n`);
    return;
  }

  const images = [];
  for (const file of args.images) {
    const jpegJs = decode(file);
    const img = args.rgbDir ? readRgb(args.rgbDir, file) : jpegJs;
    const tensor = tf.tensor3d(img.data, [img.height, img.width, 3], 'int32');
    const results = await analyse(tensor);
    const tiny = await faceapi.detectAllFaces(tensor, new faceapi.TinyFaceDetectorOptions());
    tensor.dispose();
    images.push({
      file: path.basename(file),
      width: img.width,
      height: img.height,
      rgbSha256: crypto.createHash('sha256').update(img.data).digest('hex'),
      jpegJs: args.rgbDir ? compare(img, jpegJs) : null,
      tinyFaces: tiny.map((d) => ({
        score: round(d.score),
        box: { x: round(d.box.x, 3), y: round(d.box.y, 3), width: round(d.box.width, 3), height: round(d.box.height, 3) },
      })),
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
    decoder: args.rgbDir ? 'ImageSharp 2.1.13 via decode-rgb.cs (EXIF auto-orient), the pixels FaceImage decodes' : 'jpeg-js 0.4.4 (no EXIF orientation)',
    detector: { minConfidence: 0.5, maxResults: 100 },
    tinyDetector: { inputSize: 416, scoreThreshold: 0.5 },
    expressionOrder: EXPRESSIONS,
    images,
  };
  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  fs.writeFileSync(args.out, `${JSON.stringify(doc)}\n`);
  process.stdout.write(`wrote ${args.out}: ${images.map((i) => `${i.file}=${i.faces.length}`).join(' ')}\n`);
}

main().catch((err) => { console.error(err); process.exit(1); });
