/**
 * CodeCarbon's `emissions.csv`, so a DCASE submission (or any run) can attach our figures as
 * CodeCarbon would have written them. The header is CodeCarbon's `EmissionsData` dataclass field
 * order at each tag (mlco2/codecarbon):
 * - '2.1.4' (v2.1.4, 0f85d6822e9107254f906313d029a051462a2a54, codecarbon/output.py): 29 columns, no
 *   experiment_id, codecarbon_version or pue; 2.1.4 has no PUE, so none can be applied.
 * - '2.8' (v2.8.5, 3120a449319dbf3f4c3d8bc3c76eaaa72ff40100, codecarbon/output_methods/emissions_data.py):
 *   adds experiment_id, codecarbon_version and pue (32 columns).
 * - '3.x' (v3.2.9, 58c0b1940a256381c8f1229e387bab11e4bdaa4b, same file): adds water_consumed, four
 *   utilisation columns and wue (38 columns).
 *
 * Meanings as CodeCarbon's (emissions_tracker.py at those tags): energies in kWh with the PUE
 * multiplied into every device energy and energy_consumed (`energy *= self._pue` in
 * _do_measurements), so emissions = energy_consumed x intensity; powers in W, not scaled; duration s;
 * emissions kg CO2eq; emissions_rate kg/s; ram_total_size GB; on_cloud "N" or "Y"; run_id a UUID;
 * timestamp "%Y-%m-%dT%H:%M:%S" (CodeCarbon writes local time; we write UTC, and say so). A column we
 * cannot fill is left empty (reason in `unfilledColumns`), never 0: a 0 in ram_energy would claim
 * the memory used nothing.
 */
import { createHash } from 'node:crypto';
import { SedjouleError } from '../errors.js';
import type { Provenance, RunRecord } from '../records/run-record.js';
import { csvText } from '../util/csv.js';
import type { WindowEnergy } from './energy-selection.js';

const COLUMNS_2_1_4 = [
  'timestamp',
  'project_name',
  'run_id',
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
  'cpu_count',
  'cpu_model',
  'gpu_count',
  'gpu_model',
  'longitude',
  'latitude',
  'ram_total_size',
  'tracking_mode',
  'on_cloud',
] as const;

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

const COLUMNS_3 = [
  ...CODECARBON_COLUMNS.slice(0, 14),
  'water_consumed',
  ...CODECARBON_COLUMNS.slice(14, 30),
  'cpu_utilization_percent',
  'gpu_utilization_percent',
  'ram_utilization_percent',
  'ram_used_gb',
  'on_cloud',
  'pue',
  'wue',
] as const;

export type CodeCarbonLayout = '2.1.4' | '2.8' | '3.x';

export const CODECARBON_LAYOUTS: Record<CodeCarbonLayout, { columns: readonly string[]; source: string }> = {
  '2.1.4': {
    columns: COLUMNS_2_1_4,
    source: 'mlco2/codecarbon v2.1.4 (0f85d6822e9107254f906313d029a051462a2a54) codecarbon/output.py EmissionsData',
  },
  '2.8': {
    columns: CODECARBON_COLUMNS,
    source: 'mlco2/codecarbon v2.8.5 (3120a449319dbf3f4c3d8bc3c76eaaa72ff40100) codecarbon/output_methods/emissions_data.py EmissionsData',
  },
  '3.x': {
    columns: COLUMNS_3,
    source: 'mlco2/codecarbon v3.2.9 (58c0b1940a256381c8f1229e387bab11e4bdaa4b) codecarbon/output_methods/emissions_data.py EmissionsData',
  },
};

export type CodeCarbonColumn = (typeof CODECARBON_COLUMNS)[number] | (typeof COLUMNS_3)[number];

export const CODECARBON_LAYOUT_SOURCE = CODECARBON_LAYOUTS['2.8'].source;

export function checkCodeCarbonLayout(layout: string): CodeCarbonLayout {
  if (layout in CODECARBON_LAYOUTS) return layout as CodeCarbonLayout;
  throw new SedjouleError(
    'E_USAGE',
    `--codecarbon-layout ${JSON.stringify(layout)}: expected one of ${Object.keys(CODECARBON_LAYOUTS).join(', ')}`,
  );
}

/** One row: every column of the layout, '' where there is no value. */
export type CodeCarbonRow = Partial<Record<CodeCarbonColumn, string>> & { run_id: string };

type Devices<T> = Partial<Record<'cpu' | 'gpu' | 'ram', T>>;

