/** The per-kernel table printed for each phase: calls, GFLOP, GB moved, ms, GFLOP/s, GB/s. */
import { byKernel, totals, type LedgerRow } from '../ledger.js';
import { fixed, renderTable } from './table.js';

export function ledgerTable(rows: LedgerRow[]): string {
  const groups = byKernel(rows);
  const total = totals(rows);
  const line = (name: string, pass: string, g: typeof total) => [
    name,
    pass,
    g.calls,
    fixed(g.flops / 1e9, 4),
    fixed((g.bytesRead + g.bytesWritten) / 1e9, 4),
    fixed(g.ms, 2),
    g.ms > 0 ? fixed(g.flops / 1e6 / g.ms, 2) : '-',
    g.ms > 0 ? fixed((g.bytesRead + g.bytesWritten) / 1e6 / g.ms, 2) : '-',
  ];
  return renderTable(
    ['kernel', 'pass', 'calls', 'GFLOP', 'GB moved', 'ms', 'GFLOP/s', 'GB/s'],
    [...groups.map((g) => line(g.name, g.pass, g)), line('total', '', total)],
    [false, false, true, true, true, true, true, true],
  );
}
