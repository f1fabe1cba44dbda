/** The command-line options shared by every command that measures energy, and their translation. */
import os from 'node:os';
import type { Argv } from 'yargs';

import { DEFAULT_CARBON_INTENSITY } from '../energy/carbon.js';
import type { EnergySettings } from '../energy/settings.js';

export function withEnergyOptions<T>(y: Argv<T>) {
  return y
    .option('energy', { type: 'boolean', default: true, describe: 'Measure energy (--no-energy: only the kernel ledger)' })
    .option('idle', { type: 'number', default: 3, describe: 'Seconds of idle baseline measured before the run (0: none, so no net energy)' })
    .option('sample-ms', { type: 'number', default: 50, describe: 'Sampling period of the energy sources, ms' })
    .option('nvml', { type: 'boolean', default: true, describe: 'Read NVIDIA GPUs through NVML (SEDJOULE_NVML_LIB overrides the library)' })
    .option('rapl', { type: 'boolean', default: true, describe: 'Read CPU package and DRAM energy through RAPL (SEDJOULE_POWERCAP_ROOT overrides /sys/class/powercap)' })
    .option('cpu-tdp', { type: 'number', default: 85, describe: "CPU model (used when RAPL cannot be read): the package's full-load power, W" })
    .option('cpu-cores', { type: 'number', default: os.availableParallelism(), describe: 'CPU model: cores sharing that power' })
    .option('carbon-intensity', { type: 'number', default: DEFAULT_CARBON_INTENSITY, describe: 'Grid carbon intensity, gCO2e/kWh (default: CodeCarbon\'s global fallback)' })
    .option('pue', { type: 'number', describe: 'Power usage effectiveness applied to carbon (default: not applied)' });
}

export interface EnergyArgs {
  energy: boolean;
  idle: number;
  'sample-ms': number;
  nvml: boolean;
  rapl: boolean;
  'cpu-tdp': number;
  'cpu-cores': number;
  'carbon-intensity': number;
  pue?: number;
}

export function energySettings(argv: EnergyArgs): EnergySettings {
  return {
    enabled: argv.energy,
    idleSeconds: argv.idle,
    meter: {
      periodMs: argv['sample-ms'],
      nvml: argv.nvml,
      rapl: argv.rapl,
      cpuTdpWatts: argv['cpu-tdp'],
      cpuCores: argv['cpu-cores'],
      carbon: {
        intensityGPerKWh: argv['carbon-intensity'] === DEFAULT_CARBON_INTENSITY ? undefined : argv['carbon-intensity'],
        intensitySource: argv['carbon-intensity'] === DEFAULT_CARBON_INTENSITY ? undefined : 'given on the command line',
        pue: argv.pue,
      },
    },
  };
}
