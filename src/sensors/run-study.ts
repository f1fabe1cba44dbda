/**
 * The measuring half of `sedjoule sensor-study`: every energy and power reading polled (native
 * `sensorTrace`, native/study/sensor_trace.h) while a plan of known loads runs (plan.ts). Two calls
 * on one steady-clock axis:
 *   1. the grid probe: idle only, long enough to find the update grid of the part-time channel;
 *   2. the study: bursts shorter than the update period at controlled phases of that grid
 *      (part-time sampling), then idle -> busy -> idle steps (update periods, step responses, idle
 *      and gain), then loads of 0.1 s to 60 s, each once and in the corrected protocol's
 *      repetitions (naive methods).
 * The study is one call, so every counter runs on without a break (a source counts from its
 * discovery), and the part-time bursts come first, while the probe's grid is freshest.
 */
import { loadAddon } from '../native.js';
import {
  naivePlan,
  partTimePlan,
  stepPlan,
  type BurstPlan,
  type NaivePlanOptions,
  type PartTimePlanOptions,
  type StepPlanOptions,
} from './plan.js';
import { parseSensorTrace, type SensorTrace, type TraceChannel } from './trace.js';
import { updatePeriod, type UpdateGrid } from './update-period.js';

export type StudyDevice = 'gpu' | 'cpu';

export interface StudyMeterOptions {
  nvml: boolean;
  rapl: boolean;
  cpuTdpWatts: number;
  cpuCores: number;
  /** NVML devices (indices, UUIDs or UUID prefixes); undefined: every device. */
  gpus?: string[];
  nvmlLibrary?: string;
  powercapRoot?: string;
}

export interface StudySettings {
  device: StudyDevice;
  meter: StudyMeterOptions;
  /** CPU load: threads that intensity 1 runs; 0 for every hardware thread. */
  threads: number;
  /** Sleep between two reads of one source, seconds. */
  pollIntervalS: { nvml: number; rapl: number; model: number };
  /** Idle before the first step. */
  /** Seconds of idle polling that find the part-time channel's update grid (the grid probe). */
  idleS: number;
  step: StepPlanOptions;
  partTime: PartTimePlanOptions;
  naive: NaivePlanOptions;
  /** The relative error the recommendations aim at (default 1 %). */
  targetRelativeError: number;
  /** The live load log (native/energy/load_bursts.h), for an external logger or the test doubles. */
  loadLog?: string;
}

export type StudyPhase = 'grid probe' | 'study';

export interface StudyTraces {
  /** Idle polling that found the grid (not analysed; its readings go to samples.csv). */
  gridProbe: SensorTrace;
  /** Every load of the study, in one trace. */
  study: SensorTrace;
  /** The grid the part-time bursts were placed on, and the channel it came from. */
  partTimeGrid: { channel: string; grid: UpdateGrid; note: string };
}

/** Progress: the phase running and the planned seconds done and in all. */
export type StudyProgress = (phase: StudyPhase, doneS: number, totalS: number) => void;

// A nominal grid for planning when none is known (the usual 100 ms of datacentre GPUs).
const NOMINAL_GRID: UpdateGrid = { periodS: 0.1, anchorS: 0 };
// Time for the sources to settle after discovery, before the first planned load.
const LEAD_S = 1;

/** The study's plan from startS: part-time bursts on the grid, then the steps, then the naive loads. */
function studyPlan(settings: StudySettings, startS: number, grid: UpdateGrid): BurstPlan {
  const partTime = partTimePlan(startS, grid, settings.partTime);
  const step = stepPlan(partTime.untilS, settings.step);
  const naive = naivePlan(step.untilS, settings.naive);
  return { bursts: [...partTime.bursts, ...step.bursts, ...naive.bursts], untilS: naive.untilS };
}

/** Planned seconds of the whole study (on a nominal 100 ms grid): for the progress bar. */
export function plannedSeconds(settings: StudySettings): number {
  return settings.idleS + 2 * LEAD_S + studyPlan(settings, 0, NOMINAL_GRID).untilS;
}

/**
 * The channel whose grid places the part-time bursts: the first GPU's instant power (the part-time
 * sensor of Yang et al.), else any power channel, else the first counter with a period.
 */
function partTimeGridOf(trace: SensorTrace): StudyTraces['partTimeGrid'] {
  const rank = (c: TraceChannel) => (c.method === 'nvml-field-186' ? 0 : c.quantity === 'power' ? 1 : 2);
  for (const channel of [...trace.channels].sort((a, b) => rank(a) - rank(b))) {
    const period = updatePeriod(channel);
    if (period.grid) return { channel: channel.id, grid: period.grid, note: `part-time bursts placed on ${channel.id}'s update grid` };
  }
  return {
    channel: '',
    grid: NOMINAL_GRID,
    note: "no channel showed an update period while idle: part-time bursts placed on a nominal 100 ms grid, so their phases against a real grid are not controlled (each burst's phase is still computed afterwards)",
  };
}

export async function runStudyTraces(settings: StudySettings, progress?: StudyProgress): Promise<StudyTraces> {
  const addon = loadAddon();
  const totalS = plannedSeconds(settings);
  let doneS = 0;
  const trace = async (phase: StudyPhase, plan: BurstPlan, startS: number): Promise<SensorTrace> => {
    const options = {
      meter: { ...settings.meter, cpuModel: true },
      load: { kind: settings.device, threads: settings.threads },
      pollIntervalS: settings.pollIntervalS,
      ...(settings.loadLog ? { loadLog: settings.loadLog } : {}),
      bursts: plan.bursts,
      untilS: plan.untilS,
    };
    const ticker = progress
      ? setInterval(() => progress(phase, Math.min(totalS, doneS + addon.steadyNowS() - startS), totalS), 200)
      : undefined;
    try {
      return parseSensorTrace(await addon.sensorTrace(JSON.stringify(options)), `the ${phase} trace`);
    } finally {
      if (ticker) clearInterval(ticker);
      doneS += plan.untilS - startS;
      progress?.(phase, Math.min(doneS, totalS), totalS);
    }
  };

  let startS = addon.steadyNowS();
  const gridProbe = await trace('grid probe', { bursts: [], untilS: startS + LEAD_S + settings.idleS }, startS);
  const partTimeGrid = partTimeGridOf(gridProbe);
  startS = addon.steadyNowS();
  const study = await trace('study', studyPlan(settings, startS + LEAD_S, partTimeGrid.grid), startS);
  return { gridProbe, study, partTimeGrid };
}
