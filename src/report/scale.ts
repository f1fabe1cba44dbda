/**
 * Axis scales for the plots: logarithmic where every value is positive (energies, FLOPs and
 * parameters span decades, and the fits are log-log), linear otherwise (net energy can be at or
 * below zero; a utilisation of 0 % is a real value), with tick values chosen for each.
 */
export interface Scale {
  kind: 'log' | 'linear';
  /** The data interval shown. */
  domain: [number, number];
  /** Pixel interval it maps to (may be reversed, as for a y axis). */
  range: [number, number];
  map(value: number): number;
  ticks(): number[];
  /** Whether a value can be placed on this scale (log: positive). */
  accepts(value: number): boolean;
}

/** 1, 2, 5 x 10^k steps: about `count` ticks over the interval. */
function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  return (unit < 1.5 ? 1 : unit < 3.5 ? 2 : unit < 7.5 ? 5 : 10) * power;
}

export function linearScale(values: number[], range: [number, number], options: { includeZero?: boolean } = {}): Scale {
  // Loops, not spreads: a plot can have more points than the call stack has room for arguments.
  let lo = values.reduce((m, v) => Math.min(m, v), Infinity),
    hi = values.reduce((m, v) => Math.max(m, v), -Infinity);
  if (options.includeZero) {
    lo = Math.min(lo, 0);
    hi = Math.max(hi, 0);
  }
  if (!(hi > lo)) {
    // One value: a window around it, so the point sits mid-axis instead of on an edge.
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.5;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, 5);
  const domain: [number, number] = [Math.floor(lo / step) * step, Math.ceil(hi / step) * step];
  const map = (v: number) => range[0] + ((v - domain[0]) / (domain[1] - domain[0])) * (range[1] - range[0]);
  return {
    kind: 'linear',
    domain,
    range,
    map,
    accepts: (v) => Number.isFinite(v),
    ticks: () => {
      const out: number[] = [];
      for (let v = domain[0]; v <= domain[1] + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
      return out;
    },
  };
}

function logScale(values: number[], range: [number, number]): Scale {
  let lo = Math.log10(values.reduce((m, v) => Math.min(m, v), Infinity)),
    hi = Math.log10(values.reduce((m, v) => Math.max(m, v), -Infinity));
  // A margin of a tenth of the span (at least a fifth of a decade) keeps points off the frame.
  const margin = Math.max(0.2, (hi - lo) * 0.1);
  lo -= margin;
  hi += margin;
  const domain: [number, number] = [10 ** lo, 10 ** hi];
  const map = (v: number) => range[0] + ((Math.log10(v) - lo) / (hi - lo)) * (range[1] - range[0]);
  return {
    kind: 'log',
    domain,
    range,
    map,
    accepts: (v) => v > 0 && Number.isFinite(v),
    ticks: () => {
      const decades = hi - lo;
      // Fewer than ~2 decades: 1, 2, 5 per decade so the axis still has several labels; many
      // decades: every decade, or every other one.
      const mantissas = decades < 2.2 ? [1, 2, 5] : [1];
      const every = decades > 8 ? 2 : 1;
      const out: number[] = [];
      for (let k = Math.floor(lo); k <= Math.ceil(hi); ++k) {
        if (k % every !== 0) continue;
        for (const m of mantissas) {
          const v = m * 10 ** k;
          if (v >= domain[0] && v <= domain[1]) out.push(v);
        }
      }
      return out;
    },
  };
}

/** Log when every value is positive (and there is one), else linear. */
export function autoScale(values: number[], range: [number, number]): Scale {
  return values.length > 0 && values.every((v) => v > 0) ? logScale(values, range) : linearScale(values.length ? values : [0, 1], range);
}

const SI = [
  { power: 12, suffix: 'T' },
  { power: 9, suffix: 'G' },
  { power: 6, suffix: 'M' },
  { power: 3, suffix: 'k' },
];

/** A short tick label: 1.5k, 20M, 3G, 0.01. */
export function tickLabel(value: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  for (const { power, suffix } of SI) {
    if (magnitude >= 10 ** power) return `${Number((value / 10 ** power).toPrecision(3))}${suffix}`;
  }
  if (magnitude < 1e-3) return value.toExponential(0);
  return String(Number(value.toPrecision(3)));
}
