// The targets section of `npm run bench` (CPU kernels at the hardware's limit): every
// target with its figure, its peer's figure measured in the same run, their ratio and the goal.
// Goals are ratios (of the FMA peak, of a peer's time, of one thread's time), never absolute times.
//
//   a. conv2d 3x3 (batch 8, 64 -> 64, 128 x 64, padding 1): forward, backward-input and
//      backward-weight GFLOP/s from the ledger as a fraction of the FMA peak on 1 thread; forward
//      against onnxruntime-node running the same Conv (same weights) on 1 and 2 threads.
//   b. every conv2d layer of dcase-crnn, each pass, from the ledger of training steps at batch 8.
//   c. dcase-crnn inference (imported from its PyTorch export) against onnxruntime-node on the file.
//   d. dcase-crnn training against PyTorch eager (scripts/crnn_peer.py) on the same clips.
//   e. a training step on 2 threads against 1.
//   f. the time outside the kernels (wall time minus the ledger's kernel time) of predict and
//      trainStep, and the per-call time of predict on a tiny network.
//   g. peak memory of training against PyTorch's, each in a fresh process.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { dcaseCrnnSpec, defaultCacheRoot, Network } from '../../dist/index.js';
import { modelProtoType } from '../../dist/onnx/schema.js';
import { fill, multiHot } from './fill.mjs';
import { makeReferenceModel, referenceModel } from './reference-models.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const [MELS, FRAMES, CLASSES, BATCH] = [128, 626, 10, 8];
const THREADS = [1, 2];
const CONV = { channels: 64, height: 128, width: 64, batch: 8 };

const lastLine = (text) => (text || '').trim().split('\n').pop();
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const ms = (v) => `${v.toFixed(v < 10 ? 2 : 1)} ms`;
const percent = (v) => `${(100 * v).toFixed(1)} %`;
const times = (v) => `${v.toFixed(2)}x`;

/** A table row; `unavailable` says why it has no figure (never a silent zero). */
function row(group, target, fields) {
  return { group, target, figure: '-', peer: '-', ratio: null, ratioText: '-', goal: '-', met: null, ...fields };
}

/** A kernel's GFLOP/s (`b`: {gflops, ms}) as a fraction of the FMA peak, against the goal fraction. */
function ofPeakRow(group, target, b, peakGflops, goal) {
  return row(group, target, {
    figure: `${b.gflops.toFixed(1)} GFLOP/s (${ms(b.ms)})`,
    peer: `FMA peak ${peakGflops.toFixed(1)} GFLOP/s`,
    ratio: b.gflops / peakGflops,
    ratioText: percent(b.gflops / peakGflops),
    goal: `>= ${100 * goal} % of peak`,
    met: b.gflops / peakGflops >= goal,
    gflops: b.gflops,
    ms: b.ms,
  });
}

/** Best wall time of `run` over `reps` calls after one warm-up call. */
async function bestWall(run, reps) {
  await run();
  let best = Infinity;
  for (let r = 0; r < reps; ++r) {
    const t0 = performance.now();
    await run();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

const maxAbsDiff = (a, b) => {
  if (a.length !== b.length) return NaN;
  let m = 0;
  for (let i = 0; i < a.length; ++i) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

/** Wall time minus the ledger's kernel time of one call, the ledger reset first. */
async function outsideKernels(net, call) {
  net.resetLedger();
  const t0 = performance.now();
  await call();
  const wallMs = performance.now() - t0;
  const kernelMs = net.ledger().reduce((s, r) => s + r.ms, 0);
  return { wallMs, kernelMs, outsideMs: wallMs - kernelMs };
}

async function loadOrt() {
  try {
    return await import('onnxruntime-node');
  } catch (error) {
    return { unavailable: `onnxruntime-node is not installed (a devDependency: npm install in a clone): ${error.message}` };
  }
}

async function ortSession(ort, file, threads) {
  return ort.InferenceSession.create(file, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' });
}

/** A one-node ONNX model: the Conv of case a with sedjoule's weights (OIHW, as ONNX's Conv). */
function writeConvModel(file, weight, bias) {
  const { channels: c, height: h, width: w } = CONV;
  const tensor = (name, dims, data) => ({
    name,
    dims,
    dataType: 1,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  });
  const value = (name) => ({
    name,
    type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'batch' }, { dimValue: c }, { dimValue: h }, { dimValue: w }] } } },
  });
  const INTS = 7; // onnx.proto AttributeProto.AttributeType
  const type = modelProtoType();
  const model = type.fromObject({
    irVersion: 8,
    producerName: 'sedjoule bench',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'conv3x3',
      node: [
        {
          name: 'conv',
          opType: 'Conv',
          input: ['x', 'w', 'b'],
          output: ['y'],
          attribute: [
            { name: 'kernel_shape', type: INTS, ints: [3, 3] },
            { name: 'pads', type: INTS, ints: [1, 1, 1, 1] },
          ],
        },
      ],
      initializer: [tensor('w', [c, c, 3, 3], weight), tensor('b', [c], bias)],
      input: [value('x')],
      output: [value('y')],
    },
  });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, type.encode(model).finish());
}

