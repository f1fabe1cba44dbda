/**
 * Synthetic run records for the analysis tests: the fields the analysis reads, filled from planted
 * numbers (counts, energies, utilisation), so the expected figures follow from the plan by hand.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { EnergyMethod, EnergyWindow, SourceWindow } from '../src/energy/types.js';
import type { Phase, RunRecord } from '../src/records/run-record.js';
import type { FrontendConfig } from '../src/frontend/extractor.js';
import { totals, type LedgerRow } from '../src/ledger.js';
import type { ModelRef } from '../src/models/presets.js';

export interface PlannedSource {
  id: string;
  device: SourceWindow['device'];
  method: EnergyMethod;
  /** Net joules (gross = net + idleW x duration); null: could not be measured. */
  netJ: number | null;
  idleW?: number;
  /** No idle baseline: the window has gross energy only. */
  noIdle?: boolean;
  meanPowerW?: number;
  additive?: boolean;
}

export interface PlannedPhase {
  samples: number;
  flops: number;
  macs: number;
  paddingMacs?: number;
  bytesRead: number;
  bytesWritten: number;
  seconds: number;
  /** Omitted: no energy window for the phase. */
  sources?: PlannedSource[];
  gpuUtil?: number | null;
  memUtil?: number | null;
  /** Run phase: passes x batch = samples. */
  passes?: number;
  batch?: number;
  epochs?: number;
}

export interface PlannedRun {
  id: string;
  repeat?: number;
  model: ModelRef;
  name?: string;
  params: number;
  phases: Partial<Record<Phase, PlannedPhase>>;
  host?: string;
  gpus?: string[];
  frontend?: Partial<FrontendConfig> | null;
  inputShape?: number[];
  startedAt?: string;
}

const DCASE_FRONTEND: FrontendConfig = {
  sampleRate: 16000,
  clipSeconds: 10,
  nFft: 2048,
  hop: 256,
  winLength: 2048,
  window: 'hamming',
  periodicWindow: false,
  center: true,
  nMels: 128,
  fMin: 0,
  fMax: 8000,
  melScale: 'htk',
  melNorm: 'none',
  power: 1,
  amplitude: 'db',
  dbMultiplier: 20,
  amin: 1e-5,
  logEps: 1e-6,
  clamp: true,
  clampMin: -50,
  clampMax: 80,
  normalize: 'minmax',
  frames: 0,
};

function sourceWindow(s: PlannedSource, durationS: number): SourceWindow {
  const idle = s.idleW ?? 0;
  const gross = s.netJ === null ? null : s.netJ + idle * durationS;
  return {
    id: s.id,
    device: s.device,
    source: s.method,
    additive: s.additive ?? true,
    durationS,
    joules: gross,
    ...(gross === null ? { unavailable: 'the counter did not move in a window shorter than two update periods' } : {}),
    ...(gross !== null
      ? { uncertainty: { joules: 0.01 * gross, resolutionJ: 0.001, quantisationJ: 0, accuracyJ: 0.01 * gross, derivation: 'test' } }
      : {}),
    ...(gross !== null && !s.noIdle ? { net: { idlePowerW: idle, joules: s.netJ!, uncertaintyJ: 0.01 * gross } } : {}),
    tooShort: false,
    incomplete: false,
    samples: 100,
    failedReads: 0,
    meanPowerW: s.meanPowerW ?? (gross === null ? null : gross / durationS),
    maxPowerW: null,
    meanGpuUtilisationPct: null,
    meanMemoryUtilisationPct: null,
    peakMemoryBytes: null,
    meanSmClockMHz: null,
    maxTemperatureC: null,
  };
}

/** A window whose total is computed as the meter computes it (every additive source summed). */
export function energyWindow(name: string, sources: PlannedSource[], durationS: number, startS = 0): EnergyWindow {
  const windows = sources.map((s) => sourceWindow(s, durationS));
  const add = windows.filter((w) => w.additive);
  const measured = add.filter((w) => w.joules !== null);
  const allNet = measured.every((w) => w.net);
  return {
    name,
    parent: null,
    startS,
    endS: startS + durationS,
    durationS,
    synchronized: true,
    sources: windows,
    total: {
      joules: measured.length ? measured.reduce((a, w) => a + w.joules!, 0) : null,
      uncertaintyJ: 0,
      ...(measured.length && allNet ? { netJoules: measured.reduce((a, w) => a + w.net!.joules, 0), netUncertaintyJ: 0 } : {}),
      incomplete: false,
      tooShort: false,
      sources: measured.map((w) => w.id),
      methods: [...new Set(measured.map((w) => w.source))],
      missing: add.filter((w) => w.joules === null).map((w) => ({ id: w.id, reason: w.unavailable! })),
      note: 'test',
    },
  };
}

