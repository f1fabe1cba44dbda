/**
 * `sedjoule train`: builds one model, trains it on a seeded random labelled set, runs a test
 * pass, and reports per phase the per-kernel costs from the ledger.
 */
import { randomLabelledSet } from '../data/random-set.js';
import { testPhase, trainPhase, type TestResult, type TrainResult } from '../experiment/phases.js';
import { ledgerTable } from '../format/ledger-table.js';
import { ProgressBar } from '../format/progress.js';
import { totals, type LedgerTotals } from '../ledger.js';
import { describeModel, modelSpec, type ModelConfig } from '../models/families.js';
import { Network, type NetworkDescription } from '../network.js';
import { packageVersion } from '../version.js';

export interface TrainOptions {
  model: ModelConfig;
  inputShape: number[];
  classes: number;
  trainExamples: number;
  testExamples: number;
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  threads: number;
  progress: boolean;
}

export interface PhaseReport<R> {
  result: Omit<R, 'ledger' | 'outputs'>;
  kernels: R extends { ledger: infer L } ? L : never;
  totals: LedgerTotals;
}

export interface TrainReport {
  command: 'train';
  version: string;
  model: { name: string; config: ModelConfig; params: number; description: NetworkDescription };
  data: { train: string; test: string; inputShape: number[]; classes: number };
  settings: Omit<TrainOptions, 'model' | 'progress'>;
  params: number;
  phases: { train: PhaseReport<TrainResult>; test: PhaseReport<TestResult> };
}

export async function runTrain(options: TrainOptions): Promise<TrainReport> {
  const spec = modelSpec(options.model, { inputShape: options.inputShape, classes: options.classes, seed: options.seed });
  spec.optimizer = { type: 'adam', lr: options.lr };
  const net = Network.create(spec, { threads: options.threads });
  try {
    const shape = { inputShape: options.inputShape, classes: options.classes, seed: options.seed };
    const train = randomLabelledSet({ ...shape, examples: options.trainExamples, split: 'train' });
    const test = randomLabelledSet({ ...shape, examples: options.testExamples, split: 'test' });

    const trainBar = new ProgressBar('train', options.progress);
    const trained = await trainPhase(net, train, {
      epochs: options.epochs,
      batchSize: options.batchSize,
      shuffleSeed: options.seed,
      progress: (d, t, detail) => trainBar.update(d, t, detail),
    });
    trainBar.finish();
    const testBar = new ProgressBar('test ', options.progress);
    const tested = await testPhase(net, test, { batchSize: options.batchSize, progress: (d, t) => testBar.update(d, t) });
    testBar.finish();

    const { ledger: trainRows, ...trainResult } = trained;
    const { ledger: testRows, outputs: _outputs, ...testResult } = tested;
    const { model: _model, progress: _progress, ...settings } = options;
    return {
      command: 'train',
      version: packageVersion(),
      model: { name: describeModel(options.model), config: options.model, params: net.parameters, description: net.description },
      data: { train: train.name, test: test.name, inputShape: options.inputShape, classes: options.classes },
      settings,
      params: net.parameters,
      phases: {
        train: { result: trainResult, kernels: trainRows, totals: totals(trainRows) },
        test: { result: testResult, kernels: testRows, totals: totals(testRows) },
      },
    };
  } finally {
    net.dispose();
  }
}

export function printTrain(report: TrainReport): string {
  const { train, test } = report.phases;
  return [
    `model ${report.model.name}: ${report.params.toLocaleString('en-US')} parameters, input [${report.data.inputShape}], ${report.data.classes} classes, ${report.model.description.threads} threads`,
    `data: ${report.data.train}; ${report.data.test}`,
    '',
    `train: ${train.result.epochs} epoch(s), ${train.result.steps} steps, ${train.result.samples} samples, ${train.result.seconds.toFixed(2)} s, loss by epoch ${train.result.epochLoss.map((l) => l.toFixed(4)).join(' ')}`,
    ledgerTable(train.kernels),
    '',
    `test: ${test.result.samples} samples, ${test.result.seconds.toFixed(2)} s, loss ${test.result.loss.toFixed(4)}`,
    ledgerTable(test.kernels),
  ].join('\n');
}
