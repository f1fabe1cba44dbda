// A complete run from a Node script: data, a model, training inside energy windows, the ledger,
// the energy figures, and a record written to disk. Usage: node examples/library.mjs [OUT_DIR]
// (inside this repository the package imports itself by name, after `npm install` built dist/).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { byKernel, Meter, modelSpec, Network, prepareData, taggingMetrics, testPhase, totals, trainPhase } from 'sedjoule';

const out = process.argv[2] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-example-'));
fs.mkdirSync(out, { recursive: true });

// 1. Energy: NVML GPUs, RAPL zones, or the CPU modelled from CPU time (labelled "modelled").
const meter = Meter.start({ periodMs: 50 });
const idle = await meter.measureIdle(1);

// 2. Data: the embedded synthetic DESED-like set (generated once into the cache), turned into
//    log-mel features by the native front end (dcase preset: 128 mels x 626 frames).
const data = await prepareData(
  {
    skipBad: false,
    channel: 'mix',
    frontend: 'dcase',
    cacheRoot: path.join(out, 'cache'),
    trainClips: 32,
    testClips: 16,
    seed: 1,
    randomInputShape: [1, 128, 64],
    randomClasses: 10,
    threads: 0,
    progress: false,
  },
  meter, // the feature computation gets its own energy window
);

// 3. A model: a small CNN in the sound ("fixed") variant, built natively from its spec.
const spec = modelSpec(
  { arch: 'cnn', variant: 'fixed', layers: 1, width: 8 },
  { inputShape: data.info.inputShape, classes: data.info.classes.length, seed: 1 },
);
const net = Network.create(spec);
console.log(`${net.parameters} parameters`);

// 4. Train and test, each inside its own energy window, epochs nested in the train window.
meter.begin('train');
const trained = await trainPhase(net, data.train, {
  epochs: 2,
  batchSize: 8,
  shuffleSeed: 1,
  onEpochStart: (epoch) => meter.begin(`epoch-${epoch}`),
  onEpochEnd: (epoch) => void meter.end(`epoch-${epoch}`),
});
const trainEnergy = meter.end('train');
meter.begin('test');
const tested = await testPhase(net, data.test, { batchSize: 8 });
const testEnergy = meter.end('test');

// 5. The ledger: exact counts per kernel and pass, measured time.
console.table(byKernel(trained.ledger).map((k) => ({ kernel: k.name, pass: k.pass, calls: k.calls, GFLOP: k.flops / 1e9, ms: k.ms })));
const work = totals(trained.ledger);

// 6. Energy: every figure with its source label and uncertainty (null, with the reason, when it
//    could not be measured).
for (const s of trainEnergy.sources) {
  console.log(
    `${s.id} [${s.source}]: ${s.joules === null ? `unavailable (${s.unavailable})` : `${s.joules.toFixed(2)} ± ${s.uncertainty.joules.toFixed(2)} J`}`,
  );
}
console.log(
  `train: ${(work.flops / 1e9).toFixed(2)} GFLOP, ${trainEnergy.total.joules?.toFixed(2)} J (${trainEnergy.total.methods.join('+')})`,
);

// 7. A record on disk (written to a temporary file and renamed, as sedjoule's own records are).
const targets = new Float32Array(data.test.size * data.test.classes.length);
for (let i = 0; i < data.test.size; ++i) targets.set(data.test.target(i), i * data.test.classes.length);
const record = {
  model: { spec: net.description.spec, params: net.parameters },
  data: data.info,
  idle,
  train: { epochLoss: trained.epochLoss, kernels: trained.ledger, totals: work, energy: trainEnergy },
  test: { loss: tested.loss, metrics: taggingMetrics(tested.outputs, targets, data.info.classes), energy: testEnergy },
  meter: meter.describe(),
};
const file = path.join(out, 'record.json');
fs.writeFileSync(`${file}.tmp`, JSON.stringify(record, null, 1));
fs.renameSync(`${file}.tmp`, file);
console.log(`record: ${file}`);

meter.stop();
net.dispose();
