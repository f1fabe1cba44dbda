#!/usr/bin/env node
// A busy/idle square wave measured in energy windows: how the sources follow a step in load.
// node scripts/square-wave.mjs [--seconds 30] [--half 3] [--kind gpu|cpu] [--json]
// Each half-period is one window (busy-N, idle-N); the trace of every sample is included, so the
// sensors' lag and update periods can be read off.
import { loadAddon, Meter } from '../dist/index.js';

const args = process.argv.slice(2);
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const seconds = Number(value('--seconds', 30));
const half = Number(value('--half', 3));
const kind = value('--kind', 'gpu');
const json = args.includes('--json');
if (!(seconds > 0 && half > 0) || !['gpu', 'cpu'].includes(kind))
  throw new Error('usage: square-wave.mjs [--seconds S] [--half S] [--kind gpu|cpu] [--json]');

const addon = loadAddon();
const meter = Meter.start({ periodMs: 20 });
const idle = await meter.measureIdle(Math.min(half, 5));
const windows = [];
let load = '';
for (let i = 0; 2 * i * half < seconds; ++i) {
  meter.begin(`busy-${i}`);
  const start = performance.now();
  load = (await addon.loadDevice(kind, half)) || load;
  // A load that could not run still leaves a full half-period, measured without load.
  const left = half * 1000 - (performance.now() - start);
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
  windows.push(meter.end(`busy-${i}`));
  meter.begin(`idle-${i}`);
  await new Promise((resolve) => setTimeout(resolve, half * 1000));
  windows.push(meter.end(`idle-${i}`));
}
const report = {
  kind,
  halfPeriodS: half,
  load: load ? `${load} (windows measured without load)` : 'ok',
  meter: meter.describe(),
  idle,
  windows,
  trace: meter.trace(),
};
meter.stop();
if (json) {
  process.stdout.write(`${JSON.stringify(report)}\n`);
} else {
  console.log(`square wave on ${kind}, ${half} s halves, load: ${report.load}`);
  for (const w of windows) {
    const parts = w.sources.map(
      (s) =>
        `${s.id} ${s.joules === null ? `unavailable (${s.unavailable})` : `${s.joules.toFixed(1)} ± ${s.uncertainty.joules.toFixed(1)} J, mean ${s.meanPowerW?.toFixed(1)} W`}`,
    );
    console.log(`${w.name.padEnd(8)} ${parts.join('; ')}`);
  }
}
