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
import type { FrontendPreset } from '../frontend/extractor.js';
import { parsePhases } from '../experiment/phases-option.js';
import { bytesText } from '../experiment/sweep-check.js';
import type { SweepManifest } from '../records/sweep-manifest.js';
import { presetConfigurations, type SweepDefinition } from '../experiment/sweep-plan.js';
import { planSweep, Sweep } from '../experiment/sweep.js';
import { runInterruptible } from '../experiment/run-interruptible.js';
import { parseShard, shardText } from '../experiment/shard.js';
import { renderTable } from '../format/table.js';
import { writeFileAtomic } from '../util/atomic.js';
import { dataSettings, withDataOptions, type DataArgs } from './data-options.js';
import { energySettings, withEnergyOptions, type EnergyArgs } from './energy-options.js';
import { readGrid } from './grid-file.js';
import { optionTable } from './option-table.js';
import { shellQuote, slurmScript } from './slurm-script.js';
import { DEVICES, DEVICE_DESCRIPTION } from './device-option.js';
import type { Device } from '../ledger.js';

/** The study's protocol by default: 10 epochs, batch 8, Adam 1e-3, 60 forward passes of one clip, 30 s apart. */
export function withSweepOptions<T>(y: Argv<T>) {
  return withDataOptions(withEnergyOptions(y))
    .option('preset', { type: 'string', describe: 'A preset grid: paper43 (the study\'s 43 configurations) or dcase-crnn; see sedjoule presets' })
    .option('grid', { type: 'string', describe: 'A JSON file: an array of configurations with the command line\'s option names, e.g. [{"arch": "cnn", "layers": 1, "width": 8}, {"model": "dcase-crnn"}]' })
    .option('out', { type: 'string', describe: 'Results folder: sweep.json, runs/ (one record per run), checkpoints/' })
    .option('phases', { type: 'string', default: 'train,test,run', describe: 'Phases of every run, in order: train, test, run' })
    .option('repeat', { type: 'number', default: 1, describe: 'Runs per configuration; repeat r uses seed + r' })
    .option('epochs', { type: 'number', default: 10, describe: 'Training epochs per run (the study: 10)' })
    .option('batch', { type: 'number', default: 8, describe: 'Batch size' })
    .option('lr', { type: 'number', default: 1e-3, describe: "Learning rate (Adam, or the named model's optimiser)" })
    .option('run-passes', { type: 'number', default: 60, describe: 'Run phase: forward passes on a fixed random input (the study: 60)' })
    .option('run-batch', { type: 'number', default: 1, describe: 'Run phase: batch size of those passes' })
    .option('threads', { type: 'number', default: 0, describe: 'Kernel threads (0: SEDJOULE_THREADS or all hardware threads)' })
    .option('device', { choices: DEVICES, default: 'cpu' as Device, describe: DEVICE_DESCRIPTION })
    .option('cooldown', { type: 'number', default: 30, describe: 'Seconds of sleep between runs, so power returns to idle before the next baseline (the study: 30)' })
    .option('resume', { type: 'boolean', default: false, describe: 'Continue the sweep in --out: keep finished records, continue an interrupted run from its last epoch' })
    .option('shard', { type: 'string', describe: 'i/n: run only the runs whose index in the full run list is i-1 modulo n' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'Check everything and list the runs; run nothing, write nothing' })
    .option('emit-slurm', { type: 'string', describe: 'Write a Slurm job-array script (one task per shard) to this file instead of running' })
    .option('slurm-tasks', { type: 'number', describe: 'Array tasks (shards) of --emit-slurm (default: the number of runs, at most 64)' });
}

export type SweepArgs = DataArgs &
  EnergyArgs & {
    preset?: string;
    grid?: string;
    out?: string;
    phases: string;
    repeat: number;
    epochs: number;
    batch: number;
    lr: number;
    'run-passes': number;
    'run-batch': number;
    threads: number;
    device: Device;
    cooldown: number;
    resume: boolean;
    shard?: string;
    'dry-run': boolean;
    'emit-slurm'?: string;
    'slurm-tasks'?: number;
  };

