/**
 * The study's question on the user's own runs: how energy relates to counted FLOPs, MACs,
 * parameters, bytes moved, duration and GPU/memory utilisation, per architecture family, per phase
 * (train / test / run) and pooled over families. For each group: Pearson r and Spearman rho with
 * bootstrap intervals, linear and log-log fits of energy on FLOPs, parameters and bytes, energy per
 * sample, J/GFLOP and GFLOP/J; across phases, the measured train/test energy-per-sample ratio next
 * to the counted FLOP-per-sample ratio (the study assumed 3x); across repeats, mean and standard
 * deviation per configuration.
 *
 * Points: by default one per configuration and phase, the mean of its repeats, so that a
 * configuration run five times does not weigh five times in a correlation (its spread is reported
 * separately); `points: 'runs'` uses every run as a point.
 */
import type { EnergyMethod } from '../energy/types.js';
import { PHASES, type Phase, type RunRecord } from '../records/run-record.js';
import { chooseSelection, type EnergyScope, type EnergyBasis, type EnergySelection } from './energy-selection.js';
import { FAMILIES, observe, phaseRuns, type Family, type Observation } from './observations.js';
import { loadRunRecords, type LoadedRecords } from '../records/read-records.js';
import {
  correlate,
  DEFAULT_RESAMPLES,
  linearFit,
  logLogFit,
  summarise,
  type Correlation,
  type LineFit,
  type MaybeNumber,
  type Summary,
} from './statistics.js';

/** The quantities energy is related to, as named in the report. */
export type Variable = 'flops' | 'macs' | 'params' | 'bytesMoved' | 'durationS' | 'gpuUtilPct' | 'memUtilPct';

export const VARIABLES: Array<{ key: Variable; label: string }> = [
  { key: 'flops', label: 'FLOPs (counted)' },
  { key: 'macs', label: 'MACs (counted)' },
  { key: 'params', label: 'parameters' },
  { key: 'bytesMoved', label: 'bytes moved' },
  { key: 'durationS', label: 'duration' },
  { key: 'gpuUtilPct', label: 'mean GPU utilisation' },
  { key: 'memUtilPct', label: 'mean memory utilisation' },
];

/** The regressors of the energy fits. */
export const FIT_VARIABLES: Variable[] = ['flops', 'params', 'bytesMoved'];

/** The study's assumption: a training step costs 3 forward passes (backward = 2 x forward). */
export const ASSUMED_TRAIN_TEST_RATIO = 3;

export type PointMode = 'configs' | 'runs';

export interface AnalyzeOptions {
  /** 'auto' (default): net when every window with energy has an idle baseline, else gross. */
  energy?: EnergyBasis | 'auto';
  /** Which devices' energy (default all). */
  device?: EnergyScope;
  /** Bootstrap resamples (default 2000) and seed (default 1). */
  resamples?: number;
  seed?: number;
  points?: PointMode;
}

/** One point of a correlation or fit: a configuration (mean of its repeats) or a run, in one phase. */
export interface Point {
  configId: string;
  family: Family;
  model: string;
  phase: Phase;
  /** Keys of the runs the point stands for, and how many of them have energy. */
  runs: string[];
  runsWithEnergy: number;
  energyJ: number | null;
  samples: number;
  flops: number;
  macs: number;
  params: number;
  bytesMoved: number;
  durationS: number;
  gpuUtilPct: number | null;
  memUtilPct: number | null;
  energyPerSampleJ: number | null;
  joulesPerGflop: number | null;
  gflopPerJoule: number | null;
}

export interface GroupAnalysis {
  family: Family | 'all';
  phase: Phase;
  points: number;
  pointsWithEnergy: number;
  correlations: Array<{ variable: Variable; label: string } & Correlation>;
  fits: Array<{ variable: Variable; label: string; linear: LineFit; logLog: LineFit }>;
  efficiency: { energyPerSampleJ: Summary; joulesPerGflop: Summary; gflopPerJoule: Summary };
}

