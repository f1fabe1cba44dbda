/**
 * The phases of an experiment on an already-built network: train (epochs of forward, loss,
 * backward, optimiser step), test (one pass without gradients over the test split) and run
 * (repeated forward passes on a fixed random input: the inference micro-benchmark). Each phase
 * starts with an empty ledger and returns its own rows, so the costs of the phases never mix.
 */
import { batchCount, batches, type Dataset } from '../data/dataset.js';
import type { LedgerRow } from '../ledger.js';
import type { Network } from '../network.js';
import type { RunSummary, TestSummary, TrainSummary } from '../records/run-record.js';
import { Random } from '../util/random.js';

export interface Progress {
  (done: number, total: number, detail?: string): void;
}

export interface TrainResult extends TrainSummary {
  ledger: LedgerRow[];
}

export interface TestResult extends TestSummary {
  /** Probabilities, [samples x classes], in dataset order. */
  outputs: Float32Array;
  ledger: LedgerRow[];
}

export async function trainPhase(
  net: Network,
  data: Dataset,
  options: {
    epochs: number;
    batchSize: number;
    shuffleSeed: number;
    progress?: Progress;
    /** Epochs already done (a resumed run): training continues with epoch startEpoch + 1. */
    startEpoch?: number;
    /**
     * Called before and after each epoch (1-based), e.g. to open and close energy windows; the
     * end hook is awaited (a checkpoint is written there) and told the steps, samples and seconds
     * of this call so far.
     */
    onEpochStart?: (epoch: number) => void;
    onEpochEnd?: (epoch: number, loss: number, sofar: { steps: number; samples: number; seconds: number }) => void | Promise<void>;
  },
): Promise<TrainResult> {
  net.resetLedger();
  const startEpoch = options.startEpoch ?? 0;
  const perEpoch = batchCount(data, options.batchSize);
  const total = perEpoch * (options.epochs - startEpoch);
  const epochLoss: number[] = [];
  let steps = 0;
  let samples = 0;
  const start = performance.now();
  for (let epoch = startEpoch; epoch < options.epochs; ++epoch) {
    options.onEpochStart?.(epoch + 1);
    let sum = 0;
    let count = 0;
    for (const batch of batches(data, options.batchSize, options.shuffleSeed + epoch)) {
      const loss = await net.trainStep(batch.x, batch.y);
      sum += loss * batch.size;
      count += batch.size;
      samples += batch.size;
      ++steps;
      options.progress?.(steps, total, `epoch ${epoch + 1}/${options.epochs} loss ${(sum / count).toFixed(4)}`);
    }
    epochLoss.push(sum / count);
    await options.onEpochEnd?.(epoch + 1, sum / count, { steps, samples, seconds: (performance.now() - start) / 1000 });
  }
  return {
    epochs: options.epochs - startEpoch,
    startEpoch,
    steps,
    samples,
    epochLoss,
    seconds: (performance.now() - start) / 1000,
    ledger: net.ledger(),
  };
}

export async function testPhase(net: Network, data: Dataset, options: { batchSize: number; progress?: Progress }): Promise<TestResult> {
  net.resetLedger();
  const classes = data.classes.length;
  const outputs = new Float32Array(data.size * classes);
  const total = batchCount(data, options.batchSize);
  let sum = 0;
  let done = 0;
  const start = performance.now();
  for (const batch of batches(data, options.batchSize)) {
    const result = await net.evaluate(batch.x, batch.y);
    sum += result.loss * batch.size;
    batch.indices.forEach((example, k) => outputs.set(result.outputs.subarray(k * classes, (k + 1) * classes), example * classes));
    options.progress?.(++done, total);
  }
  return { samples: data.size, loss: sum / data.size, outputs, seconds: (performance.now() - start) / 1000, ledger: net.ledger() };
}

export interface RunResult extends RunSummary {
  ledger: LedgerRow[];
}

/**
 * The inference micro-benchmark of the study: `passes` forward passes (no gradients) on one fixed
 * seeded random input batch.
 */
export async function runPhase(
  net: Network,
  options: { passes: number; batch: number; seed: number; progress?: Progress },
): Promise<RunResult> {
  net.resetLedger();
  const size = net.inputShape.reduce((a, b) => a * b, 1);
  const random = new Random(options.seed);
  const x = Float32Array.from({ length: options.batch * size }, () => random.normal());
  const start = performance.now();
  for (let p = 0; p < options.passes; ++p) {
    await net.predict(x);
    options.progress?.(p + 1, options.passes);
  }
  const seconds = (performance.now() - start) / 1000;
  return { passes: options.passes, batch: options.batch, seconds, msPerPass: (1000 * seconds) / options.passes, ledger: net.ledger() };
}
