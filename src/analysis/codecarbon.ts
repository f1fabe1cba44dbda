/**
 * CodeCarbon's `emissions.csv` layout, so a DCASE submission can attach our figures as they are.
 *
 * The columns and their order are CodeCarbon's `EmissionsData` dataclass (the CSV header is its
 * field order) in mlco2/codecarbon at commit 118873936dadf2608ae4d2af9862fcca4c2fe3d6,
 * `codecarbon/output_methods/emissions_data.py`: the 2.x/3.0 layout that DCASE baselines wrote.
 * Later CodeCarbon versions insert `water_consumed` after `energy_consumed`, four utilisation
 * columns after `tracking_mode` and `wue` at the end (later releases of the same file);
 * readers select columns by name, so the older, shorter layout is the safer one to submit.
 *
 * Units as CodeCarbon's: duration s, emissions kg CO2eq, emissions_rate kg/s, power W, energy kWh,
 * ram_total_size GB. A column we cannot fill is left empty and named with the reason by
 * `unfilledColumns`, never written as 0: a 0 in ram_energy would claim the memory used nothing.
 */
import type { RunRecord } from '../records/run-record.js';
import { csvText } from '../util/csv.js';
import type { WindowEnergy } from './energy-selection.js';

export const CODECARBON_COLUMNS = [
  'timestamp',
  'project_name',
  'run_id',
  'experiment_id',
  'duration',
  'emissions',
  'emissions_rate',
  'cpu_power',
  'gpu_power',
  'ram_power',
  'cpu_energy',
  'gpu_energy',
  'ram_energy',
  'energy_consumed',
  'country_name',
  'country_iso_code',
  'region',
  'cloud_provider',
  'cloud_region',
  'os',
  'python_version',
  'codecarbon_version',
  'cpu_count',
  'cpu_model',
  'gpu_count',
  'gpu_model',
  'longitude',
  'latitude',
  'ram_total_size',
  'tracking_mode',
  'on_cloud',
  'pue',
] as const;

export type CodeCarbonColumn = (typeof CODECARBON_COLUMNS)[number];

export const CODECARBON_LAYOUT_SOURCE =
  'mlco2/codecarbon@118873936dadf2608ae4d2af9862fcca4c2fe3d6 codecarbon/output_methods/emissions_data.py (EmissionsData field order, the CSV header)';

/** One row: every column, '' where there is no value. */
export type CodeCarbonRow = Record<CodeCarbonColumn, string>;

export interface CodeCarbonRowInput {
  record: RunRecord;
  phase: string;
  /** The phase's energy under the report's selection. */
  energy: WindowEnergy;
  /** When the phase ended (ISO 8601). */
  endedAt: string;
  projectName: string;
  /** Grams CO2e per kWh, and PUE (1 when none is applied, as CodeCarbon's default). */
  intensityGPerKWh: number;
  pue: number;
  countryName?: string;
  countryIsoCode?: string;
}

const KWH = 3.6e6;

const runId = (record: RunRecord, phase: string) => `${record.key}/${phase}`;

function num(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '' : String(v);
}

/** CodeCarbon's timestamp format: seconds, no zone (ours is UTC: the report says so). */
function timestamp(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 19);
}

export function codecarbonRow(input: CodeCarbonRowInput): CodeCarbonRow {
  const { record, energy } = input;
  const prov = record.provenance;
  const kWh = energy.joules === null ? null : energy.joules / KWH;
  // PUE scales the emissions only: energy_consumed stays the sum of the device columns, so a
  // reader can check cpu_energy + gpu_energy + ram_energy = energy_consumed.
  const emissions = kWh === null ? null : (kWh * input.pue * input.intensityGPerKWh) / 1000;
  const group = (g: 'cpu' | 'gpu' | 'ram') => energy.byDevice[g];
  const gpus = prov?.gpus ?? [];
  // CodeCarbon writes "N x <name>" for the GPU model; several models are listed one after another.
  const gpuModels = [...new Set(gpus.map((g) => g.name))]
    .map((name) => `${gpus.filter((g) => g.name === name).length} x ${name}`)
    .join(', ');
  return {
    timestamp: timestamp(input.endedAt),
    project_name: input.projectName,
    run_id: runId(record, input.phase),
    experiment_id: record.config.id,
    duration: num(energy.durationS),
    emissions: num(emissions),
    emissions_rate: num(emissions !== null && energy.durationS > 0 ? emissions / energy.durationS : null),
    cpu_power: num(group('cpu')?.meanPowerW),
    gpu_power: num(group('gpu')?.meanPowerW),
    ram_power: num(group('ram')?.meanPowerW),
    cpu_energy: num(group('cpu') ? group('cpu')!.joules / KWH : null),
    gpu_energy: num(group('gpu') ? group('gpu')!.joules / KWH : null),
    ram_energy: num(group('ram') ? group('ram')!.joules / KWH : null),
    energy_consumed: num(kWh),
    country_name: input.countryName ?? '',
    country_iso_code: input.countryIsoCode ?? '',
    region: '',
    cloud_provider: '',
    cloud_region: '',
    os: prov?.platform ?? '',
    python_version: '',
    codecarbon_version: '',
    cpu_count: num(prov?.cpu?.logicalCpus),
    cpu_model: prov?.cpu?.model ?? '',
    gpu_count: gpus.length ? String(gpus.length) : '',
    gpu_model: gpuModels,
    longitude: '',
    latitude: '',
    ram_total_size: num(prov?.memoryBytes ? prov.memoryBytes / 2 ** 30 : null),
    // The meter reads whole devices (the GPU board, the RAPL package), as CodeCarbon's default mode.
    tracking_mode: 'machine',
    on_cloud: '',
    pue: String(input.pue),
  };
}

