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
// The log-mel front end (dcase preset, one thread) in 10 s clips per second, next to a numpy/scipy
// peer computing the same pipeline on the same audio in the same run (scripts/frontend_peer.py,
// run by the first python3 that has numpy and scipy), with the largest difference of the two
// outputs (both are min-max normalized to [0, 1]).
//
// The energy sampler's own cost is measured too: the CPU time of its thread over 5 s of sampling
// at 20 Hz, as a fraction of one core (target: under 1 %).
//
// One training epoch of dcase-crnn on the default synthetic set (1578 training clips, features
// cached; generated into the cache on first use) in clips per second, next to the same epoch of
// the same model in PyTorch eager (Debian's python3-torch, under /usr/bin/python3:
// scripts/crnn_peer.py) on the same features, labels and thread count, in the same run.
//
// The reference models of the ONNX import (scripts/make-reference-models.py at full size, on a
// 10 s clip's [1, 128, 626] features; generated into the cache on first use): inference of each
// imported into sedjoule against onnxruntime-node running the same .onnx file on the same input
// with the same threads (one intra-op pool, sequential), and one training epoch of --onnx-clips
// clips (batch 8) against the same model in PyTorch eager (scripts/reference_peer.py), in the same run.
// desed_crnn_lbr0 is the DESED CRNN with linear_before_reset 0 on its GRU nodes (ORT only).
//
// The targets (scripts/bench/targets.mjs; docs/benchmarks.md "Targets against the hardware and the peers"): one
// table of target, figure, peer figure, ratio, goal and whether it is met, every figure measured in
// this run. When the kernels run AVX-512 the section runs again in a child process with
// SEDJOULE_ISA=avx2 against the AVX2 peak (its PyTorch figures are the parent's), and both tables print.
//
// Options: --reps N (default 5; the best repetition counts), --sections kernels,frontend,crnn,sampler,onnx,targets
// (default all), --crnn-clips N (default 1578), --onnx-models a,b (default all),
// --onnx-clips N (default 16), --target-clips N (the targets' training clips, default 64, at least 16; batch 8),
// --target-reps N (the targets' repetitions, default 3), --no-isa-children (no AVX2 run of the
// targets), --json
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { dcaseCrnnSpec, defaultCacheRoot, FeatureExtractor, loadAddon, Meter, Network, prepareData, trainPhase } from '../dist/index.js';
import { fill, multiHot } from './bench/fill.mjs';
import { printTargets, runTargets } from './bench/targets.mjs';
import { makeReferenceModel, referenceModel } from './bench/reference-models.mjs';

const scripts = path.dirname(fileURLToPath(import.meta.url));

