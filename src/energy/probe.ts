/**
 * `sedjoule probe`: per source, what it supports and how it behaves on this machine: the energy
 * counter's and the power reading's update periods (fast polling), idle power, and the counter
 * against integrated power over a busy period (all CPU threads, or a spinning kernel on every GPU).
 */
import { loadAddon } from '../native.js';
import type { MeterOptions } from './meter.js';
import type { MeterDescription, SourceDescription } from './types.js';

export interface ProbeOptions extends Omit<MeterOptions, 'carbon' | 'capacity'> {
  pollSeconds?: number;
  idleSeconds?: number;
  busySeconds?: number;
}

export interface UpdatePeriod {
  reads: number;
  changes: number;
  periodS: number | null;
  minS?: number;
  maxS?: number;
  readIntervalS?: number;
  note?: string;
}

export interface ProbedSource extends SourceDescription {
  counterUpdate: UpdatePeriod | string;
  powerUpdate: UpdatePeriod | string;
  pollFailedReads: number;
  idle: { id: string; powerW: number | null; uncertaintyW?: number; unavailable?: string };
  busy?: {
    load: string;
    durationS: number;
    /** Null when the window has no figure (a stalled counter, a window too short): see `unavailable`. */
    windowJ: number | null;
    meanPowerW: number | null;
    unavailable?: string;
    /** The window's caveats (too short, failed reads, counter steps not counted). */
    flag?: string;
    integratedPowerJ?: number;
    powerSamples?: number;
    relativeDifference?: number | null;
    note: string;
  };
}

export interface ProbeReport {
  sources: ProbedSource[];
  discovery: MeterDescription['discovery'];
  settings: { pollSeconds: number; idleSeconds: number; busySeconds: number; samplingPeriodS: number };
  overhead: MeterDescription['overhead'];
}

export async function probe(options: ProbeOptions = {}): Promise<ProbeReport> {
  return JSON.parse(await loadAddon().probeEnergy(JSON.stringify(options))) as ProbeReport;
}
