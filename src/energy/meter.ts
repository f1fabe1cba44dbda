/**
 * The energy meter: NVML GPUs and RAPL zones read by a native sampling thread (or the CPU modelled
 * from process CPU time when RAPL is unreadable, labelled so), with named, nestable windows and an
 * idle baseline. Every figure says how it was obtained and carries an uncertainty.
 */
import os from 'node:os';

import { loadAddon, type NativeMeter } from '../native.js';
import { carbonOf, checkCarbonOptions, type CarbonOptions } from './carbon.js';
import type { EnergyTrace, EnergyWindow, IdleBaseline, MeterDescription } from './types.js';

export interface MeterOptions {
  /** Sampling period; default 50 ms, never below 10 ms nor half the sensors' power update period. */
  periodMs?: number;
  /** Samples kept per source (a ring); default 72000 (an hour at 20 Hz). */
  capacity?: number;
  /** Read NVIDIA GPUs through NVML (default true); `nvmlLibrary` overrides SEDJOULE_NVML_LIB. */
  nvml?: boolean;
  nvmlLibrary?: string;
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
  carbon?: CarbonOptions;
}

export class Meter {
  private readonly native: NativeMeter;
  private readonly carbon: CarbonOptions;
  private readonly closed: EnergyWindow[] = [];

  private constructor(native: NativeMeter, carbon: CarbonOptions) {
    this.native = native;
    this.carbon = carbon;
  }

  /** Discovers the sources and starts sampling. */
  static start(options: MeterOptions = {}): Meter {
    const { carbon = {}, ...native } = options;
    checkCarbonOptions(carbon);
    const addon = loadAddon();
    return new Meter(new addon.Meter(JSON.stringify({ cpuCores: os.availableParallelism(), ...native })), carbon);
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

  /** Uses a measured sensor update period (from `probe`) for this source's uncertainty. */
  setUpdatePeriod(sourceId: string, seconds: number): void {
    this.native.setUpdatePeriod(sourceId, seconds);
  }

  stop(): void {
    this.native.stop();
  }
}