/** Best GFLOP/s and ms per (layer, pass) of the conv2d rows over several ledgers. */
function bestConvRows(ledgers) {
  const best = new Map();
  for (const rows of ledgers)
    for (const r of rows.filter((r) => r.name === 'conv2d' && r.pass !== 'backward-bias')) {
      const key = `${r.layer} ${r.pass}`;
      const gflops = r.flops / r.ms / 1e6;
      if (!best.has(key) || gflops > best.get(key).gflops)
        best.set(key, { layer: r.layer, pass: r.pass, gflops, ms: r.ms, flops: r.flops });
    }
  const passes = ['forward', 'backward-input', 'backward-weight'];
  const index = (layer) => Number.parseInt(layer, 10);
  return [...best.values()].sort((a, b) => index(a.layer) - index(b.layer) || passes.indexOf(a.pass) - passes.indexOf(b.pass));
}

// a. The bench's conv2d: passes against the peak, forward against ORT.
async function convTargets(peaks, ort, reps, rows) {
  const { channels: c, height: h, width: w, batch } = CONV;
  const spec = { input: [c, h, w], layers: [{ type: 'conv2d', out: c, kernel: 3, padding: 1 }], inputGradient: true, seed: 1 };
  const x = fill(batch * c * h * w, 1);
  const train = Network.create({ ...spec, optimizer: { type: 'sgd', lr: 1e-6 } }, { threads: 1 });
  const weights = await train.getParameters();
  const ledgers = [];
  try {
    const y = new Float32Array(batch * c * h * w);
    await train.trainStep(x, y); // warm-up: buffers, packing space, caches
    for (let r = 0; r < reps; ++r) {
      train.resetLedger();
      await train.trainStep(x, y);
      ledgers.push(train.ledger());
    }
  } finally {
    train.dispose();
  }
  const shape = `conv2d 3x3 ${batch}x${c}x${h}x${w}`;
  for (const b of bestConvRows(ledgers)) rows.push(ofPeakRow('a', `${shape} ${b.pass}, 1 thread`, b, peaks[1].gflops, 0.8));

  const file = path.join(defaultCacheRoot(), 'bench', 'conv3x3_64x128x64_opset17.onnx');
  writeConvModel(file, weights['layers.0.weight'], weights['layers.0.bias']);
  for (const threads of THREADS) {
    const target = `${shape} forward vs ORT Conv, ${threads} thread${threads > 1 ? 's' : ''}`;
    // Loss 'bce': the network's output is the convolution's, no sigmoid applied by predict.
    const net = Network.create({ ...spec, loss: 'bce' }, { threads });
    try {
      await net.setParameters(weights);
      let ledgerMs = Infinity;
      let wallMs = Infinity;
      let ours;
      ours = await net.predict(x); // warm-up
      for (let r = 0; r < reps; ++r) {
        net.resetLedger();
        const t0 = performance.now();
        ours = await net.predict(x);
        wallMs = Math.min(wallMs, performance.now() - t0);
        ledgerMs = Math.min(ledgerMs, net.ledger().find((l) => l.name === 'conv2d').ms);
      }
      const figure = `${ms(ledgerMs)} ledger (predict wall ${ms(wallMs)})`;
      if (ort.unavailable) {
        rows.push(row('a', target, { figure, unavailable: ort.unavailable, goal: '>= 1.1x' }));
        continue;
      }
      const session = await ortSession(ort, file, threads);
      const feeds = { x: new ort.Tensor('float32', x, [batch, c, h, w]) };
      let theirs;
      const ortMs = await bestWall(async () => {
        theirs = (await session.run(feeds)).y.data;
      }, reps);
      await session.release();
      rows.push(
        row('a', target, {
          figure,
          peer: `ORT run ${ms(ortMs)}`,
          ratio: ortMs / ledgerMs,
          ratioText: times(ortMs / ledgerMs),
          goal: '>= 1.1x',
          met: ortMs / ledgerMs >= 1.1,
          ledgerMs,
          predictWallMs: wallMs,
          ortMs,
          maxAbsDiff: maxAbsDiff(ours, theirs),
          note: `max |sedjoule - ORT| ${maxAbsDiff(ours, theirs).toExponential(2)}`,
        }),
      );
    } finally {
      net.dispose();
    }
  }
}

