/** The options of an analysis of run records (analyze, report): the energy chosen, points, bootstrap. */
import type { Argv } from 'yargs';

import type { AnalyzeOptions, PointMode } from '../../analysis/analyze.js';
import { withSeedOption } from './data.js';
import { withEnergySelectionOptions, type EnergySelectionArgs } from './energy.js';
import { numberOption } from './numbers.js';

export function withResultsPositional<T>(y: Argv<T>) {
  return y.positional('results', {
    type: 'string',
    array: true,
    demandOption: true,
    describe: 'Results folders (their runs/*.json), folders of run records, or record files',
  });
}

export function withAnalysisOptions<T>(y: Argv<T>) {
  return withSeedOption(withEnergySelectionOptions(y), 'Seed of the bootstrap: the same records and seed give the same intervals')
    .option('points', {
      choices: ['configs', 'runs'] as const,
      default: 'configs' as PointMode,
      describe: 'One point per configuration (the mean of its repeats) or per run',
    })
    .option('bootstrap', numberOption('bootstrap', 'Bootstrap resamples for the 95 % intervals', 2000))
    .group(['points', 'bootstrap', 'seed'], 'Analysis:');
}

export interface AnalysisArgs extends EnergySelectionArgs {
  points: PointMode;
  bootstrap: number;
  seed: number;
}

export function analyzeOptions(argv: AnalysisArgs): AnalyzeOptions {
  return { energy: argv['energy-basis'], device: argv['energy-scope'], resamples: argv.bootstrap, seed: argv.seed, points: argv.points };
}
