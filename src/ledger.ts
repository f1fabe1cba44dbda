/**
 * The per-kernel cost ledger as seen from TypeScript: rows, grouping and totals.
 * Counts come from each kernel's cost formula (see docs/ledger.md); `ms` is measured wall time.
 */
import type { NativeLedgerRow } from './native.js';

export type KernelPass = 'forward' | 'backward-input' | 'backward-weight' | 'backward-bias' | 'optimizer';

export interface LedgerRow {
  /** Layer that made the call, "<index>:<type>", or "loss". */
  layer: string;
  /** Kernel name, e.g. "conv2d". */
  name: string;
  pass: KernelPass;
  /** Tensor shapes of the call, e.g. "x[8,1,128,64] w[64,1,3,3] +b s1x1 p1x1 -> y[8,64,128,64]". */
  shapes: string;
  calls: number;
  macs: number;
  flops: number;
  transcendentals: number;
  comparisons: number;
  bytesRead: number;
  bytesWritten: number;
  /** MACs on padding zeros that the fast kernel executes but `macs` excludes. */
  paddingMacs: number;
  /**
   * Summed time of the calls, milliseconds: host wall time on the CPU, GPU time between CUDA
   * events on CUDA.
   */
  ms: number;
  /** Where the calls ran; absent in records written before the CUDA backend (they ran on the CPU). */
  device?: Device;
}

export type Device = 'cpu' | 'cuda';

export type LedgerTotals = Omit<LedgerRow, 'layer' | 'name' | 'pass' | 'shapes' | 'device'>;

const COUNT_FIELDS = [
  'calls',
  'macs',
  'flops',
  'transcendentals',
  'comparisons',
  'bytesRead',
  'bytesWritten',
  'paddingMacs',
  'ms',
] as const satisfies readonly (keyof LedgerTotals)[];

export function fromNative(rows: NativeLedgerRow[]): LedgerRow[] {
  return rows.map((r) => ({ ...r, pass: r.pass as KernelPass, device: r.device as Device }));
}

export function emptyTotals(): LedgerTotals {
  return { calls: 0, macs: 0, flops: 0, transcendentals: 0, comparisons: 0, bytesRead: 0, bytesWritten: 0, paddingMacs: 0, ms: 0 };
}

export function addInto(total: LedgerTotals, row: LedgerTotals): LedgerTotals {
  for (const f of COUNT_FIELDS) total[f] += row[f];
  return total;
}

export function totals(rows: LedgerRow[], filter: (row: LedgerRow) => boolean = () => true): LedgerTotals {
  return rows.filter(filter).reduce((acc, row) => addInto(acc, row), emptyTotals());
}

/** One row per (kernel name, pass), summed over layers and shapes, in order of first appearance. */
export function byKernel(rows: LedgerRow[]): Array<{ name: string; pass: KernelPass } & LedgerTotals> {
  const groups = new Map<string, { name: string; pass: KernelPass } & LedgerTotals>();
  for (const row of rows) {
    const key = `${row.name}\u0000${row.pass}`;
    let group = groups.get(key);
    if (!group) {
      group = { name: row.name, pass: row.pass, ...emptyTotals() };
      groups.set(key, group);
    }
    addInto(group, row);
  }
  return [...groups.values()];
}

/** Merges ledgers of several runs: rows with the same layer, name, pass, shapes and device are summed. */
export function mergeLedgers(...ledgers: LedgerRow[][]): LedgerRow[] {
  const merged = new Map<string, LedgerRow>();
  for (const rows of ledgers) {
    for (const row of rows) {
      const key = [row.layer, row.name, row.pass, row.shapes, row.device ?? 'cpu'].join('\u0000');
      const existing = merged.get(key);
      if (existing) addInto(existing, row);
      else merged.set(key, { ...row });
    }
  }
  return [...merged.values()];
}
