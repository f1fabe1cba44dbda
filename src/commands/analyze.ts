/** `sedjoule analyze RESULTS`: its options (its text: src/report/analysis-text.ts). */
import { SedjouleError } from '../errors.js';
import { DEVICE_FILTERS, type DeviceFilter, type EnergyBasis } from '../analysis/energy-selection.js';
import type { AnalyzeOptions, PointMode } from '../analysis/analyze.js';

export const ENERGY_BASES = ['auto', 'gross', 'net'] as const;
export const POINT_MODES: PointMode[] = ['configs', 'runs'];

/** Checks the command-line values shared by analyze and normalize. */
export function analyzeOptions(argv: { energy?: string; device?: string; bootstrap?: number; seed?: number; points?: string }): AnalyzeOptions {
  const energy = (argv.energy ?? 'auto') as EnergyBasis | 'auto';
  if (!(ENERGY_BASES as readonly string[]).includes(energy)) throw new SedjouleError('E_USAGE', `--energy must be gross, net or auto, got ${argv.energy}`);
  const device = (argv.device ?? 'all') as DeviceFilter;
  if (!DEVICE_FILTERS.includes(device)) throw new SedjouleError('E_USAGE', `--device must be one of ${DEVICE_FILTERS.join(', ')}, got ${argv.device}`);
  const resamples = argv.bootstrap ?? 2000;
  if (!Number.isInteger(resamples) || resamples < 1) throw new SedjouleError('E_USAGE', `--bootstrap must be a positive integer, got ${argv.bootstrap}`);
  const seed = argv.seed ?? 1;
  if (!Number.isInteger(seed)) throw new SedjouleError('E_USAGE', `--seed must be an integer, got ${argv.seed}`);
  const points = (argv.points ?? 'configs') as PointMode;
  if (!POINT_MODES.includes(points)) throw new SedjouleError('E_USAGE', `--points must be configs or runs, got ${argv.points}`);
  return { energy, device, resamples, seed, points };
}

