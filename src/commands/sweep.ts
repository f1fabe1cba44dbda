/**
 * `sedjoule sweep`: every configuration of a preset (--preset paper43) or a grid file (--grid),
 * --repeat times, through the phases asked for, one record per run in --out (src/experiment/
 * sweep.ts). Everything is checked before anything runs; --dry-run stops there and lists the
 * runs; --emit-slurm writes a job-array script instead of running.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';

import { SedjouleError } from '../errors.js';
import { runInterruptible } from '../experiment/run-interruptible.js';
import { parseShard, shardText } from '../experiment/shard.js';
import { bytesText } from '../experiment/memory-check.js';
import { presetConfigurations, type SweepDefinition } from '../experiment/sweep-plan.js';
import { planSweep, Sweep } from '../experiment/sweep.js';
import { renderTable } from '../format/table.js';
import type { SweepManifest } from '../records/sweep-manifest.js';
import { writeFileAtomic } from '../util/atomic.js';
import { readGrid } from './grid-file.js';
import { withComputeOptions, type ComputeArgs } from './options/compute.js';
import { dataSettings, withDataOptions, type DataArgs } from './options/data.js';
import {
  carbonOptions,
  emissionsSettings,
  energySettings,
  withEmissionsOptions,
  withEnergyOptions,
  type EnergyArgs,
} from './options/energy.js';
import { writeRecordEmissions } from '../analysis/record-emissions.js';
import { loadRunRecords } from '../records/read-records.js';
import { numberOption } from './options/numbers.js';
import { optionTable } from './options/option-table.js';
import { defineCommand } from './command.js';
import { emit, showsProgress } from './options/output.js';
import { withTrainingOptions, type TrainingArgs } from './options/training.js';
import { shellQuote, slurmScript } from './slurm-script.js';

const SWEEP_OPTIONS = ['preset', 'grid', 'out', 'repeat', 'cooldown', 'resume', 'shard', 'dry-run', 'emit-slurm', 'slurm-tasks'];

/** The study's protocol by default: 10 epochs, batch 8, Adam 1e-3, 60 forward passes of one clip, 30 s apart. */
function sweepOptions<T>(y: Argv<T>) {
  return withComputeOptions(
    withEmissionsOptions(withEnergyOptions(withTrainingOptions(withDataOptions(y), { phases: ['train', 'test', 'run'], epochs: 10 }))),
  )
    .option('preset', {
      type: 'string',
      requiresArg: true,
      describe: "A preset grid: paper43 (the study's 43 configurations), dcase-crnn or demo; see sedjoule presets",
    })
    .option('grid', {
      type: 'string',
      requiresArg: true,
      describe:
        'A JSON file: an array of configurations with the command line\'s option names, e.g. [{"arch": "cnn", "layers": 1, "width": 8}, {"model": "dcase-crnn"}]',
    })
    .option('out', { type: 'string', requiresArg: true, describe: 'Results folder: sweep.json, runs/ (one record per run), checkpoints/' })
    .option('repeat', numberOption('repeat', 'Runs per configuration; repeat r uses seed + r', 1))
    .option(
      'cooldown',
      numberOption('cooldown', 'Seconds of sleep between runs, so power returns to idle before the next baseline (the study: 30)', 30),
    )
    .option('resume', {
      type: 'boolean',
      default: false,
      describe: 'Continue the sweep in --out: keep finished records, continue an interrupted run from its last epoch',
    })
    .option('shard', {
      requiresArg: true,
      coerce: parseShard,
      describe: 'i/n: run only the runs whose index in the full run list is i-1 modulo n',
    })
    .option('dry-run', { type: 'boolean', default: false, describe: 'Check everything and list the runs; run nothing, write nothing' })
    .option('emit-slurm', {
      type: 'string',
      requiresArg: true,
      describe: 'Write a Slurm job-array script (one task per shard) to this file instead of running',
    })
    .option('slurm-tasks', numberOption('slurm-tasks', 'Array tasks (shards) of --emit-slurm (default: the number of runs, at most 64)'))
    .group(SWEEP_OPTIONS, 'Sweep:')
    .example('$0 sweep --preset paper43 --repeat 3 --out results/', "the study's grid, its protocol")
    .example('$0 sweep --grid grid.json --epochs 2 --out results/', 'your own grid')
    .example('$0 sweep --preset paper43 --repeat 3 --out results/ --resume', 'after Ctrl-C, kill -9 or a crash')
    .example('$0 sweep --preset paper43 --out results/ --emit-slurm sweep.sbatch', 'a Slurm job array instead of running');
}

