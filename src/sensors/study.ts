/**
 * The whole analysis of a sensor study: every estimator on every channel of a trace whose bursts
 * came from the plans in plan.ts (told apart by their labels), the naive methods of each source's
 * power channels against that source's energy counter, the recommendations, and the reference meter
 * when there is one. The trace is one call: a source counts from its discovery, so counters of
 * separate calls do not continue one another.
 */
import { isEstimated, notEstimated, type NotEstimated } from './estimate.js';
import { naiveErrors, type NaiveResult } from './naive-methods.js';
import { partTime, type PartTimeResult } from './part-time.js';
import { naiveLoads, planOf } from './plan.js';
import { recommendations, DEFAULT_TARGET_RELATIVE_ERROR, type Recommendation } from './recommendations.js';
import { alignReference, type ReferenceAlignment, type ReferenceSeries } from './reference-meter.js';
import { stepResponse, type StepResponseResult } from './step-response.js';
import type { SensorTrace, TraceChannel } from './trace.js';
import { updatePeriod, type UpdatePeriodResult } from './update-period.js';

export interface StudyAnalysisOptions {
  /** Default 1 %. */
  targetRelativeError?: number;
  reference?: ReferenceSeries | null;
  /** Naive samplers' intervals (default 1 s and 5 s) and phases (default 8). */
  intervalsS?: number[];
  phases?: number;
}

export interface ChannelStudy {
  channel: string;
  source: string;
  quantity: TraceChannel['quantity'];
  method: TraceChannel['method'];
  updatePeriod: UpdatePeriodResult;
  stepResponse: StepResponseResult;
  partTime: PartTimeResult | NotEstimated;
}

export interface SensorStudy {
  channels: ChannelStudy[];
  /** One per power channel whose source also has an energy counter. */
  naive: NaiveResult[];
  recommendations: Recommendation[];
  reference: ReferenceAlignment | NotEstimated;
}

export function studySensors(trace: SensorTrace, options: StudyAnalysisOptions = {}): SensorStudy {
  const steps = trace.bursts.filter((b) => planOf(b.label) === 'step');
  const partBursts = trace.bursts.filter((b) => planOf(b.label) === 'part-time');
  const loads = naiveLoads(trace.bursts);
  const channels = trace.channels.map((channel): ChannelStudy => {
    const period = updatePeriod(channel);
    const step = stepResponse(channel, steps, period.grid, { others: trace.bursts.filter((b) => !steps.includes(b)) });
    let part: PartTimeResult | NotEstimated;
    if (partBursts.length === 0) part = notEstimated('the trace has no part-time bursts');
    else if (!isEstimated(step.idle) || !isEstimated(step.gain))
      part = notEstimated(`the step response found no idle and gain: ${'why' in step.gain ? step.gain.why : ''}`);
    else
      part = partTime(channel, partBursts, period.grid, {
        idleW: step.idle.value,
        netPowerW: step.gain.value,
        delayS: isEstimated(step.delay) ? step.delay.value : 0,
        others: trace.bursts.filter((b) => !partBursts.includes(b)),
      });
    return {
      channel: channel.id,
      source: channel.source,
      quantity: channel.quantity,
      method: channel.method,
      updatePeriod: period,
      stepResponse: step,
      partTime: part,
    };
  });
  const byId = new Map(channels.map((c) => [c.channel, c]));
  const naive: NaiveResult[] = [];
  if (loads.length > 0) {
    for (const counter of trace.channels.filter((c) => c.quantity === 'energy')) {
      const counterStudy = byId.get(counter.id)!;
      if (!isEstimated(counterStudy.stepResponse.idle)) continue;
      for (const power of trace.channels.filter((c) => c.quantity === 'power' && c.source === counter.source)) {
        const powerStudy = byId.get(power.id)!;
        if (!isEstimated(powerStudy.stepResponse.idle)) continue;
        naive.push(
          naiveErrors(trace, counter, power, loads, {
            powerGrid: powerStudy.updatePeriod.grid,
            counterGrid: counterStudy.updatePeriod.grid,
            powerIdle: powerStudy.stepResponse.idle,
            counterIdle: counterStudy.stepResponse.idle,
            intervalsS: options.intervalsS,
            phases: options.phases,
          }),
        );
      }
    }
  }
  return {
    channels,
    naive,
    recommendations: recommendations(
      channels.map((c) => ({ channel: c.channel, period: c.updatePeriod.period, naive: naive.find((n) => n.power === c.channel) ?? null })),
      options.targetRelativeError ?? DEFAULT_TARGET_RELATIVE_ERROR,
    ),
    reference: options.reference
      ? alignReference(
          options.reference,
          trace.bursts,
          trace.channels.map((channel) => ({ channel, grid: byId.get(channel.id)!.updatePeriod.grid })),
        )
      : notEstimated('no reference meter was given (--reference)'),
  };
}
