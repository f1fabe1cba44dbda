/**
 * The per-kernel table of `sedjoule profile`: one row per (kernel, pass) as in the training
 * table, but with the counts themselves (MACs on data and on padding, FLOPs, transcendentals,
 * comparisons, bytes) rather than rates, since one step on one clip is too short for rates to mean much.
 */
import { byKernel, totals, type LedgerRow, type LedgerTotals } from '../ledger.js';
import { fixed, renderTable } from './table.js';

export function profileTable(rows: LedgerRow[]): string {
  const mega = (n: number) => fixed(n / 1e6, 3);
  const line = (name: string, pass: string, g: ReturnType<typeof totals>) => [
    name,
    pass,
    g.calls,
    mega(g.macs),
    mega(g.paddingMacs),
    mega(g.flops),
    mega(g.transcendentals),
    mega(g.comparisons),
    fixed((g.bytesRead + g.bytesWritten) / 1e6, 2),
    fixed(g.ms, 2),
  ];
  // The optimiser is not part of the network's forward/backward cost: its own total line.
  const model = rows.filter((r) => r.pass !== 'optimizer');
  const optimizer = rows.filter((r) => r.pass === 'optimizer');
  const body = byKernel(model).map((g) => line(g.name, g.pass, g));
  body.push(line('forward+backward', '', totals(model)));
  for (const g of byKernel(optimizer)) body.push(line(g.name, g.pass, g));
  return renderTable(['kernel', 'pass', 'calls', 'M MACs', 'M pad MACs', 'M FLOPs', 'M transc.', 'M compares', 'MB moved', 'ms'], body, [
    false,
    false,
    true,
    true,
    true,
    true,
    true,
    true,
    true,
    true,
  ]);
}

/** One layer's counts in a profile (src/experiment/profile.ts LayerProfile). */
export interface LayerCounts {
  layer: string;
  ops?: string[];
  forward: { macs: number; paddingMacs: number; flops: number };
  backward: { flops: number };
  ratio: number | null;
}

const int = (n: number) => n.toLocaleString('en-US');

/**
 * The per-layer table of `sedjoule profile`: each layer's forward and backward counts, by ledger
 * label; for an imported model also the ONNX op types each layer stands for.
 */
export function layerTable(layers: LayerCounts[]): string {
  const withOps = layers.some((l) => l.ops);
  const body = layers.map((l) => [
    l.layer,
    ...(withOps ? [l.ops?.join(',') ?? '-'] : []),
    int(l.forward.macs),
    int(l.forward.paddingMacs),
    int(l.forward.flops),
    int(l.backward.flops),
    l.ratio === null ? '-' : fixed(l.ratio, 3),
  ]);
  return renderTable(
    ['layer', ...(withOps ? ['onnx ops'] : []), 'fwd MACs', 'fwd pad MACs', 'fwd FLOPs', 'bwd FLOPs', 'bwd/fwd counted'],
    body,
    [false, ...(withOps ? [false] : []), true, true, true, true, true],
  );
}

/** One module's counts in a profile (src/experiment/profile.ts ModuleProfile). */
export interface ModuleCounts {
  module: string;
  layers: string[];
  ops?: string[];
  forward: LedgerTotals;
  backward: LedgerTotals;
}

/**
 * The per-module table of `sedjoule profile --depth N`: the layers grouped by the first N parts of
 * their labels, every count summed over the module's layers (forward and backward passes).
 */
export function moduleTable(modules: ModuleCounts[]): string {
  const withOps = modules.some((m) => m.ops);
  const body = modules.map((m) => [
    m.module,
    m.layers.length,
    ...(withOps ? [m.ops?.join(',') ?? '-'] : []),
    m.forward.calls + m.backward.calls,
    int(m.forward.macs),
    int(m.forward.flops),
    int(m.backward.flops),
    fixed((m.forward.bytesRead + m.forward.bytesWritten + m.backward.bytesRead + m.backward.bytesWritten) / 1e6, 2),
    fixed(m.forward.ms + m.backward.ms, 2),
  ]);
  return renderTable(
    ['module', 'layers', ...(withOps ? ['onnx ops'] : []), 'calls', 'fwd MACs', 'fwd FLOPs', 'bwd FLOPs', 'MB moved', 'ms'],
    body,
    [false, true, ...(withOps ? [false] : []), true, true, true, true, true, true],
  );
}
