/**
 * windows.csv: one row per window and source, then the window's total, with what each figure is:
 * its method (how it was obtained), what the source covers (a whole GPU board, a whole CPU socket,
 * a modelled process tree), and its flags. pandas.read_csv reads it as it is; an empty cell is a
 * figure that does not exist (no idle baseline, a source that could not be read), never 0.
 */
import type { EnergyWindow, MeterDescription, SourceWindow } from '../energy/types.js';
import { csvText } from '../util/csv.js';

export const WINDOW_COLUMNS = [
  'window',
  'parent',
  'start_s',
  'end_s',
  'duration_s',
  'source',
  'device',
  'method',
  'covers',
  'joules',
  'uncertainty_j',
  'net_joules',
  'net_uncertainty_j',
  'idle_power_w',
  'mean_power_w',
  'flags',
] as const;

const cell = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '' : String(v));

/** What a source's joules belong to: a source reads a whole device or models a set of processes. */
export function sourceCoverage(description: MeterDescription, id: string): string {
  const source = description.sources.find((s) => s.id === id);
  if (!source) return '';
  if (source.details.scope) return source.details.scope;
  switch (source.device) {
    case 'gpu':
      return 'the whole GPU board: every process on it';
    case 'cpu-package':
      return 'the whole CPU socket (RAPL package): every process on it';
    case 'dram':
      return 'the DRAM of the whole socket (RAPL): every process';
    case 'platform':
      return 'the whole platform (RAPL psys), overlapping the other zones';
    default:
      return 'modelled: CPU time x TDP / cores';
  }
}

function flags(s: SourceWindow): string {
  const out: string[] = [];
  if (s.unavailable) out.push(`unavailable: ${s.unavailable}`);
  if (s.incomplete) out.push(`incomplete${s.flag ? `: ${s.flag}` : ''}`);
  if (s.tooShort) out.push('too short: fewer than 10 update periods');
  if (s.stalled) out.push('stalled counter');
  if (!s.additive) out.push('not additive: contains other sources, left out of the total');
  return out.join('; ');
}

export function windowRows(windows: EnergyWindow[], description: MeterDescription): string[][] {
  const rows: string[][] = [];
  for (const w of windows) {
    const head = [w.name, w.parent ?? '', cell(w.startS), cell(w.endS), cell(w.durationS)];
    for (const s of w.sources) {
      rows.push([
        ...head,
        s.id,
        s.device,
        s.source,
        sourceCoverage(description, s.id),
        cell(s.joules),
        cell(s.uncertainty?.joules),
        cell(s.net?.joules),
        cell(s.net?.uncertaintyJ),
        cell(s.net?.idlePowerW),
        cell(s.meanPowerW),
        flags(s),
      ]);
    }
    const t = w.total;
    const totalFlags = [
      ...t.missing.map((m) => `missing ${m.id}: ${m.reason}`),
      ...(t.incomplete ? ['incomplete: a lower bound'] : []),
      ...(t.tooShort ? ['too short for some source'] : []),
    ];
    rows.push([
      ...head,
      'total',
      '',
      t.methods.join('+'),
      `sum of ${t.sources.join(', ') || 'no source'}`,
      cell(t.joules),
      cell(t.uncertaintyJ),
      cell(t.netJoules),
      cell(t.netUncertaintyJ),
      '',
      cell(t.joules !== null && w.durationS > 0 ? t.joules / w.durationS : null),
      totalFlags.join('; '),
    ]);
  }
  return rows;
}

export function windowsCsv(windows: EnergyWindow[], description: MeterDescription): string {
  return csvText(WINDOW_COLUMNS, windowRows(windows, description));
}