const args = process.argv.slice(2);
const json = args.includes('--json');
const repsAt = args.indexOf('--reps');
const reps = repsAt >= 0 ? Number(args[repsAt + 1]) : 5;
if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a positive integer`);

const sectionsAt = args.indexOf('--sections');
const sections = new Set((sectionsAt >= 0 ? args[sectionsAt + 1] : 'kernels,frontend,crnn,sampler,onnx,targets').split(','));
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const crnnClips = Number(option('--crnn-clips', 1578));
const onnxModels = option('--onnx-models', 'desed_crnn,desed_crnn_lbr0,cnn14,efficientat_mn,transformer,conformer,bilstm').split(',');
const onnxClips = Number(option('--onnx-clips', 16));
const targetClips = Number(option('--target-clips', 64));
const targetReps = Number(option('--target-reps', 3));
for (const [name, value] of [
  ['--target-clips', targetClips],
  ['--target-reps', targetReps],
])
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
// Two training steps at least: the targets leave the first out of the per-step figures.
if (targetClips < 16) throw new Error(`--target-clips must be at least 16 (two steps at batch 8), got ${targetClips}`);
// Internal: the AVX2 child of the targets section reads its parent's PyTorch figures from this file.
const targetsPeers = option('--targets-peers', undefined);

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

const results = [];
for (const threads of sections.has('kernels') ? threadCounts : []) {
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
        if (!prev || rate > prev.gflops)
          best.set(row.pass, { gflops: rate, ms: row.ms, flops: row.flops, bytes: row.bytesRead + row.bytesWritten });
      }
    }
    net.dispose();
    for (const [pass, b] of best) {
      results.push({
        case: c.name,
        pass,
        threads,
        gflops: b.gflops,
        ms: b.ms,
        gflop: b.flops / 1e9,
        gbPerSecond: b.bytes / b.ms / 1e6,
        peakGflops: peak.gflops,
        ofPeak: b.gflops / peak.gflops,
        isa: peak.isa,
      });
    }
  }
}

// The front end against its peer.
async function frontendBench() {
  const rate = 16000;
  const audio = new Float32Array(10 * rate);
  let seed = 7;
  for (let i = 0; i < audio.length; ++i) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    audio[i] =
      0.3 * Math.sin((2 * Math.PI * 440 * i) / rate) +
      0.05 * (seed / 4294967296 - 0.5) +
      0.2 * Math.sin((2 * Math.PI * 2500 * i) / rate) * (i % 4000 < 2000 ? 1 : 0);
  }
  const extractor = FeatureExtractor.create('dcase', { threads: 1 });
  await extractor.compute(audio, rate);
  const times = [];
  let ours;
  for (let r = 0; r < 30; ++r) {
    const t = performance.now();
    ours = await extractor.compute(audio, rate);
    times.push(performance.now() - t);
  }
  extractor.dispose();
  times.sort((a, b) => a - b);
  const result = { preset: 'dcase', msPerClip: times[times.length >> 1], clipsPerSecond: 1000 / times[times.length >> 1] };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-bench-'));
  try {
    const audioFile = path.join(dir, 'audio.f32');
    const peerOut = path.join(dir, 'peer.f32');
    fs.writeFileSync(audioFile, new Uint8Array(audio.buffer));
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'frontend_peer.py');
    let failure = 'no python3 with numpy and scipy found';
    for (const python of ['python3', '/usr/bin/python3']) {
      const run = spawnSync(python, [script, audioFile, String(rate), '30', peerOut], { encoding: 'utf8' });
      if (run.status !== 0) {
        failure = `${python}: ${(run.stderr || run.error?.message || '').trim().split('\n').pop()}`;
        continue;
      }
      const peer = JSON.parse(run.stdout);
      const theirs = new Float32Array(new Uint8Array(fs.readFileSync(peerOut)).buffer);
      let maxDiff = 0;
      for (let i = 0; i < theirs.length; ++i) maxDiff = Math.max(maxDiff, Math.abs(theirs[i] - ours[i]));
      result.peer = { ...peer, python, clipsPerSecond: 1000 / peer.msPerClip, maxAbsDifference: maxDiff };
      result.speedup = peer.msPerClip / result.msPerClip;
      return result;
    }
    result.peer = { unavailable: failure };
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
const frontend = sections.has('frontend') ? await frontendBench() : undefined;

// One epoch of dcase-crnn, here and in PyTorch.
async function crnnBench() {
  const threads = info.defaultThreads;
  const prepared = await prepareData({
    skipBad: false,
    channel: 'mix',
    frontend: 'dcase',
    cacheRoot: defaultCacheRoot(),
    trainClips: 1578,
    testClips: 395,
    seed: 1,
    randomInputShape: [1, 128, 64],
    randomClasses: 10,
    threads,
    progress: process.stderr.isTTY,
  });
  const train = prepared.train;
  const clips = Math.min(crnnClips, train.size);
  const [, mels, frames] = train.inputShape;
  const classes = train.classes.length;
  const subset = {
    ...train,
    size: clips,
    input: (i) => train.input(i),
    target: (i) => train.target(i),
    classes: train.classes,
    inputShape: train.inputShape,
    name: train.name,
  };
  const net = Network.create(dcaseCrnnSpec(train.inputShape, classes, 1), { threads });
  const ours = await trainPhase(net, subset, { epochs: 1, batchSize: 8, shuffleSeed: 1 });
  net.dispose();
  const result = { clips, threads, batch: 8, seconds: ours.seconds, clipsPerSecond: clips / ours.seconds, meanLoss: ours.epochLoss[0] };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-crnn-'));
  try {
    const features = fs.openSync(path.join(dir, 'features.f32'), 'w');
    const labels = new Float32Array(clips * classes);
    for (let i = 0; i < clips; ++i) {
      const x = train.input(i);
      fs.writeSync(features, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
      labels.set(train.target(i), i * classes);
    }
    fs.closeSync(features);
    fs.writeFileSync(path.join(dir, 'labels.f32'), new Uint8Array(labels.buffer));
    const script = path.join(scripts, 'crnn_peer.py');
    const run = spawnSync(
      '/usr/bin/python3',
      [
        script,
        path.join(dir, 'features.f32'),
        path.join(dir, 'labels.f32'),
        String(clips),
        String(mels),
        String(frames),
        String(classes),
        String(threads),
        '8',
      ],
      { encoding: 'utf8' },
    );
    if (run.status !== 0) {
      result.peer = {
        unavailable: `PyTorch peer failed or is missing (apt-get install python3-torch): ${(run.stderr || run.error?.message || '').trim().split('\n').pop()}`,
      };
    } else {
      result.peer = JSON.parse(run.stdout);
      result.ratio = result.clipsPerSecond / result.peer.clipsPerSecond;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return result;
}
const crnn = sections.has('crnn') ? await crnnBench() : undefined;

// The sampler alone, at 20 Hz, on whatever sources this machine has.
async function samplerBench() {
  const meter = Meter.start({ periodMs: 50 });
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const sampler = meter.describe();
  meter.stop();
  return {
    periodS: sampler.periodS,
    sources: sampler.sources.map((s) => `${s.id} [${s.source}]`),
    wallS: sampler.overhead.wallS,
    samplerCpuS: sampler.overhead.samplerCpuS,
    fractionOfOneCore: sampler.overhead.fractionOfOneCore,
    ticks: sampler.overhead.ticks,
  };
}
const samplerResult = sections.has('sampler') ? await samplerBench() : undefined;

// The reference models: sedjoule on the imported model against onnxruntime-node (inference) and
// PyTorch eager (one training epoch).
async function onnxBench() {
  const threads = info.defaultThreads;
  const [mels, frames, classes, batch] = [128, 626, 10, 8];
  for (const name of onnxModels) {
    const problem = makeReferenceModel(name);
    if (problem) return { unavailable: problem };
  }
  let ort;
  try {
    ort = await import('onnxruntime-node');
  } catch (error) {
    ort = { unavailable: `onnxruntime-node is not installed (a devDependency: npm install in a clone): ${error.message}` };
  }
  const x = fill(mels * frames, 7);
  const clipsX = fill(onnxClips * mels * frames, 11);
  const clipsY = multiHot(onnxClips * classes);
  const best = async (run) => {
    await run();
    let ms = Infinity;
    for (let r = 0; r < reps; ++r) {
      const t0 = performance.now();
      await run();
      ms = Math.min(ms, performance.now() - t0);
    }
    return ms;
  };
  const models = [];
  for (const name of onnxModels) {
    const { file, shape } = referenceModel(name);
    const row = { model: name, threads };
    models.push(row);
    let net;
    try {
      net = await Network.fromOnnx(file, { threads });
    } catch (error) {
      row.unavailable = `sedjoule does not import it yet: ${error.message.split('\n')[0]}`;
      continue;
    }
    try {
      row.parameters = net.parameters;
      row.inferenceMs = await best(() => net.predict(x));
      if (ort.unavailable) row.ort = { unavailable: ort.unavailable };
      else {
        const session = await ort.InferenceSession.create(file, {
          intraOpNumThreads: threads,
          interOpNumThreads: 1,
          executionMode: 'sequential',
        });
        const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x, shape) };
        row.ort = { version: ort.env.versions?.node ?? 'unknown', inferenceMs: await best(() => session.run(feeds)) };
        row.inferenceRatio = row.ort.inferenceMs / row.inferenceMs;
        await session.release();
      }
      const t0 = performance.now();
      for (let at = 0; at < onnxClips; at += batch) {
        const n = Math.min(batch, onnxClips - at);
        await net.trainStep(
          clipsX.subarray(at * mels * frames, (at + n) * mels * frames),
          clipsY.subarray(at * classes, (at + n) * classes),
        );
      }
      row.trainSeconds = (performance.now() - t0) / 1000;
    } finally {
      net.dispose();
    }
    if (name === 'desed_crnn') {
      row.peer = { unavailable: 'its training epoch against PyTorch is the crnn section (the same model as the dcase-crnn preset)' };
      continue;
    }
    if (name === 'desed_crnn_lbr0') {
      row.peer = { unavailable: "PyTorch's GRU has no linear_before_reset 0 form" };
      continue;
    }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-onnx-peer-'));
    try {
      fs.writeFileSync(path.join(tmp, 'x.f32'), new Uint8Array(clipsX.buffer));
      fs.writeFileSync(path.join(tmp, 'y.f32'), new Uint8Array(clipsY.buffer));
      const args = [name, path.join(tmp, 'x.f32'), path.join(tmp, 'y.f32'), onnxClips, mels, frames, classes, threads, batch].map(String);
      const run = spawnSync('/usr/bin/python3', [path.join(scripts, 'reference_peer.py'), ...args], { encoding: 'utf8' });
      if (run.status !== 0)
        row.peer = { unavailable: `PyTorch peer failed: ${(run.stderr || run.error?.message || '').trim().split('\n').pop()}` };
      else {
        row.peer = JSON.parse(run.stdout);
        row.trainRatio = row.peer.seconds / row.trainSeconds;
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  return { input: [1, mels, frames], batch: 1, trainBatch: batch, trainClips: onnxClips, models };
}
const onnx = sections.has('onnx') ? await onnxBench() : undefined;

// The targets with the widest instruction set, then again with AVX2 in a child process.
async function targetsBench() {
  const peers = targetsPeers ? JSON.parse(fs.readFileSync(targetsPeers, 'utf8')) : undefined;
  const runs = [await runTargets({ addon, reps: targetReps, clips: targetClips, peers })];
  if (info.isa !== 'avx512' || args.includes('--no-isa-children')) return { runs };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-targets-isa-'));
  try {
    const peersFile = path.join(dir, 'peers.json');
    fs.writeFileSync(peersFile, JSON.stringify(runs[0].peers));
    const childArgs = ['--sections', 'targets', '--json', '--no-isa-children', '--target-clips', String(targetClips)];
    childArgs.push('--target-reps', String(targetReps), '--targets-peers', peersFile);
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...childArgs], {
      encoding: 'utf8',
      env: { ...process.env, SEDJOULE_ISA: 'avx2' },
      maxBuffer: 64 * 2 ** 20,
    });
    if (child.status !== 0)
      runs.push({ isa: 'avx2', unavailable: `the SEDJOULE_ISA=avx2 child failed: ${(child.stderr || '').trim().split('\n').pop()}` });
    else runs.push(JSON.parse(child.stdout).targets.runs[0]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { runs };
}
const targets = sections.has('targets') ? await targetsBench() : undefined;

if (json) {
  process.stdout.write(
    `${JSON.stringify({ cpu: info.isa, threads: threadCounts, reps, results, frontend, crnn, sampler: samplerResult, onnx, targets }, null, 2)}\n`,
  );
} else {
  const peaks = new Map(results.map((r) => [r.threads, r.peakGflops]));
  if (results.length)
    console.log(
      `FP32 FMA peak measured now (${info.isa}): ${[...peaks].map(([t, g]) => `${g.toFixed(1)} GFLOP/s on ${t} thread(s)`).join(', ')}`,
    );
  if (results.length) console.log(`best of ${reps} steps per kernel; "of peak" = GFLOP/s / peak at the same thread count\n`);
  const header = ['kernel', 'pass', 'threads', 'ms', 'GFLOP/s', 'of peak', 'GB/s'];
  const rows = results.map((r) => [
    r.case,
    r.pass,
    String(r.threads),
    r.ms.toFixed(2),
    r.gflops.toFixed(1),
    `${(100 * r.ofPeak).toFixed(1)}%`,
    r.gbPerSecond.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (row) => row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  if (results.length) {
    console.log(line(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const row of rows) console.log(line(row));
  }
  const f = frontend;
  if (f)
    console.log(
      `\nfront end (dcase preset, one thread): ${f.msPerClip.toFixed(2)} ms per 10 s clip = ${f.clipsPerSecond.toFixed(0)} clips/s`,
    );
  if (f?.peer.unavailable) console.log(`  peer unavailable: ${f.peer.unavailable}`);
  else if (f)
    console.log(
      `  peer ${f.peer.peer} (python ${f.peer.python}, numpy ${f.peer.numpy}, scipy ${f.peer.scipy}): ${f.peer.msPerClip.toFixed(2)} ms = ${f.peer.clipsPerSecond.toFixed(0)} clips/s; ` +
        `sedjoule is ${f.speedup.toFixed(1)}x the peer's speed; largest output difference ${f.peer.maxAbsDifference.toExponential(2)}`,
    );
  if (crnn) {
    console.log(
      `\ndcase-crnn, one training epoch of ${crnn.clips} clips, batch 8, ${crnn.threads} threads: ${crnn.seconds.toFixed(1)} s = ${crnn.clipsPerSecond.toFixed(2)} clips/s (mean loss ${crnn.meanLoss.toFixed(4)})`,
    );
    if (crnn.peer.unavailable) console.log(`  peer unavailable: ${crnn.peer.unavailable}`);
    else
      console.log(
        `  peer ${crnn.peer.peer} (torch ${crnn.peer.torch}, ${crnn.peer.threads} threads, ${crnn.peer.params} parameters): ${crnn.peer.seconds.toFixed(1)} s = ${crnn.peer.clipsPerSecond.toFixed(2)} clips/s; sedjoule/peer speed ${crnn.ratio.toFixed(2)}x`,
      );
  }
  if (onnx?.unavailable) console.log(`\nreference models: ${onnx.unavailable}`);
  else if (onnx) {
    console.log(
      `\nreference models imported from ONNX, a 10 s clip's [${onnx.input}] features, ${onnx.models[0]?.threads} threads; ` +
        `inference at batch 1 (best of ${reps}) against onnxruntime-node, one epoch of ${onnx.trainClips} clips at batch ${onnx.trainBatch} against PyTorch eager:`,
    );
    for (const m of onnx.models) {
      if (m.unavailable) {
        console.log(`  ${m.model}: ${m.unavailable}`);
        continue;
      }
      const ortText = m.ort.unavailable
        ? `ORT unavailable (${m.ort.unavailable})`
        : `ORT ${m.ort.inferenceMs.toFixed(1)} ms, sedjoule/ORT speed ${m.inferenceRatio.toFixed(2)}x`;
      const peerText = m.peer.unavailable
        ? m.peer.unavailable
        : `PyTorch ${m.peer.seconds.toFixed(2)} s, sedjoule/PyTorch speed ${m.trainRatio.toFixed(2)}x`;
      console.log(
        `  ${m.model} (${m.parameters} parameters): inference ${m.inferenceMs.toFixed(1)} ms, ${ortText}; train ${m.trainSeconds.toFixed(2)} s, ${peerText}`,
      );
    }
  }
  for (const run of targets?.runs ?? [])
    console.log(run.unavailable ? `\ntargets, kernels ${run.isa}: ${run.unavailable}` : `\n${printTargets(run)}`);
  if (samplerResult)
    console.log(
      `\nenergy sampler at ${(1 / samplerResult.periodS).toFixed(0)} Hz on ${samplerResult.sources.join(', ')}: ` +
        `${(1000 * samplerResult.samplerCpuS).toFixed(1)} ms CPU over ${samplerResult.wallS.toFixed(1)} s = ` +
        `${(100 * samplerResult.fractionOfOneCore).toFixed(3)} % of one core (${samplerResult.ticks} ticks)`,
    );
}
