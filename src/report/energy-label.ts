/**
 * How the report names an energy figure: its basis (gross, or net of idle power), the devices it
 * covers and the methods that produced it. A modelled figure (CPU time x TDP, no measurement) is
 * called MODELLED in every plot title it appears in, so a chart cannot be mistaken for a
 * measurement when it is cut out of the page.
 */
import type { EnergyScope, EnergySelection } from '../analysis/energy-selection.js';
import type { EnergyMethod } from '../energy/types.js';

export const METHOD_TEXT: Record<EnergyMethod, string> = {
  'nvml-counter': 'nvml-counter (GPU energy counter)',
  'nvml-power-integrated': 'nvml-power-integrated (GPU power readings integrated over time)',
  rapl: 'rapl (CPU package/DRAM energy counters)',
  modelled: 'modelled (process CPU time x TDP / cores: an estimate, not a measurement)',
};

const DEVICE_TEXT: Record<EnergyScope, string> = {
  all: 'all devices',
  gpu: 'GPUs only',
  host: 'host side only (CPU package, DRAM, platform)',
};

export interface EnergyLabel {
  /** "net" or "gross", prefixed by "MODELLED " when a modelled figure is among those shown. */
  adjective: string;
  /** For an axis: "net energy (J)". */
  axis: string;
  /** For a subtitle: "net of idle power · all devices · nvml-counter". */
  detail: string;
  modelled: boolean;
}

/**
 * The label of figures chosen under `selection` and produced by `methods` (those actually used by
 * the figures in the plot; empty when none has energy).
 */
export function energyLabel(selection: Pick<EnergySelection, 'basis' | 'device' | 'kind'>, methods: EnergyMethod[]): EnergyLabel {
  const modelled = selection.kind === 'modelled' || methods.includes('modelled');
  const basis = selection.basis === 'net' ? 'net' : 'gross';
  const adjective = `${modelled ? 'MODELLED ' : ''}${basis}`;
  const basisText = selection.basis === 'net' ? 'net of idle power' : 'gross (idle power included)';
  const methodText = methods.length ? methods.join(' + ') : 'no source';
  return {
    adjective,
    axis: `${adjective} energy (J)`,
    detail: `${basisText} · ${DEVICE_TEXT[selection.device]} · ${methodText}`,
    modelled,
  };
}
