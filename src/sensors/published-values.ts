/**
 * What a channel published, as a step function of time. With an update grid, each change is placed at
 * the grid point it belongs to, and the publications that repeated the previous value are filled in,
 * so the series has one value per period (the sensor's own clock). Without a grid (an irregular
 * clock, or a channel read too slowly), each value sits at the midpoint of the (tPrev, t] it appeared in.
 */
import type { TraceChannel } from './trace.js';
import type { UpdateGrid } from './update-period.js';

export interface PublishedSeries {
  /** Publication times, increasing. */
  times: number[];
  values: number[];
  /** The grid the times lie on, or null when they are change midpoints. */
  grid: UpdateGrid | null;
}

/**
 * The channel's published values. `untilS`, when the channel was read until then (the trace's end),
 * extends the last value to the grid points up to that time; without it the series ends at the last change.
 */
export function publishedSeries(channel: TraceChannel, grid: UpdateGrid | null, untilS?: number): PublishedSeries {
  const changes = channel.changes;
  if (!grid || changes.length === 0) {
    return { times: changes.map((c) => (c.t + c.tPrev) / 2), values: changes.map((c) => c.value), grid: null };
  }
  const { periodS, anchorS } = grid;
  // A first read (tPrev = t) shows the latest publication at or before it; a change sits at the grid
  // point nearest its midpoint.
  const ks = changes.map((c) =>
    c.tPrev < c.t ? Math.round(((c.t + c.tPrev) / 2 - anchorS) / periodS) : Math.floor((c.t - anchorS) / periodS),
  );
  const k0 = ks[0];
  const last = Math.max(ks[ks.length - 1], untilS === undefined ? -Infinity : Math.floor((untilS - anchorS) / periodS));
  const times: number[] = [];
  const values: number[] = [];
  let at = 0;
  for (let k = k0; k <= last; ++k) {
    // The latest change placed at or before k (a later one wins when two land on one point).
    while (at + 1 < ks.length && ks[at + 1] <= k) ++at;
    times.push(anchorS + k * periodS);
    values.push(changes[at].value);
  }
  return { times, values, grid };
}

/** Index of the last publication at or before t, or -1 when t is before the first. */
export function latestIndex(series: PublishedSeries, t: number): number {
  let lo = 0;
  let hi = series.times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (series.times[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The value a reader would see at t (the latest publication at or before it); undefined before the first. */
export function valueAt(series: PublishedSeries, t: number): number | undefined {
  const i = latestIndex(series, t);
  return i < 0 ? undefined : series.values[i];
}
