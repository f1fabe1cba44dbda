/**
 * The time layout of bursty classes (barks, meows, beeps): k units separated by gaps that exactly
 * fill an event of a given duration, so the event's label starts at its first burst and ends at
 * its last, as DESED's foreground files do.
 */
import type { Random } from '../../../util/random.js';

export interface BurstSpec {
  /** Unit (burst) length range, seconds. */
  unit: readonly [number, number];
  /** Gap range between units, seconds. */
  gap: readonly [number, number];
  maxUnits: number;
  /** Equal units and gaps (a beeper) instead of random ones (a dog). */
  periodic?: boolean;
}

export interface Burst {
  startS: number;
  lengthS: number;
}

export function fitBursts(random: Random, durationS: number, spec: BurstSpec): Burst[] {
  const [unitMin, unitMax] = spec.unit;
  const [gapMin, gapMax] = spec.gap;
  // The most units that fit with the shortest units and gaps, and the fewest that fill the event
  // with the longest: any count between keeps units and gaps near their stated ranges.
  const most = Math.max(1, Math.min(spec.maxUnits, Math.floor((durationS + gapMin) / (unitMin + gapMin))));
  const fewest = Math.max(1, Math.ceil((durationS + gapMax) / (unitMax + gapMax)));
  const k = random.int(Math.min(fewest, most), most);
  if (k === 1) return [{ startS: 0, lengthS: durationS }];
  const unit = spec.periodic ? random.uniform(unitMin, unitMax) : 0;
  const lengths = Array.from({ length: k }, () => (spec.periodic ? unit : random.uniform(unitMin, unitMax)));
  const gapWeights = Array.from({ length: k - 1 }, () => (spec.periodic ? 1 : random.uniform(0.6, 1.4)));
  let total = lengths.reduce((a, b) => a + b, 0);
  let gaps = durationS - total;
  // Out-of-range gaps are absorbed by stretching or squeezing the units instead.
  const target = Math.min(Math.max(gaps, gapMin * (k - 1)), gapMax * (k - 1));
  if (target !== gaps) {
    const scale = (durationS - target) / total;
    for (let i = 0; i < k; ++i) lengths[i] *= scale;
    total = durationS - target;
    gaps = target;
  }
  const weightSum = gapWeights.reduce((a, b) => a + b, 0);
  const out: Burst[] = [];
  let t = 0;
  for (let i = 0; i < k; ++i) {
    out.push({ startS: t, lengthS: lengths[i] });
    if (i < k - 1) t += lengths[i] + (gaps * gapWeights[i]) / weightSum;
  }
  // Rounding must not let the last unit overrun the event.
  const last = out[k - 1];
  last.lengthS = Math.max(0, durationS - last.startS);
  return out;
}
