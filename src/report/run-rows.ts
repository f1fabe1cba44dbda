/**
 * One row per run: what the runs table shows and runs.csv holds, computed once for both. Energy
 * comes from the analysis's observations, so every figure is the one the plots and statistics use
 * (same basis, devices and methods); a phase without energy keeps its reason, never a 0.
 */
import type { AnalysisReport } from '../analysis/analyze.js';
import type { Family } from '../analysis/observations.js';
import type { EnergyMethod } from '../energy/types.js';
import { PHASES, type Phase, type RunRecord } from '../records/run-record.js';
import { familyOf } from '../analysis/observations.js';
import { runSeconds } from './focus-run.js';

export interface PhaseCell {
  energyJ: number | null;
  uncertaintyJ: number | null;
  /** Set when energyJ is null: why. */
  missing?: string;
  methods: EnergyMethod[];
  sources: string[];
  flags: string[];
  durationS: number;
  samples: number;
  flops: number;
  macs: number;
  gpuUtilPct: number | null;
}

export interface RunRow {
  key: string;
  configId: string;
  repeat: number;
  family: Family;
  model: string;
  params: number;
  epochs: number;
  batch: number;
  lr: number;
  seed: number;
  frontend: string;
  data: string;
  machine: string;
  startedAt: string;
  wallS: number;
  /** Null for a phase the run did not do. */
  phases: Record<Phase, PhaseCell | null>;
  mAP: number | null;
  macroRocAuc: number | null;
  microF1: number | null;
}

function frontendName(record: RunRecord): string {
  const sweep = (record as RunRecord & { sweep?: { frontend?: string } }).sweep;
  if (sweep?.frontend) return sweep.frontend;
  const f = record.data.frontend;
  return f ? `${f.sampleRate} Hz, ${f.nMels} mels` : record.data.source === 'random' ? 'none (random set)' : 'unknown';
}

export function runRows(records: RunRecord[], analysis: AnalysisReport): RunRow[] {
  return records.map((record) => {
    const phases = {} as Record<Phase, PhaseCell | null>;
    for (const phase of PHASES) {
      const o = analysis.observations.find((x) => x.key === record.key && x.phase === phase);
      phases[phase] = o
        ? {
            energyJ: o.energyJ,
            uncertaintyJ: o.energyJ === null ? null : o.energy.uncertaintyJ,
            ...(o.energyJ === null ? { missing: o.energy.reason ?? 'no energy' } : {}),
            methods: o.energy.methods,
            sources: o.energy.sources,
            flags: [...o.energy.flags, ...o.notes],
            durationS: o.durationS,
            samples: o.samples,
            flops: o.flops,
            macs: o.macs,
            gpuUtilPct: o.gpuUtilPct,
          }
        : null;
    }
    const metrics = record.phases.test?.metrics;
    const gpus = record.provenance?.gpus?.map((g) => g.name) ?? [];
    return {
      key: record.key,
      configId: record.config.id,
      repeat: record.config.repeat,
      family: familyOf(record),
      model: record.model.name,
      params: record.model.params,
      epochs: record.config.epochs,
      batch: record.config.batchSize,
      lr: record.config.lr,
      seed: record.config.seed,
      frontend: frontendName(record),
      data: `${record.data.source} (${record.data.train} train / ${record.data.test} test)`,
      machine: `${record.provenance?.hostname ?? 'unknown'} (${gpus.length ? gpus.join(', ') : 'no GPU'})`,
      startedAt: record.startedAt,
      wallS: runSeconds(record),
      phases,
      mAP: metrics?.mAP ?? null,
      macroRocAuc: metrics?.macroRocAuc ?? null,
      microF1: metrics?.microF1 ?? null,
    };
  });
}
