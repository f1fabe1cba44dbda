/**
 * Measured joules per kernel call on a GPU (`sedjoule kernel-energy --model dcase-crnn`).
 *
 * 1. The model is built on CUDA with a seeded random batch; a few training steps warm it up.
 * 2. Idle power is measured (the GPU's NVML energy counter over `--idle` seconds).
 * 3. A whole training step is measured: repeated inside one window for at least `--min-updates`
 *    counter updates (closure reference).
 * 4. One more step is captured, every kernel call as a CUDA graph; calls with the same kernel,
 *    pass and shapes are grouped; each group's graph is replayed back to back inside one window
 *    spanning at least `--min-updates` updates, longest kernels first, until `--max-seconds`.
 * 5. Per group: J/call (idle-subtracted), mean power, GFLOP/J, with uncertainties; then the
 *    closure: sum of J/call x calls per step against the measured step (src/analysis/kernel-energy-arithmetic.ts).
 *
 * Needs a GPU with an NVML energy counter (Volta or newer): integrated power samples would not
 * resolve a kernel, so there is no fallback, and the command says why it cannot run.
 */
import {
  closure,
  groupCalls,
  perCall,
  repetitionsFor,
  type CallGroup,
  type Closure,
  type PerCallEnergy,
  type RepeatedWindow,
} from '../analysis/kernel-energy-arithmetic.js';
import { Meter, type AppliedGuidance } from '../energy/meter.js';
import type { EnergyWindow, IdleBaseline, SourceDescription } from '../energy/types.js';
import { SedjouleError } from '../errors.js';
import { sig } from '../format/significant.js';
import { ProgressBar } from '../format/progress.js';
import { clipInfo } from '../frontend/clip.js';
import type { FrontendPreset } from '../frontend/extractor.js';
import { describeModelRef, importedModel, modelRefNetwork, type ModelRef } from '../models/presets.js';
import type { Network } from '../network.js';
import { createCheckedNetwork } from './memory-check.js';
import { Random } from '../util/random.js';

export interface KernelEnergyOptions {
  model: ModelRef;
  frontend: FrontendPreset;
  batch: number;
  minUpdates: number;
  updatePeriodMs?: number;
  /** A sensor-study folder: the counter's measured update period, and windows at least its shortest window. */
  sensorStudy?: string;
  idleSeconds: number;
  maxSeconds: number;
  classes: number;
  seed: number;
  cudaDevice: number;
  progress: boolean;
}

export interface KernelEnergyRow extends Omit<CallGroup, 'index'> {
  /** Measured figures; null when the budget ran out first (see `skipped`). */
  energy: PerCallEnergy | null;
  window: RepeatedWindow | null;
  /** GPU seconds of this group's calls in one step. */
  stepSeconds: number;
  skipped?: string;
}

export interface KernelEnergyReport {
  model: string;
  params: number;
  batch: number;
  gpu: { source: string; name: string; method: 'nvml-counter'; updatePeriodS: number; counterResolutionJ: number; accuracy: string };
  idle: { powerW: number; uncertaintyW: number; seconds: number };
  minUpdates: number;
  /** What the sensor study (sensorStudy) set: the period and shortest window it measured, or why nothing. */
  sensorStudy?: AppliedGuidance;
  step: { energy: PerCallEnergy; window: RepeatedWindow; calls: number };
  kernels: KernelEnergyRow[];
  closure: Closure;
  notes: string[];
}

function gpuCounter(meter: Meter, cudaDevice: number): SourceDescription {
  const d = meter.describe();
  const counters = d.sources.filter((s) => s.device === 'gpu' && s.source === 'nvml-counter');
  if (counters.length === 0) {
    const gpus = d.sources.filter((s) => s.device === 'gpu');
    const why = gpus.length
      ? `the GPU source(s) ${gpus.map((s) => `${s.id} (${s.source})`).join(', ')} have no energy counter (Volta or newer needed)`
      : `no NVML GPU: ${d.discovery.nvml.status}`;
    throw new SedjouleError(
      'E_NVML',
      `kernel-energy needs a GPU energy counter read through NVML: ${why}. Integrated power samples cannot resolve single kernels.`,
    );
  }
  return counters[Math.min(cudaDevice, counters.length - 1)];
}

/**
 * Runs `work(repetitions)` inside a window until the window spans `minUpdates` counter updates:
 * the first count comes from a short timing, which launch overheads or clock changes can make
 * optimistic, so a short window is measured again with the count scaled up (at most 3 times).
 */
