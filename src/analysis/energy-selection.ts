/**
 * Which joules of an energy window the analysis uses. A window's `total` adds every additive
 * source, measured or modelled, and sums whatever could be read; an analysis across runs needs the
 * same kind of figure in every run, so this module picks it explicitly:
 *
 * - measured sources only (NVML counter, integrated NVML power, RAPL) when the runs have any; the
 *   modelled CPU only when nothing was measured, and then labelled as such;
 * - the devices asked for (all, GPUs only as in the study, or the host side: CPU package, DRAM,
 *   platform, modelled CPU);
 * - gross, or net of idle power (each source's idle power x the window's duration);
 * - and when one of the chosen sources could not be read in a window, the window has no figure
 *   (with the reason), never a partial sum that would pass for the whole.
 */
import type { EnergyMethod, EnergyWindow, SourceWindow } from '../energy/types.js';

export type EnergyBasis = 'gross' | 'net';
/** Which devices' energy: all, the GPUs, or the host side (CPU package, DRAM, platform, the modelled CPU). */
export type EnergyScope = 'all' | 'gpu' | 'host';
export const ENERGY_SCOPES: EnergyScope[] = ['all', 'gpu', 'host'];
export type SourceKind = 'measured' | 'modelled';

export interface EnergySelection {
  basis: EnergyBasis;
  device: EnergyScope;
  kind: SourceKind;
}

/** CodeCarbon's three columns: the device group a source's joules are reported under. */
export type DeviceGroup = 'gpu' | 'cpu' | 'ram' | 'other';

function deviceGroup(device: SourceWindow['device']): DeviceGroup {
  if (device === 'gpu') return 'gpu';
  if (device === 'cpu-package' || device === 'cpu') return 'cpu';
  if (device === 'dram') return 'ram';
  return 'other';
}

export interface GroupEnergy {
  joules: number;
  /** Sum of the sources' mean power over the window; null when a source had no power reading. */
  meanPowerW: number | null;
  sources: string[];
}

export interface WindowEnergy {
  /** Null when the window has no figure under the selection: see `reason`. */
  joules: number | null;
  reason?: string;
  /** Root-sum-square of the chosen sources' uncertainties (as the meter combines them). */
  uncertaintyJ: number | null;
  durationS: number;
  sources: string[];
  methods: EnergyMethod[];
  /** Per CodeCarbon device group, only the groups with a chosen source. */
  byDevice: Partial<Record<DeviceGroup, GroupEnergy>>;
  /** True when the figure is modelled (an estimate, not a measurement). */
  modelled: boolean;
  /**
   * Additive sources of the windows, in the device scope, whose joules the figure leaves out: the
   * other kind (the modelled CPU beside measured sources, or the reverse), with the reason.
   */
  leftOut: Array<{ id: string; reason: string }>;
  /** Caveats that do not remove the figure: too short for the counters, failed reads inside. */
  flags: string[];
}

function matchesDevice(source: SourceWindow, device: EnergyScope): boolean {
  if (device === 'all') return true;
  return device === 'gpu' ? source.device === 'gpu' : source.device !== 'gpu';
}

function matchesKind(source: SourceWindow, kind: SourceKind): boolean {
  return kind === 'modelled' ? source.source === 'modelled' : source.source !== 'modelled';
}

/** The additive sources a selection takes from a window. */
function chosen(window: EnergyWindow, selection: Pick<EnergySelection, 'device' | 'kind'>): SourceWindow[] {
  return window.sources.filter((s) => s.additive && matchesDevice(s, selection.device) && matchesKind(s, selection.kind));
}

/** A figure with nothing in it yet (null joules, no sources), over `durationS` seconds. */
export function noEnergy(selection: Pick<EnergySelection, 'kind'>, durationS: number, reason?: string): WindowEnergy {
  return {
    joules: null,
    ...(reason === undefined ? {} : { reason }),
    uncertaintyJ: null,
    durationS,
    sources: [],
    methods: [],
    byDevice: {},
    flags: [],
    modelled: selection.kind === 'modelled',
    leftOut: [],
  };
}

/**
 * The energy of one or more windows under a selection, summed (several windows: the epochs of a
 * resumed training run, each measured by itself).
 */