export function sweepDefinition(argv: SweepArgs, progress: boolean): { definition: SweepDefinition; source: SweepManifest['source'] } {
  if (Boolean(argv.preset) === Boolean(argv.grid)) throw new SedjouleError('E_USAGE', 'name the configurations with --preset NAME or --grid FILE (one of them)');
  const frontend = argv.frontend as FrontendPreset | undefined;
  const configurations = argv.preset ? presetConfigurations(argv.preset, frontend) : readGrid(argv.grid!, frontend);
  return {
    definition: {
      configurations,
      protocol: {
        phases: parsePhases(argv.phases),
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
export function forwardedArgs(argv: SweepArgs): string[] {
  const words: string[] = [];
  const values = argv as unknown as Record<string, unknown>;
  for (const option of optionTable((y) => withSweepOptions(y)).values()) {
    const value = values[option.name];
    if (NOT_FORWARDED.has(option.name) || value === undefined) continue;
    if (option.name === 'cpu-cores' && value === option.default) continue;
    if (option.type === 'boolean') {
      words.push(value ? `--${option.name}` : `--no-${option.name}`);
    } else {
      const text = String(value);
      words.push(`--${option.name}`, PATH_OPTIONS.has(option.name) && !(option.name === 'data' && text === 'random') ? path.resolve(text) : text);
    }
  }
  return words;
}

export interface SlurmReport {
  command: 'sweep';
  slurmScript: string;
  id: string;
  runs: number;
  tasks: number;
}

function emitSlurm(argv: SweepArgs, id: string, runs: number): SlurmReport {
  if (!argv.out) throw new SedjouleError('E_USAGE', '--emit-slurm needs --out: the folder under which each task writes its shard');
  if (argv.shard) throw new SedjouleError('E_USAGE', '--emit-slurm makes its own shards: leave out --shard');
  const tasks = argv['slurm-tasks'] ?? Math.min(runs, 64);
  if (!Number.isInteger(tasks) || tasks < 1 || tasks > runs) throw new SedjouleError('E_USAGE', `--slurm-tasks must be an integer from 1 to the ${runs} runs, got ${tasks}`);
  const file = argv['emit-slurm']!;
  const script = slurmScript({ args: forwardedArgs(argv), out: path.resolve(argv.out), cwd: process.cwd(), tasks, runs, sweepId: id, threads: argv.threads });
  writeFileAtomic(file, script);
  fs.chmodSync(file, 0o755);
  return { command: 'sweep', slurmScript: path.resolve(file), id, runs, tasks };
}

export function printSlurm(report: SlurmReport): string {
  return [
    `wrote ${report.slurmScript}: a Slurm job array of ${report.tasks} tasks for the ${report.runs} runs of sweep ${report.id}`,
    `submit it with: sbatch ${shellQuote(report.slurmScript)}  (then merge the shards as its comment says)`,
  ].join('\n');
}

export type SweepCommandResult = { kind: 'slurm'; report: SlurmReport } | { kind: 'plan' | 'ran'; manifest: SweepManifest; corrupt: Array<{ key: string; file: string; reason: string }> };

export async function sweepCommand(argv: SweepArgs, progress: boolean): Promise<SweepCommandResult> {
  const shard = argv.shard ? parseShard(argv.shard) : null;
  const { definition, source } = sweepDefinition(argv, progress);
  const plan = await planSweep(definition);
  if (argv['emit-slurm']) return { kind: 'slurm', report: emitSlurm(argv, plan.id, plan.runs.length) };

  const dryRun = argv['dry-run'];
  const sweep = Sweep.open(plan, { out: argv.out, shard, resume: argv.resume, cooldownSeconds: argv.cooldown, progress, source, dryRun });
  const corrupt = sweep.corruptRecords();
  if (dryRun) return { kind: 'plan', manifest: sweep.snapshot(), corrupt };

  return { kind: 'ran', manifest: await runInterruptible(sweep, argv.out!, 'continue with --resume'), corrupt };
}

function runsTable(manifest: SweepManifest, statusText: (status: string) => string): string {
  const rows = manifest.runs
    .filter((r) => r.status !== 'other-shard')
    .map((r) => [String(r.index + 1), r.key, r.name, r.frontend, r.params.toLocaleString('en-US'), bytesText(r.memoryBytes), statusText(r.status)]);
  return renderTable(['#', 'run', 'model', 'front end', 'params', 'memory', 'status'], rows, [true, false, false, false, true, true, false]);
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

export function printPlan(m: SweepManifest, corrupt: Array<{ file: string; reason: string }>): string {
  const would = (status: string) => (status === 'done' ? 'done (kept)' : 'would run');
  const lines = [headline(m), runsTable(m, would)];
  for (const c of corrupt) lines.push(`${c.file}: ${c.reason}: would be moved aside and its run redone`);
  const todo = m.runs.filter((r) => r.status === 'pending' || r.status === 'failed').length;
  lines.push(`dry run: ${todo} run(s) would run, ${m.counts.done} finished run(s) kept; nothing was run or written`);
  return lines.join('\n');
}

export function printSweep(m: SweepManifest, out: string): string {
  const session = m.sessions[m.sessions.length - 1];
  const lines = [
    headline(m),
    runsTable(m, (status) => status),
    `this session: ${session.ran} run(s) ran, ${session.skipped} finished earlier and kept, ${session.failed} failed`,
    `records: ${path.join(out, 'runs')} (one JSON file per run); manifest: ${path.join(out, 'sweep.json')}`,
  ];
  for (const p of m.problems) lines.push(`note: ${p}`);
  for (const r of m.runs.filter((x) => x.status === 'failed')) lines.push(`failed: ${r.key}: ${r.error}`);
  if (m.counts.failed) lines.push(`${m.counts.failed} run(s) failed; sedjoule sweep ... --resume retries them`);
  return lines.join('\n');
}