async function spanning(
  meter: Meter,
  name: string,
  sourceId: string,
  first: number,
  minUpdates: number,
  updatePeriodS: number,
  work: (n: number) => Promise<number | null>,
): Promise<RepeatedWindow> {
  let repetitions = first;
  for (let attempt = 0; ; attempt++) {
    meter.begin(name);
    const gpuSeconds = await work(repetitions);
    const window = repeatedWindow(meter.end(name), sourceId, repetitions, gpuSeconds, updatePeriodS);
    if (window.updates >= minUpdates || attempt === 3) return window;
    repetitions = Math.ceil(repetitions * (minUpdates / Math.max(window.updates, 0.1)) * 1.1);
  }
}

function repeatedWindow(
  window: EnergyWindow,
  sourceId: string,
  repetitions: number,
  gpuSeconds: number | null,
  updatePeriodS: number,
): RepeatedWindow {
  const s = window.sources.find((x) => x.id === sourceId);
  if (!s || s.joules === null)
    throw new SedjouleError('E_NVML', `window ${window.name}: ${sourceId} gave no energy (${s?.unavailable ?? 'source missing'})`);
  if (!s.net) throw new SedjouleError('E_INTERNAL', `window ${window.name}: no idle-subtracted energy (was the idle baseline measured?)`);
  return {
    repetitions,
    durationS: window.durationS,
    joules: s.joules,
    netJoules: s.net.joules,
    netUncertaintyJ: s.net.uncertaintyJ,
    gpuSeconds,
    updates: window.durationS / updatePeriodS,
  };
}