/**
 * b, d (sedjoule's side), e and f (trainStep): an epoch of `clips` clips at batch 8 on 1 and 2
 * threads, each step timed and its ledger kept.
 */
async function crnnTraining(clipsX, clipsY, clips) {
  const runs = {};
  for (const threads of THREADS) {
    const net = Network.create(dcaseCrnnSpec([1, MELS, FRAMES], CLASSES, 1), { threads });
    const steps = [];
    try {
      for (let at = 0; at < clips; at += BATCH) {
        const n = Math.min(BATCH, clips - at);
        net.resetLedger();
        const t0 = performance.now();
        await net.trainStep(
          clipsX.subarray(at * MELS * FRAMES, (at + n) * MELS * FRAMES),
          clipsY.subarray(at * CLASSES, (at + n) * CLASSES),
        );
        const wallMs = performance.now() - t0;
        steps.push({ wallMs, ledger: net.ledger() });
      }
      // f: a training step at batch 1 (one warm-up at that size first).
      const one = [clipsX.subarray(0, MELS * FRAMES), clipsY.subarray(0, CLASSES)];
      await net.trainStep(...one);
      const batch1 = [];
      for (let r = 0; r < 3; ++r) batch1.push(await outsideKernels(net, () => net.trainStep(...one)));
      runs[threads] = { steps, batch1: batch1.sort((a, b) => a.wallMs - b.wallMs)[0] };
    } finally {
      net.dispose();
    }
  }
  return runs;
}

