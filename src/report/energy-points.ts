/**
 * The points the scatter plots show, taken from the analysis so that a plot and the printed
 * correlations and fits describe the same numbers: one per configuration and phase (the mean of
 * its repeats, the analysis's default) or one per run (`points: 'runs'`). Each keeps its energy's
 * uncertainty and the methods behind it, for error bars and tooltips.
 */
import { configurationPoints, type AnalysisReport } from '../analysis/analyze.js';
import type { Family, Observation } from '../analysis/observations.js';
import type { EnergyMethod } from '../energy/types.js';
import type { Phase } from '../records/run-record.js';

export interface EnergyPoint {
  /** Configuration id, or run key in 'runs' mode. */
  id: string;
  family: Family;
  model: string;
  phase: Phase;
  runs: string[];
  energyJ: number | null;
  /** For a mean of n repeats: sqrt(sum u_i^2) / n (independent errors). */
  uncertaintyJ: number | null;
  methods: EnergyMethod[];
  sources: string[];
  /** Why there is no energy (the first reason among the runs). */
  missing?: string;
  flops: number;
  params: number;
  gpuUtilPct: number | null;
}

function union<T>(lists: T[][]): T[] {
  return [...new Set(lists.flat())];
}

function fromObservations(id: string, list: Observation[], energyJ: number | null, flops: number, gpuUtilPct: number | null): EnergyPoint {
  const withEnergy = list.filter((o) => o.energyJ !== null);
  const u = withEnergy.map((o) => o.energy.uncertaintyJ);
  const uncertaintyJ =
    withEnergy.length && u.every((v) => v !== null) ? Math.sqrt(u.reduce((a, v) => a + v! * v!, 0)) / withEnergy.length : null;
  const first = list[0];
  return {
    id,
    family: first.family,
    model: first.model,
    phase: first.phase,
    runs: list.map((o) => o.key),
    energyJ,
    uncertaintyJ,
    methods: union(withEnergy.map((o) => o.energy.methods)),
    sources: union(withEnergy.map((o) => o.energy.sources)),
    ...(energyJ === null ? { missing: list.find((o) => o.energy.reason)?.energy.reason ?? 'no energy' } : {}),
    flops,
    params: first.params,
    gpuUtilPct,
  };
}

export function energyPoints(analysis: AnalysisReport): EnergyPoint[] {
  if (analysis.points === 'runs') {
    return analysis.observations.map((o) => fromObservations(o.key, [o], o.energyJ, o.flops, o.gpuUtilPct));
  }
  const byKey = new Map<string, Observation[]>();
  for (const o of analysis.observations) {
    const key = `${o.configId}\u0000${o.phase}`;
    byKey.set(key, [...(byKey.get(key) ?? []), o]);
  }
  return configurationPoints(analysis.observations).map((p) =>
    fromObservations(p.configId, byKey.get(`${p.configId}\u0000${p.phase}`)!, p.energyJ, p.flops, p.gpuUtilPct),
  );
}