export async function measureKernelEnergy(o: KernelEnergyOptions): Promise<KernelEnergyReport> {
  for (const [name, v] of [
    ['batch', o.batch],
    ['min-updates', o.minUpdates],
    ['classes', o.classes],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new SedjouleError('E_USAGE', `--${name} must be a positive integer, got ${v}`);
  }
  if (!(o.idleSeconds > 0))
    throw new SedjouleError(
      'E_USAGE',
      `--idle must be above 0 for kernel-energy, whose figures are idle-subtracted, got '${o.idleSeconds}'`,
    );
  const meter = Meter.start({ rapl: false, cpuModel: false, ...(o.sensorStudy === undefined ? {} : { sensorStudy: o.sensorStudy }) });
  let net: Network | undefined;
  try {
    const source = gpuCounter(meter, o.cudaDevice);
    const studied = meter.sensorGuidance.find((g) => g.source === source.id);
    const updatePeriodS =
      o.updatePeriodMs !== undefined ? o.updatePeriodMs / 1000 : (studied?.guidance?.updatePeriodS ?? source.updatePeriodS);
    if (o.updatePeriodMs !== undefined) meter.setUpdatePeriod(source.id, updatePeriodS);
    // A window must span minUpdates counter updates and, with a study, its shortest window for the target error.
    const shortest = studied?.guidance?.shortestWindowS;
    const minUpdates = shortest ? Math.max(o.minUpdates, Math.ceil(shortest / updatePeriodS)) : o.minUpdates;
    // An imported model has its own input shape, outputs and weights (as in profile).
    const own = o.model.kind === 'onnx' ? importedModel(o.model) : undefined;
    const inputShape = own?.inputShape ?? clipInfo(o.frontend).inputShape;
    const classes = own ? own.outputShape.reduce((a, b) => a * b, 1) : o.classes;
    const { spec, weights } = modelRefNetwork(o.model, { inputShape, classes, seed: o.seed });
    ({ net } = createCheckedNetwork(
      spec,
      { device: 'cuda', cudaDevice: o.cudaDevice },
      o.batch,
      `${describeModelRef(o.model)} at batch ${o.batch}`,
    ));
    if (weights) await net.setParameters(weights);
    const random = new Random(o.seed);
    const x = Float32Array.from({ length: o.batch * inputShape.reduce((a, b) => a * b, 1) }, () => random.normal());
    const y = Float32Array.from({ length: o.batch * net.outputShape.reduce((a, b) => a * b, 1) }, () => (random.next() < 0.3 ? 1 : 0));
    const note = (line: string) => o.progress && process.stderr.write(`${line}\n`);

    note(
      `kernel-energy: ${net.parameters.toLocaleString('en-US')} parameters on CUDA, batch ${o.batch}; counter ${source.id} (${source.name}), update period ${sig(updatePeriodS * 1000)} ms`,
    );
    for (let i = 0; i < 3; i++) await net.trainStep(x, y);
    note(`kernel-energy: idle baseline for ${o.idleSeconds} s`);
    const idle: IdleBaseline = await meter.measureIdle(o.idleSeconds);
    const idleSource = idle.sources.find((s) => s.id === source.id);
    if (!idleSource || idleSource.powerW === null)
      throw new SedjouleError('E_NVML', `no idle power for ${source.id}: ${idleSource?.unavailable ?? 'not measured'}`);

    // The whole step: timed once, then repeated for minUpdates counter updates.
    let t = performance.now();
    await net.trainStep(x, y);
    const stepSeconds = (performance.now() - t) / 1000;
    const stepReps = repetitionsFor(stepSeconds, updatePeriodS, minUpdates, 3);
    note(`kernel-energy: whole training step x ${stepReps}`);
    const stepWindow = await spanning(meter, 'step', source.id, stepReps, minUpdates, updatePeriodS, async (n) => {
      for (let i = 0; i < n; i++) await net!.trainStep(x, y);
      return null;
    });

    // The kernels: one captured step, grouped, each group's call timed and then replayed.
    const { calls } = await net.captureTrainStep(x, y);
    const groups = groupCalls(calls);
    const timed = [];
    for (const g of groups) {
      await net.replayCapturedCall(g.index, 3); // warm-up: the graph's first launches
      const ms = await net.replayCapturedCall(g.index, 10);
      timed.push({ group: g, secondsPerCall: Math.max(ms / 10 / 1000, 1e-7) });
    }
    timed.sort((a, b) => b.secondsPerCall * b.group.callsPerStep - a.secondsPerCall * a.group.callsPerStep);

    const bar = new ProgressBar('kernel-energy', o.progress);
    const budgetStart = performance.now();
    const rows: KernelEnergyRow[] = [];
    for (const [i, { group, secondsPerCall }] of timed.entries()) {
      const { index, ...fields } = group;
      const stepShare = secondsPerCall * group.callsPerStep;
      const reps = repetitionsFor(secondsPerCall, updatePeriodS, minUpdates);
      const planned = reps * secondsPerCall;
      if ((performance.now() - budgetStart) / 1000 + planned > o.maxSeconds) {
        rows.push({
          ...fields,
          energy: null,
          window: null,
          stepSeconds: stepShare,
          skipped: `not measured: --max-seconds ${o.maxSeconds} spent (it needs about ${sig(planned)} s)`,
        });
        continue;
      }
      bar.update(i, timed.length, `${group.name} ${group.pass}`);
      const window = await spanning(
        meter,
        `kernel-${i}`,
        source.id,
        reps,
        minUpdates,
        updatePeriodS,
        async (n) => (await net!.replayCapturedCall(index, n)) / 1000,
      );
      rows.push({ ...fields, energy: perCall(window, group.flops), window, stepSeconds: stepShare });
    }
    bar.finish();
    const step = perCall(
      stepWindow,
      rows.reduce((a, r) => a + r.flops * r.callsPerStep, 0),
    );
    const notes = [
      'J/call is net of idle power; uncertainties combine counter resolution, one update period of energy between the window edges, the sensor accuracy and the idle spread',
      "replays run on the network's own buffers after the step was measured; optimiser replays move the weights, so this network is discarded",
    ];
    const unresolved = rows.filter((r) => r.energy?.unresolved).length;
    if (unresolved)
      notes.push(
        `${unresolved} kernel(s) drew no power above idle that the counter could resolve: their J/call is within its uncertainty of 0`,
      );
    const short = rows.filter((r) => r.window && r.window.updates < minUpdates).length + (stepWindow.updates < minUpdates ? 1 : 0);
    if (short)
      notes.push(
        `${short} window(s) spanned fewer than ${minUpdates} counter updates after 4 attempts: their uncertainty is larger (see window.updates)`,
      );
    const skipped = rows.filter((r) => r.skipped).length;
    if (skipped)
      notes.push(`${skipped} kernel(s) not measured within --max-seconds: the closure covers the measured ones only (time coverage below)`);
    return {
      model: o.model.kind === 'family' ? JSON.stringify(o.model.config) : describeModelRef(o.model),
      params: net.parameters,
      batch: o.batch,
      gpu: {
        source: source.id,
        name: source.name,
        method: 'nvml-counter',
        updatePeriodS,
        counterResolutionJ: source.counterResolutionJ,
        accuracy: `${sig(source.accuracyFraction * 100)} % (${source.accuracySource})`,
      },
      idle: { powerW: idleSource.powerW, uncertaintyW: idleSource.uncertaintyW ?? 0, seconds: idle.durationS },
      minUpdates,
      ...(studied ? { sensorStudy: studied } : {}),
      step: { energy: step, window: stepWindow, calls: calls.length },
      kernels: rows,
      closure: closure(
        rows.map((r) => ({ callsPerStep: r.callsPerStep, energy: r.energy, stepSeconds: r.stepSeconds })),
        step,
      ),
      notes,
    };
  } finally {
    net?.dispose();
    meter.stop();
  }
}
