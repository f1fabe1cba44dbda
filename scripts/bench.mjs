#!/usr/bin/env node
// npm run bench: GFLOP/s of the fast CPU kernels on fixed shapes, single-thread and all-threads,
// as a fraction of this machine's FP32 FMA peak measured in the same run with the same
// instruction set. Kernels run inside real networks; their times come from the ledger.
//
//   conv2d 3x3: batch 8, 64 -> 64 channels, 128 x 64 input, padding 1
//   linear:     batch 8, 8192 -> 1024
//
// GB/s is the ledger's compulsory traffic over the time: memory-bound kernels (small-batch linear,
// bias sums) are limited by it, not by the FMA peak.
//
// The energy sampler's own cost is measured too: the CPU time of its thread over 5 s of sampling
// at 20 Hz, as a fraction of one core (target: under 1 %).
//
// Options: --reps N (default 5; the best repetition counts), --json
import { loadAddon, Meter, Network } from '../dist/index.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const repsAt = args.indexOf('--reps');
const reps = repsAt >= 0 ? Number(args[repsAt + 1]) : 5;
if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a positive integer`);

const addon = loadAddon();
const info = addon.info();
const threadCounts = [...new Set([1, info.defaultThreads])];

const cases = [
  {
    name: 'conv2d 3x3 8x64x128x64 -> 64',
    kernel: 'conv2d',
    spec: { input: [64, 128, 64], layers: [{ type: 'conv2d', out: 64, kernel: 3, padding: 1 }], inputGradient: true },
    batch: 8,
  },
  {
    name: 'linear 8x8192 -> 1024',
    kernel: 'linear',
    spec: { input: [8192], layers: [{ type: 'linear', out: 1024 }], inputGradient: true },
    batch: 8,
  },
];

function fill(n, seed) {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; ++i) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}

const results = [];
for (const threads of threadCounts) {
  const peak = await addon.measureFmaPeak(threads, 0.5);
  for (const c of cases) {
    const net = Network.create({ ...c.spec, optimizer: { type: 'sgd', lr: 1e-6 }, seed: 1 }, { threads });
    const x = fill(c.batch * c.spec.input.reduce((a, b) => a * b, 1), 1);
    const y = new Float32Array(c.batch * net.outputShape.reduce((a, b) => a * b, 1));
    await net.trainStep(x, y); // warm-up: buffers, packing space, caches
    const best = new Map();
    for (let r = 0; r < reps; ++r) {
      net.resetLedger();
      await net.trainStep(x, y);
      for (const row of net.ledger().filter((row) => row.name === c.kernel)) {
        const rate = row.flops / row.ms / 1e6;
        const prev = best.get(row.pass);
        if (!prev || rate > prev.gflops) best.set(row.pass, { gflops: rate, ms: row.ms, flops: row.flops, bytes: row.bytesRead + row.bytesWritten });
      }
    }
    net.dispose();
    for (const [pass, b] of best) {
      results.push({ case: c.name, pass, threads, gflops: b.gflops, ms: b.ms, gflop: b.flops / 1e9, gbPerSecond: b.bytes / b.ms / 1e6, peakGflops: peak.gflops, ofPeak: b.gflops / peak.gflops, isa: peak.isa });
    }
  }
}

// The sampler alone, at 20 Hz, on whatever sources this machine has.
const meter = Meter.start({ periodMs: 50 });
await new Promise((resolve) => setTimeout(resolve, 5000));
const sampler = meter.describe();
meter.stop();
const samplerResult = {
  periodS: sampler.periodS,
  sources: sampler.sources.map((s) => `${s.id} [${s.source}]`),
  wallS: sampler.overhead.wallS,
  samplerCpuS: sampler.overhead.samplerCpuS,
  fractionOfOneCore: sampler.overhead.fractionOfOneCore,
  ticks: sampler.overhead.ticks,
};

if (json) {
  process.stdout.write(`${JSON.stringify({ cpu: info.isa, threads: threadCounts, reps, results, sampler: samplerResult }, null, 2)}\n`);
} else {
  const peaks = new Map(results.map((r) => [r.threads, r.peakGflops]));
  console.log(`FP32 FMA peak measured now (${info.isa}): ${[...peaks].map(([t, g]) => `${g.toFixed(1)} GFLOP/s on ${t} thread(s)`).join(', ')}`);
  console.log(`best of ${reps} steps per kernel; "of peak" = GFLOP/s / peak at the same thread count\n`);
  const header = ['kernel', 'pass', 'threads', 'ms', 'GFLOP/s', 'of peak', 'GB/s'];
  const rows = results.map((r) => [r.case, r.pass, String(r.threads), r.ms.toFixed(2), r.gflops.toFixed(1), `${(100 * r.ofPeak).toFixed(1)}%`, r.gbPerSecond.toFixed(1)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (row) => row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  console.log(
    `\nenergy sampler at ${(1 / samplerResult.periodS).toFixed(0)} Hz on ${samplerResult.sources.join(', ')}: ` +
      `${(1000 * samplerResult.samplerCpuS).toFixed(1)} ms CPU over ${samplerResult.wallS.toFixed(1)} s = ` +
      `${(100 * samplerResult.fractionOfOneCore).toFixed(3)} % of one core (${samplerResult.ticks} ticks)`,
  );
}
