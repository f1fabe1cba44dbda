/**
 * Energy to kWh and grams CO2-equivalent. The default intensity is 475 gCO2e/kWh, the global
 * average that CodeCarbon falls back to when it knows no country (mlco2/codecarbon); pass your
 * grid's figure for real reporting. PUE (data-centre overhead) is off unless given.
 */
import { SedjouleError } from '../errors.js';
import type { CarbonFigure, EnergyWindow } from './types.js';

export interface CarbonOptions {
  /** Grams CO2e per kWh of electricity. */
  intensityGPerKWh?: number;
  /** Where the intensity comes from, for reports. */
  intensitySource?: string;
  /** Power usage effectiveness, >= 1; absent: not applied. */
  pue?: number;
}

export const DEFAULT_CARBON_INTENSITY = 475;
export const DEFAULT_CARBON_SOURCE = "CodeCarbon's global average fallback (mlco2/codecarbon)";

export function checkCarbonOptions(options: CarbonOptions): void {
  if (options.intensityGPerKWh !== undefined && !(options.intensityGPerKWh >= 0 && Number.isFinite(options.intensityGPerKWh))) {
    throw new SedjouleError('E_VALUE', `carbon intensity must be a finite number >= 0 g/kWh, got ${options.intensityGPerKWh}`);
  }
  if (options.pue !== undefined && !(options.pue >= 1 && Number.isFinite(options.pue))) {
    throw new SedjouleError('E_VALUE', `PUE must be a finite number >= 1, got ${options.pue}`);
  }
}

/**
 * Carbon of a window's total, net of idle when the baseline is known; undefined without energy. The
 * total adds every additive source, measured or modelled, and leaves out those that could not be
 * read, so the figure carries the methods it sums, whether any is modelled, and what is missing.
 */
export function carbonOf(window: EnergyWindow, options: CarbonOptions = {}): CarbonFigure | undefined {
  const net = window.total.netJoules !== undefined;
  const joules = net ? window.total.netJoules! : window.total.joules;
  const uncertainty = net ? window.total.netUncertaintyJ! : window.total.uncertaintyJ;
  if (joules === null || joules === undefined || uncertainty === undefined) return undefined;
  const intensity = options.intensityGPerKWh ?? DEFAULT_CARBON_INTENSITY;
  const pue = options.pue ?? null;
  const kWh = joules / 3.6e6;
  const kWhUncertainty = uncertainty / 3.6e6;
  const factor = intensity * (pue ?? 1);
  const methods = window.total.methods ?? [];
  const missing = window.total.missing ?? [];
  return {
    kWh,
    kWhUncertainty,
    gCO2e: kWh * factor,
    gCO2eUncertainty: kWhUncertainty * factor,
    intensityGPerKWh: intensity,
    intensitySource: options.intensitySource ?? (options.intensityGPerKWh === undefined ? DEFAULT_CARBON_SOURCE : 'given'),
    pue,
    basis: net ? 'net' : 'gross',
    methods,
    modelled: methods.includes('modelled'),
    missing,
    partial: missing.length > 0 || window.total.incomplete === true,
    note: `energy (${net ? 'idle-subtracted' : 'gross: no idle baseline'}) x intensity${pue ? ' x PUE' : ''}; the uncertainty covers the energy only, not the intensity`,
  };
}
