/**
 * emissions.csv for run records (train, sweep): one CodeCarbon row per phase that ran, gross energy
 * of every device as CodeCarbon reports it (no idle subtraction), measured sources when any window
 * has one. dcase-report makes its rows the same way, from the runs it reports.
 */
import type { Phase, RunRecord } from '../records/run-record.js';
import { writeFileAtomic } from '../util/atomic.js';
import { codecarbonRow, emissionsCsv, type CodeCarbonLayout, type CodeCarbonRow } from './codecarbon.js';
import { chooseSelection } from './energy-selection.js';
import { observe, phaseRuns } from './observations.js';

export interface EmissionsSettings {
  projectName: string;
  intensityGPerKWh: number;
  /** 1 when none is applied, CodeCarbon's default. */
  pue: number;
  countryName?: string;
  countryIsoCode?: string;
  region?: string;
  layout: CodeCarbonLayout;
}

/** When a phase ended: the record's start plus the phase window's end on the meter clock. */
export function phaseEnd(record: RunRecord, phase: Phase): string {
  const p = record.phases[phase];
  const window =
    phase === 'train' && record.phases.train?.epochEnergy.length && (record.phases.train.result.resumedAfterEpoch ?? 0) > 0
      ? record.phases.train.epochEnergy[record.phases.train.epochEnergy.length - 1]
      : p?.energy;
  const start = Date.parse(record.startedAt);
  if (!window || Number.isNaN(start)) return record.finishedAt;
  return new Date(start + window.endS * 1000).toISOString();
}

export function recordEmissionsRows(records: RunRecord[], settings: EmissionsSettings): CodeCarbonRow[] {
  const runs = records.map((record) => ({ record, phases: phaseRuns(record) }));
  const windows = runs.flatMap((r) => r.phases.flatMap((p) => p.windows ?? []));
  const { selection } = chooseSelection(windows, { basis: 'gross', device: 'all' });
  return runs.flatMap(({ record, phases }) =>
    phases.map((run) =>
      codecarbonRow({
        record,
        phase: run.phase,
        energy: observe(run, selection).energy,
        endedAt: phaseEnd(record, run.phase),
        ...settings,
      }),
    ),
  );
}

/** Writes `file` atomically: CodeCarbon's header and one row per phase of every record. */
export function writeRecordEmissions(file: string, records: RunRecord[], settings: EmissionsSettings): void {
  writeFileAtomic(file, emissionsCsv(recordEmissionsRows(records, settings), settings.layout));
}