/** The PyTorch peer's epoch on the same clips: its JSON, or { unavailable }. */
function pytorchEpoch(clipsX, clipsY, clips, threads) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-targets-'));
  try {
    fs.writeFileSync(path.join(dir, 'x.f32'), new Uint8Array(clipsX.buffer, clipsX.byteOffset, clipsX.byteLength));
    fs.writeFileSync(path.join(dir, 'y.f32'), new Uint8Array(clipsY.buffer, clipsY.byteOffset, clipsY.byteLength));
    const args = [path.join(dir, 'x.f32'), path.join(dir, 'y.f32'), ...[clips, MELS, FRAMES, CLASSES, threads, BATCH].map(String)];
    const run = spawnSync('/usr/bin/python3', [path.join(here, '..', 'crnn_peer.py'), ...args], { encoding: 'utf8' });
    if (run.status !== 0)
      return {
        unavailable: `PyTorch peer failed or is missing (apt-get install python3-torch): ${lastLine(run.stderr || run.error?.message)}`,
      };
    return JSON.parse(run.stdout);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** g: one fresh process each, sedjoule's and PyTorch's, measured the same way. */
function trainingMemory(threads) {
  const args = [MELS, FRAMES, CLASSES, threads, BATCH, 2].map(String);
  const child = (command, argv, who) => {
    const run = spawnSync(command, argv, { encoding: 'utf8' });
    if (run.status !== 0) return { unavailable: `${who} failed: ${lastLine(run.stderr || run.error?.message)}` };
    const m = JSON.parse(run.stdout);
    return { ...m, modelAndStepsKb: m.peakKb - m.rssBeforeModelKb, stepsKb: m.peakKb - m.rssBeforeStepKb };
  };
  return {
    sedjoule: child(process.execPath, [path.join(here, 'train-memory.mjs'), ...args], 'sedjoule memory child'),
    pytorch: child(
      '/usr/bin/python3',
      [path.join(here, '..', 'crnn_peer.py'), '--memory', ...args],
      'PyTorch memory child (apt-get install python3-torch)',
    ),
  };
}

// c and f (predict): dcase-crnn imported from its PyTorch export, against ORT on the same file.
async function crnnInference(ort, reps, rows, outside) {
  const label = (batch, threads) => `dcase-crnn predict batch ${batch}, ${threads} thread${threads > 1 ? 's' : ''} vs ORT`;
  const unavailable = (why) => {
    for (const threads of THREADS)
      for (const batch of [BATCH, 1]) rows.push(row('c', label(batch, threads), { unavailable: why, goal: '>= 1.3x' }));
  };
  const problem = makeReferenceModel('desed_crnn');
  if (problem) return unavailable(problem);
  const { file } = referenceModel('desed_crnn');
  for (const threads of THREADS) {
    let net;
    try {
      // Loss 'bce': the DESED CRNN's output is already a probability, so predict applies no sigmoid.
      net = await Network.fromOnnx(file, { threads, loss: 'bce' });
    } catch (error) {
      return unavailable(`sedjoule cannot import ${file}: ${error.message.split('\n')[0]}`);
    }
    try {
      const session = ort.unavailable ? undefined : await ortSession(ort, file, threads);
      for (const batch of [BATCH, 1]) {
        const target = label(batch, threads);
        const x = fill(batch * MELS * FRAMES, 7);
        let ours;
        const ourMs = await bestWall(async () => {
          ours = await net.predict(x);
        }, reps);
        if (threads === THREADS.at(-1)) {
          const calls = [];
          for (let r = 0; r < reps; ++r) calls.push(await outsideKernels(net, () => net.predict(x)));
          outside.push({ what: `dcase-crnn predict batch ${batch}, ${threads} threads`, ...calls.sort((a, b) => a.wallMs - b.wallMs)[0] });
        }
        if (!session) {
          rows.push(row('c', target, { figure: ms(ourMs), unavailable: ort.unavailable, goal: '>= 1.3x' }));
          continue;
        }
        const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x, [batch, MELS, FRAMES]) };
        let theirs;
        const ortMs = await bestWall(async () => {
          theirs = (await session.run(feeds))[session.outputNames[0]].data;
        }, reps);
        const diff = maxAbsDiff(ours, theirs);
        rows.push(
          row('c', target, {
            figure: ms(ourMs),
            peer: `ORT ${ms(ortMs)}`,
            ratio: ortMs / ourMs,
            ratioText: times(ortMs / ourMs),
            goal: '>= 1.3x',
            met: ortMs / ourMs >= 1.3,
            ms: ourMs,
            ortMs,
            maxAbsDiff: diff,
            note: `max |sedjoule - ORT| ${diff.toExponential(2)}`,
          }),
        );
      }
      await session?.release();
    } finally {
      net.dispose();
    }
  }
}

/** f: per-call time of predict on a tiny network (input [4], one linear layer to 2 outputs). */
async function tinyPredict(calls) {
  const net = Network.create({ input: [4], layers: [{ type: 'linear', out: 2 }], seed: 1 }, { threads: 1 });
  try {
    const x = fill(4, 5);
    for (let i = 0; i < 100; ++i) await net.predict(x);
    const us = [];
    for (let i = 0; i < calls; ++i) {
      const t0 = performance.now();
      await net.predict(x);
      us.push((performance.now() - t0) * 1000);
    }
    return { calls, bestUs: Math.min(...us), medianUs: median(us) };
  } finally {
    net.dispose();
  }
}

/**
 * Measures every target. `peers` (from a parent run, for the instruction-set child) carries the
 * PyTorch figures, which do not depend on sedjoule's instruction set, so that the child does not
 * repeat them.
 */
