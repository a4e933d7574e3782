#!/usr/bin/env node
// Times onnxruntime-node float inference on the same samples and batch size
// that `aimcc eval` uses, and prints one JSON object {seconds, samples, batch}.
// Usage: node ort_bench.js MODEL.onnx X.npy BATCH LIMIT SCALE SHIFT SAMPLE_SHAPE
// SAMPLE_SHAPE is one sample's shape without the batch, such as 1,28,28.
// Needs onnxruntime-node installed where node finds it (bench/run.sh does that).
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

// Reads a little-endian, C-order .npy file into {shape, data: Float32Array}.
function readNpy(path) {
  const bytes = fs.readFileSync(path);
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  const header = bytes.toString('latin1', headerStart, headerStart + headerLength);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1]
    .split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  const body = bytes.subarray(headerStart + headerLength);
  const readers = {
    '|u1': (i) => body.readUInt8(i), '|i1': (i) => body.readInt8(i),
    '<f4': (i) => body.readFloatLE(i * 4), '<f8': (i) => body.readDoubleLE(i * 8),
  };
  if (!readers[descr]) throw new Error(`unsupported npy dtype ${descr}`);
  const count = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = readers[descr](i);
  return { shape, data };
}

async function main() {
  const [modelPath, xPath, batchText, limitText, scaleText, shiftText, shapeText] =
    process.argv.slice(2);
  const sampleShape = shapeText.split(',').map(Number);
  const batch = Number(batchText);
  const x = readNpy(xPath);
  const limit = Math.min(Number(limitText), x.shape[0]);
  const scale = Number(scaleText || 1);
  const shift = Number(shiftText || 0);
  const sampleSize = x.data.length / x.shape[0];

  const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1 });
  const inputName = session.inputNames[0];
  const start = process.hrtime.bigint();
  for (let first = 0; first < limit; first += batch) {
    const n = Math.min(batch, limit - first);
    const data = new Float32Array(n * sampleSize);
    for (let i = 0; i < data.length; i++) data[i] = x.data[first * sampleSize + i] * scale + shift;
    const shape = [n, ...sampleShape];
    const feeds = { [inputName]: new ort.Tensor('float32', data, shape) };
    await session.run(feeds);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  process.stdout.write(JSON.stringify({ seconds, samples: limit, batch }) + '\n');
}

main().catch((error) => { process.stderr.write(`ort_bench: ${error.message}\n`); process.exit(1); });
