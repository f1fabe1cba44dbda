/**
 * `sedjoule report RESULTS -o report.html`: the HTML report (src/report/) and its CSV files. The
 * energy and point options are analyze's, translated by the same function, so a report and
 * `sedjoule analyze` with the same options describe the same figures.
 */
import type { Argv } from 'yargs';

import { buildReport, writeReport, type ReportSummary } from '../report/report.js';
import { analyzeOptions, withAnalysisOptions, withResultsPositional } from './options/analysis.js';
import { defineCommand } from './command.js';
import { numberOption } from './options/numbers.js';
import { emit } from './options/output.js';

function reportOptions<T>(y: Argv<T>) {
  return withAnalysisOptions(withResultsPositional(y))
    .option('out', {
      alias: 'o',
      type: 'string',
      requiresArg: true,
      default: 'report.html',
      describe: 'The HTML file; runs.csv and kernels.csv are written next to it',
    })
    .option('trace-run', {
      type: 'string',
      requiresArg: true,
      describe: 'Run key (id#rN) or configuration id whose power trace and kernels are shown (default: the longest run)',
    })
    .option('title', { type: 'string', requiresArg: true, describe: 'Title of the page (default: sedjoule report)' })
    .option(
      'depth',
      numberOption(
        'depth',
        "Group the focus run's layers into modules by the first N parts of their labels (split at '/' and '.'); default: per layer",
      ),
    )
    .group(['out', 'trace-run', 'title', 'depth'], 'Report:')
    .example('$0 report results/ -o report.html', 'one offline HTML page, runs.csv and kernels.csv')
    .example(
      '$0 report results/ other/ --trace-run grid:3#r0 --energy-basis net --energy-scope gpu',
      "net GPU energy; grid:3#r0's trace and kernels",
    );
}

export const reportCommand = defineCommand({
  command: 'report <results..>',
  describe:
    'One self-contained HTML page (offline: inline SVG plots): energy vs FLOPs, parameters and GPU utilisation per family and phase with fits, kernel FLOPs and attributed energy, a power trace with its windows, a sortable table of runs; runs.csv and kernels.csv beside it',
  builder: (y) => reportOptions(y),
  handler: (argv) => {
    const report = buildReport(argv.results, {
      ...analyzeOptions(argv),
      traceRun: argv['trace-run'],
      title: argv.title,
      depth: argv.depth,
    });
    writeReport(report, argv.out);
    emit('report', argv, report.summary, () => printReport(report.summary));
  },
});

function printReport(summary: ReportSummary): string {
  const files = summary.files!;
  const drawn = summary.plots.filter((p) => !p.empty).length;
  const lines = [
    `report: ${files.html} (${summary.runs} runs; ${drawn} of ${summary.plots.length} plots drawn; power trace and kernels of ${summary.traceRun})`,
    `energy: ${summary.energy.basis}, devices ${summary.energy.device}, ${summary.energy.kind}: ${summary.energy.methods.join(', ') || 'no source'}`,
    `csv: ${files.runsCsv}, ${files.kernelsCsv}`,
  ];
  for (const p of summary.plots.filter((x) => x.empty)) lines.push(`  ${p.id}: ${p.empty}`);
  if (summary.missing) lines.push(`${summary.missing} phase(s) without energy: listed in the report as missing, with the reason`);
  for (const s of summary.skipped) lines.push(`skipped ${s.file}: ${s.reason}`);
  return lines.join('\n');
}
