/**
 * How to measure with each source: the shortest measurement window and, for shorter loads, how many
 * back-to-back repetitions (in phase-shifted groups, Yang et al. SC'24,
 * https://arxiv.org/abs/2312.02741) reach a target relative error.
 *
 * The error of one measured window is dominated by its two ends: a reading (or counter value) is up
 * to one update period old at the start and at the end, so the energy of a window of D seconds is
 * uncertain by about `edge` error-seconds, edge / D relative. The edge is the update period (a
 * bound), or more when the study measured more: |relative error| x load length of the single runs
 * integrated at every update and of the corrected protocol's blocks. Then
 *   shortest window = edge / target,  repetitions(D) = ceil(shortest window / D).
 * A load that changes faster than the update period (kernels of a few ms) is not steady inside a
 * window; for it part-time sampling adds error that only the phase shifts between groups average out.
 */
import { SedjouleError } from '../errors.js';
import { estimate, isEstimated, notEstimated, type MaybeEstimate } from './estimate.js';
import type { NaiveResult } from './naive-methods.js';

export interface RecommendationInput {
  channel: string;
  /** The channel's update period (updatePeriod). */
  period: MaybeEstimate;
  /** The naive-method results in which this channel was the power channel, if the study ran them. */
  naive?: NaiveResult | null;
}

export interface Recommendation {
  channel: string;
  targetRelativeError: number;
  /** Error-seconds of one window. */
  edge: MaybeEstimate;
  /** Shortest single window reaching the target. */
  shortestWindow: MaybeEstimate;
  /** Repetitions needed for loads of these lengths (1 when a single run is long enough). */
  repetitions: { durationS: number; repetitions: number }[];
}

export const DEFAULT_TARGET_RELATIVE_ERROR = 0.01;

/** Repetitions of a load of durationS so that their total reaches the shortest window. */
export function repetitionsNeeded(shortestWindowS: number, durationS: number): number {
  return Math.max(1, Math.ceil(shortestWindowS / durationS - 1e-9));
}

function measuredEdge(naive: NaiveResult | null | undefined): { edgeS: number; from: string } | null {
  let best: { edgeS: number; from: string } | null = null;
  for (const load of naive?.loads ?? []) {
    const candidates: [number, string][] = [];
    if (isEstimated(load.everyUpdate))
      candidates.push([Math.abs(load.everyUpdate.value) * load.durationS, `a single ${load.durationS} s run`]);
    if (!('why' in load.corrected)) {
      const c = load.corrected;
      candidates.push([
        Math.abs(c.residual.value) * load.durationS * c.repetitions,
        `the corrected protocol's ${c.repetitions} x ${load.durationS} s`,
      ]);
    }
    for (const [edgeS, from] of candidates) if (!best || edgeS > best.edgeS) best = { edgeS, from };
  }
  return best;
}

export function recommendations(
  inputs: readonly RecommendationInput[],
  targetRelativeError = DEFAULT_TARGET_RELATIVE_ERROR,
  durationsS: readonly number[] = [0.001, 0.01, 0.1, 1, 10],
): Recommendation[] {
  if (!(targetRelativeError > 0 && targetRelativeError < 1)) {
    throw new SedjouleError('E_VALUE', `the target relative error must be in (0, 1), got ${targetRelativeError}`);
  }
  return inputs.map((input) => {
    const failed = (why: string): Recommendation => ({
      channel: input.channel,
      targetRelativeError,
      edge: notEstimated(why),
      shortestWindow: notEstimated(why),
      repetitions: [],
    });
    if (!isEstimated(input.period)) return failed(`the update period is unknown: ${input.period.why}`);
    const period = input.period;
    const measured = measuredEdge(input.naive);
    const edge =
      measured && measured.edgeS > period.value
        ? estimate(
            measured.edgeS,
            period.value,
            's',
            `measured: the largest |error| x length, from ${measured.from}; uncertainty: one update period`,
          )
        : estimate(
            period.value,
            period.uncertainty,
            's',
            measured
              ? `one update period (a bound), larger than the largest measured |error| x length (${measured.edgeS.toPrecision(3)} s, from ${measured.from})`
              : 'one update period (a bound; no naive-method runs measured it)',
          );
    const shortest = edge.value / targetRelativeError;
    return {
      channel: input.channel,
      targetRelativeError,
      edge,
      shortestWindow: estimate(
        shortest,
        edge.uncertainty / targetRelativeError,
        's',
        `edge / target (${edge.value.toPrecision(3)} s / ${targetRelativeError})`,
      ),
      repetitions: durationsS.map((d) => ({ durationS: d, repetitions: repetitionsNeeded(shortest, d) })),
    };
  });
}
