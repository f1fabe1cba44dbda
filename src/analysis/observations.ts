/**
 * One observation per (run, phase): the quantities the study relates energy to, read from a run
 * record. Counts come from the phase's ledger (exact, per kernel call), the parameter count from
 * the model, utilisation from the phase's GPU sources, and energy from the phase's window under an
 * explicit selection (see energy-selection.ts). A phase the run was asked to do but has no figure
 * for is kept with its reason, so it is listed as missing instead of disappearing or counting 0.
 */
import type { EnergyWindow } from '../energy/types.js';
import { PHASES, trainingTotals, type Phase, type RunRecord } from '../records/run-record.js';
import { ARCHITECTURES } from '../models/families.js';
import { noEnergy, windowEnergy, type EnergySelection, type WindowEnergy } from './energy-selection.js';

export type Family = 'mlp' | 'cnn' | 'rnn' | 'crnn' | 'dcase-crnn' | 'other';
export const FAMILIES: Family[] = ['mlp', 'cnn', 'rnn', 'crnn', 'dcase-crnn', 'other'];

export function familyOf(record: Pick<RunRecord, 'config'>): Family {
  const model = record.config.model as { kind?: string; config?: { arch?: string } };
  if (model.kind === 'dcase-crnn') return 'dcase-crnn';
  const arch = model.kind === 'family' ? model.config?.arch : undefined;
  return arch && (ARCHITECTURES as string[]).includes(arch) ? (arch as Family) : 'other';
}

/** A phase of a run, before an energy selection is applied. */
export interface PhaseRun {
  key: string;
  configId: string;
  repeat: number;
  family: Family;
  model: string;
  phase: Phase;
  /** The windows holding the phase's energy (several for a resumed training run); null if none. */
  windows: EnergyWindow[] | null;
  /** Why there are no windows. */
  noWindows?: string;
  /** Clips processed: training clip-passes over all epochs, test clips, run passes x batch. */
  samples: number;
  flops: number;
  macs: number;
  params: number;
  /** bytesRead + bytesWritten of the phase's kernels (each kernel's minimum traffic). */
  bytesMoved: number;
  durationS: number;
  gpuUtilPct: number | null;
  memUtilPct: number | null;
  notes: string[];
  /** Provenance the reports need: where the run was made. */
  machine: { hostname: string; gpus: string[] };
}

export interface Observation extends Omit<PhaseRun, 'windows' | 'noWindows'> {
  energy: WindowEnergy;
  /** energy.joules, or null with energy.reason. */
  energyJ: number | null;
  energyPerSampleJ: number | null;
  joulesPerGflop: number | null;
  gflopPerJoule: number | null;
}

function phaseRecord(record: RunRecord, phase: Phase) {
  return record.phases[phase];
}

/** The phases a record was asked to run, with their counts and energy windows. */
export function phaseRuns(record: RunRecord): PhaseRun[] {
  const out: PhaseRun[] = [];
  const asked = record.config.phases ?? PHASES.filter((p) => record.phases[p]);
  for (const phase of PHASES) {
    if (!asked.includes(phase)) continue;
    const base = {
      key: record.key,
      configId: record.config.id,
      repeat: record.config.repeat,
      family: familyOf(record),
      model: record.model.name,
      phase,
      params: record.model.params,
      machine: { hostname: record.provenance?.hostname ?? 'unknown', gpus: (record.provenance?.gpus ?? []).map((g) => g.name) },
    };
    const p = phaseRecord(record, phase);
    if (!p) {
      out.push({
        ...base,
        windows: null,
        noWindows: `the run was asked for the ${phase} phase but its record has none`,
        samples: 0,
        flops: 0,
        macs: 0,
        bytesMoved: 0,
        durationS: 0,
        gpuUtilPct: null,
        memUtilPct: null,
        notes: [],
      });
      continue;
    }
    const notes: string[] = [];
    let samples: number,
      durationS = p.result.seconds;
    let windows: EnergyWindow[] | null = p.energy ? [p.energy] : null;
    let noWindows = p.energy
      ? undefined
      : record.energy
        ? `no energy window for the ${phase} phase`
        : 'energy was not measured in this run';
    if (phase === 'train') {
      const t = record.phases.train!;
      const resumed = t.result.resumedAfterEpoch ?? 0;
      const whole = trainingTotals(t, record.data.train);
      samples = whole.samples;
      // A resumed run's ledger covers every epoch but its train window only the epochs after the
      // resume; the per-epoch windows cover them all, so they stand in for the phase window.
      if (resumed > 0) {
        const total = whole.epochs;
        if (t.epochEnergy.length === total) {
          windows = t.epochEnergy;
          durationS = t.epochEnergy.reduce((a, w) => a + w.durationS, 0);
          notes.push(`resumed after epoch ${resumed}: energy summed over the ${total} epoch windows`);
        } else {
          windows = null;
          noWindows = `resumed after epoch ${resumed}, and only ${t.epochEnergy.length} of ${total} epoch windows were kept`;
        }
      }
    } else if (phase === 'test') {
      samples = record.phases.test!.result.samples;
    } else {
      const r = record.phases.run!.result;
      samples = r.passes * r.batch;
    }
    if (windows && windows.length === 1) durationS = windows[0].durationS;
    out.push({
      ...base,
      windows,
      ...(noWindows && !windows ? { noWindows } : {}),
      samples,
      flops: p.totals.flops,
      macs: p.totals.macs,
      bytesMoved: p.totals.bytesRead + p.totals.bytesWritten,
      durationS,
      gpuUtilPct: p.utilisation?.gpuPct ?? null,
      memUtilPct: p.utilisation?.memoryPct ?? null,
      notes,
    });
  }
  return out;
}

/** A phase run with its energy under the selection, and the per-sample and per-FLOP figures. */
export function observe(run: PhaseRun, selection: EnergySelection): Observation {
  const { windows, noWindows, ...rest } = run;
  const energy: WindowEnergy = windows
    ? windowEnergy(windows, selection)
    : noEnergy(selection, run.durationS, noWindows ?? 'no energy window');
  const e = energy.joules;
  const gflop = run.flops / 1e9;
  return {
    ...rest,
    energy,
    energyJ: e,
    energyPerSampleJ: e !== null && run.samples > 0 ? e / run.samples : null,
    // J/GFLOP and its inverse only for a positive energy: net energy can be <= 0 in a short
    // window, where a ratio would be meaningless rather than large.
    joulesPerGflop: e !== null && e > 0 && gflop > 0 ? e / gflop : null,
    gflopPerJoule: e !== null && e > 0 && gflop > 0 ? gflop / e : null,
  };
}
