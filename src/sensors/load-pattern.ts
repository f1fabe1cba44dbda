/**
 * The known load as a function of time: the intensity of the burst running at t (0 between bursts),
 * and the filtered versions a sensor reports (boxcar mean, first-order low-pass). The bursts are what
 * the load generator recorded, so the fits compare readings with the load that actually ran.
 */
import type { TraceBurst } from './trace.js';

export type FilterShape = 'boxcar' | 'exponential';

export class LoadPattern {
  private readonly starts: number[];
  private readonly ends: number[];
  private readonly intensities: number[];
  /** prefix[i] = integral of the load over every burst before burst i (intensity x seconds). */
  private readonly prefix: number[];

  constructor(bursts: readonly TraceBurst[]) {
    const sorted = [...bursts].sort((a, b) => a.startS - b.startS);
    this.starts = sorted.map((b) => b.startS);
    this.ends = sorted.map((b) => b.endS);
    this.intensities = sorted.map((b) => b.intensity);
    this.prefix = [0];
    for (let i = 0; i < sorted.length; ++i) this.prefix.push(this.prefix[i] + this.intensities[i] * (this.ends[i] - this.starts[i]));
  }

  /** Number of bursts that start at or before t. */
  private startedBy(t: number): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Integral of the load from -infinity to t (intensity x seconds). Bursts do not overlap. */
  integral(t: number): number {
    const n = this.startedBy(t);
    if (n === 0) return 0;
    const last = n - 1;
    return this.prefix[last] + this.intensities[last] * (Math.min(t, this.ends[last]) - this.starts[last]);
  }

  /** Mean load over [t - width, t]. */
  boxcar(t: number, width: number): number {
    return (this.integral(t) - this.integral(t - width)) / width;
  }

  /**
   * First-order low-pass of the load with time constant tau, at t, from a start at rest: each burst
   * [a, b] of intensity I adds I(1 - e^{-(t-a)/tau}) while it runs and I(e^{-(t-b)/tau} - e^{-(t-a)/tau})
   * after it. Bursts ended more than 40 tau ago add less than e^-40 and are skipped.
   */
  exponential(t: number, tau: number): number {
    let sum = 0;
    for (let i = this.startedBy(t) - 1; i >= 0; --i) {
      const a = this.starts[i];
      const b = this.ends[i];
      if (t - b > 40 * tau) break;
      const after = Math.exp(-(t - a) / tau);
      sum += this.intensities[i] * (t < b ? 1 - after : Math.exp(-(t - b) / tau) - after);
    }
    return sum;
  }

  filtered(shape: FilterShape, t: number, width: number): number {
    return shape === 'boxcar' ? this.boxcar(t, width) : this.exponential(t, width);
  }
}
