/**
 * `sedjoule train`: builds one model, trains it on a seeded random labelled set, runs a test
 * pass, and reports per phase the per-kernel costs from the ledger.
 */
import { randomLabelledSet } from '../data/random-set.js';
import { Meter } from '../energy/meter.js';
import type { EnergyWindow, IdleBaseline, MeterDescription } from '../energy/types.js';
import { testPhase, trainPhase, type TestResult, type TrainResult } from '../experiment/phases.js';
import { describeSources, energyTable, idleText } from '../format/energy-table.js';
import { ledgerTable } from '../format/ledger-table.js';
import { ProgressBar } from '../format/progress.js';
import { totals, type LedgerTotals } from '../ledger.js';
import { describeModel, modelSpec, type ModelConfig } from '../models/families.js';
import { Network, type NetworkDescription } from '../network.js';
import { packageVersion } from '../version.js';
import type { EnergySettings } from './energy-options.js';

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
  energy: EnergySettings;
}

export interface PhaseReport<R> {
  result: Omit<R, 'ledger' | 'outputs'>;
  kernels: R extends { ledger: infer L } ? L : never;
  totals: LedgerTotals;
  /** The phase's energy window; absent with --no-energy. */
  energy?: EnergyWindow;
}

export interface EnergyReport {
  meter: MeterDescription;
  idle?: IdleBaseline;
  /** Every window in closing order: epochs, train, test. */
  windows: EnergyWindow[];
}

export interface TrainReport {
  command: 'train';
  version: string;
  model: { name: string; config: ModelConfig; params: number; description: NetworkDescription };
  data: { train: string; test: string; inputShape: number[]; classes: number };
  settings: Omit<TrainOptions, 'model' | 'progress'>;
  params: number;
  phases: { train: PhaseReport<TrainResult>; test: PhaseReport<TestResult> };
  energy?: EnergyReport;
}

export async function runTrain(options: TrainOptions): Promise<TrainReport> {
  const spec = modelSpec(options.model, { inputShape: options.inputShape, classes: options.classes, seed: options.seed });
  spec.optimizer = { type: 'adam', lr: options.lr };
  const net = Network.create(spec, { threads: options.threads });
  const meter = options.energy.enabled ? Meter.start(options.energy.meter) : undefined;
  try {
    const shape = { inputShape: options.inputShape, classes: options.classes, seed: options.seed };
    const train = randomLabelledSet({ ...shape, examples: options.trainExamples, split: 'train' });
    const test = randomLabelledSet({ ...shape, examples: options.testExamples, split: 'test' });

    let idle: IdleBaseline | undefined;
    if (meter && options.energy.idleSeconds > 0) {
      if (options.progress) process.stderr.write(`measuring idle power for ${options.energy.idleSeconds} s\n`);
      idle = await meter.measureIdle(options.energy.idleSeconds);
    }

    const trainBar = new ProgressBar('train', options.progress);
    meter?.begin('train');
    const trained = await trainPhase(net, train, {
      epochs: options.epochs,
      batchSize: options.batchSize,
      shuffleSeed: options.seed,
      progress: (d, t, detail) => trainBar.update(d, t, detail),
      onEpochStart: (epoch) => meter?.begin(`epoch-${epoch}`),
      onEpochEnd: (epoch) => meter?.end(`epoch-${epoch}`),
    });
    const trainEnergy = meter?.end('train');
    trainBar.finish();
    const testBar = new ProgressBar('test ', options.progress);
    meter?.begin('test');
    const tested = await testPhase(net, test, { batchSize: options.batchSize, progress: (d, t) => testBar.update(d, t) });
    const testEnergy = meter?.end('test');
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
        train: { result: trainResult, kernels: trainRows, totals: totals(trainRows), energy: trainEnergy },
        test: { result: testResult, kernels: testRows, totals: totals(testRows), energy: testEnergy },
      },
      energy: meter ? { meter: meter.describe(), idle, windows: meter.windows() } : undefined,
    };
  } finally {
    meter?.stop();
    net.dispose();
  }
}

export function printTrain(report: TrainReport): string {
  const { train, test } = report.phases;
  const lines = [
    `model ${report.model.name}: ${report.params.toLocaleString('en-US')} parameters, input [${report.data.inputShape}], ${report.data.classes} classes, ${report.model.description.threads} threads`,
    `data: ${report.data.train}; ${report.data.test}`,
  ];
  if (report.energy) {
    lines.push(describeSources(report.energy.meter));
    if (report.energy.idle) lines.push(idleText(report.energy.idle));
  } else {
    lines.push('energy: not measured (--no-energy)');
  }
  lines.push(
    '',
    `train: ${train.result.epochs} epoch(s), ${train.result.steps} steps, ${train.result.samples} samples, ${train.result.seconds.toFixed(2)} s, loss by epoch ${train.result.epochLoss.map((l) => l.toFixed(4)).join(' ')}`,
    ledgerTable(train.kernels),
  );
  if (train.energy) lines.push(energyTable(train.energy));
  lines.push('', `test: ${test.result.samples} samples, ${test.result.seconds.toFixed(2)} s, loss ${test.result.loss.toFixed(4)}`, ledgerTable(test.kernels));
  if (test.energy) lines.push(energyTable(test.energy));
  return lines.join('\n');
}
