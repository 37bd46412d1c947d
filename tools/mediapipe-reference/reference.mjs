// Runs MediaPipe Face Mesh and Iris, and Human's emotion net, as @vladmandic/human ships them (TFJS graph models, tfjs +
// tfjs-backend-wasm) on face and eye crops, and writes the reference JSON the .NET tests compare FaceClip's TorchSharp port against.
//
// The crops are FaceClip's own (regenerate.sh writes them with `faceclip faces --dense --crops`), decoded to raw RGB by
// tools/face-api-reference/decode-rgb.cs, so both sides see the same pixels: each input is pixels / 255, NHWC, as
// human's facemesh and iris code feed the models. A file named mesh-*.png goes to facemesh (192 x 192), eye-*.png to
// iris (64 x 64). Every output of the graph is recorded, by output node name, rounded to 1e-4.
//
// Usage (from the repository root, after `npm install`):
//   node tools/mediapipe-reference/reference.mjs --rgb-dir DIR --out FILE CROP...
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { readRgb } from './raw-rgb.mjs';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const tf = require('@tensorflow/tfjs');
const wasm = require('@tensorflow/tfjs-backend-wasm');

const models = path.join(root, 'node_modules/@vladmandic/human/models');

async function loadGraph(name) {
  const json = JSON.parse(fs.readFileSync(path.join(models, `${name}.json`), 'utf8'));
  const manifest = json.weightsManifest;
  const buffers = manifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(models, p))));
  const weightData = new Uint8Array(Buffer.concat(buffers)).buffer;
  const weightSpecs = manifest.flatMap((g) => g.weights);
  return tf.loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData, format: json.format, signature: json.signature }));
}

async function main() {
  const argv = process.argv.slice(2);
  let rgbDir = null; let out = null; const crops = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rgb-dir') rgbDir = path.resolve(argv[++i]);
    else if (argv[i] === '--out') out = path.resolve(argv[++i]);
    else crops.push(path.resolve(argv[i]));
  }
  if (!rgbDir || !out || crops.length === 0) throw new Error('usage: reference.mjs --rgb-dir DIR --out FILE CROP...');
  wasm.setWasmPaths(path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + path.sep, false);
  await tf.setBackend('wasm');
  await tf.ready();
  const graphs = { mesh: await loadGraph('facemesh'), eye: await loadGraph('iris') };
  const emotion = await loadGraph('emotion');
  const result = { generator: 'tools/mediapipe-reference/reference.mjs', human: '3.3.6', tfjs: tf.version.tfjs, backend: tf.getBackend(), crops: [] };
  for (const file of crops) {
    const kind = path.basename(file).startsWith('mesh-') ? 'mesh' : 'eye';
    const rgb = readRgb(rgbDir, file);
    const input = tf.tidy(() => tf.div(tf.tensor4d(rgb.data, [1, rgb.height, rgb.width, 3], 'float32'), 255));
    const model = graphs[kind];
    const names = model.outputs.map((o) => o.name);
    const tensors = model.execute(input, names);
    const outputs = {};
    for (let i = 0; i < names.length; i++) {
      const t = Array.isArray(tensors) ? tensors[i] : tensors;
      outputs[names[i].split(':')[0]] = { shape: t.shape, values: Array.from(await t.data(), (v) => Number(v.toFixed(4))) };
    }
    if (kind === 'mesh') {
      // Human's emotion net on the same face crop, preprocessed as human's gear/emotion.ts does: resizeBilinear to the
      // net's 64 x 64 (alignCorners false, no half-pixel centres), grayscale by rgb weights, then (g - 0.5) * 2.
      const probabilities = tf.tidy(() => {
        const resized = tf.image.resizeBilinear(input, [64, 64], false);
        const gray = tf.sum(tf.mul(resized, tf.tensor1d([0.2989, 0.5870, 0.1140])), 3, true);
        return emotion.execute(tf.mul(tf.sub(gray, 0.5), 2));
      });
      outputs.emotion = { shape: probabilities.shape, values: Array.from(await probabilities.data(), (v) => Number(v.toFixed(4))) };
      tf.dispose(probabilities);
    }
    tf.dispose([input, tensors]);
    result.crops.push({ file: path.basename(file), kind, width: rgb.width, height: rgb.height, outputs });
  }
  fs.writeFileSync(out, JSON.stringify(result) + '\n');
  console.log(`wrote ${path.relative(root, out)}: ${result.crops.length} crops`);
}

main().catch((e) => { console.error(e); process.exit(1); });