export interface TrainTestRatio {
  configId: string;
  family: Family;
  model: string;
  trainEnergyPerSampleJ: number | null;
  testEnergyPerSampleJ: number | null;
  trainFlopsPerSample: number | null;
  testFlopsPerSample: number | null;
  /** Measured: (E_train / samples_train) / (E_test / samples_test). */
  energyRatio: number | null;
  /** Counted: (FLOPs_train / samples_train) / (FLOPs_test / samples_test). */
  flopsRatio: number | null;
  reason?: string;
}

export interface TrainTestSummary {
  assumed: number;
  note: string;
  perConfig: TrainTestRatio[];
  byFamily: Array<{ family: Family | 'all'; energyRatio: Summary; flopsRatio: Summary; energyOverFlopsRatio: Summary }>;
}

export interface RepeatSummary {
  configId: string;
  family: Family;
  model: string;
  phase: Phase;
  runs: number;
  energyJ: Summary;
  energyPerSampleJ: Summary;
  durationS: Summary;
  /** sd / mean of the energy; null below two repeats with energy. */
  coefficientOfVariation: number | null;
  missing: Array<{ key: string; reason: string }>;
}

export interface AnalysisReport {
  command: 'analyze';
  inputs: { paths: string[]; records: number; skipped: LoadedRecords['skipped'] };
  energy: {
    basis: EnergyBasis;
    device: EnergyScope;
    kind: EnergySelection['kind'];
    /** Why this basis and these sources. */
    reason: string;
    /** Methods and source ids actually used by the figures in the report. */
    methods: EnergyMethod[];
    sources: string[];
    unit: 'J';
  };
  points: PointMode;
  bootstrap: { resamples: number; seed: number; level: number };
  /** Machines the runs come from: "hostname (GPU, ...)". */
  machines: string[];
  observations: Observation[];
  /** Phases that were run but have no energy under the selection, with the reason (never counted as 0). */
  missing: Array<{ key: string; configId: string; phase: Phase; reason: string }>;
  /** Caveats on figures that are kept (short windows, failed reads, resumed runs). */
  flags: Array<{ key: string; phase: Phase; flag: string }>;
  groups: GroupAnalysis[];
  trainTest: TrainTestSummary;
  repeats: RepeatSummary[];
  notes: string[];
}

function meanOf(values: MaybeNumber[]): number | null {
  return summarise(values).mean;
}

