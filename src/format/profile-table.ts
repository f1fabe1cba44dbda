/**
 * The per-kernel table of `sedjoule profile`: one row per (kernel, pass) as in the training
 * table, but with the counts themselves (MACs on data and on padding, FLOPs, transcendentals,
 * comparisons, bytes) rather than rates, since one step on one clip is too short for rates to mean much.
 */
import { byKernel, totals, type LedgerRow } from '../ledger.js';
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
  forward: { macs: number; paddingMacs: number; flops: number };
  backward: { flops: number };
  ratio: number | null;
}

/** The per-layer table of `sedjoule profile`: each layer's forward and backward counts, by ledger label. */
export function layerTable(layers: LayerCounts[]): string {
  const int = (n: number) => n.toLocaleString('en-US');
  const body = layers.map((l) => [
    l.layer,
    int(l.forward.macs),
    int(l.forward.paddingMacs),
    int(l.forward.flops),
    int(l.backward.flops),
    l.ratio === null ? '-' : fixed(l.ratio, 3),
  ]);
  return renderTable(['layer', 'fwd MACs', 'fwd pad MACs', 'fwd FLOPs', 'bwd FLOPs', 'bwd/fwd'], body, [
    false,
    true,
    true,
    true,
    true,
    true,
  ]);
}
