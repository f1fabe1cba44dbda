// GPU figures for scripts/device-check.sh (needs a CUDA device; the built addon and dist/):
//   node scripts/gpu-checks.mjs peak-conv     FP32 FMA peak, measured; conv2d GFLOP/s per pass on
//                                             the study's largest convolutions (paper43:20 cnn(2,1024),
//                                             paper43:12 cnn(6,768); batch 8, 1 x 128 x 64) as % of it
//   node scripts/gpu-checks.mjs step [N]      dcase-crnn training step on CUDA, batch 8: ms per step
//                                             (wall, N steps after 5 warm-up) and the ledger's GPU time
//   node scripts/gpu-checks.mjs ncu-step FILE one training step of paper43:11 cnn(1,128) for Nsight
//                                             Compute to count; the ledger written to FILE
// Prints one JSON object.
import fs from 'node:fs';

import { loadAddon, modelRefSpec, namedModel, Network } from '../dist/index.js';
import { Random } from '../dist/util/random.js';

const [mode, arg] = process.argv.slice(2);
const SHAPES = { toolbox: [1, 128, 64], dcase: [1, 128, 626] };

function cudaNetwork(name, batch, seed = 1) {
  const entry = namedModel(name);
  const inputShape = SHAPES[entry.frontend];
  const net = Network.create(modelRefSpec(entry.model, { inputShape, classes: 10, seed }), { device: 'cuda' });
  const random = new Random(seed);
  const x = Float32Array.from({ length: batch * inputShape.reduce((a, b) => a * b, 1) }, () => random.normal());
  const y = Float32Array.from({ length: batch * net.outputShape.reduce((a, b) => a * b, 1) }, () => (random.next() < 0.3 ? 1 : 0));
  return { net, x, y };
}

async function peakConv() {
  const peak = await loadAddon().measureCudaFmaPeak(0, 1.0);
  const convs = [];
  for (const name of ['paper43:20', 'paper43:12']) {
    const { net, x, y } = cudaNetwork(name, 8);
    for (let i = 0; i < 2; i++) await net.trainStep(x, y);
    net.resetLedger();
    for (let i = 0; i < 5; i++) await net.trainStep(x, y);
    for (const r of net.ledger().filter((row) => row.name === 'conv2d')) {
      const gflops = r.flops / (r.ms / 1e3) / 1e9;
      convs.push({
        model: name,
        layer: r.layer,
        pass: r.pass,
        shapes: r.shapes,
        calls: r.calls,
        msPerCall: r.ms / r.calls,
        gflops,
        ofPeak: gflops / peak.gflops,
      });
    }
    net.dispose();
  }
  return { peak, convs };
}

async function step(n) {
  const { net, x, y } = cudaNetwork('dcase-crnn', 8);
  for (let i = 0; i < 5; i++) await net.trainStep(x, y);
  net.resetLedger();
  const start = performance.now();
  for (let i = 0; i < n; i++) await net.trainStep(x, y);
  const msPerStep = (performance.now() - start) / n;
  const rows = net.ledger();
  const gpuMsPerStep = rows.reduce((a, r) => a + r.ms, 0) / n;
  const top = rows
    .map((r) => ({ layer: r.layer, name: r.name, pass: r.pass, msPerStep: r.ms / n }))
    .sort((a, b) => b.msPerStep - a.msPerStep)
    .slice(0, 12);
  net.dispose();
  return { model: 'dcase-crnn', batch: 8, steps: n, msPerStep, gpuMsPerStep, params: net.description.parameters, top };
}

async function ncuStep(file) {
  const { net, x, y } = cudaNetwork('paper43:11', 8);
  await net.trainStep(x, y);
  fs.writeFileSync(file, JSON.stringify(net.ledger(), null, 1));
  net.dispose();
  return { model: 'paper43:11', ledger: file };
}

const result =
  mode === 'peak-conv'
    ? await peakConv()
    : mode === 'step'
      ? await step(Number(arg ?? 30))
      : mode === 'ncu-step'
        ? await ncuStep(arg)
        : null;
if (!result) {
  console.error('usage: gpu-checks.mjs peak-conv | step [N] | ncu-step FILE');
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
