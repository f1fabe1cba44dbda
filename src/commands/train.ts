/**
 * `sedjoule train`: one run of one model (src/experiment/train.ts) on the embedded synthetic set
 * by default or --data DIR; prints per phase the per-kernel costs from the ledger, the energy
 * windows and the test metrics.
 */
import type { Argv } from 'yargs';

import { runTrain } from '../experiment/train.js';
import { describeSources, energyTable, idleText } from '../format/energy-table.js';
import { ledgerTable } from '../format/ledger-table.js';
import type { DataInfo, RunRecord } from '../records/run-record.js';
import { withComputeOptions } from './options/compute.js';
import { dataSettings, withDataOptions } from './options/data.js';
import { carbonOptions, emissionsSettings, energySettings, withEmissionsOptions, withEnergyOptions } from './options/energy.js';
import { writeRecordEmissions } from '../analysis/record-emissions.js';
import { modelChoice, withModelOptions } from './options/model.js';
import { defineCommand } from './command.js';
import { withOnnxOptions } from './options/onnx.js';
import { emit, showsProgress } from './options/output.js';
import { withTrainingOptions } from './options/training.js';

function trainOptions<T>(y: Argv<T>) {
  return withComputeOptions(
    withEmissionsOptions(
      withEnergyOptions(
        withTrainingOptions(withDataOptions(withOnnxOptions(withModelOptions(y))), { phases: ['train', 'test'], epochs: 1 }),
      ),
    ),
  )
    .option('checkpoint', {
      type: 'string',
      requiresArg: true,
      describe: 'Folder for a checkpoint (weights, optimiser state, progress) written at each epoch end',
    })
    .option('resume', { type: 'boolean', default: false, describe: 'Continue from the checkpoint in --checkpoint' })
    .option('emissions', {
      type: 'string',
      requiresArg: true,
      describe: 'Write a CodeCarbon emissions.csv (one row per phase; --codecarbon-layout, --country) to this file',
    })
    .group(['checkpoint', 'resume', 'emissions'], 'Training:')
    .example('$0 train --arch cnn --layers 2 --width 64 --epochs 1', 'a small CNN on the embedded synthetic set')
    .example('$0 train --model dcase-crnn --data DESED/ --epochs 10 --device cuda', 'the DCASE baseline on a DESED folder, on the GPU')
    .example('$0 train --data random --input 1,128,64 --no-energy --json', 'the kernels alone on seeded random inputs, as JSON')
    .example('$0 train --onnx model.onnx --data DESED/ --epochs 5', 'a PyTorch model exported to ONNX, trained with sedjoule kernels');
}

export const trainCommand = defineCommand({
  command: 'train',
  describe:
    'Train one model (on the embedded synthetic set unless --data), test it, and print per-phase kernel costs, energy and test metrics',
  builder: (y) => trainOptions(y),
  handler: async (argv) => {
    const { model, frontend } = modelChoice(argv);
    const progress = showsProgress(argv);
    const report = await runTrain({
      model,
      data: dataSettings(argv, argv.threads, progress, frontend),
      phases: argv.phases,
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
    if (argv.emissions) writeRecordEmissions(argv.emissions, [report], emissionsSettings(carbonOptions(argv), 'sedjoule-train'));
    emit('train', argv, report, () => printTrain(report) + (argv.emissions ? `\nwrote ${argv.emissions}` : ''));
  },
});

function dataLine(info: DataInfo): string {
  const where =
    info.source === 'random'
      ? 'seeded random labelled set (no audio)'
      : `${info.source === 'synthetic' ? 'embedded synthetic set' : 'dataset'} ${info.root} (${info.format})`;
  const held = info.heldOut ? ', test held out from train' : '';
  const skipped = info.skipped.length ? `, ${info.skipped.length} item(s) skipped` : '';
  return `data: ${where}: ${info.train} train / ${info.test} test examples, ${info.classes.length} classes, input [${info.inputShape}]${held}${skipped}`;
}

function printTrain(report: RunRecord): string {
  const { features, train, test, run } = report.phases;
  const lines = [
    `model ${report.model.name}: ${report.model.params.toLocaleString('en-US')} parameters, ${report.model.description.threads} threads`,
    dataLine(report.data),
  ];
  for (const s of report.data.skipped.slice(0, 10))
    lines.push(`  skipped ${s.file}${s.line !== undefined ? `:${s.line}` : ''}: ${s.message}`);
  if (report.data.skipped.length > 10) lines.push(`  ... and ${report.data.skipped.length - 10} more skipped`);
  if (report.energy) {
    lines.push(describeSources(report.energy.meter));
    if (report.energy.idle) lines.push(idleText(report.energy.idle));
  } else {
    lines.push('energy: not measured (--no-energy)');
  }
  if (features) {
    const f = report.data.frontend!;
    const counts = features.reports
      .map((r) => `${r.split} ${r.computed} computed, ${r.cached} cached, ${r.corrupt} corrupt recomputed`)
      .join('; ');
    lines.push(
      '',
      `features: ${f.nMels} mels x ${report.data.inputShape[2]} frames at ${f.sampleRate} Hz; ${counts}; cache ${report.data.cacheDir}`,
    );
    if (features.kernels.length) lines.push(ledgerTable(features.kernels));
    if (features.energy) lines.push(energyTable(features.energy));
  }
  if (train) {
    const r = train.result;
    const resumed = r.resumedAfterEpoch ? ` (resumed after epoch ${r.resumedAfterEpoch})` : '';
    lines.push(
      '',
      `train: ${r.epochs} epoch(s)${resumed}, ${r.steps} steps, ${r.samples} samples, ${r.seconds.toFixed(2)} s, loss by epoch ${r.allEpochLoss.map((l) => l.toFixed(4)).join(' ')}`,
      ledgerTable(train.kernels),
    );
    if (train.energy) lines.push(energyTable(train.energy));
  }
  if (test) {
    const m = test.metrics;
    const score = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3));
    lines.push(
      '',
      `test: ${test.result.samples} samples, ${test.result.seconds.toFixed(2)} s, loss ${test.result.loss.toFixed(4)}, mAP ${score(m.mAP)}, ROC-AUC ${score(m.macroRocAuc)}, F1@0.5 micro ${m.microF1.toFixed(3)} macro ${m.macroF1.toFixed(3)}`,
      ledgerTable(test.kernels),
    );
    if (test.energy) lines.push(energyTable(test.energy));
  }
  if (run) {
    lines.push(
      '',
      `run: ${run.result.passes} forward passes of batch ${run.result.batch}, ${run.result.msPerPass.toFixed(3)} ms per pass`,
      ledgerTable(run.kernels),
    );
    if (run.energy) lines.push(energyTable(run.energy));
  }
  return lines.join('\n');
}
