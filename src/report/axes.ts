/** The frame every plot shares: plot area, grid, ticks and axis titles for an x and a y scale. */
import { el, leaf, px, text } from './markup.js';
import { tickLabel, type Scale } from './scale.js';

export interface PlotArea {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** The plot area's pixel edges. */
export function inner(area: PlotArea): { x0: number; x1: number; y0: number; y1: number } {
  return { x0: area.left, x1: area.width - area.right, y0: area.top, y1: area.height - area.bottom };
}

/** Grid lines, tick labels and axis titles (the axis title says when the scale is logarithmic). */
export function axes(area: PlotArea, x: Scale, y: Scale, titles: { x: string; y: string }): string {
  const { x0, x1, y0, y1 } = inner(area);
  const parts: string[] = [];
  for (const t of x.ticks()) {
    const px_ = x.map(t);
    parts.push(leaf('line', { class: 'grid', x1: px_, x2: px_, y1: y0, y2: y1 }));
    parts.push(el('text', { class: 'tick', x: px_, y: y1 + 14, 'text-anchor': 'middle' }, text(tickLabel(t))));
  }
  for (const t of y.ticks()) {
    const py = y.map(t);
    parts.push(leaf('line', { class: 'grid', x1: x0, x2: x1, y1: py, y2: py }));
    parts.push(el('text', { class: 'tick', x: x0 - 5, y: py + 4, 'text-anchor': 'end' }, text(tickLabel(t))));
  }
  parts.push(leaf('rect', { class: 'frame', x: x0, y: y0, width: x1 - x0, height: y1 - y0 }));
  const scaleNote = (s: Scale) => (s.kind === 'log' ? ', log' : '');
  parts.push(
    el('text', { class: 'axis-title', x: (x0 + x1) / 2, y: area.height - 6, 'text-anchor': 'middle' }, text(`${titles.x}${scaleNote(x)}`)),
  );
  parts.push(
    el(
      'text',
      { class: 'axis-title', x: 0, y: 0, transform: `translate(12 ${px((y0 + y1) / 2)}) rotate(-90)`, 'text-anchor': 'middle' },
      text(`${titles.y}${scaleNote(y)}`),
    ),
  );
  return parts.join('');
}

/** A clip path for the plot area, so lines drawn past the domain stop at the frame. */
export function clipArea(id: string, area: PlotArea): string {
  const { x0, x1, y0, y1 } = inner(area);
  return el('clipPath', { id }, leaf('rect', { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }));
}

/** An SVG path through points, broken where a point is missing (null). */
export function polyline(points: Array<[number, number] | null>): string {
  let d = '';
  let pen = false;
  for (const p of points) {
    if (!p) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${px(p[0])} ${px(p[1])}`;
    pen = true;
  }
  return d;
}