/** What a row is made of, independent of any run record (the `measure` command builds it directly). */
export interface EmissionsInput {
  /** When the window ended. */
  timestamp: Date | string;
  projectName: string;
  /** A UUID: `stableUuid(key)` for reproducible reports, crypto.randomUUID() for a live run. */
  runId: string;
  experimentId?: string;
  durationS: number;
  /** Joules at each device, before PUE; absent: not measured (an empty cell, never 0). */
  energyJ: Devices<number>;
  /** Mean power per device, W. */
  powerW: Devices<number>;
  machine?: {
    os?: string;
    cpuCount?: number;
    cpuModel?: string;
    gpuCount?: number;
    gpuModel?: string;
    ramTotalGB?: number;
  };
  /** CodeCarbon's 'machine' (whole devices) or 'process'. */
  trackingMode: 'machine' | 'process';
  countryName?: string;
  countryIsoCode?: string;
  region?: string;
  onCloud?: { provider: string; region: string };
  /** Grams CO2e per kWh. */
  intensityGPerKWh: number;
  /** Power usage effectiveness, >= 1 (CodeCarbon's default 1). */
  pue: number;
}

const KWH = 3.6e6;
/** A fixed namespace for sedjoule's name-based (v5) run ids. */
const RUN_ID_NAMESPACE = Buffer.from('8b7f6a52d8f94e5c9f1a6c3e2b0d4a71', 'hex');

