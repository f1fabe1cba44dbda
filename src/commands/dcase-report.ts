/**
 * `sedjoule dcase-report RESULTS`: DCASE task 4's energy reporting (src/analysis/dcase.ts); writes
 * dcase-report.json, dcase-report.md and emissions.csv, and prints the markdown.
 */
import type { Argv } from 'yargs';

import { dcaseMarkdown, dcaseReportFromResults, writeDcaseReport, type DcaseYear } from '../analysis/dcase.js';
import { withResultsPositional } from './options/analysis.js';
import { carbonOptions, withCarbonOptions, withEmissionsOptions, withEnergySelectionOptions } from './options/energy.js';
import { numberOption } from './options/numbers.js';
import { defineCommand } from './command.js';
import { emit } from './options/output.js';

function dcaseOptions<T>(y: Argv<T>) {
  // DCASE energies are CodeCarbon totals without idle subtraction: gross unless asked otherwise.
  return withEmissionsOptions(withCarbonOptions(withEnergySelectionOptions(withResultsPositional(y), 'gross')))
    .option('train-run', {
      type: 'string',
      requiresArg: true,
      describe:
        'Run key (id#rN) or configuration id whose train phase is the training energy (default: the one configuration besides the baseline)',
    })
    .option('test-run', {
      type: 'string',
      requiresArg: true,
      describe: 'Run key or configuration id whose test phase is the dev-test energy (default: --train-run)',
    })
    .option('baseline-run', {
      type: 'string',
      requiresArg: true,
      describe: 'Run key or configuration id of the baseline on this machine (default: the dcase-crnn runs)',
    })
    .option('score', numberOption('score', "The submission's PSDS, for the energy-weighted scores"))
    .option('year', numberOption('year', 'Which DCASE rules and reference figures', 2023))
    .option('out', {
      type: 'string',
      requiresArg: true,
      default: 'dcase-report',
      describe: 'Folder for dcase-report.json, dcase-report.md and emissions.csv',
    })
    .option('project-name', {
      type: 'string',
      requiresArg: true,
      default: 'sedjoule-dcase',
      describe: 'project_name column of emissions.csv',
    })
    .group(['train-run', 'test-run', 'baseline-run', 'score', 'year', 'out', 'project-name'], 'DCASE:')
    .example('$0 dcase-report results/ --score 0.48 --out dcase/', 'the submission and the baseline, run on this machine')
    .example('$0 dcase-report results/ --train-run grid:3 --test-run grid:3#r0 --baseline-run dcase-crnn --year 2023', 'naming the runs');
}

export const dcaseReportCommand = defineCommand({
  command: 'dcase-report <results..>',
  describe:
    "DCASE task 4 energy reporting: training and dev-test kWh, GPU model, MACs per 10 s, the baseline's energy, normalized energy and energy-weighted scores; dcase-report.json/.md and a CodeCarbon-layout emissions.csv",
  builder: (y) => dcaseOptions(y),
  handler: (argv) => {
    const carbon = carbonOptions(argv);
    const report = dcaseReportFromResults(argv.results, {
      trainRun: argv['train-run'],
      testRun: argv['test-run'],
      baselineRun: argv['baseline-run'],
      score: argv.score,
      year: argv.year as DcaseYear,
      energy: argv['energy-basis'],
      device: argv['energy-scope'],
      projectName: argv['project-name'],
      carbonIntensityGPerKWh: carbon.intensityGiven ? carbon.intensityGPerKWh : undefined,
      pue: carbon.pue,
      countryIsoCode: carbon.country,
      region: carbon.region,
      codecarbonLayout: carbon.codecarbonLayout,
    });
    const files = writeDcaseReport(report, argv.out);
    emit('dcase-report', argv, report, () => `${dcaseMarkdown(report)}\nwrote ${files.json}, ${files.markdown}, ${files.csv}`);
  },
});