export function windowEnergy(windows: EnergyWindow[], selection: EnergySelection): WindowEnergy {
  const out = noEnergy(selection, 0);
  let joules = 0,
    u2 = 0;
  for (const window of windows) {
    out.durationS += window.durationS;
    const sources = chosen(window, selection);
    for (const s of window.sources) {
      if (!s.additive || !matchesDevice(s, selection.device) || matchesKind(s, selection.kind) || out.leftOut.some((x) => x.id === s.id))
        continue;
      out.leftOut.push({
        id: s.id,
        reason:
          selection.kind === 'measured'
            ? 'modelled: left out of a measured figure'
            : `measured (${s.source}), left out: no run compared has a readable measured source, so every figure is modelled`,
      });
    }
    if (sources.length === 0) {
      const present = window.sources.map((s) => `${s.id} (${s.source}${s.additive ? '' : ', not additive'})`).join(', ') || 'none';
      out.reason = `window ${window.name}: no ${selection.kind} ${selection.device === 'all' ? '' : `${selection.device} `}source (sources: ${present})`;
      return out;
    }
    for (const s of sources) {
      if (s.joules === null) {
        out.reason = `window ${window.name}: ${s.id} (${s.source}) could not be measured: ${s.unavailable ?? 'no reason given'}; a sum without it would undercount`;
        return out;
      }
      let value = s.joules,
        uncertainty = s.uncertainty?.joules ?? 0;
      if (selection.basis === 'net') {
        if (!s.net) {
          out.reason = `window ${window.name}: ${s.id} has no idle baseline, so no net energy (use --energy gross)`;
          return out;
        }
        value = s.net.joules;
        uncertainty = s.net.uncertaintyJ;
      }
      joules += value;
      u2 += uncertainty * uncertainty;
      if (!out.sources.includes(s.id)) out.sources.push(s.id);
      if (!out.methods.includes(s.source)) out.methods.push(s.source);
      const group = deviceGroup(s.device);
      const g = (out.byDevice[group] ??= { joules: 0, meanPowerW: 0, sources: [] });
      g.joules += value;
      if (!g.sources.includes(s.id)) g.sources.push(s.id);
      // Mean power of a group over several windows would need weighting by duration; the power
      // column is only used for single windows, so it is dropped for sums.
      g.meanPowerW = windows.length === 1 && g.meanPowerW !== null && s.meanPowerW !== null ? g.meanPowerW + s.meanPowerW : null;
      if (s.tooShort) pushOnce(out.flags, `${s.id}: window ${window.name} shorter than 10 counter updates (quantisation dominates)`);
      if (s.incomplete)
        pushOnce(out.flags, `${s.id}: reads failed or counter steps were not counted inside window ${window.name} (a lower bound)`);
    }
  }
  out.joules = joules;
  out.uncertaintyJ = Math.sqrt(u2);
  return out;
}

function pushOnce(list: string[], item: string): void {
  if (!list.includes(item)) list.push(item);
}

/** Whether any of the windows has a readable measured source under the device filter. */
function anyMeasured(windows: EnergyWindow[], device: EnergyScope): boolean {
  return windows.some((w) => chosen(w, { device, kind: 'measured' }).some((s) => s.joules !== null));
}

/**
 * The selection for a set of windows: measured sources when any window has one; net when every
 * window that has a figure has it net too (unless a basis is forced), else gross.
 */
export function chooseSelection(
  windows: EnergyWindow[],
  options: { basis?: EnergyBasis | 'auto'; device?: EnergyScope } = {},
): { selection: EnergySelection; reason: string } {
  const device = options.device ?? 'all';
  const kind: SourceKind = anyMeasured(windows, device) ? 'measured' : 'modelled';
  const kindReason =
    kind === 'measured'
      ? 'measured sources only (modelled figures left out)'
      : 'MODELLED figures only: no window has a measured source, so these are estimates (CPU time x TDP), not measurements';
  if (options.basis && options.basis !== 'auto') {
    return { selection: { basis: options.basis, device, kind }, reason: `${options.basis} energy as asked; ${kindReason}` };
  }
  const withEnergy = windows.filter((w) => windowEnergy([w], { basis: 'gross', device, kind }).joules !== null);
  const allNet = withEnergy.length > 0 && withEnergy.every((w) => windowEnergy([w], { basis: 'net', device, kind }).joules !== null);
  const basis: EnergyBasis = allNet ? 'net' : 'gross';
  const basisReason = allNet
    ? 'net of idle power (every window with energy has an idle baseline)'
    : `gross (${withEnergy.length === 0 ? 'no window has energy' : 'some windows have no idle baseline, so net energy is not available for all'})`;
  return { selection: { basis, device, kind }, reason: `${basisReason}; ${kindReason}` };
}