function kernels(phase: Phase, p: PlannedPhase): LedgerRow[] {
  const row = (pass: LedgerRow['pass'], share: number): LedgerRow => ({
    layer: '0:linear',
    name: 'linear',
    pass,
    shapes: 'test',
    calls: 1,
    macs: Math.round(p.macs * share),
    flops: Math.round(p.flops * share),
    transcendentals: 0,
    comparisons: 0,
    bytesRead: Math.round(p.bytesRead * share),
    bytesWritten: Math.round(p.bytesWritten * share),
    paddingMacs: Math.round((p.paddingMacs ?? 0) * share),
    executedMacs: Math.round((p.macs + (p.paddingMacs ?? 0)) * share),
    ms: 1,
  });
  // Training: a third forward, the rest backward (the counts of a phase are what its totals say).
  if (phase === 'train') {
    const fwd = row('forward', 1 / 3);
    const bwd = row('backward-weight', 1);
    for (const k of ['macs', 'flops', 'bytesRead', 'bytesWritten', 'paddingMacs'] as const) bwd[k] -= fwd[k];
    return [fwd, bwd];
  }
  return [row('forward', 1)];
}

export function makeRecord(plan: PlannedRun): RunRecord {
  const repeat = plan.repeat ?? 0;
  const phases: Record<string, unknown> = {};
  let clock = 5;
  for (const [name, p] of Object.entries(plan.phases) as Array<[Phase, PlannedPhase]>) {
    const rows = kernels(name, p);
    const energy = p.sources ? energyWindow(name, p.sources, p.seconds, clock) : undefined;
    clock += p.seconds + 1;
    const base = {
      kernels: rows,
      totals: totals(rows),
      energy,
      utilisation: { gpuPct: p.gpuUtil ?? null, memoryPct: p.memUtil ?? null, peakMemoryBytes: null },
    };
    if (name === 'train') {
      const epochs = p.epochs ?? 1;
      phases.train = {
        ...base,
        result: {
          epochs,
          startEpoch: 0,
          steps: p.samples / 8,
          samples: p.samples,
          epochLoss: [0.5],
          seconds: p.seconds,
          allEpochLoss: [0.5],
          resumedAfterEpoch: 0,
        },
        epochEnergy: energy ? [energy] : [],
      };
    } else if (name === 'test') {
      phases.test = { ...base, result: { samples: p.samples, loss: 0.5, seconds: p.seconds }, metrics: {} };
    } else {
      phases.run = { ...base, result: { passes: p.passes ?? p.samples, batch: p.batch ?? 1, seconds: p.seconds, msPerPass: 1 } };
    }
  }
  const gpus = plan.gpus ?? ['NVIDIA Test GPU'];
  const frontend = plan.frontend === null ? undefined : { ...DCASE_FRONTEND, ...(plan.frontend ?? {}) };
  const record = {
    format: 'sedjoule-run',
    version: 1,
    key: `${plan.id}#r${repeat}`,
    config: {
      id: plan.id,
      model: plan.model,
      phases: Object.keys(plan.phases),
      epochs: 1,
      batchSize: 8,
      lr: 1e-3,
      seed: 1 + repeat,
      repeat,
      runPasses: 60,
      runBatch: 1,
      threads: 2,
    },
    model: { name: plan.name ?? plan.id, spec: {}, params: plan.params, description: {} },
    data: {
      source: frontend ? 'synthetic' : 'random',
      classes: [],
      inputShape: plan.inputShape ?? [1, 128, 626],
      train: 0,
      test: 0,
      skipped: [],
      heldOut: false,
      ...(frontend ? { frontend } : {}),
    },
    phases,
    energy: { meter: {}, windows: [], trace: { periodS: 0.05, sources: [] } },
    provenance: {
      sedjoule: '0.1.0',
      node: 'v20.0.0',
      platform: 'Linux 6.1 x64',
      hostname: plan.host ?? 'testhost',
      cpu: { model: 'Test CPU', logicalCpus: 16, kernelsIsa: 'avx2' },
      memoryBytes: 64 * 2 ** 30,
      gpus: gpus.map((name, i) => ({ id: `gpu${i}`, name })),
      cuda: { compiled: gpus.length > 0, runtimeVersion: 0, driverVersion: 0, devices: gpus.map((n, i) => `${i}: ${n}`) },
      git: { commit: null, dirty: null },
    },
    settings: { energy: {}, threads: 2 },
    startedAt: plan.startedAt ?? '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T01:00:00.000Z',
  };
  return record as unknown as RunRecord;
}

/** Writes records as a sweep would: `<dir>/runs/<key>.json`, plus a sweep.json beside them. */
export function writeResults(dir: string, records: RunRecord[]): string {
  fs.mkdirSync(path.join(dir, 'runs'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'sweep.json'), JSON.stringify({ format: 'sedjoule-sweep' }));
  for (const r of records) fs.writeFileSync(path.join(dir, 'runs', `${r.key.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`), JSON.stringify(r));
  return dir;
}

export const gpuSource = (netJ: number | null, extra: Partial<PlannedSource> = {}): PlannedSource => ({
  id: 'gpu0',
  device: 'gpu',
  method: 'nvml-counter',
  netJ,
  idleW: 20,
  ...extra,
});
export const modelledCpu = (netJ: number): PlannedSource => ({ id: 'cpu-model', device: 'cpu', method: 'modelled', netJ, idleW: 5 });
export const raplPackage = (netJ: number | null, extra: Partial<PlannedSource> = {}): PlannedSource => ({
  id: 'package-0',
  device: 'cpu-package',
  method: 'rapl',
  netJ,
  idleW: 10,
  ...extra,
});
