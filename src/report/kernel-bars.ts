/**
 * Where a run's FLOPs and energy went, kernel by kernel: per phase, one row per kernel and pass
 * (summed over layers), the exact counted FLOPs beside the energy ATTRIBUTED to the kernel by its
 * share of the phase's time (kernel-energy-attribution.ts). The two columns share the rows, so a kernel that
 * takes more energy than its FLOPs suggest (a GRU recurrence, a memory-bound pass) stands out.
 */
import type { AnalysisReport } from '../analysis/analyze.js';
import type { Observation } from '../analysis/observations.js';
import { sig } from '../format/significant.js';
import { PHASES, type Phase, type RunRecord } from '../records/run-record.js';
import { byKernel, type LedgerTotals } from '../ledger.js';
import { energyLabel } from './energy-label.js';
import { attributeEnergy, type KernelAttribution } from './kernel-energy-attribution.js';
import { el, text, tooltip } from './markup.js';
import { exact } from './numbers.js';
import { ENERGY_BAR_COLOUR, FLOP_BAR_COLOUR } from './palette.js';

type KernelGroup = { name: string; pass: string } & LedgerTotals;

/** Rows beyond this many are summed into one "other kernels" row, so labels stay readable. */
const MAX_ROWS = 14;

const LABEL_W = 210,
  COL_W = 280,
  ROW_H = 20,
  HEAD_H = 34,
  GAP = 16;

function percent(share: number): string {
  return `${sig(share * 100, 3)}%`;
}

function bar(kind: 'flops' | 'energy', x: number, y: number, width: number, lines: string[]): string {
  return el(
    'rect',
    {
      class: `bar ${kind}`,
      x,
      y: y + 3,
      width: Math.max(1, width),
      height: ROW_H - 6,
      fill: kind === 'flops' ? FLOP_BAR_COLOUR : ENERGY_BAR_COLOUR,
    },
    tooltip(lines),
  );
}