type SweepArgs = DataArgs &
  EnergyArgs &
  TrainingArgs &
  ComputeArgs & {
    preset?: string;
    grid?: string;
    out?: string;
    repeat: number;
    cooldown: number;
    resume: boolean;
    shard?: ReturnType<typeof parseShard>;
    'dry-run': boolean;
    'emit-slurm'?: string;
    'slurm-tasks'?: number;
  };

function sweepDefinition(argv: SweepArgs, progress: boolean): { definition: SweepDefinition; source: SweepManifest['source'] } {
  if (Boolean(argv.preset) === Boolean(argv.grid))
    throw new SedjouleError('E_USAGE', 'name the configurations with --preset NAME or --grid FILE (one of them)');
  const frontend = argv.frontend;
  const configurations = argv.preset ? presetConfigurations(argv.preset, frontend) : readGrid(argv.grid!, frontend);
  return {
    definition: {
      configurations,
      protocol: {
        phases: argv.phases,
        repeat: argv.repeat,
        epochs: argv.epochs,
        batchSize: argv.batch,
        lr: argv.lr,
        runPasses: argv['run-passes'],
        runBatch: argv['run-batch'],
        threads: argv.threads,
        device: argv.device,
        seed: argv.seed,
      },
      // Each run's front end is its configuration's (sweep-data.ts); this one is a placeholder.
      data: dataSettings(argv, argv.threads, progress, frontend ?? 'dcase'),
      energy: energySettings(argv),
    },
    source: argv.preset ? { preset: argv.preset } : { grid: path.resolve(argv.grid!) },
  };
}

/** Options a Slurm task gets from the script itself, not from this command line. */
const NOT_FORWARDED = new Set(['out', 'shard', 'resume', 'dry-run', 'emit-slurm', 'slurm-tasks']);
const PATH_OPTIONS = new Set(['grid', 'data', 'cache']);

/**
 * This sweep's options as command-line words, every one explicit (so a task means the same under
 * a later version's defaults), paths made absolute (tasks may start elsewhere); except
 * --cpu-cores left at this machine's own count, which each node should count for itself.
 */
function forwardedArgs(argv: SweepArgs): string[] {
  const words: string[] = [];
  const values = argv as unknown as Record<string, unknown>;
  for (const option of optionTable((y) => sweepOptions(y)).values()) {
    const value = values[option.name];
    if (NOT_FORWARDED.has(option.name) || value === undefined) continue;
    if (option.name === 'cpu-cores' && value === option.default) continue;
    if (option.type === 'boolean') {
      words.push(value ? `--${option.name}` : `--no-${option.name}`);
    } else {
      // Lists (phases, input) print as the comma-separated text they were parsed from.
      const text = String(value);
      words.push(
        `--${option.name}`,
        PATH_OPTIONS.has(option.name) && !(option.name === 'data' && text === 'random') ? path.resolve(text) : text,
      );
    }
  }
  return words;
}

interface SlurmReport {
  slurmScript: string;
  id: string;
  runs: number;
  tasks: number;
}

function emitSlurm(argv: SweepArgs, id: string, runs: number): SlurmReport {
  if (!argv.out) throw new SedjouleError('E_USAGE', '--emit-slurm needs --out: the folder under which each task writes its shard');
  if (argv.shard) throw new SedjouleError('E_USAGE', '--emit-slurm makes its own shards: leave out --shard');
  const tasks = argv['slurm-tasks'] ?? Math.min(runs, 64);
  if (tasks > runs) throw new SedjouleError('E_USAGE', `--slurm-tasks must be at most the ${runs} runs, got '${tasks}'`);
  const file = argv['emit-slurm']!;
  const script = slurmScript({
    args: forwardedArgs(argv),
    out: path.resolve(argv.out),
    cwd: process.cwd(),
    tasks,
    runs,
    sweepId: id,
    threads: argv.threads,
  });
  writeFileAtomic(file, script);
  fs.chmodSync(file, 0o755);
  return { slurmScript: path.resolve(file), id, runs, tasks };
}

function printSlurm(report: SlurmReport): string {
  return [
    `wrote ${report.slurmScript}: a Slurm job array of ${report.tasks} tasks for the ${report.runs} runs of sweep ${report.id}`,
    `submit it with: sbatch ${shellQuote(report.slurmScript)}  (then merge the shards as its comment says)`,
  ].join('\n');
}

