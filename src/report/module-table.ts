/**
 * Where a run's cost went, layer by layer or module by module (the layers grouped by the first N
 * parts of their ledger labels, ledger.ts moduleOf: an imported model's "/features/conv0/Conv" is
 * in "/features" at depth 1): per phase, every ledger row of the phase summed per layer or module
 * (calls, MACs, FLOPs, bytes, time), beside the phase's energy ATTRIBUTED to it by its share of the
 * phase's time, the same model as the kernel bars (kernel-energy-attribution.ts).
 */
import type { AnalysisReport } from '../analysis/analyze.js';
import { sig } from '../format/significant.js';
import { byModule, type LedgerTotals } from '../ledger.js';
import { PHASES, type RunRecord } from '../records/run-record.js';
import { attributeEnergy } from './kernel-energy-attribution.js';
import { el, text } from './markup.js';
import { exact } from './numbers.js';

type ModuleGroup = { module: string; layers: string[] } & LedgerTotals;

const HEADERS: Array<[string, boolean]> = [
  ['module', false],
  ['layers', true],
  ['calls', true],
  ['MACs', true],
  ['FLOPs', true],
  ['MB moved', true],
  ['ms', true],
  ['time share', true],
  ['energy (J, ATTRIBUTED)', true],
];

function cell(shown: string, sort: string | number, numeric: boolean, title?: string): string {
  return el('td', { class: numeric ? 'num' : undefined, 'data-sort': sort, title }, text(shown));
}

/**
 * One sortable table per phase of `record`; `depth` groups layers into modules, absent: one row
 * per layer (a label is its own module at any depth at least its count of parts).
 */
export function moduleTables(record: RunRecord, analysis: AnalysisReport, depth?: number): string {
  const parts: string[] = [];
  for (const phase of PHASES) {
    const p = record.phases[phase];
    if (!p || p.kernels.length === 0) continue;
    const observation = analysis.observations.find((o) => o.key === record.key && o.phase === phase);
    const groups: ModuleGroup[] = byModule(p.kernels, depth ?? Infinity);
    const attribution = attributeEnergy(groups, {
      energyJ: observation?.energyJ ?? null,
      missing: observation?.energy.reason,
      seconds: observation?.durationS ?? p.result.seconds,
    });
    const head = el(
      'tr',
      {},
      ...HEADERS.map(([h, numeric], i) =>
        el('th', { class: numeric ? 'num' : undefined, 'data-type': numeric ? 'num' : undefined }, text(i === 0 && !depth ? 'layer' : h)),
      ),
    );
    const body = attribution.rows.map(({ row, timeShare, energyJ }) =>
      el(
        'tr',
        {},
        cell(row.module, row.module, false, row.layers.join(', ')),
        cell(String(row.layers.length), row.layers.length, true),
        cell(exact(row.calls), row.calls, true),
        cell(exact(row.macs), row.macs, true),
        cell(exact(row.flops), row.flops, true),
        cell(sig((row.bytesRead + row.bytesWritten) / 1e6), row.bytesRead + row.bytesWritten, true),
        cell(sig(row.ms), row.ms, true),
        cell(`${sig(timeShare * 100, 3)}%`, timeShare, true),
        cell(energyJ === null ? 'missing' : sig(energyJ), energyJ ?? '', true, energyJ === null ? attribution.missing : undefined),
      ),
    );
    const what = depth ? `modules at depth ${depth}` : 'layer by layer';
    parts.push(
      el('h3', {}, text(`${phase}: ${what} · run ${record.key} (${record.model.name})`)),
      el(
        'div',
        { class: 'table-wrap' },
        el('table', { class: 'sortable', 'data-modules': phase }, el('thead', {}, head), el('tbody', {}, ...body)),
      ),
    );
  }
  return parts.join('');
}
