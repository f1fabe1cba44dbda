/**
 * The energy meter: NVML GPUs and RAPL zones read by a native sampling thread (or the CPU modelled
 * from process CPU time when RAPL is unreadable, labelled so), with named, nestable windows and an
 * idle baseline. Every figure says how it was obtained and carries an uncertainty.
 */
import os from 'node:os';

import { loadAddon, type NativeMeter } from '../native.js';
import { guidanceFor, readSensorStudy, type SourceGuidance } from '../sensors/study-guidance.js';
import { carbonOf, checkCarbonOptions, type CarbonOptions } from './carbon.js';
import type { EnergyTrace, EnergyWindow, GpuProcessAttribution, IdleBaseline, MeterDescription } from './types.js';

export interface MeterOptions {
  /** Sampling period; default 50 ms, never below 10 ms nor half the sensors' power update period. */
  periodMs?: number;
  /** Samples kept per source (a ring); default 72000 (an hour at 20 Hz). */
  capacity?: number;
  /** Read NVIDIA GPUs through NVML (default true); `nvmlLibrary` overrides SEDJOULE_NVML_LIB. */
  nvml?: boolean;
  nvmlLibrary?: string;
  /**
   * Only these NVML devices (default: all): NVML indices, UUIDs, or prefixes naming one UUID. An entry
   * naming no device is an E_VALUE error listing the devices. `visibleGpus(env)` derives this from
   * CUDA_VISIBLE_DEVICES.
   */
  gpus?: string[];
  /** Read RAPL through powercap (default true); `powercapRoot` overrides SEDJOULE_POWERCAP_ROOT. */
  rapl?: boolean;
  powercapRoot?: string;
  /**
   * Model the CPU when RAPL is unavailable (default true): process CPU time x cpuTdpWatts / cpuCores.
   * Defaults: 85 W (CodeCarbon's constant for an unknown CPU) over the logical CPUs visible here.
   */
  cpuModel?: boolean;
  cpuTdpWatts?: number;
  cpuCores?: number;
  /**
   * Model the CPU time of the process tree rooted at this pid (a child command: its descendants,
   * those already reaped included) instead of this process's, read from /proc at 10 ms ticks; the
   * source keeps id `cpu-model` and says `details.scope = 'process tree of pid N'`. The pid must be
   * a child of this process for its time to survive its reaping.
   */
  cpuProcessTree?: number;
  /**
   * A `sedjoule sensor-study` folder (or its study.json): each source the study measured takes the
   * study's update period of its energy counter for its uncertainty (sensors/study-guidance.ts).
   */
  sensorStudy?: string;
  carbon?: CarbonOptions;
}

/** Which sources took figures from a sensor study, and why the others did not. */
export interface AppliedGuidance {
  source: string;
  guidance: SourceGuidance | null;
  why?: string;
}

export class Meter {
  private readonly native: NativeMeter;
  private readonly carbon: CarbonOptions;
  private readonly closed: EnergyWindow[] = [];
  /** What a sensor study (MeterOptions.sensorStudy) set, per source; empty without one. */
  readonly sensorGuidance: AppliedGuidance[] = [];

  private constructor(native: NativeMeter, carbon: CarbonOptions) {
    this.native = native;
    this.carbon = carbon;
  }

  /** Discovers the sources and starts sampling. */
  static start(options: MeterOptions = {}): Meter {
    const { carbon = {}, sensorStudy, ...native } = options;
    checkCarbonOptions(carbon);
    // Read before the sampler starts: a bad study file is an error, not a thread to stop.
    const study = sensorStudy === undefined ? undefined : readSensorStudy(sensorStudy);
    const addon = loadAddon();
    const meter = new Meter(new addon.Meter(JSON.stringify({ cpuCores: os.availableParallelism(), ...native })), carbon);
    if (study) {
      for (const source of meter.describe().sources) {
        const found = guidanceFor(source, study);
        if ('why' in found) {
          meter.sensorGuidance.push({ source: source.id, guidance: null, why: found.why });
        } else {
          meter.setUpdatePeriod(source.id, found.updatePeriodS);
          meter.sensorGuidance.push({ source: source.id, guidance: found });
        }
      }
    }
    return meter;
  }

  describe(): MeterDescription {
    return JSON.parse(this.native.describe()) as MeterDescription;
  }

  begin(name: string): void {
    this.native.begin(name);
  }

  /** Closes a window: its energy per source, the total, and carbon. */
  end(name: string): EnergyWindow {
    const window = JSON.parse(this.native.end(name)) as EnergyWindow;
    const carbon = carbonOf(window, this.carbon);
    if (carbon) window.carbon = carbon;
    this.closed.push(window);
    return window;
  }

  /** Runs `work` inside a window. */
  async measure<T>(name: string, work: () => Promise<T>): Promise<{ result: T; window: EnergyWindow }> {
    this.begin(name);
    try {
      const result = await work();
      return { result, window: this.end(name) };
    } catch (error) {
      this.end(name);
      throw error;
    }
  }

  /** Waits `seconds` doing nothing and keeps each source's mean power as the idle baseline. */
  async measureIdle(seconds: number): Promise<IdleBaseline> {
    return JSON.parse(await this.native.measureIdle(seconds)) as IdleBaseline;
  }

  idle(): IdleBaseline | undefined {
    const text = this.native.idle();
    return text === 'null' ? undefined : (JSON.parse(text) as IdleBaseline);
  }

  /** Every window closed so far, in closing order. */
  windows(): EnergyWindow[] {
    return [...this.closed];
  }

  trace(): EnergyTrace {
    return JSON.parse(this.native.trace()) as EnergyTrace;
  }

  /** Uses a measured sensor update period (from `probe` or `sensor-study`) for this source's uncertainty. */
  setUpdatePeriod(sourceId: string, seconds: number): void {
    this.native.setUpdatePeriod(sourceId, seconds);
  }

  /**
   * Per-process GPU attribution on this meter's NVML devices for `pids` and, with `processTree`, the
   * live descendants of that pid (itself included); utilisation samples newer than `sinceUs`.
   */
  gpuProcesses(request: { pids?: number[]; processTree?: number; sinceUs?: number }): GpuProcessAttribution {
    return JSON.parse(this.native.gpuProcesses(JSON.stringify(request))) as GpuProcessAttribution;
  }

  stop(): void {
    this.native.stop();
  }
}