export const sweepCommand = defineCommand({
  command: 'sweep',
  describe:
    'Run every configuration of a preset (--preset paper43) or a grid file (--grid), --repeat times, one JSON record per run in --out; resumable, shardable, checked before it starts',
  builder: (y) => sweepOptions(y),
  handler: async (argv) => {
    const progress = showsProgress(argv);
    const { definition, source } = sweepDefinition(argv, progress);
    const plan = await planSweep(definition);
    if (argv['emit-slurm']) {
      const report = emitSlurm(argv, plan.id, plan.runs.length);
      return emit('sweep', argv, report, () => printSlurm(report));
    }
    const dryRun = argv['dry-run'];
    const sweep = Sweep.open(plan, {
      out: argv.out,
      shard: argv.shard ?? null,
      resume: argv.resume,
      cooldownSeconds: argv.cooldown,
      progress,
      source,
      dryRun,
    });
    const corrupt = sweep.corruptRecords();
    if (dryRun) {
      const manifest = sweep.snapshot();
      return emit('sweep', argv, manifest, () => printPlan(manifest, corrupt));
    }
    const manifest = await runInterruptible(sweep, argv.out!, 'continue with --resume');
    // Every finished record in --out (other shards' too), as CodeCarbon would have logged them.
    const { records } = loadRunRecords(path.join(argv.out!, 'runs'));
    writeRecordEmissions(path.join(argv.out!, 'emissions.csv'), records, emissionsSettings(carbonOptions(argv), 'sedjoule-sweep'));
    emit('sweep', argv, manifest, () => printSweep(manifest, argv.out!));
    // Failed runs are recorded in the manifest and retried by --resume; the exit status says so.
    if (manifest.counts.failed) process.exitCode = 1;
  },
});

function runsTable(manifest: SweepManifest, statusText: (status: string) => string): string {
  const rows = manifest.runs
    .filter((r) => r.status !== 'other-shard')
    .map((r) => [
      String(r.index + 1),
      r.key,
      r.name,
      r.frontend,
      r.params.toLocaleString('en-US'),
      bytesText(r.memoryBytes),
      statusText(r.status),
    ]);
  return renderTable(['#', 'run', 'model', 'front end', 'params', 'memory', 'status'], rows, [
    true,
    false,
    false,
    false,
    true,
    true,
    false,
  ]);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function headline(m: SweepManifest): string {
  const s = m.settings;
  const configurations = (s.configurations as unknown[]).length;
  const shard = m.shard ? `; shard ${shardText(m.shard)}: ${m.counts.inShard} runs` : '';
  return `sweep ${m.id}: ${plural(m.counts.runs, 'run')} (${plural(configurations, 'configuration')} x ${plural(s.repeat as number, 'repeat')}), phases ${s.phases}, ${plural(s.epochs as number, 'epoch')}, batch ${s.batch}, cool-down ${m.cooldownSeconds} s${shard}`;
}

function printPlan(m: SweepManifest, corrupt: Array<{ file: string; reason: string }>): string {
  const would = (status: string) => (status === 'done' ? 'done (kept)' : 'would run');
  const lines = [headline(m), runsTable(m, would)];
  for (const c of corrupt) lines.push(`${c.file}: ${c.reason}: would be moved aside and its run redone`);
  const todo = m.runs.filter((r) => r.status === 'pending' || r.status === 'failed').length;
  lines.push(`dry run: ${todo} run(s) would run, ${m.counts.done} finished run(s) kept; nothing was run or written`);
  return lines.join('\n');
}

function printSweep(m: SweepManifest, out: string): string {
  const session = m.sessions[m.sessions.length - 1];
  const lines = [
    headline(m),
    runsTable(m, (status) => status),
    `this session: ${session.ran} run(s) ran, ${session.skipped} finished earlier and kept, ${session.failed} failed`,
    `records: ${path.join(out, 'runs')} (one JSON file per run); manifest: ${path.join(out, 'sweep.json')}; ${path.join(out, 'emissions.csv')}`,
  ];
  for (const p of m.problems) lines.push(`note: ${p}`);
  for (const r of m.runs.filter((x) => x.status === 'failed')) lines.push(`failed: ${r.key}: ${r.error}`);
  if (m.counts.failed) lines.push(`${m.counts.failed} run(s) failed; sedjoule sweep ... --resume retries them`);
  return lines.join('\n');
}
