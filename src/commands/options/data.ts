/** The options that choose a run's data and front end, and their translation to DataSettings. */
import type { Argv } from 'yargs';

import { defaultCacheRoot } from '../../data/feature-cache.js';
import { DATASET_FORMATS, type DatasetFormat } from '../../data/manifest.js';
import { SedjouleError } from '../../errors.js';
import type { DataSettings } from '../../experiment/data.js';
import { FRONTEND_PRESETS, type FrontendPreset } from '../../frontend/extractor.js';
import { numberOption } from './numbers.js';

const DATA_OPTIONS = [
  'data',
  'format',
  'test-fold',
  'skip-bad',
  'channel',
  'frontend',
  'cache',
  'clips',
  'test-clips',
  'seed',
  'input',
  'classes',
];

/** --frontend: the log-mel preset, and so the input shape a model is built for. */
export function withFrontendOption<T>(y: Argv<T>) {
  return y.option('frontend', {
    choices: FRONTEND_PRESETS,
    describe: "Log-mel front end preset, and so the model's input shape (docs/frontend.md); default: the named model's, else dcase",
  });
}

export function withSeedOption<T>(y: Argv<T>, describe: string) {
  return y.option('seed', numberOption('seed', describe, 1));
}

export function withCacheOption<T>(y: Argv<T>) {
  return y.option('cache', {
    type: 'string',
    requiresArg: true,
    describe: 'Cache folder for features and the synthetic set (default: SEDJOULE_CACHE or ~/.cache/sedjoule)',
  });
}

/** "1,128,64" (or 1x128x64) -> a shape; E_USAGE naming the flag otherwise. */
export function shapeParser(flag: string): (text: unknown) => number[] {
  return (text) => {
    const dims = String(text)
      .split(/[x,]/)
      .map((d) => d.trim());
    if (dims.some((d) => !/^\d+$/.test(d) || Number(d) < 1))
      throw new SedjouleError('E_USAGE', `--${flag} must look like 1,128,64 (positive integers), got '${String(text)}'`);
    return dims.map(Number);
  };
}

/** 'mix', or the index of one channel. */
function parseChannel(text: unknown): number | 'mix' {
  if (text === 'mix') return 'mix';
  if (!/^\d+$/.test(String(text)))
    throw new SedjouleError('E_USAGE', `--channel must be 'mix' or a channel index >= 0, got '${String(text)}'`);
  return Number(text);
}

export function withDataOptions<T>(y: Argv<T>) {
  return withSeedOption(withCacheOption(withFrontendOption(y)), 'Seed for data, initial weights, shuffling and dropout')
    .option('data', {
      type: 'string',
      requiresArg: true,
      describe: "Dataset folder (default: the embedded synthetic set); 'random' for the seeded random set without audio",
    })
    .option('format', { choices: DATASET_FORMATS, describe: 'Dataset format (default: detected)' })
    .option('test-fold', numberOption('test-fold', 'ESC-50 / UrbanSound8K: the fold held out for testing (default 5 / 10)'))
    .option('skip-bad', {
      type: 'boolean',
      default: false,
      describe: 'Skip bad metadata rows and unreadable audio (counted and listed) instead of stopping',
    })
    .option('channel', {
      requiresArg: true,
      default: 'mix' as number | 'mix',
      coerce: parseChannel,
      describe: "Multi-channel audio: 'mix' averages the channels, or a channel index",
    })
    .option('clips', numberOption('clips', 'Synthetic (or random) set: training clips', 256))
    .option('test-clips', numberOption('test-clips', 'Synthetic (or random) set: test clips', 64))
    .option('input', {
      requiresArg: true,
      default: [1, 128, 64],
      defaultDescription: '1,128,64',
      coerce: shapeParser('input'),
      describe: '--data random: per-example input shape, e.g. 1,128,64',
    })
    .option('classes', numberOption('classes', '--data random: classes', 10))
    .group(DATA_OPTIONS, 'Data:');
}

export interface DataArgs {
  data?: string;
  format?: DatasetFormat;
  'test-fold'?: number;
  'skip-bad': boolean;
  channel: number | 'mix';
  frontend?: FrontendPreset;
  cache?: string;
  clips: number;
  'test-clips': number;
  seed: number;
  input: number[];
  classes: number;
}

/** `modelFrontend`: the front end of the chosen model, used unless --frontend says otherwise. */
export function dataSettings(argv: DataArgs, threads: number, progress: boolean, modelFrontend: FrontendPreset = 'dcase'): DataSettings {
  return {
    data: argv.data,
    format: argv.format,
    testFold: argv['test-fold'],
    skipBad: argv['skip-bad'],
    channel: argv.channel,
    frontend: argv.frontend ?? modelFrontend,
    cacheRoot: argv.cache ?? defaultCacheRoot(),
    trainClips: argv.clips,
    testClips: argv['test-clips'],
    seed: argv.seed,
    randomInputShape: argv.input,
    randomClasses: argv.classes,
    threads,
    progress,
  };
}