/** A UUID v5 (RFC 9562) of `name`: the same run gives the same run_id in every report. */
export function stableUuid(name: string): string {
  const h = createHash('sha1').update(RUN_ID_NAMESPACE).update(name, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

function num(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '' : String(v);
}

/** CodeCarbon's timestamp format: seconds, no zone (ours is UTC: the report says so). */
function timestamp(t: Date | string): string {
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 19);
}

/** A row with CodeCarbon's meanings for `layout`, holding only that layout's columns. */
export function emissionsRow(input: EmissionsInput, layout: CodeCarbonLayout): CodeCarbonRow {
  if (layout === '2.1.4' && input.pue !== 1) {
    throw new SedjouleError('E_USAGE', `CodeCarbon 2.1.4 has no PUE: --pue ${input.pue} needs --codecarbon-layout 2.8 or 3.x`);
  }
  const kWh = (g: 'cpu' | 'gpu' | 'ram') => {
    const j = input.energyJ[g];
    return j === undefined ? undefined : (j / KWH) * input.pue;
  };
  const parts = (['cpu', 'gpu', 'ram'] as const).map(kWh).filter((v): v is number => v !== undefined);
  const total = parts.length ? parts.reduce((a, b) => a + b, 0) : null;
  const emissions = total === null ? null : (total * input.intensityGPerKWh) / 1000;
  const m = input.machine ?? {};
  const all: Record<CodeCarbonColumn, string> = {
    timestamp: timestamp(input.timestamp),
    project_name: input.projectName,
    run_id: input.runId,
    experiment_id: input.experimentId ?? '',
    duration: num(input.durationS),
    emissions: num(emissions),
    emissions_rate: num(emissions !== null && input.durationS > 0 ? emissions / input.durationS : null),
    cpu_power: num(input.powerW.cpu),
    gpu_power: num(input.powerW.gpu),
    ram_power: num(input.powerW.ram),
    cpu_energy: num(kWh('cpu')),
    gpu_energy: num(kWh('gpu')),
    ram_energy: num(kWh('ram')),
    energy_consumed: num(total),
    water_consumed: '',
    country_name: input.countryName ?? '',
    country_iso_code: input.countryIsoCode ?? '',
    region: input.region ?? '',
    cloud_provider: input.onCloud?.provider ?? '',
    cloud_region: input.onCloud?.region ?? '',
    os: m.os ?? '',
    python_version: '',
    codecarbon_version: '',
    cpu_count: num(m.cpuCount),
    cpu_model: m.cpuModel ?? '',
    gpu_count: num(m.gpuCount),
    gpu_model: m.gpuModel ?? '',
    longitude: '',
    latitude: '',
    ram_total_size: num(m.ramTotalGB),
    tracking_mode: input.trackingMode,
    cpu_utilization_percent: '',
    gpu_utilization_percent: '',
    ram_utilization_percent: '',
    ram_used_gb: '',
    on_cloud: input.onCloud ? 'Y' : 'N',
    pue: String(input.pue),
    wue: '',
  };
  const row: CodeCarbonRow = { run_id: input.runId };
  for (const c of CODECARBON_LAYOUTS[layout].columns) row[c as CodeCarbonColumn] = all[c as CodeCarbonColumn];
  return row;
}

/** The CSV text CodeCarbon would write for these rows (a header and one line per row). */
export function emissionsCsv(rows: CodeCarbonRow[], layout: CodeCarbonLayout = '2.8'): string {
  const columns = CODECARBON_LAYOUTS[layout].columns;
  return csvText(
    columns,
    rows.map((r) => columns.map((c) => r[c as CodeCarbonColumn] ?? '')),
  );
}

/** Kept for the existing callers: the 2.8 layout. */
export const codecarbonCsv = (rows: CodeCarbonRow[]) => emissionsCsv(rows, '2.8');

export interface CodeCarbonRowInput {
  record: RunRecord;
  phase: string;
  /** The phase's energy under the report's selection. */
  energy: WindowEnergy;
  /** When the phase ended (ISO 8601). */
  endedAt: string;
  projectName: string;
  intensityGPerKWh: number;
  pue: number;
  countryName?: string;
  countryIsoCode?: string;
  region?: string;
  layout?: CodeCarbonLayout;
}

const runKey = (record: RunRecord, phase: string) => `${record.key}/${phase}`;

/** CodeCarbon's machine columns from a record's provenance. */
export function machineOf(prov: Provenance | undefined): EmissionsInput['machine'] {
  const gpus = prov?.gpus ?? [];
  // CodeCarbon writes "N x <name>" for the GPU model; several models are listed one after another.
  const gpuModels = [...new Set(gpus.map((g) => g.name))]
    .map((name) => `${gpus.filter((g) => g.name === name).length} x ${name}`)
    .join(', ');
  return {
    os: prov?.platform,
    cpuCount: prov?.cpu?.logicalCpus,
    cpuModel: prov?.cpu?.model,
    gpuCount: gpus.length || undefined,
    gpuModel: gpuModels || undefined,
    ramTotalGB: prov?.memoryBytes ? prov.memoryBytes / 2 ** 30 : undefined,
  };
}

/** A window's energy and mean power per CodeCarbon device; a window without a figure has none. */
export function devicesOf(energy: WindowEnergy): Pick<EmissionsInput, 'energyJ' | 'powerW'> {
  const energyJ: Devices<number> = {};
  const powerW: Devices<number> = {};
  for (const g of ['cpu', 'gpu', 'ram'] as const) {
    const d = energy.byDevice[g];
    if (!d) continue;
    energyJ[g] = d.joules;
    if (d.meanPowerW !== null && d.meanPowerW !== undefined) powerW[g] = d.meanPowerW;
  }
  // The selection's total may leave devices out; a row without any device has no energy.
  return { energyJ: energy.joules === null ? {} : energyJ, powerW };
}

/** A run record's phase as an emissions row (dcase-report, train, sweep). */
export function codecarbonRow(input: CodeCarbonRowInput): CodeCarbonRow {
  const { record, energy } = input;
  return emissionsRow(
    {
      timestamp: input.endedAt,
      projectName: input.projectName,
      runId: stableUuid(runKey(record, input.phase)),
      experimentId: record.config.id,
      durationS: energy.durationS,
      ...devicesOf(energy),
      machine: machineOf(record.provenance),
      // The meter reads whole devices (the GPU board, the RAPL package), as CodeCarbon's default mode.
      trackingMode: 'machine',
      countryName: input.countryName,
      countryIsoCode: input.countryIsoCode,
      region: input.region,
      intensityGPerKWh: input.intensityGPerKWh,
      pue: input.pue,
    },
    input.layout ?? '2.8',
  );
}

/**
 * What a row's energy is made of, which CodeCarbon's columns cannot say: the methods summed, whether
 * the figure is modelled, and the sources of the phase left out of it (with the reason). Kept beside
 * the rows (dcase-report.json, dcase-report.md), so that emissions.csv keeps CodeCarbon's layout.
 */
export interface CodeCarbonRowBasis {
  run_id: string;
  /** The run record's key and phase the UUID was made from. */
  run: string;
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
    run_id: stableUuid(runKey(input.record, input.phase)),
    run: runKey(input.record, input.phase),
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
  country_name: 'no --country given',
  country_iso_code: 'no --country given',
  region: 'no --region given',
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
};

/** The columns empty in at least one row, with the reason (and in how many rows). */
export function unfilledColumns(rows: CodeCarbonRow[]): Array<{ column: CodeCarbonColumn; rows: number; reason: string }> {
  return CODECARBON_COLUMNS.map((column) => ({
    column: column as CodeCarbonColumn,
    rows: rows.filter((r) => r[column] === '').length,
    reason: EMPTY_REASONS[column] ?? 'no value',
  })).filter((c) => c.rows > 0);
}