/**
 * What a row's energy is made of, which CodeCarbon's columns cannot say: the methods summed, whether
 * the figure is modelled, and the sources of the phase left out of it (with the reason). Kept beside
 * the rows (dcase-report.json, dcase-report.md), so that emissions.csv keeps CodeCarbon's layout.
 */
export interface CodeCarbonRowBasis {
  run_id: string;
  methods: string[];
  modelled: boolean;
  missing: Array<{ id: string; reason: string }>;
  /** Caveats that do not remove the figure (a lower bound, too short for the counters). */
  flags: string[];
}

export function codecarbonRowBasis(input: Pick<CodeCarbonRowInput, 'record' | 'phase' | 'energy'>): CodeCarbonRowBasis {
  const { energy } = input;
  const missing = [...energy.leftOut];
  if (energy.joules === null) missing.push({ id: 'all', reason: energy.reason ?? 'no energy figure' });
  return {
    run_id: runId(input.record, input.phase),
    methods: energy.methods,
    modelled: energy.modelled,
    missing,
    flags: energy.flags,
  };
}

/** Why a column can be empty: the reasons the report prints for every column left empty. */
const EMPTY_REASONS: Partial<Record<CodeCarbonColumn, string>> = {
  timestamp: 'the run record has no readable start time',
  duration: 'the phase has no energy window',
  emissions: 'no energy figure for this phase',
  emissions_rate: 'no energy figure for this phase',
  cpu_power: 'no CPU source with power readings was used (no RAPL package, or energy from GPUs only)',
  gpu_power: 'no GPU source with power readings was used (CPU only, or power not read)',
  ram_power: 'DRAM was not measured (no RAPL dram domain): left empty instead of a modelled guess',
  cpu_energy: 'no CPU source was used (no readable RAPL package, modelled CPU left out, or GPUs only)',
  gpu_energy: 'no GPU source was used (CPU only)',
  ram_energy:
    'DRAM was not measured (no RAPL dram domain): left empty, never 0; CodeCarbon would have modelled it (3 W per 8 GB, or 5 W per DIMM)',
  energy_consumed: 'no energy figure for this phase (see the missing phases)',
  country_name: 'not known to sedjoule (pass --country-name)',
  country_iso_code: 'not known to sedjoule (pass --country-iso-code)',
  region: 'not known to sedjoule',
  cloud_provider: 'not detected by sedjoule',
  cloud_region: 'not detected by sedjoule',
  os: 'the run record has no provenance',
  python_version: 'not a Python tool: the runs were made with Node.js (the version is in the report)',
  codecarbon_version: 'written by sedjoule, not CodeCarbon (the sedjoule version is in the report)',
  cpu_count: 'the run record has no provenance',
  cpu_model: 'the run record has no provenance',
  gpu_count: 'no GPU: CPU only',
  gpu_model: 'no GPU: CPU only',
  longitude: 'no geolocation in sedjoule',
  latitude: 'no geolocation in sedjoule',
  ram_total_size: 'the run record has no provenance',
  on_cloud: 'not detected by sedjoule',
};

/** The columns empty in at least one row, with the reason (and in how many rows). */
export function unfilledColumns(rows: CodeCarbonRow[]): Array<{ column: CodeCarbonColumn; rows: number; reason: string }> {
  return CODECARBON_COLUMNS.map((column) => ({
    column,
    rows: rows.filter((r) => r[column] === '').length,
    reason: EMPTY_REASONS[column] ?? 'no value',
  })).filter((c) => c.rows > 0);
}

export function codecarbonCsv(rows: CodeCarbonRow[]): string {
  return csvText(
    CODECARBON_COLUMNS,
    rows.map((r) => CODECARBON_COLUMNS.map((c) => r[c])),
  );
}
