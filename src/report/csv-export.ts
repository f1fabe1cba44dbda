/**
 * The report's tables as CSV, for pandas or a spreadsheet: runs.csv (one row per run, the runs
 * table's figures at full precision) and kernels.csv (one row per ledger row of every run and
 * phase, with the energy attributed to it by time share, labelled as attributed). A missing
 * energy is an empty cell with its reason in the `_missing` column, never a 0.
 */
import type { AnalysisReport } from '../analysis/analyze.js';
import { familyOf } from '../analysis/observations.js';
import { PHASES, type RunRecord } from '../records/run-record.js';
import { csvText } from '../util/csv.js';
import { LEDGER_COUNT_COLUMNS, LEDGER_LABEL_COLUMNS, type LedgerCountColumn, type LedgerLabelColumn } from '../ledger.js';
import { attributeEnergy } from './kernel-energy-attribution.js';
import { csvNumber } from './numbers.js';
import type { RunRow } from './run-rows.js';

const PHASE_COLUMNS = [
  'energy_j',
  'energy_uncertainty_j',
  'energy_missing',
  'energy_methods',
  'energy_sources',
  'energy_flags',
  'duration_s',
  'samples',
  'flops',
  'macs',
  'gpu_util_pct',
] as const;

export const RUN_COLUMNS: string[] = [
  'run',
  'config',
  'repeat',
  'family',
  'model',
  'params',
  'epochs',
  'batch',
  'lr',
  'seed',
  'frontend',
  'data',
  'machine',
  'started_at',
  'wall_s',
  'energy_basis',
  'energy_device',
  ...PHASES.flatMap((p) => PHASE_COLUMNS.map((c) => `${p}_${c}`)),
  'map',
  'macro_roc_auc',
  'micro_f1',
];

export function runsCsv(rows: RunRow[], analysis: AnalysisReport): string {
  const lines = rows.map((r) => {
    const cells = [
      r.key,
      r.configId,
      String(r.repeat),
      r.family,
      r.model,
      String(r.params),
      String(r.epochs),
      String(r.batch),
      String(r.lr),
      String(r.seed),
      r.frontend,
      r.data,
      r.machine,
      r.startedAt,
      csvNumber(r.wallS),
      analysis.energy.basis,
      analysis.energy.device,
    ];
    for (const phase of PHASES) {
      const c = r.phases[phase];
      if (!c) {
        cells.push('', '', 'phase not run', ...Array<string>(PHASE_COLUMNS.length - 3).fill(''));
        continue;
      }
      cells.push(
        csvNumber(c.energyJ),
        csvNumber(c.uncertaintyJ),
        c.missing ?? '',
        c.methods.join('+'),
        c.sources.join('+'),
        c.flags.join('; '),
        csvNumber(c.durationS),
        csvNumber(c.samples),
        csvNumber(c.flops),
        csvNumber(c.macs),
        csvNumber(c.gpuUtilPct),
      );
    }
    cells.push(csvNumber(r.mAP), csvNumber(r.macroRocAuc), csvNumber(r.microF1));
    return cells;
  });
  return csvText(RUN_COLUMNS, lines);
}

/** A ledger column's name in kernels.csv: snake case, as the other columns; `name` is the kernel. */
function kernelCsvColumn(column: LedgerLabelColumn | LedgerCountColumn): string {
  return column === 'name' ? 'kernel' : column.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export const KERNEL_COLUMNS = [
  'run',
  'config',
  'family',
  'model',
  'phase',
  ...[...LEDGER_LABEL_COLUMNS, ...LEDGER_COUNT_COLUMNS].map(kernelCsvColumn),
  'time_share',
  'energy_attributed_j',
  'energy_attribution',
  'energy_missing',
];

/**
 * One row per ledger row of each run's train, test and run phases. `time_share` is the row's
 * wall time over the phase's; `energy_attributed_j` = phase energy x time_share, a model (see
 * kernel-energy-attribution.ts), so the column says so in its name and `energy_attribution` names the basis.
 */
export function kernelsCsv(records: RunRecord[], analysis: AnalysisReport): string {
  const lines: string[][] = [];
  for (const record of records) {
    for (const phase of PHASES) {
      const p = record.phases[phase];
      if (!p) continue;
      const o = analysis.observations.find((x) => x.key === record.key && x.phase === phase);
      const attribution = attributeEnergy(p.kernels, {
        energyJ: o?.energyJ ?? null,
        missing: o?.energy.reason,
        seconds: o?.durationS ?? p.result.seconds,
      });
      const how = `${analysis.energy.basis} ${o?.energy.methods.join('+') || 'energy'} x ${attribution.basis === 'phase-time' ? 'kernel time / phase time' : 'kernel time / all kernel time'}`;
      for (const { row, timeShare, energyJ } of attribution.rows) {
        lines.push([
          record.key,
          record.config.id,
          familyOf(record),
          record.model.name,
          phase,
          ...LEDGER_LABEL_COLUMNS.map((column) => row[column]),
          ...LEDGER_COUNT_COLUMNS.map((column) => csvNumber(row[column])),
          csvNumber(timeShare),
          csvNumber(energyJ),
          energyJ === null ? '' : how,
          attribution.missing ?? '',
        ]);
      }
    }
  }
  return csvText(KERNEL_COLUMNS, lines);
}
