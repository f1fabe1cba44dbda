/**
 * `sedjoule report RESULTS -o report.html`: the HTML report (src/report/) and its CSV files. The
 * energy and point options are analyze's, checked by the same function, so a report and
 * `sedjoule analyze` with the same options describe the same figures.
 */
import type { Argv } from 'yargs';

import { buildReport, writeReport, type ReportSummary } from '../report/report.js';
import { analyzeOptions } from './analyze.js';

export function withReportOptions<T>(y: Argv<T>) {
  return y
    .positional('results', { type: 'string', array: true, demandOption: true, describe: 'Results folders (their runs/*.json), folders of run records, or record files' })
    .option('out', { alias: 'o', type: 'string', default: 'report.html', describe: 'The HTML file; runs.csv and kernels.csv are written next to it' })
    .option('trace-run', { type: 'string', describe: 'Run key (id#rN) or configuration id whose power trace and kernels are shown (default: the longest run)' })
    .option('title', { type: 'string', describe: 'Title of the page (default: sedjoule report)' })
    .option('energy', { choices: ['auto', 'gross', 'net'], default: 'auto', describe: 'Gross energy, or net of idle power; auto: net when every run has an idle baseline' })
    .option('device', { choices: ['all', 'gpu', 'cpu'], default: 'all', describe: 'Energy of all devices, GPUs only, or the host side' })
    .option('points', { choices: ['configs', 'runs'], default: 'configs', describe: 'One point per configuration (mean of its repeats) or per run' })
    .option('bootstrap', { type: 'number', default: 2000, describe: 'Bootstrap resamples for the 95 % intervals' })
    .option('seed', { type: 'number', default: 1, describe: 'Seed of the bootstrap' });
}

export interface ReportArgs {
  results: string[];
  out: string;
  'trace-run'?: string;
  title?: string;
  energy?: string;
  device?: string;
  points?: string;
  bootstrap?: number;
  seed?: number;
}

export function reportCommand(argv: ReportArgs): ReportSummary {
  const report = buildReport(argv.results, { ...analyzeOptions(argv), traceRun: argv['trace-run'], title: argv.title });
  writeReport(report, argv.out);
  return report.summary;
}

export function printReport(summary: ReportSummary): string {
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