/** Observations of one configuration and phase → one point (means over the repeats). */
function pointOf(obs: Observation[]): Point {
  const first = obs[0];
  const withEnergy = obs.filter((o) => o.energyJ !== null);
  const energyJ = meanOf(withEnergy.map((o) => o.energyJ));
  // Counts and durations from the repeats that have energy, so a point's x and y describe the
  // same runs; a point without energy still places its counts (it is excluded from pairs).
  const basis = withEnergy.length ? withEnergy : obs;
  const samples = meanOf(basis.map((o) => o.samples)) ?? 0;
  const flops = meanOf(basis.map((o) => o.flops)) ?? 0;
  const gflop = flops / 1e9;
  return {
    configId: first.configId,
    family: first.family,
    model: first.model,
    phase: first.phase,
    runs: obs.map((o) => o.key),
    runsWithEnergy: withEnergy.length,
    energyJ,
    samples,
    flops,
    macs: meanOf(basis.map((o) => o.macs)) ?? 0,
    params: first.params,
    bytesMoved: meanOf(basis.map((o) => o.bytesMoved)) ?? 0,
    durationS: meanOf(basis.map((o) => o.durationS)) ?? 0,
    gpuUtilPct: meanOf(basis.map((o) => o.gpuUtilPct)),
    memUtilPct: meanOf(basis.map((o) => o.memUtilPct)),
    energyPerSampleJ: energyJ !== null && samples > 0 ? energyJ / samples : null,
    joulesPerGflop: energyJ !== null && energyJ > 0 && gflop > 0 ? energyJ / gflop : null,
    gflopPerJoule: energyJ !== null && energyJ > 0 && gflop > 0 ? gflop / energyJ : null,
  };
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** One point per configuration and phase: the means of its repeats. */
export function configurationPoints(observations: Observation[]): Point[] {
  return [...groupBy(observations, (o) => `${o.configId}\u0000${o.phase}`).values()].map(pointOf);
}

/** Correlations, fits and efficiency of one group of points. */
export function analyzeGroup(
  family: Family | 'all',
  phase: Phase,
  points: Point[],
  options: { resamples?: number; seed?: number } = {},
): GroupAnalysis {
  const energy = points.map((p) => p.energyJ);
  return {
    family,
    phase,
    points: points.length,
    pointsWithEnergy: points.filter((p) => p.energyJ !== null).length,
    correlations: VARIABLES.map(({ key, label }) => ({
      variable: key,
      label,
      ...correlate(
        points.map((p) => p[key]),
        energy,
        options,
      ),
    })),
    fits: FIT_VARIABLES.map((key) => {
      const x = points.map((p) => p[key]);
      return {
        variable: key,
        label: VARIABLES.find((v) => v.key === key)!.label,
        linear: linearFit(x, energy),
        logLog: logLogFit(x, energy),
      };
    }),
    efficiency: {
      energyPerSampleJ: summarise(points.map((p) => p.energyPerSampleJ)),
      joulesPerGflop: summarise(points.map((p) => p.joulesPerGflop)),
      gflopPerJoule: summarise(points.map((p) => p.gflopPerJoule)),
    },
  };
}

function trainTest(points: Point[]): TrainTestSummary {
  const byConfig = groupBy(points, (p) => p.configId);
  const perConfig: TrainTestRatio[] = [];
  for (const [configId, list] of byConfig) {
    const train = list.find((p) => p.phase === 'train');
    const test = list.find((p) => p.phase === 'test');
    if (!train && !test) continue;
    const ref = (train ?? test)!;
    const perSample = (p: Point | undefined, v: number | null) => (p && v !== null && p.samples > 0 ? v / p.samples : null);
    const row: TrainTestRatio = {
      configId,
      family: ref.family,
      model: ref.model,
      trainEnergyPerSampleJ: train?.energyPerSampleJ ?? null,
      testEnergyPerSampleJ: test?.energyPerSampleJ ?? null,
      trainFlopsPerSample: perSample(train, train?.flops ?? null),
      testFlopsPerSample: perSample(test, test?.flops ?? null),
      energyRatio: null,
      flopsRatio: null,
    };
    if (row.trainFlopsPerSample !== null && row.testFlopsPerSample !== null && row.testFlopsPerSample > 0)
      row.flopsRatio = row.trainFlopsPerSample / row.testFlopsPerSample;
    if (!train || !test) row.reason = `no ${train ? 'test' : 'train'} phase`;
    else if (row.trainEnergyPerSampleJ === null || row.testEnergyPerSampleJ === null)
      row.reason = `no ${row.trainEnergyPerSampleJ === null ? 'train' : 'test'} energy`;
    else if (!(row.testEnergyPerSampleJ > 0)) row.reason = 'test energy is not positive (a net figure at or below idle)';
    else row.energyRatio = row.trainEnergyPerSampleJ / row.testEnergyPerSampleJ;
    perConfig.push(row);
  }
  const families: Array<Family | 'all'> = [...FAMILIES.filter((f) => perConfig.some((r) => r.family === f)), 'all'];
  return {
    assumed: ASSUMED_TRAIN_TEST_RATIO,
    note:
      'energy per sample of training over energy per sample of testing, beside the same ratio of counted FLOPs (training counts forward, ' +
      'backward and optimiser kernels; testing forward and loss); the study assumed training = 3 x inference',
    perConfig,
    byFamily: families.map((family) => {
      const rows = perConfig.filter((r) => family === 'all' || r.family === family);
      return {
        family,
        energyRatio: summarise(rows.map((r) => r.energyRatio)),
        flopsRatio: summarise(rows.map((r) => r.flopsRatio)),
        energyOverFlopsRatio: summarise(rows.map((r) => (r.energyRatio !== null && r.flopsRatio ? r.energyRatio / r.flopsRatio : null))),
      };
    }),
  };
}

function repeatsOf(observations: Observation[]): RepeatSummary[] {
  const out: RepeatSummary[] = [];
  for (const list of groupBy(observations, (o) => `${o.configId}\u0000${o.phase}`).values()) {
    const energy = summarise(list.map((o) => o.energyJ));
    out.push({
      configId: list[0].configId,
      family: list[0].family,
      model: list[0].model,
      phase: list[0].phase,
      runs: list.length,
      energyJ: energy,
      energyPerSampleJ: summarise(list.map((o) => o.energyPerSampleJ)),
      durationS: summarise(list.map((o) => o.durationS)),
      coefficientOfVariation: energy.sd !== null && energy.mean ? energy.sd / Math.abs(energy.mean) : null,
      missing: list.filter((o) => o.energyJ === null).map((o) => ({ key: o.key, reason: o.energy.reason ?? 'no energy' })),
    });
  }
  return out;
}

/** The analysis of records already in memory. */
export function analyzeRecords(records: RunRecord[], options: AnalyzeOptions = {}, inputs?: AnalysisReport['inputs']): AnalysisReport {
  const runs = records.flatMap(phaseRuns);
  const { selection, reason } = chooseSelection(
    runs.flatMap((r) => r.windows ?? []),
    { basis: options.energy, device: options.device },
  );
  const observations = runs.map((r) => observe(r, selection));
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = options.seed ?? 1;
  const mode = options.points ?? 'configs';

  const configPoints = configurationPoints(observations);
  const points = mode === 'configs' ? configPoints : observations.map((o) => pointOf([o]));

  const groups: GroupAnalysis[] = [];
  for (const phase of PHASES) {
    const inPhase = points.filter((p) => p.phase === phase);
    if (inPhase.length === 0) continue;
    for (const family of FAMILIES) {
      const list = inPhase.filter((p) => p.family === family);
      if (list.length) groups.push(analyzeGroup(family, phase, list, { resamples, seed }));
    }
    groups.push(analyzeGroup('all', phase, inPhase, { resamples, seed }));
  }

  const used = observations.filter((o) => o.energyJ !== null);
  const methods = [...new Set(used.flatMap((o) => o.energy.methods))];
  const sources = [...new Set(used.flatMap((o) => o.energy.sources))];
  const machines = [
    ...new Set(observations.map((o) => `${o.machine.hostname} (${o.machine.gpus.length ? o.machine.gpus.join(', ') : 'no GPU'})`)),
  ];
  const notes: string[] = [];
  if (machines.length > 1)
    notes.push(`runs from ${machines.length} machines are pooled; energy depends on the hardware (see sedjoule normalize)`);
  if (selection.kind === 'modelled')
    notes.push('every energy figure is MODELLED (no measured source): relations to FLOPs reflect the model, not the machine');
  if (mode === 'configs') notes.push('one point per configuration and phase: the mean of its repeats (repeat spread in the repeats table)');
  const counted = new Map<string, number>();
  for (const o of observations) counted.set(`${o.configId}\u0000${o.phase}`, o.flops);
  for (const o of observations) {
    const f = counted.get(`${o.configId}\u0000${o.phase}`)!;
    if (f !== o.flops) {
      notes.push(`repeats of ${o.configId} differ in counted ${o.phase} FLOPs: they do not follow one protocol, and their mean mixes them`);
      counted.set(`${o.configId}\u0000${o.phase}`, o.flops);
    }
  }

  return {
    command: 'analyze',
    inputs: inputs ?? { paths: [], records: records.length, skipped: [] },
    energy: { basis: selection.basis, device: selection.device, kind: selection.kind, reason, methods, sources, unit: 'J' },
    points: mode,
    bootstrap: { resamples, seed, level: 0.95 },
    machines,
    observations,
    missing: observations
      .filter((o) => o.energyJ === null)
      .map((o) => ({ key: o.key, configId: o.configId, phase: o.phase, reason: o.energy.reason ?? 'no energy' })),
    flags: observations.flatMap((o) => [...o.energy.flags, ...o.notes].map((flag) => ({ key: o.key, phase: o.phase, flag }))),
    groups,
    // The ratio pairs a configuration's train and test phases, so it always uses configuration means.
    trainTest: trainTest(configPoints),
    repeats: repeatsOf(observations),
    notes,
  };
}

/** Reads the records under the paths (see records.ts) and analyses them. */
export function analyzeResults(paths: string | string[], options: AnalyzeOptions = {}): AnalysisReport {
  const list = Array.isArray(paths) ? paths : [paths];
  const loaded = loadRunRecords(list);
  return analyzeRecords(loaded.records, options, { paths: list, records: loaded.records.length, skipped: loaded.skipped });
}
