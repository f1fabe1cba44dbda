/** The command-line options that choose a run's data and front end, and their translation. */
import type { Argv } from 'yargs';

import { defaultCacheRoot } from '../data/feature-cache.js';
import { DATASET_FORMATS, type DatasetFormat } from '../data/manifest.js';
import { SedjouleError } from '../errors.js';
import type { DataSettings } from '../experiment/data.js';
import { FRONTEND_PRESETS, type FrontendPreset } from '../frontend/extractor.js';

export function withDataOptions<T>(y: Argv<T>) {
  return y
    .option('data', { type: 'string', describe: "Dataset folder (default: the embedded synthetic set); 'random' for the seeded random set without audio" })
    .option('format', { choices: DATASET_FORMATS, describe: 'Dataset format (default: detected)' })
    .option('test-fold', { type: 'number', describe: 'ESC-50 / UrbanSound8K: the fold held out for testing (default 5 / 10)' })
    .option('skip-bad', { type: 'boolean', default: false, describe: 'Skip bad metadata rows and unreadable audio (counted and listed) instead of stopping' })
    .option('channel', { type: 'string', default: 'mix', describe: "Multi-channel audio: 'mix' averages the channels, or a channel index" })
    .option('frontend', { choices: FRONTEND_PRESETS, describe: "Log-mel front end preset (docs/frontend.md); default: the named model's, else dcase" })
    .option('cache', { type: 'string', describe: 'Cache folder for features and the synthetic set (default: SEDJOULE_CACHE or ~/.cache/sedjoule)' })
    .option('clips', { type: 'number', default: 256, describe: 'Synthetic (or random) set: training clips' })
    .option('test-clips', { type: 'number', default: 64, describe: 'Synthetic (or random) set: test clips' })
    .option('seed', { type: 'number', default: 1, describe: 'Seed for data, initial weights, shuffling and dropout' })
    .option('input', { type: 'string', default: '1,128,64', describe: "--data random: per-example input shape" })
    .option('classes', { type: 'number', default: 10, describe: '--data random: classes' });
}

export interface DataArgs {
  data?: string;
  format?: DatasetFormat;
  'test-fold'?: number;
  'skip-bad': boolean;
  channel: string;
  frontend?: FrontendPreset;
  cache?: string;
  clips: number;
  'test-clips': number;
  seed: number;
  input: string;
  classes: number;
}

function parseShape(text: string): number[] {
  const dims = text.split(/[x,]/).map((d) => Number(d.trim()));
  if (dims.length === 0 || dims.some((d) => !Number.isInteger(d) || d < 1)) throw new SedjouleError('E_USAGE', `--input must look like 1,128,64, got "${text}"`);
  return dims;
}

function parseChannel(text: string): number | 'mix' {
  if (text === 'mix') return 'mix';
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new SedjouleError('E_USAGE', `--channel must be 'mix' or a channel index >= 0, got "${text}"`);
  return n;
}

/** `modelFrontend`: the front end of the chosen model, used unless --frontend says otherwise. */
export function dataSettings(argv: DataArgs, threads: number, progress: boolean, modelFrontend: FrontendPreset = 'dcase'): DataSettings {
  for (const [name, value] of [['clips', argv.clips], ['test-clips', argv['test-clips']]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new SedjouleError('E_USAGE', `--${name} must be a positive integer, got ${value}`);
  }
  return {
    data: argv.data,
    format: argv.format,
    testFold: argv['test-fold'],
    skipBad: argv['skip-bad'],
    channel: parseChannel(argv.channel),
    frontend: argv.frontend ?? modelFrontend,
    cacheRoot: argv.cache ?? defaultCacheRoot(),
    trainClips: argv.clips,
    testClips: argv['test-clips'],
    seed: argv.seed,
    randomInputShape: parseShape(argv.input),
    randomClasses: argv.classes,
    threads,
    progress,
  };
}
