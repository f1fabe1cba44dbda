/**
 * The run record: what one run (one configuration, one repeat) wrote, one JSON file per run. This
 * is the on-disk format that experiments write and analyses and reports read, so it sits below
 * both; readers keep loading records written by earlier versions (fields added since are optional).
 */
import type { FeatureBuildReport } from '../data/feature-dataset.js';
import type { DatasetFormat, Problem } from '../data/manifest.js';
import type { EnergySettings } from '../energy/settings.js';
import type { EnergyTrace, EnergyWindow, IdleBaseline, MeterDescription } from '../energy/types.js';
import type { FrontendConfig } from '../frontend/extractor.js';
import type { Device, LedgerRow, LedgerTotals } from '../ledger.js';
import type { TaggingMetrics } from '../metrics/tagging.js';
import type { ModelRef } from '../models/presets.js';
import type { NetworkDescription } from '../network.js';
import type { NetworkSpec } from '../spec.js';

export type Phase = 'train' | 'test' | 'run';
export const PHASES: Phase[] = ['train', 'test', 'run'];

export interface RunConfig {
  /** The configuration's id in its sweep, e.g. "paper43:7" or "grid:3". */
  id: string;
  model: ModelRef;
  phases: Phase[];
  epochs: number;
  batchSize: number;
  lr: number;
  /** The run's seed (weights, shuffling, dropout, the run phase's input). */
  seed: number;
  repeat: number;
  /** The run phase: forward passes and their batch size (the study: 60 passes of one clip). */
  runPasses: number;
  runBatch: number;
  threads: number;
  /** Where the model's kernels run (absent: cpu). */
  device?: Device;
}

/** The data a run trained and tested on. */
export interface DataInfo {
  source: 'synthetic' | 'folder' | 'random';
  format?: DatasetFormat;
  root?: string;
  classes: string[];
  inputShape: number[];
  train: number;
  test: number;
  /** Items left out by --skip-bad (bad metadata rows, missing or unreadable audio). */
  skipped: Problem[];
  /** The set has no test split: a seeded fifth of its training items was held out. */
  heldOut: boolean;
  frontend?: FrontendConfig;
  cacheDir?: string;
}

/** Computing the features: the front end's ledger and, when measured, its energy window. */
export interface FeaturePhase {
  reports: FeatureBuildReport[];
  kernels: LedgerRow[];
  totals: LedgerTotals;
  energy?: EnergyWindow;
}

export interface TrainSummary {
  /** Epochs run in this call (after `startEpoch` already done, when resuming). */
  epochs: number;
  startEpoch: number;
  steps: number;
  samples: number;
  /** Mean training loss of each epoch. */
  epochLoss: number[];
  seconds: number;
}

export interface TestSummary {
  samples: number;
  loss: number;
  seconds: number;
}

export interface RunSummary {
  passes: number;
  batch: number;
  seconds: number;
  /** Mean wall time of one forward pass, ms. */
  msPerPass: number;
}

export interface Utilisation {
  /** Means over the phase's samples of the GPU sources; null without a GPU source. */
  gpuPct: number | null;
  memoryPct: number | null;
  peakMemoryBytes: number | null;
  note?: string;
}

export interface PhaseRecord {
  kernels: LedgerRow[];
  totals: LedgerTotals;
  energy?: EnergyWindow;
  utilisation: Utilisation;
}

/**
 * In a record, `epochs`, `steps`, `samples` and `seconds` are the whole run's, over every session
 * of a resumed run (as its ledger and epoch windows are), and `session` is this process's share.
 * Records written before `session` existed counted this process's share only: read the whole
 * run's figures of any record with trainingTotals().
 */
export interface TrainPhaseRecord extends PhaseRecord {
  result: TrainSummary & {
    /** Loss of every epoch of the run, including epochs done before a resume. */
    allEpochLoss: number[];
    /** Epochs done before this process resumed the run (0 when not resumed). */
    resumedAfterEpoch: number;
    /** What this process ran (after `resumedAfterEpoch` epochs); absent in records of earlier versions. */
    session?: { epochs: number; steps: number; samples: number; seconds: number };
  };
  /** Energy windows of every epoch, including those before a resume. */
  epochEnergy: EnergyWindow[];
}

/** Where and with what a run was made. A fact that could not be found is null with the reason. */
export interface Provenance {
  sedjoule: string;
  node: string;
  platform: string;
  hostname: string;
  cpu: { model: string; logicalCpus: number; kernelsIsa: string };
  memoryBytes: number;
  gpus: Array<{ id: string; name: string; uuid?: string; driver?: string; powerLimitW?: string }>;
  cuda: { compiled: boolean; runtimeVersion: number; driverVersion: number; devices: string[] };
  /** The addon file the run used, and whether it was prebuilt, built here or given by SEDJOULE_ADDON (absent in older records). */
  addon?: { path: string; origin: string };
  git: { commit: string | null; dirty: boolean | null; reason?: string };
}

export interface RunRecord {
  format: 'sedjoule-run';
  /** The record format's version (not sedjoule's: that is provenance.sedjoule). */
  version: 1;
  /** `${id}#r${repeat}`: unique within a sweep. */
  key: string;
  config: RunConfig;
  model: { name: string; spec: NetworkSpec; params: number; description: NetworkDescription };
  data: DataInfo;
  phases: {
    features?: FeaturePhase;
    train?: TrainPhaseRecord;
    test?: PhaseRecord & { result: TestSummary; metrics: TaggingMetrics };
    run?: PhaseRecord & { result: RunSummary };
  };
  energy?: { meter: MeterDescription; idle?: IdleBaseline; windows: EnergyWindow[]; trace: EnergyTrace };
  provenance: Provenance;
  settings: { energy: EnergySettings; threads: number };
  startedAt: string;
  finishedAt: string;
}

export function runKey(config: Pick<RunConfig, 'id' | 'repeat'>): string {
  return `${config.id}#r${config.repeat}`;
}

/** A file name for a run key: letters, digits, '.', '_' and '-'. */
export function runFileStem(key: string): string {
  return key.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/**
 * The whole run's training epochs and samples, for records of any version: earlier versions kept
 * only the last session's figures, so the epochs before a resume are added back (each one pass
 * over the training set, `trainExamples` clips, when the last session ran no epoch to measure it).
 */
export function trainingTotals(train: TrainPhaseRecord, trainExamples: number): { epochs: number; samples: number } {
  const r = train.result;
  if (r.session) return { epochs: r.epochs, samples: r.samples };
  const before = r.resumedAfterEpoch ?? 0;
  const perEpoch = r.epochs > 0 ? r.samples / r.epochs : trainExamples;
  return { epochs: r.epochs + before, samples: r.samples + perEpoch * before };
}
