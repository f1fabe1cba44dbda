/**
 * `sedjoule train`: prepares the data (the embedded synthetic set by default, or --data DIR),
 * builds one model, trains it, runs a test pass, and reports per phase the per-kernel costs from
 * the ledger, the energy windows, and the test metrics.
 */
import { Meter } from '../energy/meter.js';
import type { EnergyWindow, IdleBaseline, MeterDescription } from '../energy/types.js';
import { prepareData, type DataInfo, type DataSettings, type FeaturePhase } from '../experiment/data.js';
import { testPhase, trainPhase, type TestResult, type TrainResult } from '../experiment/phases.js';
import { describeSources, energyTable, idleText } from '../format/energy-table.js';
import { ledgerTable } from '../format/ledger-table.js';
import { ProgressBar } from '../format/progress.js';
import { totals, type LedgerTotals } from '../ledger.js';
import { taggingMetrics, type TaggingMetrics } from '../metrics/tagging.js';
import { describeModel, modelSpec, type ModelConfig } from '../models/families.js';
import { Network, type NetworkDescription } from '../network.js';
import { packageVersion } from '../version.js';
import type { EnergySettings } from './energy-options.js';

export interface TrainOptions {
  model: ModelConfig;
  data: DataSettings;
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
  /** Every window in closing order: features, epochs, train, test. */
  windows: EnergyWindow[];
}

export interface TrainReport {
  command: 'train';
  version: string;
  model: { name: string; config: ModelConfig; params: number; description: NetworkDescription };
  data: DataInfo;
  settings: Omit<TrainOptions, 'model' | 'progress'>;
  params: number;
  phases: { features?: FeaturePhase; train: PhaseReport<TrainResult>; test: PhaseReport<TestResult> & { metrics: TaggingMetrics } };
  energy?: EnergyReport;
}

function targetsOf(dataset: { size: number; classes: string[]; target(i: number): Float32Array }): Float32Array {
  const c = dataset.classes.length;
  const out = new Float32Array(dataset.size * c);
  for (let i = 0; i < dataset.size; ++i) out.set(dataset.target(i), i * c);
  return out;
}

export async function runTrain(options: TrainOptions): Promise<TrainReport> {
  const meter = options.energy.enabled ? Meter.start(options.energy.meter) : undefined;
  let net: Network | undefined;
  try {
    let idle: IdleBaseline | undefined;
    if (meter && options.energy.idleSeconds > 0) {
      if (options.progress) process.stderr.write(`measuring idle power for ${options.energy.idleSeconds} s\n`);
      idle = await meter.measureIdle(options.energy.idleSeconds);
    }
    const { train, test, info, features } = await prepareData(options.data, meter);

    const spec = modelSpec(options.model, { inputShape: info.inputShape, classes: info.classes.length, seed: options.seed });
    spec.optimizer = { type: 'adam', lr: options.lr };
    net = Network.create(spec, { threads: options.threads });

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
    const { ledger: testRows, outputs, ...testResult } = tested;
    const { model: _model, progress: _progress, ...settings } = options;
    return {
      command: 'train',
      version: packageVersion(),
      model: { name: describeModel(options.model), config: options.model, params: net.parameters, description: net.description },
      data: info,
      settings,
      params: net.parameters,
      phases: {
        features,
        train: { result: trainResult, kernels: trainRows, totals: totals(trainRows), energy: trainEnergy },
        test: { result: testResult, kernels: testRows, totals: totals(testRows), energy: testEnergy, metrics: taggingMetrics(outputs, targetsOf(test), info.classes) },
      },
      energy: meter ? { meter: meter.describe(), idle, windows: meter.windows() } : undefined,
    };
  } finally {
    meter?.stop();
    net?.dispose();
  }
}

function dataLine(info: DataInfo): string {
  const where = info.source === 'random' ? 'seeded random labelled set (no audio)' : `${info.source === 'synthetic' ? 'embedded synthetic set' : 'dataset'} ${info.root} (${info.format})`;
  const held = info.heldOut ? ', test held out from train' : '';
  const skipped = info.skipped.length ? `, ${info.skipped.length} item(s) skipped` : '';
  return `data: ${where}: ${info.train} train / ${info.test} test examples, ${info.classes.length} classes, input [${info.inputShape}]${held}${skipped}`;
}

export function printTrain(report: TrainReport): string {
  const { features, train, test } = report.phases;
  const lines = [
    `model ${report.model.name}: ${report.params.toLocaleString('en-US')} parameters, ${report.model.description.threads} threads`,
    dataLine(report.data),
  ];
  for (const s of report.data.skipped.slice(0, 10)) lines.push(`  skipped ${s.file}${s.line !== undefined ? `:${s.line}` : ''}: ${s.message}`);
  if (report.data.skipped.length > 10) lines.push(`  ... and ${report.data.skipped.length - 10} more skipped`);
  if (report.energy) {
    lines.push(describeSources(report.energy.meter));
    if (report.energy.idle) lines.push(idleText(report.energy.idle));
  } else {
    lines.push('energy: not measured (--no-energy)');
  }
  if (features) {
    const f = report.data.frontend!;
    const counts = features.reports.map((r) => `${r.split} ${r.computed} computed, ${r.cached} cached`).join('; ');
    lines.push('', `features: ${f.nMels} mels x ${report.data.inputShape[2]} frames at ${f.sampleRate} Hz; ${counts}; cache ${report.data.cacheDir}`);
    if (features.kernels.length) lines.push(ledgerTable(features.kernels));
    if (features.energy) lines.push(energyTable(features.energy));
  }
  lines.push(
    '',
    `train: ${train.result.epochs} epoch(s), ${train.result.steps} steps, ${train.result.samples} samples, ${train.result.seconds.toFixed(2)} s, loss by epoch ${train.result.epochLoss.map((l) => l.toFixed(4)).join(' ')}`,
    ledgerTable(train.kernels),
  );
  if (train.energy) lines.push(energyTable(train.energy));
  const m = test.metrics;
  lines.push(
    '',
    `test: ${test.result.samples} samples, ${test.result.seconds.toFixed(2)} s, loss ${test.result.loss.toFixed(4)}, mAP ${m.mAP === null ? 'n/a' : m.mAP.toFixed(3)}, ROC-AUC ${m.macroRocAuc === null ? 'n/a' : m.macroRocAuc.toFixed(3)}, F1@0.5 micro ${m.microF1.toFixed(3)} macro ${m.macroF1.toFixed(3)}`,
    ledgerTable(test.kernels),
  );
  if (test.energy) lines.push(energyTable(test.energy));
  return lines.join('\n');
}
