/**
 * What `sedjoule sensor-study` reports (study.json): the analysis of the study's trace (study.ts)
 * with what a reader needs beside it: the settings, each channel's name, unit and read counts, the
 * recommendation next to its channel, the grid the part-time bursts were placed on, and what could
 * not be studied here and why.
 */
import { packageVersion } from '../version.js';
import type { NotEstimated } from './estimate.js';
import type { Recommendation } from './recommendations.js';
import type { ReferenceAlignment, ReferenceSeries } from './reference-meter.js';
import type { StudySettings, StudyTraces } from './run-study.js';
import { studySensors, type ChannelStudy, type SensorStudy } from './study.js';
import type { SensorTrace } from './trace.js';

export interface ChannelReport extends ChannelStudy {
  name: string;
  device: string;
  field: string;
  unit: string;
  /** Reads over the whole study, the failed ones among them, and the first failure. */
  reads: number;
  failedReads: number;
  firstError: string | null;
  recommendation: Recommendation | null;
}

export interface SensorStudyResult extends Omit<SensorStudy, 'channels'> {
  command: 'sensor-study';
  version: string;
  createdAt: string;
  device: StudySettings['device'];
  settings: StudySettings;
  /** The sources as the native discovery described them (ids, names, methods, details). */
  sources: unknown[];
  channels: ChannelReport[];
  reference: ReferenceAlignment | NotEstimated;
  partTimeGrid: StudyTraces['partTimeGrid'];
  /** What could not be studied here and why, then every note of the native traces. */
  notes: string[];
  /** Steady-clock span and bursts of the grid probe and of the study. */
  traces: Record<'gridProbe' | 'study', { startS: number; endS: number; bursts: number }>;
}

/** Why a kind of source cannot be studied here, from the channels the traces found. */
function limits(trace: SensorTrace): string[] {
  const notes: string[] = [];
  const methods = new Set(trace.channels.map((c) => c.method));
  if (methods.has('modelled')) {
    notes.push(
      "cpu-model is MODELLED (this process's CPU time x TDP / cores), not read from a sensor: its delay and filter describe the model, which follows the load generator's CPU time exactly. Studying a CPU sensor needs RAPL (read permission on /sys/class/powercap/intel-rapl:*/energy_uj; root on Linux >= 5.10).",
    );
  }
  if (![...methods].some((m) => m.startsWith('nvml')))
    notes.push(
      'no NVML channel: no NVIDIA GPU sensor was studied (no GPU or driver, --no-nvml, or --gpus selected none; sedjoule probe says which)',
    );
  if (!methods.has('rapl')) notes.push('no RAPL zone could be read: the CPU package and DRAM counters were not studied');
  for (const c of trace.channels.filter((x) => x.quantity === 'energy')) {
    if (!trace.channels.some((p) => p.quantity === 'power' && p.source === c.source))
      notes.push(`${c.source} has no power reading: there is no naive power-sampling method to compare with its counter`);
  }
  return notes;
}

/** The study's analysis. */
export function analyseStudy(
  traces: StudyTraces,
  settings: StudySettings,
  reference: ReferenceSeries | null,
  createdAt = new Date(),
): SensorStudyResult {
  const trace = traces.study;
  const analysis = studySensors(trace, { targetRelativeError: settings.targetRelativeError, reference });
  const channels = analysis.channels.map((c): ChannelReport => {
    const raw = trace.channels.find((x) => x.id === c.channel)!;
    return {
      ...c,
      name: raw.name,
      device: raw.device,
      field: raw.field,
      unit: raw.unit,
      reads: raw.reads,
      failedReads: raw.failedReads,
      firstError: raw.firstError,
      recommendation: analysis.recommendations.find((r) => r.channel === c.channel) ?? null,
    };
  });
  const span = (t: SensorTrace) => ({ startS: t.startS, endS: t.endS, bursts: t.bursts.length });
  return {
    command: 'sensor-study',
    version: packageVersion(),
    createdAt: createdAt.toISOString(),
    device: settings.device,
    settings,
    sources: trace.sources,
    ...analysis,
    channels,
    partTimeGrid: traces.partTimeGrid,
    notes: [...new Set([...limits(trace), traces.partTimeGrid.note, ...trace.notes])],
    traces: { gridProbe: span(traces.gridProbe), study: span(trace) },
  };
}
