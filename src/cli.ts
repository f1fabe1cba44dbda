#!/usr/bin/env node
/** The sedjoule command line. Every command prints text for people, or JSON with --json. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';

import { energySettings, withEnergyOptions } from './commands/energy-options.js';
import { infoReport, printInfo } from './commands/info.js';
import { printTrain, runTrain } from './commands/train.js';
import { probe } from './energy/probe.js';
import { errorCode } from './errors.js';
import { probeText } from './format/energy-table.js';
import { ARCHITECTURES, type Architecture } from './models/families.js';

function parseShape(text: string): number[] {
  const dims = text.split(/[x,]/).map((d) => Number(d.trim()));
  if (dims.length === 0 || dims.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`--input must look like 1,128,64, got "${text}"`);
  return dims;
}

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
    'Train one model on a seeded random labelled set, test it, and print per-kernel costs of each phase',
    (y) =>
      withEnergyOptions(y)
        .option('arch', { choices: ARCHITECTURES, default: 'cnn' as Architecture, describe: 'Model family' })
        .option('layers', { type: 'number', default: 2, describe: 'Layers (MLP hidden layers, CNN blocks, GRU layers)' })
        .option('width', { type: 'number', default: 64, describe: 'Width (MLP units, CNN channels, GRU hidden size)' })
        .option('conv-layers', { type: 'number', default: 2, describe: 'CRNN: conv blocks' })
        .option('rnn-layers', { type: 'number', default: 1, describe: 'CRNN: GRU layers' })
        .option('conv-width', { type: 'number', default: 64, describe: 'CRNN: conv channels' })
        .option('rnn-width', { type: 'number', default: 64, describe: 'CRNN: GRU hidden size' })
        .option('epochs', { type: 'number', default: 1, describe: 'Training epochs' })
        .option('batch', { type: 'number', default: 8, describe: 'Batch size' })
        .option('lr', { type: 'number', default: 1e-3, describe: 'Adam learning rate' })
        .option('clips', { type: 'number', default: 256, describe: 'Training examples' })
        .option('test-clips', { type: 'number', default: 64, describe: 'Test examples' })
        .option('classes', { type: 'number', default: 10, describe: 'Classes (labels per example are multi-hot)' })
        .option('input', { type: 'string', default: '1,128,64', describe: 'Per-example input shape: channels,mel bands,frames' })
        .option('seed', { type: 'number', default: 1, describe: 'Seed for data, initial weights, shuffling and dropout' })
        .option('threads', { type: 'number', default: 0, describe: 'Kernel threads (0: SEDJOULE_THREADS or all hardware threads)' }),
    async (argv) => {
      const report = await runTrain({
        model: {
          arch: argv.arch,
          layers: argv.layers,
          width: argv.width,
          convLayers: argv['conv-layers'],
          rnnLayers: argv['rnn-layers'],
          convWidth: argv['conv-width'],
          rnnWidth: argv['rnn-width'],
        },
        inputShape: parseShape(argv.input),
        classes: argv.classes,
        trainExamples: argv.clips,
        testExamples: argv['test-clips'],
        epochs: argv.epochs,
        batchSize: argv.batch,
        lr: argv.lr,
        seed: argv.seed,
        threads: argv.threads,
        progress: argv.progress && !argv.json,
        energy: energySettings(argv),
      });
      emit(argv.json, report, () => printTrain(report));
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
