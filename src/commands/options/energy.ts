/**
 * The energy options. Measuring (train, sweep, demo): whether to measure, the idle baseline, the
 * meter's sources and sampling, and carbon. Choosing which joules an analysis uses (analyze,
 * report, normalize, dcase-report): the basis (gross or net of idle) and the scope (which devices).
 */
import os from 'node:os';
import type { Argv } from 'yargs';

import { ENERGY_SCOPES, type EnergyBasis, type EnergyScope } from '../../analysis/energy-selection.js';
import { DEFAULT_CARBON_INTENSITY, type CarbonOptions } from '../../energy/carbon.js';
import { carbonIntensityFor, describeCarbonIntensity } from '../../energy/carbon-intensity.js';
import { checkCodeCarbonLayout, type CodeCarbonLayout } from '../../analysis/codecarbon.js';
import type { EmissionsSettings } from '../../analysis/record-emissions.js';
import type { MeterOptions } from '../../energy/meter.js';
import type { EnergySettings } from '../../energy/settings.js';
import { numberOption } from './numbers.js';

const ENERGY = 'Energy:';

/** The meter's sources and sampling (also probe's). */
export function withMeterOptions<T>(y: Argv<T>) {
  return withSourceOptions(y)
    .option(
      'sample-ms',
      numberOption('sample-ms', "Sampling period of the energy sources, ms (never below 10, nor half a sensor's power update period)", 50),
    )
    .group(['sample-ms', 'nvml', 'rapl', 'cpu-tdp', 'cpu-cores'], ENERGY);
}

/** Which energy sources are read (the meter's, and sensor-study's, which polls them itself). */
export function withSourceOptions<T>(y: Argv<T>) {
  return y
    .option('nvml', { type: 'boolean', default: true, describe: 'Read NVIDIA GPUs through NVML (SEDJOULE_NVML_LIB overrides the library)' })
    .option('rapl', {
      type: 'boolean',
      default: true,
      describe: 'Read CPU package and DRAM energy through RAPL (SEDJOULE_POWERCAP_ROOT overrides /sys/class/powercap)',
    })
    .option('cpu-tdp', numberOption('cpu-tdp', "CPU model (used when RAPL cannot be read): the package's full-load power, W", 85))
    .option('cpu-cores', numberOption('cpu-cores', 'CPU model: cores sharing that power', os.availableParallelism()))
    .group(['nvml', 'rapl', 'cpu-tdp', 'cpu-cores'], ENERGY);
}

/** Carbon: the grid's intensity and the data centre's PUE (also dcase-report's emissions.csv). */
export function withCarbonOptions<T>(y: Argv<T>) {
  return y
    .option(
      'carbon-intensity',
      numberOption(
        'carbon-intensity',
        "Grid carbon intensity, gCO2e/kWh (default: CodeCarbon's global fallback)",
        DEFAULT_CARBON_INTENSITY,
      ),
    )
    .option('pue', numberOption('pue', 'Power usage effectiveness applied to carbon (default: not applied)'))
    .option('country', {
      type: 'string',
      requiresArg: true,
      alias: 'country-iso-code',
      describe:
        "ISO 3166-1 alpha-3 code of the grid (e.g. FRA): its carbon intensity from the shipped table (Our World in Data via CodeCarbon) and emissions.csv's country columns; --carbon-intensity overrides the intensity (--country-iso-code: deprecated alias)",
    })
    .group(['carbon-intensity', 'pue', 'country'], ENERGY);
}

/** The commands that write emissions.csv (train, sweep, dcase-report): its layout and region column. */
export function withEmissionsOptions<T>(y: Argv<T>) {
  return y
    .option('region', {
      type: 'string',
      requiresArg: true,
      describe:
        "Region of --country: a US state, Canadian province, SE1-SE4, NO1-NO5 or FI has its own carbon intensity (else the country's); emissions.csv's region column",
    })
    .option('codecarbon-layout', {
      type: 'string',
      requiresArg: true,
      default: '2.8',
      describe: "emissions.csv as CodeCarbon writes it at: 2.1.4 (DCASE baselines' pin), 2.8 (2.8.x) or 3.x",
    })
    .group(['region', 'codecarbon-layout'], ENERGY);
}

/** A sensor study whose measured update periods the meter uses (train, sweep, demo, measure, kernel-energy). */
export function withSensorStudyOption<T>(
  y: Argv<T>,
  describe = 'Folder of a `sedjoule sensor-study` run here: each source it studied uses its measured counter update period for the uncertainty',
) {
  return y.option('sensor-study', { type: 'string', requiresArg: true, describe }).group(['sensor-study'], ENERGY);
}