export async function runTargets({ addon, reps, clips, peers }) {
  const isa = addon.info().isa;
  const peaks = {};
  for (const threads of THREADS) peaks[threads] = await addon.measureFmaPeak(threads, 0.5);
  const ort = await loadOrt();
  const rows = [];
  await convTargets(peaks, ort, reps, rows);

  const clipsX = fill(clips * MELS * FRAMES, 11);
  const clipsY = multiHot(clips * CLASSES);
  const training = await crnnTraining(clipsX, clipsY, clips);
  // b: the steps after the first (warm-up) at 1 thread; the best of each layer's passes.
  for (const b of bestConvRows(training[1].steps.slice(1).map((s) => s.ledger)))
    rows.push(ofPeakRow('b', `dcase-crnn ${b.layer} ${b.pass}, 1 thread`, b, peaks[1].gflops, 0.6));

  const outside = [];
  await crnnInference(ort, reps, rows, outside);

  // d: the epoch's time is the sum of its steps' wall times (first step included, as PyTorch's).
  const pytorch = peers?.pytorch ?? Object.fromEntries(THREADS.map((t) => [t, pytorchEpoch(clipsX, clipsY, clips, t)]));
  for (const threads of THREADS) {
    const seconds = training[threads].steps.reduce((s, st) => s + st.wallMs, 0) / 1000;
    const target = `dcase-crnn training, ${clips} clips batch ${BATCH}, ${threads} thread${threads > 1 ? 's' : ''} vs PyTorch`;
    const figure = `${(clips / seconds).toFixed(2)} clips/s`;
    const peer = pytorch[threads];
    if (peer.unavailable) rows.push(row('d', target, { figure, unavailable: peer.unavailable, goal: '>= 3x' }));
    else
      rows.push(
        row('d', target, {
          figure,
          peer: `${peer.clipsPerSecond.toFixed(2)} clips/s (torch ${peer.torch})`,
          ratio: peer.seconds / seconds,
          ratioText: times(peer.seconds / seconds),
          goal: '>= 3x',
          met: peer.seconds / seconds >= 3,
          seconds,
          peerSeconds: peer.seconds,
        }),
      );
  }

  // e: the median step after the first.
  const stepMs = Object.fromEntries(THREADS.map((t) => [t, median(training[t].steps.slice(1).map((s) => s.wallMs))]));
  rows.push(
    row('e', `dcase-crnn training step batch ${BATCH}, 2 threads vs 1`, {
      figure: `${ms(stepMs[2])} on 2 threads`,
      peer: `${ms(stepMs[1])} on 1 thread`,
      ratio: stepMs[1] / stepMs[2],
      ratioText: times(stepMs[1] / stepMs[2]),
      goal: '>= 1.8x',
      met: stepMs[1] / stepMs[2] >= 1.8,
      stepMs,
    }),
  );

  // f: outside the kernels. The batch-8 trainStep: the median step after the first, on 2 threads.
  const steps2 = training[2].steps.slice(1).map((s) => {
    const kernelMs = s.ledger.reduce((sum, r) => sum + r.ms, 0);
    return { wallMs: s.wallMs, kernelMs, outsideMs: s.wallMs - kernelMs };
  });
  outside.push({
    what: `dcase-crnn trainStep batch ${BATCH}, 2 threads`,
    ...steps2.sort((a, b) => a.wallMs - b.wallMs)[steps2.length >> 1],
  });
  outside.push({ what: 'dcase-crnn trainStep batch 1, 2 threads', ...training[2].batch1 });
  for (const o of outside)
    rows.push(
      row('f', `outside the kernels: ${o.what}`, {
        figure: `${ms(o.outsideMs)} = ${percent(o.outsideMs / o.wallMs)} of ${ms(o.wallMs)}`,
        ...o,
      }),
    );
  const tiny = await tinyPredict(2000);
  rows.push(
    row('f', 'predict per call, input [4] -> linear 2, 1 thread', {
      figure: `median ${tiny.medianUs.toFixed(1)} us, best ${tiny.bestUs.toFixed(1)} us (${tiny.calls} calls)`,
      ratio: tiny.medianUs,
      ratioText: `${tiny.medianUs.toFixed(1)} us`,
      goal: 'median < 20 us',
      met: tiny.medianUs < 20,
      ...tiny,
    }),
  );

  // g: the network's own figures are printed beside the process's.
  const memory = peers?.memory ? { sedjoule: trainingMemory(1).sedjoule, pytorch: peers.memory.pytorch } : trainingMemory(1);
  const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;
  for (const [key, what] of [
    ['modelAndStepsKb', 'model + 2 steps'],
    ['stepsKb', '2 steps only'],
  ]) {
    const target = `dcase-crnn training memory batch ${BATCH}, ${what}`;
    const goal = key === 'modelAndStepsKb' ? '<= PyTorch' : '-';
    const { sedjoule: s, pytorch: p } = memory;
    if (s.unavailable || p.unavailable) {
      rows.push(row('g', target, { figure: s.unavailable ? '-' : mb(s[key]), unavailable: s.unavailable ?? p.unavailable, goal }));
      continue;
    }
    rows.push(
      row('g', target, {
        figure: mb(s[key]),
        peer: `PyTorch ${mb(p[key])}`,
        ratio: p[key] / s[key],
        ratioText: times(p[key] / s[key]),
        goal,
        met: key === 'modelAndStepsKb' ? s[key] <= p[key] : null,
        kb: s[key],
        peerKb: p[key],
      }),
    );
  }

  return {
    isa,
    peaks: Object.fromEntries(THREADS.map((t) => [t, peaks[t].gflops])),
    reps,
    clips,
    ort: ort.unavailable ? { unavailable: ort.unavailable } : { version: ort.env?.versions?.node ?? 'unknown' },
    rows,
    memory,
    peersFromParent: Boolean(peers),
    peers: { pytorch, memory: { pytorch: memory.pytorch } },
  };
}

