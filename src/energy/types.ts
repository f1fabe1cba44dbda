/**
 * Energy figures as the native meter reports them. Every figure carries its `source` (how it was
 * obtained) and an uncertainty with its derivation; a figure that could not be measured is `null`
 * with the reason beside it, never zero.
 */

/** How an energy figure was obtained. */
export type EnergyMethod = 'nvml-counter' | 'nvml-power-integrated' | 'rapl' | 'modelled';

export interface SourceDescription {
  id: string;
  device: 'gpu' | 'cpu-package' | 'dram' | 'platform' | 'cpu';
  name: string;
  source: EnergyMethod;
  /** False for a domain that contains others (RAPL psys): reported, never added to totals. */
  additive: boolean;
  supports: { energyCounter: boolean; power: boolean; utilisation: boolean; memory: boolean; clocks: boolean; temperature: boolean };
  counterResolutionJ: number;
  updatePeriodS: number;
  accuracyFraction: number;
  accuracySource: string;
  /**
   * The most power the domain can draw, margin included: every counter step and every window is
   * checked against it (null for the modelled CPU). Absent in descriptions written before it existed.
   */
  powerBoundW?: number | null;
  powerBoundSource?: string;
  details: Record<string, string>;
}

export interface MeterDescription {
  sources: SourceDescription[];
  discovery: {
    nvml: { available: boolean; status: string };
    rapl: { available: boolean; status: string; skipped?: string[] };
    cpuModel: { used: boolean; reason?: string };
  };
  periodS: number;
  requestedPeriodS: number;
  overhead: { wallS: number; samplerCpuS: number; fractionOfOneCore: number; ticks: number; lateTicks: number };
  readFailures: Array<{ id: string; failedReads: number; lastError: string }>;
  /** Counter steps that failed the sanity check (a reset, a jump, a possible second wrap): not counted. */
  counterDiscontinuities?: Array<{ id: string; count: number; last: string }>;
}

export interface EnergyUncertainty {
  joules: number;
  resolutionJ: number;
  quantisationJ: number;
  accuracyJ: number;
  derivation: string;
}

export interface SourceWindow {
  id: string;
  device: SourceDescription['device'];
  source: EnergyMethod;
  additive: boolean;
  durationS: number;
  /** Null when it could not be measured: see `unavailable`. */
  joules: number | null;
  unavailable?: string;
  uncertainty?: EnergyUncertainty;
  /** Idle-subtracted energy, when an idle baseline was measured. */
  net?: { idlePowerW: number; joules: number; uncertaintyJ: number };
  tooShort: boolean;
  /**
   * Reads failed inside the window, or a counter step failed its sanity check (a reset, a jump beyond
   * the power bound, a possible second wrap) and was not counted: the figure is a lower bound; `flag` says why.
   */
  incomplete: boolean;
  /**
   * The counter stood still while the domain evidently drew power (sampled power or GPU utilisation
   * above 0, or CPU time used by this process for a CPU-side domain): `joules` is null and
   * `unavailable` says so, never 0. Absent in records written before it existed.
   */
  stalled?: boolean;
  flag?: string;
  samples: number;
  failedReads: number;
  meanPowerW: number | null;
  maxPowerW: number | null;
  meanGpuUtilisationPct: number | null;
  meanMemoryUtilisationPct: number | null;
  peakMemoryBytes: number | null;
  meanSmClockMHz: number | null;
  maxTemperatureC: number | null;
}

export interface CarbonFigure {
  kWh: number;
  kWhUncertainty: number;
  /** Grams CO2-equivalent: kWh x intensity x PUE. */
  gCO2e: number;
  gCO2eUncertainty: number;
  intensityGPerKWh: number;
  intensitySource: string;
  /** Null when no PUE was applied. */
  pue: number | null;
  basis: 'net' | 'gross';
  /** How the energy it converts was obtained: every method summed. */
  methods: EnergyMethod[];
  /** True when any part of that energy is modelled (an estimate, not a measurement). */
  modelled: boolean;
  /** Additive sources left out of the energy because they could not be measured, with the reason. */
  missing: Array<{ id: string; reason: string }>;
  /** True when sources are missing or the energy is a lower bound (incomplete windows). */
  partial: boolean;
  note: string;
}

export interface EnergyWindow {
  name: string;
  parent: string | null;
  startS: number;
  endS: number;
  durationS: number;
  /** Whether the GPU was synchronised at the edges. */
  synchronized: boolean;
  sources: SourceWindow[];
  total: {
    joules: number | null;
    uncertaintyJ?: number;
    netJoules?: number;
    netUncertaintyJ?: number;
    /** Some included source is incomplete: failed reads, or counter steps not counted, inside the window. */
    incomplete: boolean;
    /** Some included source was read over fewer than 10 of its update periods. */
    tooShort: boolean;
    sources: string[];
    methods: EnergyMethod[];
    missing: Array<{ id: string; reason: string }>;
    note: string;
  };
  carbon?: CarbonFigure;
}

export interface IdleBaseline {
  durationS: number;
  sources: Array<{ id: string; source: EnergyMethod; powerW: number | null; uncertaintyW?: number; unavailable?: string }>;
}

export interface EnergyTrace {
  periodS: number;
  sources: Array<{
    id: string;
    source: EnergyMethod;
    timeS: number[];
    powerW: Array<number | null>;
    energyJ: Array<number | null>;
    gpuUtilisationPct: Array<number | null>;
    memoryUtilisationPct: Array<number | null>;
    memoryUsedBytes: Array<number | null>;
    droppedSamples: number;
  }>;
}

/**
 * Which of a set of processes use each NVML device: ATTRIBUTION, not measurement (NVML has no
 * per-process energy; SM utilisation is the share of time a process's kernels ran).
 */
export interface GpuProcessAttribution {
  kind: 'attribution';
  note: string;
  /** NVML and its library, or why no device could be asked ("NVML disabled", a load error). */
  status: string;
  /** The pids asked about (given, plus the live process tree when asked). */
  pids: number[];
  /** The newest utilisation sample time seen, CPU microseconds: pass as `sinceUs` for newer ones only. */
  lastSeenUs: number;
  devices: Array<{
    id: string;
    uuid: string | null;
    /** Those pids holding a CUDA context there; usedMemoryBytes null where NVML cannot tell. */
    processes: Array<{ pid: number; usedMemoryBytes: number | null }>;
    /** "ok", or why the list is unavailable. */
    processesStatus: string;
    utilisation: Array<{ pid: number; timeUs: number; smPercent: number; memoryPercent: number }>;
    /** "ok", "no samples since lastSeenUs", or why unavailable. */
    utilisationStatus: string;
  }>;
}
