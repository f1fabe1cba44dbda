/**
 * `sedjoule measure [options] -- <command...>`: the energy of any command (src/measure/). The
 * command's stdin, stdout and stderr pass through untouched; sedjoule writes only to stderr (a live
 * line on a terminal, then the summary, or with --json one JSON object) and to --out. Its exit code
 * is the command's (128 + the signal's number when a signal ended it).
 */
import type { Argv } from 'yargs';

import { SedjouleError } from '../errors.js';
import { describeSources, energyTable, idleText } from '../format/energy-table.js';
import { measureCommand, RUN_WINDOW, type MeasureRecord } from '../measure/measure-command.js';
import type { SourceNow } from '../measure/sample-stream.js';
import {
  carbonOptions,
  emissionsSettings,
  meterOptions,
  withCarbonOptions,
  withEmissionsOptions,
  withIdleOption,
  withMeterOptions,
  withSensorStudyOption,
} from './options/energy.js';
import { defineCommand } from './command.js';
import { envelope, showsProgress } from './options/output.js';

function measureOptions<T>(y: Argv<T>) {
  return withEmissionsOptions(
    withCarbonOptions(
      withSensorStudyOption(
        withMeterOptions(withIdleOption(y, 'Seconds of idle baseline measured before the command starts (0: none, so no net energy)', 3)),
      ),
    ),
  )
    .option('project-name', { type: 'string', default: 'sedjoule-measure', describe: "emissions.csv's project_name" })
    .option('out', {
      type: 'string',
      requiresArg: true,
      describe: 'Folder for record.json, windows.csv, emissions.csv (CodeCarbon) and samples.csv (nothing is written without it)',
    })
    .option('samples', {
      choices: ['csv', 'jsonl'] as const,
      default: 'csv' as const,
      describe: 'Every sample of every source as samples.csv, or as samples.jsonl (JSON Lines) for streaming readers',
    })
    .option('gpus', {
      type: 'string',
      requiresArg: true,
      describe: "GPUs to measure: NVML indices or UUIDs, comma-separated (default: those in the command's CUDA_VISIBLE_DEVICES, else all)",
    })
    .group(['out', 'samples', 'gpus', 'project-name'], 'Measure:')
    .example('$0 measure --out energy/ -- python train.py --config cfg.yaml', 'a PyTorch training run, from start to end')
    .example('$0 measure --idle 10 --json -- ./run_experiment.sh', 'a longer idle baseline, the record as JSON on stderr')
    .example('$0 measure --gpus 0 --out energy/ -- python train.py', 'GPU 0 only');
}

/** The live line: elapsed time, each source's power, and the joules so far. */
function liveLine(elapsedS: number, sources: SourceNow[]): string {
  const watts = sources.map((s) => `${s.id} ${s.powerW === null ? '-' : `${s.powerW.toFixed(0)} W`}`);
  const joules = sources.filter((s) => s.joules !== null).reduce((sum, s) => sum + s.joules!, 0);
  return `sedjoule measure: ${elapsedS.toFixed(0)} s | ${watts.join(' | ')} | ${joules.toFixed(0)} J so far (all sources, idle included)`;
}

function summary(record: MeasureRecord): string {
  const lines = [`sedjoule measure: '${record.command.join(' ')}' ${record.child.description}`, describeSources(record.energy.meter)];
  if (record.energy.idle) lines.push(idleText(record.energy.idle));
  const run = record.energy.windows.find((w) => w.name === RUN_WINDOW);
  for (const w of [...record.energy.windows.filter((w) => w.name !== RUN_WINDOW), ...(run ? [run] : [])]) lines.push(energyTable(w));
  for (const d of record.gpuAttribution?.devices ?? []) {
    const uses = d.processes.map(
      (p) =>
        `pid ${p.pid}: ${p.peakMemoryBytes === null ? '-' : `${(p.peakMemoryBytes / 2 ** 20).toFixed(0)} MiB`}, SM ${p.meanSmPercent === null ? '-' : `${p.meanSmPercent.toFixed(0)} %`}`,
    );
    lines.push(
      `attribution on ${d.id} (not a measurement): ${uses.length ? uses.join('; ') : `none of the command's processes (${d.processesStatus})`}`,
    );
  }
  for (const p of record.markers.problems) lines.push(`marker ignored at ${p.atS.toFixed(2)} s: ${p.problem}`);
  if (record.markers.closedAtExit.length)
    lines.push(`closed when the command ended (no end line): ${record.markers.closedAtExit.join(', ')}`);
  for (const [id, n] of Object.entries(record.samples.lost)) lines.push(`samples of ${id} lost before they were written: ${n}`);
  if (record.samples.file) lines.push(`written: ${record.samples.file} and the record beside it`);
  return lines.join('\n');
}

export const measureCommandLine = defineCommand({
  command: 'measure',
  describe: 'Measure the energy of any command (after --): idle baseline, the whole run, windows the command marks, every sample',
  builder: (y) => measureOptions(y),
  handler: async (argv) => {
    const command = argv._.slice(1).map(String);
    if (command.length === 0)
      throw new SedjouleError('E_USAGE', 'name the command to measure after --, e.g. sedjoule measure -- python train.py');
    const live = showsProgress(argv) && Boolean(process.stderr.isTTY);
    const carbon = carbonOptions(argv);
    const record = await measureCommand(command, {
      out: argv.out,
      idleSeconds: argv.idle,
      samples: argv.samples,
      gpus: argv.gpus
        ?.split(',')
        .map((g) => g.trim())
        .filter(Boolean),
      meter: { ...meterOptions(argv), carbon },
      emissions: emissionsSettings(carbon, argv['project-name']),
      onProgress: live ? (elapsedS, sources) => process.stderr.write(`\r${liveLine(elapsedS, sources)}\x1b[K`) : undefined,
    });
    if (live) process.stderr.write('\n');
    process.stderr.write(argv.json ? `${JSON.stringify(envelope('measure', record), null, 2)}\n` : `${summary(record)}\n`);
    process.exitCode = record.child.exitCode;
  },
});