export function withIdleOption<T>(y: Argv<T>, describe: string, defaultSeconds: number) {
  return y.option('idle', numberOption('idle', describe, defaultSeconds)).group(['idle'], ENERGY);
}

/** Measuring a run's energy: train, sweep and demo. */
export function withEnergyOptions<T>(y: Argv<T>, defaultIdleSeconds = 3) {
  const measured = y
    .option('energy', { type: 'boolean', default: true, describe: 'Measure energy (--no-energy: only the kernel ledger)' })
    .group(['energy'], ENERGY);
  return withCarbonOptions(
    withSensorStudyOption(
      withMeterOptions(
        withIdleOption(measured, 'Seconds of idle baseline measured before each run (0: none, so no net energy)', defaultIdleSeconds),
      ),
    ),
  );
}

export interface SourceArgs {
  nvml: boolean;
  rapl: boolean;
  'cpu-tdp': number;
  'cpu-cores': number;
}

export interface MeterArgs extends SourceArgs {
  'sample-ms': number;
  'sensor-study'?: string;
}

export interface CarbonArgs {
  'carbon-intensity': number;
  pue?: number;
  country?: string;
  region?: string;
  'codecarbon-layout'?: string;
}

export interface CarbonSettings extends CarbonOptions {
  /** The intensity was given with --carbon-intensity (not from the table or the fallback). */
  intensityGiven: boolean;
  country?: string;
  region?: string;
  codecarbonLayout: CodeCarbonLayout;
}

export interface EnergyArgs extends MeterArgs, CarbonArgs {
  energy: boolean;
  idle: number;
}

export function meterOptions(argv: MeterArgs): Omit<MeterOptions, 'carbon'> {
  return {
    periodMs: argv['sample-ms'],
    nvml: argv.nvml,
    rapl: argv.rapl,
    cpuTdpWatts: argv['cpu-tdp'],
    cpuCores: argv['cpu-cores'],
    ...(argv['sensor-study'] === undefined ? {} : { sensorStudy: argv['sensor-study'] }),
  };
}

/**
 * --carbon-intensity first, then --country's entry in the shipped table; with neither the intensity
 * is left unset, so figures name its source (CodeCarbon's fallback).
 */
export function carbonOptions(argv: CarbonArgs): CarbonSettings {
  const given = argv['carbon-intensity'] !== DEFAULT_CARBON_INTENSITY;
  const grid = argv.country ? carbonIntensityFor({ country: argv.country, region: argv.region }) : undefined;
  return {
    intensityGPerKWh: given ? argv['carbon-intensity'] : grid?.gPerKWh,
    intensitySource: given ? 'given on the command line' : grid ? describeCarbonIntensity(grid) : undefined,
    pue: argv.pue,
    intensityGiven: given,
    country: grid?.countryIsoCode,
    region: argv.region,
    codecarbonLayout: checkCodeCarbonLayout(argv['codecarbon-layout'] ?? '2.8'),
  };
}

export function energySettings(argv: EnergyArgs): EnergySettings {
  return { enabled: argv.energy, idleSeconds: argv.idle, meter: { ...meterOptions(argv), carbon: carbonOptions(argv) } };
}

/** Which joules an analysis uses; `defaultBasis` is dcase-report's gross (DCASE reports CodeCarbon totals). */
export function withEnergySelectionOptions<T>(y: Argv<T>, defaultBasis: EnergyBasis | 'auto' = 'auto') {
  return y
    .option('energy-basis', {
      choices: ['auto', 'gross', 'net'] as const,
      default: defaultBasis,
      describe: 'Gross energy, or net of idle power; auto: net when every run has an idle baseline',
    })
    .option('energy-scope', {
      choices: ENERGY_SCOPES,
      default: 'all' as EnergyScope,
      describe: 'Energy of all devices, the GPUs only (as the study), or the host side (CPU package, DRAM, platform, modelled CPU)',
    })
    .group(['energy-basis', 'energy-scope'], ENERGY);
}

export interface EnergySelectionArgs {
  'energy-basis': EnergyBasis | 'auto';
  'energy-scope': EnergyScope;
}

/** emissions.csv's settings from the carbon options (train, sweep); the fallback intensity when none is set. */
export function emissionsSettings(carbon: CarbonSettings, projectName: string): EmissionsSettings {
  const grid = carbon.country ? carbonIntensityFor({ country: carbon.country, region: carbon.region }) : undefined;
  return {
    projectName,
    intensityGPerKWh: carbon.intensityGPerKWh ?? DEFAULT_CARBON_INTENSITY,
    pue: carbon.pue ?? 1,
    countryName: grid?.countryName,
    countryIsoCode: grid?.countryIsoCode,
    region: carbon.region,
    layout: carbon.codecarbonLayout,
  };
}
