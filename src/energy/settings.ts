/** How a run measures energy: whether at all, the idle baseline before it, and the meter's options. */
import type { MeterOptions } from './meter.js';

export interface EnergySettings {
  enabled: boolean;
  /** Seconds of idle baseline measured before the run; 0: none (so no net energy). */
  idleSeconds: number;
  meter: MeterOptions;
}
