/**
 * The power trace of one run: each source's power over time (the record's decimated trace), with
 * the run's energy windows shaded and labelled (idle baseline, features, train with its epochs,
 * test, run), so a reader sees what each figure in the tables integrates over.
 */
import type { AnalysisReport } from '../analysis/analyze.js';
import { windowEnergy } from '../analysis/energy-selection.js';
import type { EnergyWindow } from '../energy/types.js';
import type { RunRecord } from '../records/run-record.js';
import { axes, inner, polyline, type PlotArea } from './axes.js';
import { el, text, tooltip } from './markup.js';
import { exact } from './numbers.js';
import { SOURCE_COLOURS, WINDOW_COLOURS } from './palette.js';
import { linearScale } from './scale.js';

const AREA: PlotArea = { width: 980, height: 340, left: 62, right: 16, top: 26, bottom: 40 };
const CHILD_BAND = 16;

interface ShadedWindow {
  name: string;
  startS: number;
  endS: number;
  kind: string;
  child: boolean;
  lines: string[];
}

function kindOf(name: string): string {
  if (name.startsWith('idle')) return 'idle';
  if (name.startsWith('epoch-')) return 'epoch';
  return name in WINDOW_COLOURS ? name : 'other';
}

function windowLines(w: EnergyWindow, analysis: AnalysisReport): string[] {
  const chosen = windowEnergy([w], analysis.energy);
  const lines = [`${w.name}: ${exact(w.startS)} s to ${exact(w.endS)} s (${exact(w.durationS)} s)`];
  lines.push(
    chosen.joules === null
      ? `${analysis.energy.basis} energy: missing: ${chosen.reason}`
      : `${analysis.energy.basis} energy ${exact(chosen.joules)} J ± ${exact(chosen.uncertaintyJ)} J (${chosen.methods.join(' + ')}: ${chosen.sources.join(', ')})`,
  );
  for (const s of w.sources) {
    lines.push(
      `  ${s.id} (${s.source}): ${s.joules === null ? `missing: ${s.unavailable ?? 'no reason given'}` : `${exact(s.joules)} J gross${s.net ? `, ${exact(s.net.joules)} J net` : ''}`}`,
    );
  }
  return lines;
}

function shadedWindows(record: RunRecord, analysis: AnalysisReport): ShadedWindow[] {
  const energy = record.energy!;
  const out: ShadedWindow[] = energy.windows.map((w) => ({
    name: w.name,
    startS: w.startS,
    endS: w.endS,
    kind: kindOf(w.name),
    child: w.parent !== null,
    lines: windowLines(w, analysis),
  }));
  // The idle baseline is measured as soon as the meter starts (runExperiment), but a record keeps
  // only its length, not its edges: it is placed at the meter's start and says so.
  if (energy.idle && !out.some((w) => w.kind === 'idle')) {
    out.unshift({
      name: 'idle baseline',
      startS: 0,
      endS: energy.idle.durationS,
      kind: 'idle',
      child: false,
      lines: [
        `idle baseline: ${exact(energy.idle.durationS)} s, measured when the meter started (placed at 0 s: the record keeps its length, not its edges)`,
        ...energy.idle.sources.map(
          (s) =>
            `  ${s.id} (${s.source}): ${s.powerW === null ? `missing: ${s.unavailable ?? 'no reason given'}` : `${exact(s.powerW)} W ± ${exact(s.uncertaintyW ?? null)} W`}`,
        ),
      ],
    });
  }
  return out;
}

function emptyFigure(reason: string, title: string): string {
  return el(
    'figure',
    { class: 'panel wide empty', 'data-plot': 'trace', 'data-empty': reason },
    el('figcaption', {}, el('span', { class: 'plot-title' }, text(title))),
    el('p', { class: 'why' }, text(reason)),
  );
}

