#!/usr/bin/env node
/** The sedjoule command line. Every command prints text for people, or JSON with --json. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';

import { analyzeResults } from './analysis/analyze.js';
import { dcaseMarkdown, dcaseReportFromResults, writeDcaseReport } from './analysis/dcase.js';
import { normalizeResults } from './analysis/normalize.js';
import { analyzeOptions } from './commands/analyze.js';
import { analysisText } from './report/analysis-text.js';
import { dcaseOptions } from './commands/dcase-report.js';
import { normalizeOptions, printNormalization } from './commands/normalize.js';
import { dataSettings, withDataOptions } from './commands/data-options.js';
import { energySettings, withEnergyOptions } from './commands/energy-options.js';
import { modelChoice, withModelOptions } from './commands/model-options.js';
import { infoReport, printInfo } from './commands/info.js';
import { printPresets } from './commands/presets.js';
import { presetsReport } from './models/presets-report.js';
import { printProfile } from './commands/profile.js';
import { runProfile } from './experiment/profile.js';
import { printSynth } from './commands/synth.js';
import { printTrain } from './commands/train.js';
import { runTrain } from './experiment/train.js';
import { printMerge } from './commands/merge.js';
import { printReport, reportCommand, withReportOptions } from './commands/report.js';
import { printDemo, withDemoOptions } from './commands/demo.js';
import { runDemo } from './experiment/demo.js';
import { printKernelEnergy, withKernelEnergyOptions } from './commands/kernel-energy.js';
import { measureKernelEnergy } from './experiment/measure-kernel-energy.js';
import { printPlan, printSlurm, printSweep, sweepCommand, withSweepOptions } from './commands/sweep.js';
import { mergeSweeps } from './experiment/merge.js';
import { synthesize } from './data/synth/writer.js';
import { defaultCacheRoot } from './data/feature-cache.js';
import { probe } from './energy/probe.js';
import { errorCode } from './errors.js';
import { probeText } from './format/energy-table.js';
import { ProgressBar } from './format/progress.js';
import { FRONTEND_PRESETS, type FrontendPreset } from './frontend/extractor.js';
import { parsePhases } from './experiment/phases-option.js';
import { DEVICES, DEVICE_DESCRIPTION } from './commands/device-option.js';
import type { Device } from './ledger.js';

function emit(json: boolean, report: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${text()}\n`);
}

const cli = yargs(hideBin(process.argv))
  .scriptName('sedjoule')
  .usage('$0 <command> [options]')
  .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object instead of text' })
  .option('progress', { type: 'boolean', default: true, describe: 'Show progress bars on stderr (only when it is a terminal)' })
  .command(
    'info',
    'Version, threads, CPU kernel instruction set, and whether CUDA was compiled in and which devices are visible',
    () => {},
    (argv) => {
      const report = infoReport();
      emit(argv.json, report, () => printInfo(report));
    },
  )
  .command(
    'train',
    'Train one model (on the embedded synthetic set unless --data), test it, and print per-phase kernel costs, energy and test metrics',
    (y) =>
      withModelOptions(withDataOptions(withEnergyOptions(y)))
        .option('phases', { type: 'string', default: 'train,test', describe: 'Phases to run, in order: train, test, run' })
        .option('epochs', { type: 'number', default: 1, describe: 'Training epochs' })
        .option('batch', { type: 'number', default: 8, describe: 'Batch size' })
        .option('lr', { type: 'number', default: 1e-3, describe: 'Learning rate (Adam, or the named model\'s optimiser)' })
        .option('run-passes', { type: 'number', default: 60, describe: 'Run phase: forward passes on a fixed random input (the study: 60)' })
        .option('run-batch', { type: 'number', default: 1, describe: 'Run phase: batch size of those passes' })
        .option('checkpoint', { type: 'string', describe: 'Folder for a checkpoint (weights, optimiser state, progress) written at each epoch end' })
        .option('resume', { type: 'boolean', default: false, describe: 'Continue from the checkpoint in --checkpoint' })
        .option('threads', { type: 'number', default: 0, describe: 'Kernel threads (0: SEDJOULE_THREADS or all hardware threads)' })
        .option('device', { choices: DEVICES, default: 'cpu' as Device, describe: DEVICE_DESCRIPTION }),
    async (argv) => {
      const { model, frontend } = modelChoice(argv);
      const progress = argv.progress && !argv.json;
      const report = await runTrain({
        model,
        data: dataSettings(argv, argv.threads, progress, frontend),
        phases: parsePhases(argv.phases),
        epochs: argv.epochs,
        batchSize: argv.batch,
        lr: argv.lr,
        seed: argv.seed,
        threads: argv.threads,
        device: argv.device,
        runPasses: argv['run-passes'],
        runBatch: argv['run-batch'],
        progress,
        energy: energySettings(argv),
        checkpointDir: argv.checkpoint,
        resume: argv.resume,
      });
      emit(argv.json, { command: 'train', ...report }, () => printTrain(report));
    },
  )
  .command(
    'profile',
    'The exact cost of one training step on one clip (batch 1): parameters, per-kernel rows, forward and backward totals, the measured backward/forward ratio, MACs per 10 s of audio',
    (y) =>
      withModelOptions(y)
        .option('frontend', { choices: FRONTEND_PRESETS, describe: "Front end whose input shape the model is built for (no audio is read); default: the named model's, else dcase" })
        .option('classes', { type: 'number', default: 10, describe: 'Output classes (DESED: 10)' })
        .option('seed', { type: 'number', default: 1, describe: 'Seed for the weights, the random clip and dropout' })
        .option('threads', { type: 'number', default: 0, describe: 'Kernel threads (0: SEDJOULE_THREADS or all hardware threads)' })
        .option('device', { choices: DEVICES, default: 'cpu' as Device, describe: DEVICE_DESCRIPTION }),
    async (argv) => {
      const { model, frontend } = modelChoice(argv);
      const report = await runProfile({ model, frontend: (argv.frontend as FrontendPreset | undefined) ?? frontend, classes: argv.classes, seed: argv.seed, threads: argv.threads, device: argv.device });
      emit(argv.json, { command: 'profile', ...report }, () => printProfile(report));
    },
  )
  .command(
    'presets',
    'The named models (paper43:1..43, dcase-crnn): configuration, front end, input shape and parameter count',
    () => {},
    (argv) => {
      const report = presetsReport();
      emit(argv.json, { command: 'presets', ...report }, () => printPresets(report));
    },
  )
  .command(
    'synth',
    'Write the embedded synthetic DESED-like set: 10 s clips of 10 procedurally generated classes, strong and weak labels in DESED TSV format',
    (y) =>
      y
        .option('out', { type: 'string', demandOption: true, describe: 'Output folder (DESED layout: audio/, metadata/, dataset.json)' })
        .option('clips', { type: 'number', default: 1578, describe: "Training clips (DESED's weak set has 1578)" })
        .option('test-clips', { type: 'number', describe: 'Test (validation) clips (default: a quarter of --clips)' })
        .option('seed', { type: 'number', default: 1, describe: 'Seed: the same seed writes the same bytes' })
        .option('rate', { type: 'number', default: 16000, describe: 'Sample rate, Hz' })
        .option('duration', { type: 'number', default: 10, describe: 'Clip length, seconds' }),
    async (argv) => {
      const bar = new ProgressBar('synth', argv.progress && !argv.json);
      const report = await synthesize({
        out: argv.out,
        seed: argv.seed,
        trainClips: argv.clips,
        testClips: argv['test-clips'],
        sampleRate: argv.rate,
        durationS: argv.duration,
        progress: (d, t) => bar.update(d, t),
      });
      bar.finish();
      emit(argv.json, report, () => printSynth(report));
    },
  )
  .command(
    'probe',
    'Per energy source: what it supports, its counter and power update periods, idle power, and counter vs integrated power under load',
    (y) =>
      withEnergyOptions(y)
        .option('poll', { type: 'number', default: 2, describe: 'Seconds of fast polling per source (update periods)' })
        .option('busy', { type: 'number', default: 3, describe: 'Seconds of load per device kind (counter vs integrated power)' }),
    async (argv) => {
      const settings = energySettings(argv);
      if (argv.progress && !argv.json) process.stderr.write('probing energy sources (polling, idle, then load)...\n');
      const { carbon: _carbon, ...meter } = settings.meter;
      const report = await probe({ ...meter, pollSeconds: argv.poll, idleSeconds: argv.idle > 0 ? argv.idle : 3, busySeconds: argv.busy });
      emit(argv.json, report, () => probeText(report));
    },
  )
  .command(
    'sweep',
    'Run every configuration of a preset (--preset paper43) or a grid file (--grid), --repeat times, one JSON record per run in --out; resumable, shardable, checked before it starts',
    (y) => withSweepOptions(y),
    async (argv) => {
      const progress = argv.progress && !argv.json;
      const result = await sweepCommand(argv, progress);
      if (result.kind === 'slurm') return emit(argv.json, result.report, () => printSlurm(result.report));
      if (result.kind === 'plan') return emit(argv.json, result.manifest, () => printPlan(result.manifest, result.corrupt));
      emit(argv.json, result.manifest, () => printSweep(result.manifest, argv.out!));
      // Failed runs are recorded in the manifest and retried by --resume; the exit status says so.
      if (result.manifest.counts.failed) process.exitCode = 1;
    },
  )
  .command(
    'merge <out> <inputs..>',
    "Combine result folders of one sweep (its shards) into OUT: records copied, manifests merged, conflicting records refused, missing runs listed",
    (y) =>
      y
        .positional('out', { type: 'string', demandOption: true, describe: 'The merged folder (new, or holding this sweep)' })
        .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'Result folders of the same sweep' }),
    (argv) => {
      const report = mergeSweeps(argv.out, argv.inputs);
      emit(argv.json, report, () => printMerge(report));
    },
  )
  .command(
    'analyze <results..>',
    'Relate energy to counted FLOPs, MACs, parameters, bytes, duration and GPU/memory utilisation per family and phase: correlations with bootstrap intervals, fits, J/GFLOP, the train/test ratio, repeats',
    (y) =>
      y
        .positional('results', { type: 'string', array: true, demandOption: true, describe: 'Results folders (their runs/*.json), folders of run records, or record files' })
        .option('bootstrap', { type: 'number', default: 2000, describe: 'Bootstrap resamples for the 95 % intervals' })
        .option('seed', { type: 'number', default: 1, describe: 'Seed of the bootstrap' })
        .option('energy', { choices: ['auto', 'gross', 'net'], default: 'auto', describe: 'Gross energy, or net of idle power; auto: net when every run has an idle baseline' })
        .option('device', { choices: ['all', 'gpu', 'cpu'], default: 'all', describe: 'Energy of all devices, GPUs only (as the study), or the host side (CPU package, DRAM)' })
        .option('points', { choices: ['configs', 'runs'], default: 'configs', describe: 'One point per configuration (mean of its repeats) or per run' }),
    (argv) => {
      const report = analyzeResults(argv.results as string[], analyzeOptions(argv));
      emit(argv.json, report, () => analysisText(report));
    },
  )
  .command(
    'normalize',
    'Predict reference-machine energy from local runs: ratio, linear and log-linear maps fitted on reference models run on both machines (R^2, leave-one-out MSE); the DCASE rule is the k = 1 ratio',
    (y) =>
      y
        .option('reference', { type: 'string', array: true, demandOption: true, describe: 'Results on the reference machine' })
        .option('local', { type: 'string', array: true, demandOption: true, describe: 'Results on this machine (the reference models and the runs to normalize)' })
        .option('models', { type: 'string', describe: 'Configuration ids to use as reference models, comma-separated (default: every configuration both ran)' })
        .option('phase', { type: 'string', describe: 'Phases to normalize: train, test, run, comma-separated (default: those both have)' })
        .option('energy', { choices: ['auto', 'gross', 'net'], default: 'auto', describe: 'Gross energy, or net of idle power; auto: net when both machines have it' })
        .option('device', { choices: ['all', 'gpu', 'cpu'], default: 'all', describe: 'Energy of all devices, GPUs only, or the host side' }),
    (argv) => {
      const report = normalizeResults(argv.reference, argv.local, normalizeOptions(argv));
      emit(argv.json, report, () => printNormalization(report));
    },
  )
  .command(
    'dcase-report <results..>',
    "DCASE task 4 energy reporting: training and dev-test kWh, GPU model, MACs per 10 s, the baseline's energy, normalized energy and energy-weighted scores; dcase-report.json/.md and a CodeCarbon-layout emissions.csv",
    (y) =>
      y
        .positional('results', { type: 'string', array: true, demandOption: true, describe: 'Results folders or run record files (the submission and the baseline on the same machine)' })
        .option('train-run', { type: 'string', describe: 'Run key (id#rN) or configuration id whose train phase is the training energy (default: the one configuration besides the baseline)' })
        .option('test-run', { type: 'string', describe: 'Run key or configuration id whose test phase is the dev-test energy (default: --train-run)' })
        .option('baseline-run', { type: 'string', describe: 'Run key or configuration id of the baseline on this machine (default: the dcase-crnn runs)' })
        .option('score', { type: 'number', describe: 'The submission\'s PSDS, for the energy-weighted scores' })
        .option('year', { type: 'number', default: 2023, describe: 'Which DCASE rules and reference figures: 2023 or 2022' })
        .option('out', { type: 'string', default: 'dcase-report', describe: 'Folder for dcase-report.json, dcase-report.md and emissions.csv' })
        .option('energy', { choices: ['auto', 'gross', 'net'], default: 'gross', describe: 'Gross (as DCASE: CodeCarbon totals) or net of idle power' })
        .option('device', { choices: ['all', 'gpu', 'cpu'], default: 'all', describe: 'Energy of all devices (as DCASE), GPUs only, or the host side' })
        .option('project-name', { type: 'string', default: 'sedjoule-dcase', describe: 'project_name column of emissions.csv' })
        .option('carbon-intensity', { type: 'number', describe: 'Grams CO2e per kWh for the emissions column (default 475, CodeCarbon\'s global fallback)' })
        .option('pue', { type: 'number', describe: 'Power usage effectiveness applied to the emissions (default 1)' })
        .option('country-name', { type: 'string', describe: 'country_name column of emissions.csv' })
        .option('country-iso-code', { type: 'string', describe: 'country_iso_code column of emissions.csv (e.g. FRA)' }),
    (argv) => {
      const report = dcaseReportFromResults(argv.results as string[], dcaseOptions(argv));
      const files = writeDcaseReport(report, argv.out);
      emit(argv.json, report, () => `${dcaseMarkdown(report)}\nwrote ${files.json}, ${files.markdown}, ${files.csv}`);
    },
  )
  .command(
    'demo',
    'The main job: a quick sweep of small MLP, CNN, GRU and CRNN models on the embedded synthetic set (train, test, run), analysed, and an HTML report with CSV tables in --out (default ./sedjoule-demo); resumes its own folder',
    (y) => withDemoOptions(y),
    async (argv) => {
      const progress = argv.progress && !argv.json;
      const summary = await runDemo({ out: argv.out, cacheRoot: argv.cache ?? defaultCacheRoot(), clips: argv.clips, testClips: argv['test-clips'], epochs: argv.epochs, threads: argv.threads, energy: energySettings(argv), progress });
      emit(argv.json, { command: 'demo', ...summary }, () => printDemo(summary));
      if (summary.sweep.failed) process.exitCode = 1;
    },
  )
  .command(
    'kernel-energy',
    'Measured joules per kernel call on a GPU (NVML energy counter): every kernel of one training step replayed for >= 20 counter updates, idle-subtracted, with mean power, GFLOP/J, and a closure check against a measured whole step',
    (y) =>
      withKernelEnergyOptions(withModelOptions(y)).option('frontend', { choices: FRONTEND_PRESETS, describe: "Front end whose input shape the model is built for; default: the named model's, else dcase" }),
    async (argv) => {
      const { model, frontend } = modelChoice(argv);
      const report = await measureKernelEnergy({
        model,
        frontend: (argv.frontend as FrontendPreset | undefined) ?? frontend,
        batch: argv.batch,
        minUpdates: argv['min-updates'],
        updatePeriodMs: argv['update-period-ms'],
        idleSeconds: argv.idle,
        maxSeconds: argv['max-seconds'],
        classes: argv.classes,
        seed: argv.seed,
        cudaDevice: argv['cuda-device'],
        progress: argv.progress && !argv.json,
      });
      emit(argv.json, { command: 'kernel-energy', ...report }, () => printKernelEnergy(report));
    },
  )
  .command(
    'report <results..>',
    'One self-contained HTML page (offline: inline SVG plots): energy vs FLOPs, parameters and GPU utilisation per family and phase with fits, kernel FLOPs and attributed energy, a power trace with its windows, a sortable table of runs; runs.csv and kernels.csv beside it',
    (y) => withReportOptions(y),
    (argv) => {
      const summary = reportCommand(argv as typeof argv & { results: string[] });
      emit(argv.json, summary, () => printReport(summary));
    },
  )
  .demandCommand(1, 'Name a command; see --help.')
  .strict()
  .help()
  .fail((message, error, y) => {
    if (error) throw error;
    process.stderr.write(`${y.help()}\n\n${message}\n`);
    process.exit(2);
  });

try {
  await cli.parseAsync();
} catch (error) {
  const code = errorCode(error);
  process.stderr.write(`sedjoule: ${code ? `${code}: ` : ''}${(error as Error).message}\n`);
  process.exit(1);
}
