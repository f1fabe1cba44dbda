/**
 * The per-kernel cost ledger as seen from TypeScript: its columns, rows, grouping and totals.
 * Counts come from each kernel's cost formula (see docs/ledger.md); `ms` is measured time.
 *
 * The columns are listed once, here, in the order the addon writes them; the row type, the zero
 * row, sums, the CSV export and the tables derive from these lists, and a test checks them
 * against the keys of a row the addon wrote.
 */

export type KernelPass = 'forward' | 'backward-input' | 'backward-weight' | 'backward-bias' | 'optimizer';

export type Device = 'cpu' | 'cuda';

/**
 * What was called:
 * - `layer`: the layer that made the call, "<index>:<type>", or "loss";
 * - `name`: the kernel, e.g. "conv2d";
 * - `pass`: a KernelPass;
 * - `shapes`: the call's tensor shapes, e.g. "x[8,1,128,64] w[64,1,3,3] +b s1x1 p1x1 -> y[8,64,128,64]".
 */
export const LEDGER_LABEL_COLUMNS = ['layer', 'name', 'pass', 'shapes'] as const;

/**
 * What the calls cost, summed over them:
 * - `calls`, `macs`, `flops`, `transcendentals`, `comparisons`, `bytesRead`, `bytesWritten`: docs/ledger.md;
 * - `paddingMacs`: MACs on padding zeros that the fast kernel executes but `macs` excludes;
 * - `executedMacs`: every multiply-add the fast kernel executed on its device, counted while it ran:
 *   `macs + paddingMacs` plus the zeros of its GEMM's edge tiles (CPU micro-panels, CUDA tiles), what
 *   a hardware counter (perf, Nsight Compute) would see;
 * - `ms`: time of the calls, milliseconds: host wall time on the CPU, GPU time between CUDA events on CUDA.
 */
export const LEDGER_COUNT_COLUMNS = [
  'calls',
  'macs',
  'flops',
  'transcendentals',
  'comparisons',
  'bytesRead',
  'bytesWritten',
  'paddingMacs',
  'executedMacs',
  'ms',
] as const;

/** Count columns added after records were first written: a record may lack them (see addInto). */
export const LEDGER_LATER_COUNT_COLUMNS: readonly LedgerCountColumn[] = ['executedMacs'];

/** Every column of a row the addon writes: labels, counts, and where the calls ran. */
export const LEDGER_COLUMNS = [...LEDGER_LABEL_COLUMNS, ...LEDGER_COUNT_COLUMNS, 'device'] as const;

export type LedgerLabelColumn = (typeof LEDGER_LABEL_COLUMNS)[number];
export type LedgerCountColumn = (typeof LEDGER_COUNT_COLUMNS)[number];

export type LedgerTotals = Record<LedgerCountColumn, number>;

export type LedgerLabels = { [C in LedgerLabelColumn]: C extends 'pass' ? KernelPass : string };

export interface LedgerRow extends LedgerLabels, LedgerTotals {
  /** Where the calls ran; absent in records written before the CUDA backend (they ran on the CPU). */
  device?: Device;
}

function emptyTotals(): LedgerTotals {
  return Object.fromEntries(LEDGER_COUNT_COLUMNS.map((column) => [column, 0])) as LedgerTotals;
}

// A row from a record written before a later column existed has no count there: the sum is NaN
// (unknown), never a silent 0.
function addInto(total: LedgerTotals, row: LedgerTotals): LedgerTotals {
  for (const column of LEDGER_COUNT_COLUMNS) total[column] += row[column] ?? NaN;
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

/**
 * The module a ledger label belongs to at `depth`: the label up to the end of its depth-th part,
 * parts being separated by '/' or '.' (ONNX node names from PyTorch, "/features/conv0/Conv", and
 * module paths, "features.0.conv"), separators kept as written. A leading or doubled separator
 * opens no part, and a label of `depth` parts or fewer is its own module ("/features/conv0/Conv"
 * at depth 1 is "/features", at 2 "/features/conv0"; "features.0" at 1 is "features"; a default
 * label "3:conv2d" and "loss" have one part). As DeepSpeed's flops profiler's per-module view.
 */
export function moduleOf(label: string, depth: number): string {
  let parts = 0;
  let inPart = false;
  for (let i = 0; i < label.length; ++i) {
    if (label[i] !== '/' && label[i] !== '.') inPart = true;
    else if (inPart) {
      inPart = false;
      if (++parts === depth) return label.slice(0, i);
    }
  }
  return label;
}

/** One row per module at `depth` (moduleOf), with the labels it groups, summed, in order of first appearance. */
export function byModule(rows: LedgerRow[], depth: number): Array<{ module: string; layers: string[] } & LedgerTotals> {
  const groups = new Map<string, { module: string; layers: string[] } & LedgerTotals>();
  for (const row of rows) {
    const module = moduleOf(row.layer, depth);
    let group = groups.get(module);
    if (!group) {
      group = { module, layers: [], ...emptyTotals() };
      groups.set(module, group);
    }
    if (!group.layers.includes(row.layer)) group.layers.push(row.layer);
    addInto(group, row);
  }
  return [...groups.values()];
}

/** Merges ledgers of several runs: rows with the same labels and device are summed. */
export function mergeLedgers(...ledgers: LedgerRow[][]): LedgerRow[] {
  const merged = new Map<string, LedgerRow>();
  for (const rows of ledgers) {
    for (const row of rows) {
      const key = [...LEDGER_LABEL_COLUMNS.map((column) => row[column]), row.device ?? 'cpu'].join('\u0000');
      const existing = merged.get(key);
      if (existing) addInto(existing, row);
      else merged.set(key, { ...row });
    }
  }
  return [...merged.values()];
}
