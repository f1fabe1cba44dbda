/**
 * The train and test phases of an experiment on an already-built network. Each phase starts with
 * an empty ledger and returns its own rows, so the costs of the phases never mix.
 */
import { batchCount, batches, type Dataset } from '../data/dataset.js';
import type { LedgerRow } from '../ledger.js';
import type { Network } from '../network.js';

export interface Progress {
  (done: number, total: number, detail?: string): void;
}

export interface TrainResult {
  epochs: number;
  steps: number;
  samples: number;
  /** Mean training loss of each epoch. */
  epochLoss: number[];
  seconds: number;
  ledger: LedgerRow[];
}

export interface TestResult {
  samples: number;
  loss: number;
  /** Probabilities, [samples x classes], in dataset order. */
  outputs: Float32Array;
  seconds: number;
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
    /** Called before and after each epoch (1-based), e.g. to open and close energy windows. */
    onEpochStart?: (epoch: number) => void;
    onEpochEnd?: (epoch: number) => void;
  },
): Promise<TrainResult> {
  net.resetLedger();
  const perEpoch = batchCount(data, options.batchSize);
  const total = perEpoch * options.epochs;
  const epochLoss: number[] = [];
  let steps = 0;
  let samples = 0;
  const start = performance.now();
  for (let epoch = 0; epoch < options.epochs; ++epoch) {
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
    options.onEpochEnd?.(epoch + 1);
  }
  return { epochs: options.epochs, steps, samples, epochLoss, seconds: (performance.now() - start) / 1000, ledger: net.ledger() };
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
