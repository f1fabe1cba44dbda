/**
 * A scatter panel: energy (y) against one quantity (x), one colour per family, each family's
 * log-log fit from the analysis drawn over the x range of its own points, and the pooled fit
 * dashed. A panel with nothing to plot is rendered as a sentence saying why, never as an empty
 * frame that could be read as "zero".
 */
import type { Family } from '../analysis/observations.js';
import { predictLine, type LineFit } from '../analysis/statistics.js';
import { sig } from '../format/significant.js';
import { axes, clipArea, inner, polyline, type PlotArea } from './axes.js';
import { el, leaf, text, tooltip } from './markup.js';
import { FAMILY_COLOURS } from './palette.js';
import { autoScale } from './scale.js';

export interface ScatterPoint {
  family: Family;
  x: number;
  y: number;
  /** Energy uncertainty (J): drawn as an error bar. */
  yError: number | null;
  /** Exact values, one line each. */
  tooltip: string[];
}

export interface ScatterFit {
  family: Family | 'all';
  fit: LineFit;
}

export interface ScatterPanel {
  /** Stable id, e.g. "scatter-train-flops": the page's data-plot attribute. */
  id: string;
  title: string;
  subtitle: string;
  xLabel: string;
  yLabel: string;
  points: ScatterPoint[];
  fits: ScatterFit[];
  /** Why there is nothing to plot; set, the panel is a sentence instead of a chart. */
  empty?: string;
  /** Shown under the chart: points left out and why, axis choices. */
  notes: string[];
}

const AREA: PlotArea = { width: 400, height: 290, left: 62, right: 12, top: 12, bottom: 40 };

function fitText(fit: LineFit): string {
  if (fit.slope === null) return `no fit: ${fit.reason ?? 'not enough points'}`;
  const se = fit.slopeSE === null ? '' : ` ± ${sig(fit.slopeSE, 2)}`;
  return `log-log slope ${sig(fit.slope)}${se}, R² ${sig(fit.r2)}, n ${fit.n}`;
}

function fitPath(fit: LineFit, xs: number[], xScale: ReturnType<typeof autoScale>, yScale: ReturnType<typeof autoScale>): string | null {
  const positive = xs.filter((v) => v > 0);
  if (fit.slope === null || positive.length < 2) return null;
  const lo = Math.min(...positive),
    hi = Math.max(...positive);
  if (!(hi > lo)) return null;
  const steps = 32;
  const samples: Array<[number, number] | null> = [];
  for (let i = 0; i <= steps; ++i) {
    // Even steps in log x: the curve is a straight line on log-log axes and smooth on linear ones.
    const x = Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * i) / steps);
    const y = predictLine(fit, x);
    samples.push(y !== null && xScale.accepts(x) && yScale.accepts(y) ? [xScale.map(x), yScale.map(y)] : null);
  }
  const d = polyline(samples);
  return d || null;
}

export function renderScatter(panel: ScatterPanel): string {
  const caption = el(
    'figcaption',
    {},
    el('span', { class: 'plot-title' }, text(panel.title)),
    el('span', { class: 'plot-subtitle' }, text(panel.subtitle)),
  );
  if (panel.empty !== undefined) {
    return el(
      'figure',
      { class: 'panel empty', 'data-plot': panel.id, 'data-empty': panel.empty },
      caption,
      el('p', { class: 'why' }, text(panel.empty)),
    );
  }
  const { x0, x1, y0, y1 } = inner(AREA);
  const xScale = autoScale(
    panel.points.map((p) => p.x),
    [x0, x1],
  );
  // Error bars widen the y range, except a lower end at or below zero on an axis that is
  // otherwise all positive: that axis stays logarithmic and the bar runs to its bottom edge.
  const allPositive = panel.points.every((p) => p.y > 0);
  const yValues = panel.points.flatMap((p) => {
    if (p.yError === null || !(p.yError > 0)) return [p.y];
    const lo = p.y - p.yError;
    return !allPositive || lo > 0 ? [p.y, lo, p.y + p.yError] : [p.y, p.y + p.yError];
  });
  const yScale = autoScale(yValues, [y1, y0]);
  const clip = `clip-${panel.id}`;
  const parts: string[] = [el('defs', {}, clipArea(clip, AREA)), axes(AREA, xScale, yScale, { x: panel.xLabel, y: panel.yLabel })];

  const families = [...new Set(panel.points.map((p) => p.family))];
  const fitLines: string[] = [];
  for (const { family, fit } of panel.fits) {
    const xs = panel.points.filter((p) => family === 'all' || p.family === family).map((p) => p.x);
    const d = fitPath(fit, xs, xScale, yScale);
    if (!d) continue;
    const colour = family === 'all' ? '#444444' : FAMILY_COLOURS[family];
    fitLines.push(
      el(
        'path',
        { class: family === 'all' ? 'fit pooled' : 'fit', d, stroke: colour, 'data-family': family, 'clip-path': `url(#${clip})` },
        tooltip(`${family === 'all' ? 'all families' : family}: ln E = ${sig(fit.intercept)} + ${sig(fit.slope)} ln x (${fitText(fit)})`),
      ),
    );
  }
  parts.push(el('g', { class: 'fits' }, ...fitLines));

  const marks: string[] = [];
  for (const p of panel.points) {
    const cx = xScale.map(p.x),
      cy = yScale.map(p.y);
    if (p.yError !== null && p.yError > 0) {
      const lo = p.y - p.yError,
        hi = p.y + p.yError;
      const yLo = yScale.accepts(lo) ? yScale.map(lo) : y1;
      marks.push(
        leaf('line', {
          class: 'err',
          x1: cx,
          x2: cx,
          y1: Math.min(y1, yLo),
          y2: Math.max(y0, yScale.map(hi)),
          stroke: FAMILY_COLOURS[p.family],
          'clip-path': `url(#${clip})`,
        }),
      );
    }
    marks.push(el('circle', { class: 'pt', cx, cy, r: 4.5, fill: FAMILY_COLOURS[p.family], 'data-family': p.family }, tooltip(p.tooltip)));
  }
  parts.push(el('g', { class: 'points' }, ...marks));

  const svg = el(
    'svg',
    {
      class: 'plot',
      viewBox: `0 0 ${AREA.width} ${AREA.height}`,
      width: AREA.width,
      height: AREA.height,
      role: 'img',
      'aria-label': panel.title,
    },
    ...parts,
  );
  const legendItems = families.map((family) => {
    const fit = panel.fits.find((f) => f.family === family);
    const n = panel.points.filter((p) => p.family === family).length;
    return el(
      'li',
      {},
      el('span', { class: 'swatch', style: `background:${FAMILY_COLOURS[family]}` }),
      text(`${family} (${n} point${n === 1 ? '' : 's'})${fit ? `: ${fitText(fit.fit)}` : ''}`),
    );
  });
  const pooled = families.length > 1 ? panel.fits.find((f) => f.family === 'all') : undefined;
  if (pooled) legendItems.push(el('li', {}, el('span', { class: 'swatch dashed' }), text(`all families: ${fitText(pooled.fit)}`)));
  const legend = el('ul', { class: 'legend' }, ...legendItems);
  const notes = panel.notes.length ? el('p', { class: 'note' }, text(panel.notes.join(' '))) : '';
  return el('figure', { class: 'panel', 'data-plot': panel.id, 'data-points': panel.points.length }, caption, svg, legend, notes);
}