/** The figure of one phase of one run; `observation` carries the phase's energy under the analysis's selection. */
function kernelFigure(record: RunRecord, phase: Phase, observation: Observation | undefined, analysis: AnalysisReport): string {
  const p = record.phases[phase];
  const id = `kernels-${phase}`;
  const label = energyLabel(analysis.energy, observation?.energy.methods ?? []);
  const title = `${phase}: FLOPs (exact) and ${label.adjective} energy ATTRIBUTED per kernel · run ${record.key} (${record.model.name})`;
  if (!p || p.kernels.length === 0) {
    return el(
      'figure',
      { class: 'panel wide empty', 'data-plot': id, 'data-empty': `no ${phase} phase in run ${record.key}` },
      el('figcaption', {}, el('span', { class: 'plot-title' }, text(title))),
      el('p', { class: 'why' }, text(`no ${phase} phase in run ${record.key}`)),
    );
  }
  const groups = byKernel(p.kernels) as KernelGroup[];
  const seconds = observation?.durationS ?? p.result.seconds;
  const attribution: KernelAttribution<KernelGroup> = attributeEnergy(groups, {
    energyJ: observation?.energyJ ?? null,
    missing: observation?.energy.reason,
    seconds,
  });
  const sorted = [...attribution.rows].sort((a, b) => b.row.ms - a.row.ms);
  const shown = sorted.slice(0, MAX_ROWS);
  const rest = sorted.slice(MAX_ROWS);
  type Row = { label: string; flops: number | null; comparisons: number; share: number; energyJ: number | null; lines: string[] };
  const rows: Row[] = shown.map(({ row, timeShare, energyJ }) => ({
    label: `${row.name} · ${row.pass}`,
    flops: row.flops,
    comparisons: row.comparisons,
    share: timeShare,
    energyJ,
    lines: [
      `${row.name} (${row.pass}), ${phase} phase of ${record.key}`,
      `calls ${exact(row.calls)}`,
      `FLOPs ${exact(row.flops)} (counted), MACs ${exact(row.macs)}, comparisons ${exact(row.comparisons)}, transcendentals ${exact(row.transcendentals)}`,
      `bytes read ${exact(row.bytesRead)}, written ${exact(row.bytesWritten)}`,
      `time ${exact(row.ms)} ms = ${percent(timeShare)} of the ${attribution.basis === 'phase-time' ? 'phase' : 'kernel'} time`,
      energyJ === null
        ? `attributed energy: none (${attribution.missing})`
        : `attributed energy ${exact(energyJ)} J (time share x phase energy; a model, not a measurement)`,
    ],
  }));
  if (rest.length) {
    const flops = rest.reduce((a, r) => a + r.row.flops, 0),
      share = rest.reduce((a, r) => a + r.timeShare, 0);
    const energyJ = attribution.missing ? null : rest.reduce((a, r) => a + (r.energyJ ?? 0), 0);
    rows.push({
      label: `${rest.length} other kernels`,
      flops,
      comparisons: rest.reduce((a, r) => a + r.row.comparisons, 0),
      share,
      energyJ,
      lines: [
        `${rest.length} other kernel rows: ${rest.map((r) => `${r.row.name} · ${r.row.pass}`).join(', ')}`,
        `FLOPs ${exact(flops)}`,
        `time share ${percent(share)}`,
        energyJ === null ? 'attributed energy: none' : `attributed energy ${exact(energyJ)} J`,
      ],
    });
  }
  if (attribution.outside.timeShare > 0) {
    rows.push({
      label: 'outside kernels',
      flops: null,
      comparisons: 0,
      share: attribution.outside.timeShare,
      energyJ: attribution.outside.energyJ,
      lines: [
        `time of the phase outside any kernel call: ${percent(attribution.outside.timeShare)} of ${exact(seconds)} s (batch assembly, JavaScript between calls, waiting)`,
        attribution.outside.energyJ === null ? 'attributed energy: none' : `attributed energy ${exact(attribution.outside.energyJ)} J`,
      ],
    });
  }

  const maxFlops = Math.max(1, ...rows.map((r) => r.flops ?? 0));
  const maxEnergy = Math.max(0, ...rows.map((r) => r.energyJ ?? 0));
  const width = LABEL_W + 2 * COL_W + GAP;
  const height = HEAD_H + rows.length * ROW_H + 6;
  const flopX = LABEL_W,
    energyX = LABEL_W + COL_W + GAP,
    barSpace = COL_W - 80;
  const parts: string[] = [
    el('text', { class: 'col-title', x: flopX, y: 14 }, text('FLOPs per kernel: exact counts')),
    el('text', { class: 'col-title attributed', x: energyX, y: 14 }, text('energy per kernel: ATTRIBUTED')),
    el('text', { class: 'col-sub', x: energyX, y: 28 }, text(`${label.adjective} phase energy x kernel time / phase time`)),
  ];
  rows.forEach((r, i) => {
    const y = HEAD_H + i * ROW_H;
    parts.push(el('text', { class: 'bar-label', x: LABEL_W - 6, y: y + ROW_H / 2 + 4, 'text-anchor': 'end' }, text(r.label)));
    if (r.flops !== null && r.flops > 0) {
      const w = (r.flops / maxFlops) * barSpace;
      parts.push(bar('flops', flopX, y, w, r.lines));
      parts.push(el('text', { class: 'bar-value', x: flopX + w + 4, y: y + ROW_H / 2 + 4 }, text(`${sig(r.flops / 1e9)} GFLOP`)));
    } else {
      parts.push(
        el(
          'text',
          { class: 'bar-value muted', x: flopX, y: y + ROW_H / 2 + 4 },
          text(r.flops === null ? 'not a kernel' : r.comparisons > 0 ? `0 FLOPs (${sig(r.comparisons)} comparisons)` : '0 FLOPs'),
        ),
      );
    }
    if (r.energyJ !== null && maxEnergy > 0) {
      const w = (r.energyJ / maxEnergy) * barSpace;
      parts.push(bar('energy', energyX, y, w, r.lines));
      parts.push(
        el('text', { class: 'bar-value', x: energyX + w + 4, y: y + ROW_H / 2 + 4 }, text(`${sig(r.energyJ)} J (${percent(r.share)})`)),
      );
    }
  });
  if (attribution.missing) {
    parts.push(
      el(
        'text',
        { class: 'bar-value missing', x: energyX, y: HEAD_H + ROW_H / 2 + 4 },
        text(`missing: ${attribution.missing}`.slice(0, 60)),
      ),
    );
  }
  const svg = el('svg', { class: 'plot', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': title }, ...parts);
  const energyText =
    attribution.missing === undefined
      ? `The ${phase} phase's energy (${label.detail}), ${exact(attribution.phaseEnergyJ)} J over ${exact(seconds)} s, is split over the kernels in proportion to their measured wall time (${percent(attribution.kernelSeconds / (attribution.basis === 'phase-time' ? seconds : attribution.kernelSeconds))} of the phase is inside kernels${attribution.basis === 'kernel-time' ? "; the kernels' summed time exceeds the phase's, so shares are of kernel time" : ''}).`
      : `No energy is attributed: missing: ${attribution.missing}.`;
  const subtitle = `Energy is not measured per kernel: an energy counter sees a whole device over a window. ${energyText} This is an attribution model, not a measurement; the FLOP bars are exact counts from the kernels' cost formulas.`;
  return el(
    'figure',
    { class: 'panel wide', 'data-plot': id, 'data-bars': rows.length },
    el('figcaption', {}, el('span', { class: 'plot-title' }, text(title)), el('span', { class: 'plot-subtitle' }, text(subtitle))),
    svg,
  );
}

export function kernelFigures(record: RunRecord, analysis: AnalysisReport): string[] {
  const asked = record.config.phases ?? PHASES;
  return PHASES.filter((phase) => asked.includes(phase) || record.phases[phase]).map((phase) =>
    kernelFigure(
      record,
      phase,
      analysis.observations.find((o) => o.key === record.key && o.phase === phase),
      analysis,
    ),
  );
}
