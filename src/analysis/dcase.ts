/**
 * What DCASE task 4 asks a submission to report about energy (Ronchini & Serizel, arXiv 2310.03455;
 * the task 4 baseline, DCASE-REPO/DESED_task @c6bcb45), from run records:
 *
 * - training energy and dev-test (inference) energy in kWh, and the GPU model;
 * - MACs for 10 s of audio;
 * - the baseline's dev-test inference energy on the same hardware;
 * - the normalized energy and the energy-weighted score.
 *
 * 2023 rule, checked against all 84 entries of RonFrancesca/SED-carbon-footprint (submissions_task4a_entries.yaml):
 *   E_norm = E x 0.032 kWh / E_baseline_local, for training and dev-test alike, where
 *   E_baseline_local is the baseline's dev-test inference on the participant's hardware and
 *   0.032 kWh the organisers' figure for the same inference on theirs (the k = 1 ratio map of
 *   normalize.ts);
 *   EW_train = score x 1.390 kWh / E_train_norm and EW_test = score x 0.019 kWh / E_test_norm, where
 *   1.390 and 0.019 kWh are the baseline's own training and dev-test energies on the organisers'
 *   hardware (the DESED_task 2023 README).
 * 2022 rule: raw energies, EW_train = score x 1.717 / E_train, EW_test = score x 0.030 / E_test.
 *
 * DCASE energies are CodeCarbon totals (CPU + GPU + RAM, whole machine, no idle subtraction), so the
 * report uses gross energy of all devices unless told otherwise.
 */
import path from 'node:path';