export function powerTraceFigure(record: RunRecord, analysis: AnalysisReport, chosenBy: string): string {
  const title0 = `power trace · run ${record.key} (${record.model.name})`;
  if (!record.energy) return emptyFigure(`energy was not measured in run ${record.key}: no power trace`, title0);
  const trace = record.energy.trace;
  const sources = trace.sources.filter((s) => s.powerW.some((v) => v !== null));
  if (sources.length === 0)
    return emptyFigure(
      `run ${record.key}'s trace has no power readings (sources: ${trace.sources.map((s) => `${s.id} (${s.source})`).join(', ') || 'none'})`,
      title0,
    );
  const modelled = sources.filter((s) => s.source === 'modelled').map((s) => s.id);
  const title = `${title0}${modelled.length ? `: includes MODELLED power (${modelled.join(', ')})` : ''}`;

  const windows = shadedWindows(record, analysis);
  const { x0, x1, y0, y1 } = inner(AREA);
  const times = [0, ...sources.flatMap((s) => s.timeS), ...windows.map((w) => w.endS)];
  const powers = sources.flatMap((s) => s.powerW.filter((v): v is number => v !== null));
  const x = linearScale([Math.min(...times), Math.max(...times)], [x0, x1]);
  const y = linearScale([0, ...powers], [y1, y0], { includeZero: true });
  const parts: string[] = [axes(AREA, x, y, { x: 'time since the meter started (s)', y: 'power (W)' })];

  const shaded: string[] = [];
  for (const w of windows) {
    const left = x.map(w.startS),
      right = x.map(w.endS);
    const colour = WINDOW_COLOURS[w.kind];
    const top = w.child ? y1 - CHILD_BAND : y0;
    shaded.push(
      el(
        'rect',
        {
          class: `window ${w.child ? 'child' : 'top'}`,
          'data-window': w.name,
          x: left,
          y: top,
          width: Math.max(1, right - left),
          height: w.child ? CHILD_BAND : y1 - y0,
          fill: colour,
        },
        tooltip(w.lines),
      ),
    );
    const label = w.child ? w.name.replace(/^epoch-/, 'e') : w.name;
    // A label wider than its window would sit on the neighbour's: shown only when it fits, and
    // the window's title still names it.
    if (right - left >= label.length * 6.2 + 4) {
      shaded.push(
        el(
          'text',
          { class: `window-label${w.child ? ' child' : ''}`, x: (left + right) / 2, y: w.child ? y1 - 4 : y0 - 6, 'text-anchor': 'middle' },
          text(label),
        ),
      );
    }
  }
  parts.push(el('g', { class: 'windows' }, ...shaded));

  const lines = sources.map((s, i) => {
    const points = s.timeS.map((t, k): [number, number] | null => (s.powerW[k] === null ? null : [x.map(t), y.map(s.powerW[k]!)]));
    const present = s.powerW.filter((v): v is number => v !== null);
    const mean = present.reduce((a, v) => a + v, 0) / present.length;
    return el(
      'path',
      { class: 'trace', d: polyline(points), stroke: SOURCE_COLOURS[i % SOURCE_COLOURS.length], 'data-source': s.id },
      tooltip(
        `${s.id} (${s.source}${s.source === 'modelled' ? ': MODELLED' : ''}): ${present.length} samples, mean ${exact(mean)} W, max ${exact(Math.max(...present))} W${s.droppedSamples ? `, ${s.droppedSamples} samples dropped` : ''}`,
      ),
    );
  });
  parts.push(el('g', { class: 'traces' }, ...lines));

  const svg = el(
    'svg',
    {
      class: 'plot',
      viewBox: `0 0 ${AREA.width} ${AREA.height}`,
      width: AREA.width,
      height: AREA.height,
      role: 'img',
      'aria-label': title,
    },
    ...parts,
  );
  const legend = el(
    'ul',
    { class: 'legend inline' },
    ...sources.map((s, i) =>
      el(
        'li',
        {},
        el('span', { class: 'swatch line', style: `background:${SOURCE_COLOURS[i % SOURCE_COLOURS.length]}` }),
        text(`${s.id} (${s.source}${s.source === 'modelled' ? ': MODELLED' : ''})`),
      ),
    ),
    ...[...new Set(windows.map((w) => w.kind))].map((kind) =>
      el(
        'li',
        {},
        el('span', { class: 'swatch window', style: `background:${WINDOW_COLOURS[kind]}` }),
        text(kind === 'epoch' ? 'epoch windows (band at the bottom)' : `${kind} window`),
      ),
    ),
  );
  const subtitle = `${chosenBy}. Power sampled every ${exact(trace.periodS)} s, at most 2000 points per source kept in the record. Shaded: the run's energy windows (hover for their energy per source).`;
  return el(
    'figure',
    { class: 'panel wide', 'data-plot': 'trace', 'data-windows': windows.length },
    el('figcaption', {}, el('span', { class: 'plot-title' }, text(title)), el('span', { class: 'plot-subtitle' }, text(subtitle))),
    svg,
    legend,
  );
}