/** The table, its notes and what the figures mean. */
export function printTargets(t) {
  const lines = [
    `targets, kernels ${t.isa}; FP32 FMA peak measured now: ${t.peaks[1].toFixed(1)} GFLOP/s on 1 thread, ${t.peaks[2].toFixed(1)} on 2; ` +
      `best of ${t.reps} after a warm-up unless said; training ${t.clips} clips at batch ${BATCH}`,
  ];
  if (t.peersFromParent)
    lines.push("the PyTorch figures (training speed and memory) are the parent run's: they do not depend on sedjoule's instruction set");
  const notes = [];
  const body = t.rows.map((r) => {
    let figure = r.figure;
    if (r.unavailable) {
      if (!notes.includes(r.unavailable)) notes.push(r.unavailable);
      const note = `[${notes.indexOf(r.unavailable) + 1}]`;
      figure = figure === '-' ? `not measured ${note}` : `${figure}, peer not measured ${note}`;
    }
    return [`${r.group}. ${r.target}`, figure, r.peer, r.ratioText, r.goal, r.met === null ? '-' : r.met ? 'yes' : 'NO'];
  });
  const header = ['target', 'figure', 'peer figure', 'ratio', 'goal', 'met'];
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  lines.push(line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line));
  for (const [i, n] of notes.entries()) lines.push(`[${i + 1}] ${n}`);
  for (const r of t.rows.filter((r) => r.note)) lines.push(`${r.group}. ${r.target}: ${r.note}`);
  const m = t.memory.sedjoule.network;
  if (m)
    lines.push(
      `g. sedjoule's own figures for dcase-crnn: parameters ${(m.parameterBytes / 1e6).toFixed(1)} MB, gradients ${(m.gradientBytes / 1e6).toFixed(1)} MB, ` +
        `optimiser state ${(m.optimizerStateBytes / 1e6).toFixed(1)} MB, activations ${(m.activationBytesPerSample / 1e6).toFixed(1)} MB per sample (a lower bound)`,
    );
  lines.push(
    "a. ORT times are session.run wall times (its own per-run overhead included); sedjoule's are the ledger's conv2d call, its predict wall time beside it.",
    'b. the steps of d on 1 thread after the first; the first conv computes no input gradient.',
    "d. the sum of the training steps' wall times, first step included, as the PyTorch peer times its loop; e: the median step after the first.",
    'f. wall time of one call minus the summed ms of its ledger rows; predict per call is awaited one after another.',
    'g. peak RSS (VmHWM) of a fresh process running 2 steps on 1 thread, minus its RSS with the runtime and one batch loaded, before the model is built ' +
      '(sedjoule allocates gradients and optimiser state with the network, PyTorch on the first step: only this baseline counts both alike); ' +
      '"2 steps only" is from just before the first step.',
  );
  return lines.join('\n');
}
