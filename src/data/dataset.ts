/** A labelled set of fixed-size examples held in memory, and its batching. */
import { SedjouleError } from '../errors.js';
import { Random } from '../util/random.js';

export interface Dataset {
  /** Short description for reports, e.g. "random-labelled (seed 1, 200 clips)". */
  name: string;
  /** Per-example input shape, e.g. [1, 128, 64]. */
  inputShape: number[];
  classes: string[];
  size: number;
  /** Example i's input (a view, not a copy). */
  input(i: number): Float32Array;
  /** Example i's multi-hot target (a view). */
  target(i: number): Float32Array;
}

export interface Batch {
  x: Float32Array;
  y: Float32Array;
  size: number;
  indices: number[];
}

/** A dataset stored as two contiguous arrays. */
export class ArrayDataset implements Dataset {
  readonly size: number;
  private readonly inputSize: number;

  constructor(
    readonly name: string,
    readonly inputShape: number[],
    readonly classes: string[],
    private readonly inputs: Float32Array,
    private readonly targets: Float32Array,
  ) {
    this.inputSize = inputShape.reduce((a, b) => a * b, 1);
    this.size = inputs.length / this.inputSize;
    if (!Number.isInteger(this.size) || targets.length !== this.size * classes.length) {
      throw new SedjouleError(
        'E_SHAPE',
        `dataset ${name}: ${inputs.length} input values and ${targets.length} target values do not make whole examples of [${inputShape}] with ${classes.length} classes`,
      );
    }
  }

  input(i: number): Float32Array {
    return this.inputs.subarray(i * this.inputSize, (i + 1) * this.inputSize);
  }

  target(i: number): Float32Array {
    const c = this.classes.length;
    return this.targets.subarray(i * c, (i + 1) * c);
  }
}

/**
 * Batches in a seeded shuffled order (or in order when `shuffleSeed` is undefined). The last
 * batch may be smaller.
 */
export function* batches(data: Dataset, batchSize: number, shuffleSeed?: number): Generator<Batch> {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new SedjouleError('E_VALUE', `batch size must be a positive integer, got ${batchSize}`);
  const order = shuffleSeed === undefined ? Array.from({ length: data.size }, (_, i) => i) : new Random(shuffleSeed).permutation(data.size);
  const inputSize = data.inputShape.reduce((a, b) => a * b, 1);
  const classes = data.classes.length;
  for (let start = 0; start < order.length; start += batchSize) {
    const indices = order.slice(start, start + batchSize);
    const x = new Float32Array(indices.length * inputSize);
    const y = new Float32Array(indices.length * classes);
    indices.forEach((example, k) => {
      x.set(data.input(example), k * inputSize);
      y.set(data.target(example), k * classes);
    });
    yield { x, y, size: indices.length, indices };
  }
}

export function batchCount(data: Dataset, batchSize: number): number {
  return Math.ceil(data.size / batchSize);
}
