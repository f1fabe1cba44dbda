#!/usr/bin/env node
// npm run soak: a reliability soak, not a timed test. It trains a small CNN for 10,000 steps, then
// creates and disposes 1,000 networks, printing the process's resident memory (RSS) and the
// external memory V8 counts (where the addon reports what live networks hold) at intervals, and ends with
// a verdict per phase: the mean RSS of the last quarter of the samples against the first quarter's.
// Growth past max(16 MiB, 10 % of the first quarter) is a leak and the script exits 1. The margin
// covers the allocator and V8 settling: over create/dispose cycles RSS climbs for the first few
// thousand cycles and then stays flat (8,000 cycles: flat at about 153 MiB), where a leak of even
// 16 KiB per cycle would grow without end; run with more --cycles to tell the two apart.
//
// Options: --steps N (default 10000), --cycles N (default 1000), --threads N (default 1)
import { loadAddon, Network } from '../dist/index.js';

const args = process.argv.slice(2);
function option(name, fallback) {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < 4) throw new Error(`${name} must be an integer >= 4, got ${args[at + 1]}`);
  return value;
}
const steps = option('--steps', 10_000);
const cycles = option('--cycles', 1_000);
const threads = option('--threads', 1);
const SAMPLES = 40; // per phase
const MIB = 2 ** 20;

const spec = {
  input: [1, 32, 24],
  layers: [
    { type: 'conv2d', out: 8, kernel: 3, padding: 1 },
    { type: 'batchnorm2d' },
    { type: 'relu' },
    { type: 'maxpool2d', kernel: 2 },
    { type: 'dropout', p: 0.2 },
    { type: 'flatten' },
    { type: 'linear', out: 10 },
  ],
  seed: 1,
};
const batch = 16;
const sampleSize = 32 * 24;

/** One memory sample, after a full collection so that garbage does not count as growth. */
function sample(label) {
  globalThis.gc?.();
  return { label, rss: process.memoryUsage().rss, external: loadAddon().externalMemory() };
}

function print(s, extra = '') {
  console.log(
    `  ${s.label.padEnd(14)} rss ${(s.rss / MIB).toFixed(1).padStart(7)} MiB   external ${(s.external / MIB).toFixed(1).padStart(7)} MiB${extra}`,
  );
}

/** The verdict of one phase: growth of the last quarter's mean RSS over the first quarter's. */
function verdict(name, samples) {
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  const mean = (list) => list.reduce((a, s) => a + s.rss, 0) / list.length;
  const first = mean(samples.slice(0, quarter));
  const last = mean(samples.slice(-quarter));
  const growth = last - first;
  const allowed = Math.max(16 * MIB, 0.1 * first);
  const ok = growth <= allowed;
  console.log(
    `${name}: ${ok ? 'PASS' : 'GROWTH'} rss first quarter ${(first / MIB).toFixed(1)} MiB, last quarter ${(last / MIB).toFixed(1)} MiB, ` +
      `growth ${(growth / MIB).toFixed(1)} MiB (allowed ${(allowed / MIB).toFixed(1)} MiB)`,
  );
  return ok;
}

if (!globalThis.gc) console.log('(run with node --expose-gc for steadier figures: npm run soak does)');
const started = performance.now();
const start = sample('start');
print(start);

console.log(`training: ${steps} steps, batch ${batch}, ${threads} thread(s)`);
const x = Float32Array.from({ length: batch * sampleSize }, (_, i) => Math.sin(i * 0.37));
const y = Float32Array.from({ length: batch * 10 }, (_, i) => (i % 3 === 0 ? 1 : 0));
const net = Network.create(spec, { threads });
const training = [];
let loss = Number.NaN;
let phaseStart = performance.now();
for (let step = 1; step <= steps; ++step) {
  loss = await net.trainStep(x, y);
  if (step % Math.floor(steps / SAMPLES) === 0) {
    const s = sample(`step ${step}`);
    training.push(s);
    if (training.length % 4 === 0) print(s, `   loss ${loss.toFixed(4)}`);
  }
}
net.dispose();
const trainingSeconds = (performance.now() - phaseStart) / 1000;
console.log(`  ${steps} steps in ${trainingSeconds.toFixed(1)} s (${((1000 * trainingSeconds) / steps).toFixed(2)} ms/step)`);

console.log(`create/dispose: ${cycles} cycles, one predict each`);
const lifecycle = [];
phaseStart = performance.now();
for (let cycle = 1; cycle <= cycles; ++cycle) {
  const n = Network.create({ ...spec, seed: cycle }, { threads });
  await n.predict(x);
  n.dispose();
  if (cycle % Math.floor(cycles / SAMPLES) === 0) {
    const s = sample(`cycle ${cycle}`);
    lifecycle.push(s);
    if (lifecycle.length % 4 === 0) print(s);
  }
}
const lifecycleSeconds = (performance.now() - phaseStart) / 1000;
console.log(`  ${cycles} cycles in ${lifecycleSeconds.toFixed(1)} s`);

const end = sample('end');
print(end);
const ok = [verdict('soak training', training), verdict('soak create/dispose', lifecycle)].every(Boolean);
console.log(
  `soak: ${ok ? 'PASS' : 'FAIL'} in ${((performance.now() - started) / 1000).toFixed(1)} s; rss ${(start.rss / MIB).toFixed(1)} -> ${(end.rss / MIB).toFixed(1)} MiB, ` +
    `external ${(start.external / MIB).toFixed(1)} -> ${(end.external / MIB).toFixed(1)} MiB`,
);
process.exit(ok ? 0 : 1);
