/**
 * What a channel published, as a step function of time. With an update grid, each change is placed at
 * the grid point it belongs to, and the publications that repeated the previous value are filled in,
 * so the series has one value per period (the sensor's own clock). Without a grid, the reads
 * themselves are the steps (each value from the time it was first read).
 */
import type { TraceChannel } from './trace.js';
import type { UpdateGrid } from './update-period.js';

export interface PublishedSeries {
  /** Publication times, increasing. */
  times: number[];
  values: number[];
  /** The grid the times lie on, or null when they are the read times. */
  grid: UpdateGrid | null;
}

/** The channel's published values; `untilS` extends the last value to the grid points up to that time. */
export function publishedSeries(channel: TraceChannel, grid: UpdateGrid | null, untilS?: number): PublishedSeries {
  const changes = channel.changes;
  if (!grid || changes.length === 0) {
    return { times: changes.map((c) => c.t), values: changes.map((c) => c.value), grid: null };
  }
  const { periodS, anchorS } = grid;
  // The first read shows the latest publication at or before it; later changes sit at the grid point
  // nearest their midpoint.
  const k0 = Math.floor((changes[0].t - anchorS) / periodS);
  const ks = [k0, ...changes.slice(1).map((c) => Math.round(((c.t + c.tPrev) / 2 - anchorS) / periodS))];
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