import { SedjouleError } from '../errors.js';
import { trainingTotals, type Phase, type RunRecord } from '../records/run-record.js';
import { DEFAULT_CARBON_INTENSITY, DEFAULT_CARBON_SOURCE } from '../energy/carbon.js';
import { carbonIntensityFor, describeCarbonIntensity } from '../energy/carbon-intensity.js';
import type { EnergyMethod } from '../energy/types.js';
import type { LedgerRow } from '../ledger.js';
import { ensureFolder, writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import {
  CODECARBON_LAYOUTS,
  emissionsCsv,
  codecarbonRow,
  codecarbonRowBasis,
  unfilledColumns,
  type CodeCarbonLayout,
  type CodeCarbonRow,
  type CodeCarbonRowBasis,
} from './codecarbon.js';
import { chooseSelection, type EnergyScope, type EnergyBasis, type EnergySelection, type WindowEnergy } from './energy-selection.js';
import { familyOf, observe, phaseRuns, type Observation } from './observations.js';
import { phaseEnd } from './record-emissions.js';
import { ratioNormalize } from './normalize.js';
import { loadRunRecords } from '../records/read-records.js';
import { summarise } from './statistics.js';
import { clipCoverage, DCASE_AUDIO_SECONDS } from '../frontend/clip.js';

export type DcaseYear = 2022 | 2023;
export const DCASE_YEARS: DcaseYear[] = [2022, 2023];

export interface DcaseReferences {
  year: DcaseYear;
  /** The baseline's training energy on the organisers' hardware: the numerator of EW_train. */
  trainingKWh: number;
  /** The baseline's dev-test inference energy on the organisers' hardware: the numerator of EW_test. */
  devTestKWh: number;
  /**
   * The reference the local baseline inference is scaled to (2023); null: energies used raw (2022).
   * Spelled as in the written reports (dcase-report.json), which keep their field names.
   */
  normalisationKWh: number | null;
  source: string;
}

export const DCASE_REFERENCES: Record<DcaseYear, DcaseReferences> = {
  2023: {
    year: 2023,
    trainingKWh: 1.39,
    devTestKWh: 0.019,
    normalisationKWh: 0.032,
    source:
      'DCASE 2023 task 4 (Ronchini & Serizel, arXiv 2310.03455): 1.390 kWh baseline training and 0.019 kWh baseline dev-test on an A100 80 GB (DESED_task 2023 README); ' +
      "0.032 kWh the organisers' baseline dev-test inference used to normalize (submissions_task4a_entries.yaml)",
  },
  2022: {
    year: 2022,
    trainingKWh: 1.717,
    devTestKWh: 0.03,
    normalisationKWh: null,
    source:
      'DCASE 2022 task 4 (Ronchini & Serizel, arXiv 2310.03455): 1.717 kWh baseline training and 0.030 kWh dev-test on an A100 40 GB; raw energies, no normalization',
  },
};

export interface DcaseOptions {
  /** A run key (`id#rN`) or a configuration id (all its repeats, averaged). */
  trainRun?: string;
  testRun?: string;
  baselineRun?: string;
  /** The submission's PSDS (or other score) for the energy-weighted scores. */
  score?: number;
  year?: DcaseYear;
  /** Default gross: DCASE energies are CodeCarbon totals without idle subtraction. */
  energy?: EnergyBasis | 'auto';
  device?: EnergyScope;
  projectName?: string;
  carbonIntensityGPerKWh?: number;
  pue?: number;
  /** ISO 3166-1 alpha-3: fills the country columns and, unless an intensity is given, the intensity. */
  countryIsoCode?: string;
  region?: string;
  /** emissions.csv's layout (default '2.8'). */
  codecarbonLayout?: CodeCarbonLayout;
}

export interface DcaseEnergy {
  /** Mean over the runs with energy; null with the reason when none has. */
  kWh: number | null;
  joules: number | null;
  /** Root-sum-square meter uncertainty of the mean's runs, divided by their count. */
  uncertaintyKWh: number | null;
  /** Standard deviation over repeats (kWh); null below two. */
  sdKWh: number | null;
  runs: string[];
  runsWithEnergy: number;
  phase: Phase;
  samples: number | null;
  durationS: number | null;
  methods: EnergyMethod[];
  sources: string[];
  reason?: string;
  missing: Array<{ key: string; reason: string }>;
}

export interface Macs10s {
  /** Forward MACs on data per 10 s of audio (the ledger's `macs`: padding taps excluded). */
  macs: number | null;
  /** The same with the padding taps the kernels execute: closer to THOP, which counts every tap of a padded convolution. */
  macsWithPadding: number | null;
  flops: number | null;
  forwardMacsPerClip: number | null;
  audioSecondsPerClip: number | null;
  scale: number | null;
  from: string | null;
  note: string;
  reason?: string;
}

export interface DcaseReport {
  command: 'dcase-report';
  year: DcaseYear;
  submission: { trainRuns: string[]; testRuns: string[]; model: string; configId: string; params: number };
  baseline: { runs: string[]; model: string; configId: string };
  energy: {
    basis: EnergyBasis;
    device: EnergyScope;
    kind: EnergySelection['kind'];
    reason: string;
    methods: EnergyMethod[];
    sources: string[];
  };
  hardware: {
    gpuModel: string;
    gpus: string[];
    cpu: string;
    hostname: string;
    node: string;
    sedjoule: string;
    sameAsBaseline: boolean;
    note?: string;
  };
  training: DcaseEnergy;
  devTest: DcaseEnergy;
  baselineDevTest: DcaseEnergy;
  macs10s: Macs10s;
  references: DcaseReferences & { appliesTo: Record<string, string> };
  /** Spelled as in the written reports (dcase-report.json), which keep their field names. */
  normalised: { trainingKWh: number | null; devTestKWh: number | null; factor: number | null; formula: string; reason?: string };
  score: number | null;
  energyWeighted: { training: number | null; test: number | null; formula: string; reason?: string };
  emissions: {
    layout: CodeCarbonLayout;
    columns: readonly string[];
    layoutSource: string;
    rows: CodeCarbonRow[];
    /** Per row, in the same order: the methods it sums, whether it is modelled, what it leaves out. */
    basis: CodeCarbonRowBasis[];
    unfilled: Array<{ column: string; rows: number; reason: string }>;
    intensityGPerKWh: number;
    intensitySource: string;
    pue: number;
  };
  notes: string[];
}

const KWH = 3.6e6;

/** The records a KEY names: a run key exactly, else every repeat of a configuration id. */
function resolveRuns(records: RunRecord[], key: string, what: string): RunRecord[] {
  const exact = records.filter((r) => r.key === key);
  if (exact.length) return exact;
  const byConfig = records.filter((r) => r.config.id === key);
  if (byConfig.length) return byConfig;
  const known = [...new Set(records.map((r) => r.config.id))];
  throw new SedjouleError(
    'E_USAGE',
    `${what} '${key}' matches no run key or configuration id; configurations here: ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', ...' : ''}`,
  );
}

function distinctConfigs(records: RunRecord[]): string[] {
  return [...new Set(records.map((r) => r.config.id))];
}

/** The mean energy of a phase over runs, with what it was made of. */
function phaseEnergy(records: RunRecord[], phase: Phase, selection: EnergySelection): { figure: DcaseEnergy; observations: Observation[] } {
  const observations: Observation[] = [];
  const missing: DcaseEnergy['missing'] = [];
  for (const r of records) {
    const run = phaseRuns(r).find((p) => p.phase === phase);
    if (!run) {
      missing.push({ key: r.key, reason: `the run has no ${phase} phase` });
      continue;
    }
    const o = observe(run, selection);
    observations.push(o);
    if (o.energyJ === null) missing.push({ key: r.key, reason: o.energy.reason ?? 'no energy' });
  }
  const withEnergy = observations.filter((o) => o.energyJ !== null);
  const joules = summarise(withEnergy.map((o) => o.energyJ));
  const u = withEnergy.map((o) => o.energy.uncertaintyJ ?? 0);
  const figure: DcaseEnergy = {
    kWh: joules.mean === null ? null : joules.mean / KWH,
    joules: joules.mean,
    uncertaintyKWh: withEnergy.length ? Math.sqrt(u.reduce((a, v) => a + v * v, 0)) / withEnergy.length / KWH : null,
    sdKWh: joules.sd === null ? null : joules.sd / KWH,
    runs: records.map((r) => r.key),
    runsWithEnergy: withEnergy.length,
    phase,
    samples: summarise(observations.map((o) => o.samples)).mean,
    durationS: summarise(withEnergy.map((o) => o.durationS)).mean,
    methods: [...new Set(withEnergy.flatMap((o) => o.energy.methods))],
    sources: [...new Set(withEnergy.flatMap((o) => o.energy.sources))],
    missing,
  };
  if (figure.kWh === null) figure.reason = missing.length ? missing.map((m) => `${m.key}: ${m.reason}`).join('; ') : `no ${phase} runs`;
  return { figure, observations };
}

function forwardMacs(rows: LedgerRow[]): { macs: number; paddingMacs: number; flops: number } {
  const fwd = rows.filter((r) => r.pass === 'forward');
  return {
    macs: fwd.reduce((a, r) => a + r.macs, 0),
    paddingMacs: fwd.reduce((a, r) => a + r.paddingMacs, 0),
    flops: fwd.reduce((a, r) => a + r.flops, 0),
  };
}

/**
 * Forward MACs per clip from the run's own ledger, scaled to 10 s of audio by the same rule as
 * `sedjoule profile`: a front end that keeps every frame of its clip covers clipSeconds; one that
 * keeps the first N frames covers N x hop / sampleRate seconds, and 10 s is then that many windows.
 */
export function macsPer10s(record: RunRecord): Macs10s {
  const none = (reason: string): Macs10s => ({
    macs: null,
    macsWithPadding: null,
    flops: null,
    forwardMacsPerClip: null,
    audioSecondsPerClip: null,
    scale: null,
    from: null,
    note: '',
    reason,
  });
  // The run phase is pure forward passes; test adds only the loss (no MACs); train's forward rows
  // are the same kernels, so any phase gives the same count per clip.
  let counted: { macs: number; paddingMacs: number; flops: number } | null = null,
    clips = 0,
    from = '';
  const run = record.phases.run,
    test = record.phases.test,
    train = record.phases.train;
  if (run && run.result.passes * run.result.batch > 0) {
    counted = forwardMacs(run.kernels);
    clips = run.result.passes * run.result.batch;
    from = `the run phase's forward kernels, ${clips} clips`;
  } else if (test && test.result.samples > 0) {
    counted = forwardMacs(test.kernels);
    clips = test.result.samples;
    from = `the test phase's forward kernels, ${clips} clips`;
  } else if (train && trainingTotals(train, record.data.train).samples > 0) {
    counted = forwardMacs(train.kernels);
    clips = trainingTotals(train, record.data.train).samples;
    from = `the train phase's forward kernels, ${clips} clip-passes`;
  }
  if (!counted || clips === 0) return none('the run has no phase with forward kernels');
  const fe = record.data.frontend;
  if (!fe)
    return none(
      `the run's input was ${record.data.source === 'random' ? 'random features' : 'not from a front end'}: how much audio a clip stands for is unknown`,
    );
  const frames = record.data.inputShape[record.data.inputShape.length - 1];
  const { windowed, audioSeconds } = clipCoverage(fe, frames);
  const scale = DCASE_AUDIO_SECONDS / audioSeconds;
  const perClip = counted.macs / clips;
  const note = windowed
    ? `the input is ${frames} frames (${audioSeconds.toFixed(3)} s of audio at ${fe.sampleRate} Hz, hop ${fe.hop}); the 10 s figure scales one forward pass by ${scale.toFixed(3)}, assuming the model is applied to consecutive ${frames}-frame windows`
    : `the input covers ${fe.clipSeconds} s of audio (${frames} frames at ${fe.sampleRate} Hz, hop ${fe.hop})${scale === 1 ? '' : `; scaled by ${scale.toFixed(3)} to 10 s`}`;
  return {
    macs: Math.round(perClip * scale),
    macsWithPadding: Math.round(((counted.macs + counted.paddingMacs) / clips) * scale),
    flops: Math.round((counted.flops / clips) * scale),
    forwardMacsPerClip: perClip,
    audioSecondsPerClip: audioSeconds,
    scale,
    from,
    note: `counted by the kernels (${from}), per clip; ${note}`,
  };
}

function hardwareOf(record: RunRecord): {
  gpuModel: string;
  gpus: string[];
  cpu: string;
  hostname: string;
  node: string;
  sedjoule: string;
} {
  const p = record.provenance;
  const gpus = (p?.gpus ?? []).map((g) => g.name);
  const cuda = p?.cuda?.devices ?? [];
  let gpuModel: string;
  if (gpus.length) gpuModel = [...new Set(gpus)].join(', ');
  else if (cuda.length) gpuModel = `${cuda.join(', ')} (CUDA devices; no NVML energy source)`;
  else gpuModel = 'none: CPU only';
  return {
    gpuModel,
    gpus,
    cpu: p?.cpu?.model ?? 'unknown',
    hostname: p?.hostname ?? 'unknown',
    node: p?.node ?? 'unknown',
    sedjoule: p?.sedjoule ?? 'unknown',
  };
}

function machineKey(record: RunRecord): string {
  return `${record.provenance?.hostname ?? '?'}|${(record.provenance?.gpus ?? []).map((g) => g.name).join(',')}|${record.provenance?.cpu?.model ?? '?'}`;
}

export function dcaseReport(records: RunRecord[], options: DcaseOptions = {}): DcaseReport {
  const year = options.year ?? 2023;
  const refs = DCASE_REFERENCES[year];
  if (!refs) throw new SedjouleError('E_USAGE', `DCASE reference figures are known for ${DCASE_YEARS.join(' and ')}, not ${year}`);
  if (options.score !== undefined && !(Number.isFinite(options.score) && options.score >= 0))
    throw new SedjouleError('E_VALUE', `--score must be a finite number >= 0, got ${options.score}`);
  const notes: string[] = [];

  let baseline: RunRecord[];
  if (options.baselineRun) baseline = resolveRuns(records, options.baselineRun, '--baseline-run');
  else {
    baseline = records.filter((r) => familyOf(r) === 'dcase-crnn');
    if (baseline.length === 0)
      throw new SedjouleError(
        'E_USAGE',
        "no dcase-crnn run in these records: pass --baseline-run KEY (the DCASE baseline's dev-test inference on this machine is the normalization reference)",
      );
    const ids = distinctConfigs(baseline);
    if (ids.length > 1)
      throw new SedjouleError('E_USAGE', `several dcase-crnn configurations (${ids.join(', ')}): pass --baseline-run KEY`);
  }
  const baselineIds = new Set(baseline.map((r) => r.key));
  let train: RunRecord[];
  if (options.trainRun) train = resolveRuns(records, options.trainRun, '--train-run');
  else {
    const others = distinctConfigs(records.filter((r) => !baselineIds.has(r.key)));
    if (others.length > 1)
      throw new SedjouleError(
        'E_USAGE',
        `several configurations besides the baseline (${others.slice(0, 12).join(', ')}): pass --train-run KEY (and --test-run KEY)`,
      );
    if (others.length === 1) train = records.filter((r) => r.config.id === others[0]);
    else {
      train = baseline;
      notes.push(
        'no run besides the baseline: the baseline is reported as the submission (its normalized dev-test energy is then the reference by construction)',
      );
    }
  }
  const test = options.testRun ? resolveRuns(records, options.testRun, '--test-run') : train;

  const involved = [...new Set([...train, ...test, ...baseline])];
  const windows = involved.flatMap(phaseRuns).flatMap((r) => r.windows ?? []);
  const { selection, reason } = chooseSelection(windows, { basis: options.energy ?? 'gross', device: options.device ?? 'all' });
  if ((options.energy ?? 'gross') === 'gross') notes.push('gross energy, as DCASE reports CodeCarbon totals without idle subtraction');

  const training = phaseEnergy(train, 'train', selection);
  const devTest = phaseEnergy(test, 'test', selection);
  const base = phaseEnergy(baseline, 'test', selection);

  const hardware = hardwareOf(train[0]);
  const trainMachines = new Set([...train, ...test].map(machineKey));
  const baseMachines = new Set(baseline.map(machineKey));
  const sameAsBaseline = [...trainMachines].every((m) => baseMachines.has(m)) && trainMachines.size === 1;
  const hwNote = sameAsBaseline
    ? undefined
    : `the submission ran on ${[...trainMachines].join(' / ')} and the baseline on ${[...baseMachines].join(' / ')}: DCASE asks for the baseline on the same hardware`;
  if (hwNote) notes.push(hwNote);

  // Normalization (2023): every energy scaled by the organisers' baseline inference over ours.
  const normalized: DcaseReport['normalised'] = { trainingKWh: null, devTestKWh: null, factor: null, formula: '' };
  if (refs.normalisationKWh === null) {
    normalized.formula = `${year}: energies are used raw (no normalization)`;
    normalized.trainingKWh = training.figure.kWh;
    normalized.devTestKWh = devTest.figure.kWh;
    normalized.factor = 1;
  } else {
    normalized.formula = `E_norm = E x ${refs.normalisationKWh} kWh / E_baseline_local (the baseline's dev-test inference here)`;
    const local = base.figure.kWh;
    if (local === null || !(local > 0)) {
      normalized.reason =
        local === null
          ? `no baseline dev-test energy: ${base.figure.reason}`
          : `the baseline dev-test energy is not positive (${local} kWh)`;
    } else {
      normalized.factor = refs.normalisationKWh / local;
      normalized.trainingKWh = training.figure.kWh === null ? null : ratioNormalize(training.figure.kWh, refs.normalisationKWh, local);
      normalized.devTestKWh = devTest.figure.kWh === null ? null : ratioNormalize(devTest.figure.kWh, refs.normalisationKWh, local);
    }
  }

  const score = options.score ?? null;
  const energyWeighted: DcaseReport['energyWeighted'] = {
    training: null,
    test: null,
    formula: `EW_train = score x ${refs.trainingKWh} kWh / E_train_norm; EW_test = score x ${refs.devTestKWh} kWh / E_test_norm`,
  };
  if (score === null) energyWeighted.reason = 'no score given (--score PSDS)';
  else {
    const ew = (reference: number, e: number | null) => (e !== null && e > 0 ? (score * reference) / e : null);
    energyWeighted.training = ew(refs.trainingKWh, normalized.trainingKWh);
    energyWeighted.test = ew(refs.devTestKWh, normalized.devTestKWh);
    if (energyWeighted.training === null || energyWeighted.test === null)
      energyWeighted.reason = 'a normalized energy is missing or not positive: see the energy figures';
  }

  const layout = options.codecarbonLayout ?? '2.8';
  const grid = options.countryIsoCode ? carbonIntensityFor({ country: options.countryIsoCode, region: options.region }) : undefined;
  const intensity = options.carbonIntensityGPerKWh ?? grid?.gPerKWh ?? DEFAULT_CARBON_INTENSITY;
  const intensitySource =
    options.carbonIntensityGPerKWh !== undefined ? 'given' : grid ? describeCarbonIntensity(grid) : DEFAULT_CARBON_SOURCE;
  const pue = options.pue ?? 1;
  const project = options.projectName ?? 'sedjoule-dcase';
  const rows: CodeCarbonRow[] = [];
  const basis: CodeCarbonRowBasis[] = [];
  const seen = new Set<string>();
  const addRows = (list: RunRecord[], phase: Phase, obs: Observation[]) => {
    for (const r of list) {
      const id = `${r.key}/${phase}`;
      const o = obs.find((x) => x.key === r.key);
      if (seen.has(id) || !o) continue;
      seen.add(id);
      basis.push(codecarbonRowBasis({ record: r, phase, energy: o.energy as WindowEnergy }));
      rows.push(
        codecarbonRow({
          record: r,
          phase,
          energy: o.energy as WindowEnergy,
          endedAt: phaseEnd(r, phase),
          projectName: project,
          intensityGPerKWh: intensity,
          pue,
          countryName: grid?.countryName,
          countryIsoCode: grid?.countryIsoCode,
          region: options.region,
          layout,
        }),
      );
    }
  };
  addRows(train, 'train', training.observations);
  addRows(test, 'test', devTest.observations);
  addRows(baseline, 'test', base.observations);
  if ([...training.observations, ...devTest.observations, ...base.observations].some((o) => o.energy.byDevice.other)) {
    notes.push('a platform-level source was added to the total: energy_consumed is more than cpu_energy + gpu_energy + ram_energy');
  }

  if (selection.kind === 'modelled')
    notes.push('every energy figure here is MODELLED (no measured source): an estimate, not a measurement to submit');
  for (const o of [...training.observations, ...devTest.observations, ...base.observations]) {
    for (const flag of [...o.energy.flags, ...o.notes]) notes.push(`${o.key} ${o.phase}: ${flag}`);
  }
  const used = [training.figure, devTest.figure, base.figure];
  return {
    command: 'dcase-report',
    year,
    submission: {
      trainRuns: train.map((r) => r.key),
      testRuns: test.map((r) => r.key),
      model: train[0].model.name,
      configId: train[0].config.id,
      params: train[0].model.params,
    },
    baseline: { runs: baseline.map((r) => r.key), model: baseline[0].model.name, configId: baseline[0].config.id },
    energy: {
      basis: selection.basis,
      device: selection.device,
      kind: selection.kind,
      reason,
      methods: [...new Set(used.flatMap((f) => f.methods))],
      sources: [...new Set(used.flatMap((f) => f.sources))],
    },
    hardware: { ...hardware, sameAsBaseline, ...(hwNote ? { note: hwNote } : {}) },
    training: training.figure,
    devTest: devTest.figure,
    baselineDevTest: base.figure,
    macs10s: macsPer10s(train[0]),
    references: {
      ...refs,
      appliesTo:
        refs.normalisationKWh === null
          ? {
              [`${refs.trainingKWh} kWh`]: "numerator of EW_train (baseline training, organisers' hardware)",
              [`${refs.devTestKWh} kWh`]: "numerator of EW_test (baseline dev-test, organisers' hardware)",
            }
          : {
              [`${refs.normalisationKWh} kWh`]:
                "the organisers' baseline dev-test inference: scales every local energy by 0.032 / E_baseline_local",
              [`${refs.trainingKWh} kWh`]: "numerator of EW_train (the baseline's training energy on the organisers' hardware)",
              [`${refs.devTestKWh} kWh`]: "numerator of EW_test (the baseline's dev-test energy on the organisers' hardware)",
            },
    },
    normalised: normalized,
    score,
    energyWeighted,
    emissions: {
      layout,
      columns: CODECARBON_LAYOUTS[layout].columns,
      layoutSource: CODECARBON_LAYOUTS[layout].source,
      rows,
      basis,
      unfilled: unfilledColumns(rows),
      intensityGPerKWh: intensity,
      intensitySource,
      pue,
    },
    notes,
  };
}

export function dcaseReportFromResults(paths: string | string[], options: DcaseOptions = {}): DcaseReport {
  return dcaseReport(loadRunRecords(Array.isArray(paths) ? paths : [paths]).records, options);
}

// Number(toPrecision) drops trailing zeros without touching the integer part.
const kwh = (v: number | null, digits = 6) => (v === null ? 'n/a' : `${Number(v.toPrecision(digits))} kWh`);
const num = (v: number | null, digits = 4) => (v === null ? 'n/a' : v.toPrecision(digits));
const int = (v: number | null) => (v === null ? 'n/a' : v.toLocaleString('en-US'));

function energyLine(label: string, e: DcaseEnergy): string {
  if (e.kWh === null) return `| ${label} | n/a | ${e.reason} |`;
  const spread = e.sdKWh !== null ? `; mean of ${e.runsWithEnergy} runs, sd ${kwh(e.sdKWh, 3)}` : '';
  return `| ${label} | ${kwh(e.kWh)} | ${e.phase} phase of ${e.runs.join(', ')}; ${e.samples ?? '?'} clips, ${num(e.durationS, 4)} s; ±${kwh(e.uncertaintyKWh, 2)} (meter)${spread}; ${e.methods.join('+')} |`;
}

/**
 * What each row of emissions.csv sums, when that is not a whole measurement: MODELLED rows, and rows
 * whose phase had sources left out (PARTIAL).
 */
function emissionsBasisLines(basis: CodeCarbonRowBasis[]): string[] {
  const marked = basis.filter((b) => b.modelled || b.missing.length || b.flags.length);
  if (!marked.length) return [];
  return [
    'Rows that are not a whole measurement (emissions.csv cannot say so; dcase-report.json has `emissions.basis` for every row):',
    '',
    ...marked.map((b) => {
      const caveats = [
        b.modelled ? `MODELLED (${b.methods.join(' + ')}): an estimate, not a measurement` : '',
        b.missing.length ? `PARTIAL: ${b.missing.map((m) => `${m.id} left out (${m.reason})`).join('; ')}` : '',
        ...b.flags,
      ].filter(Boolean);
      return `- \`${b.run}\`: ${caveats.join('; ')} (run_id ${b.run_id})`;
    }),
    '',
  ];
}

/** The human-readable report (dcase-report.md). */
export function dcaseMarkdown(report: DcaseReport): string {
  const r = report;
  const lines: string[] = [
    `# DCASE ${r.year} task 4 energy report`,
    '',
    `Submission: \`${r.submission.model}\` (configuration ${r.submission.configId}, ${int(r.submission.params)} parameters). Baseline: \`${r.baseline.model}\` (${r.baseline.runs.join(', ')}).`,
    '',
    '| quantity | value | how |',
    '|---|---|---|',
    energyLine('training energy', r.training),
    energyLine('dev-test energy', r.devTest),
    energyLine('baseline dev-test energy (same hardware)', r.baselineDevTest),
    `| GPU model | ${r.hardware.gpuModel} | provenance of ${r.submission.trainRuns[0]} (host ${r.hardware.hostname}, CPU ${r.hardware.cpu}) |`,
    `| MACs for 10 s of audio | ${r.macs10s.macs === null ? `n/a: ${r.macs10s.reason}` : `${int(r.macs10s.macs)} (${(r.macs10s.macs / 1e6).toFixed(3)} M)`} | ${r.macs10s.reason ? '' : `${r.macs10s.note}; with padding taps (closer to THOP): ${int(r.macs10s.macsWithPadding)}`} |`,
    `| normalized training energy | ${kwh(r.normalised.trainingKWh)} | ${r.normalised.formula}${r.normalised.reason ? `: ${r.normalised.reason}` : ''} |`,
    `| normalized dev-test energy | ${kwh(r.normalised.devTestKWh)} | factor ${num(r.normalised.factor)} |`,
    `| score | ${r.score === null ? 'n/a (not given)' : r.score} | |`,
    `| energy-weighted score, training | ${num(r.energyWeighted.training)} | ${r.energyWeighted.formula.split(';')[0]}${r.energyWeighted.reason ? `: ${r.energyWeighted.reason}` : ''} |`,
    `| energy-weighted score, test | ${num(r.energyWeighted.test)} | ${r.energyWeighted.formula.split(';')[1]?.trim() ?? ''} |`,
    '',
    '## Reference figures',
    '',
    ...Object.entries(r.references.appliesTo).map(([value, use]) => `- ${value}: ${use}`),
    `- source: ${r.references.source}`,
    '',
    '## Energy',
    '',
    `- ${r.energy.basis} energy, devices: ${r.energy.device}; methods: ${r.energy.methods.join(', ') || 'none'}; sources: ${r.energy.sources.join(', ') || 'none'}`,
    `- selection: ${r.energy.reason}`,
    `- the figures are sedjoule's meter windows around each phase (the train window from the first to the last training step, the test window over one pass of the test split), not CodeCarbon's; the dev-test set is the test split the runs used (${r.devTest.samples ?? '?'} clips), which is DESED's dev-test only if the runs were given it`,
    ...[r.training, r.devTest, r.baselineDevTest].flatMap((e) => e.missing.map((m) => `- missing: ${m.key} ${e.phase}: ${m.reason}`)),
    '',
    '## emissions.csv',
    '',
    `CodeCarbon's column layout (${r.emissions.layoutSource}), one row per phase run, energies in kWh, duration in s, emissions in kg CO2eq ` +
      `(${r.emissions.intensityGPerKWh} g/kWh: ${r.emissions.intensitySource}; PUE ${r.emissions.pue}, multiplied into every energy column and so the emissions, as CodeCarbon does). Timestamps are UTC: the record's start plus the phase window's end on the meter clock. ` +
      `run_id is a UUID v5 of \`<run key>/<phase>\` (the same in every report), experiment_id the configuration id; energy_consumed = cpu_energy + gpu_energy + ram_energy.`,
    '',
    'Columns left empty (never filled with a made-up 0):',
    '',
    ...r.emissions.unfilled.map((c) => `- \`${c.column}\` (${c.rows} of ${r.emissions.rows.length} rows): ${c.reason}`),
    '',
    ...emissionsBasisLines(r.emissions.basis ?? []),
    `Written by sedjoule ${r.hardware.sedjoule} on Node.js ${r.hardware.node}.`,
  ];
  if (r.notes.length) lines.push('', '## Notes', '', ...r.notes.map((n) => `- ${n}`));
  return `${lines.join('\n')}\n`;
}

/** Writes dcase-report.json, dcase-report.md and emissions.csv into `dir`, each atomically. */
export function writeDcaseReport(report: DcaseReport, dir: string): { json: string; markdown: string; csv: string } {
  ensureFolder(dir, 'report folder');
  const files = {
    json: path.join(dir, 'dcase-report.json'),
    markdown: path.join(dir, 'dcase-report.md'),
    csv: path.join(dir, 'emissions.csv'),
  };
  writeJsonAtomic(files.json, report);
  writeFileAtomic(files.markdown, dcaseMarkdown(report));
  writeFileAtomic(files.csv, emissionsCsv(report.emissions.rows, report.emissions.layout));
  return files;
}
