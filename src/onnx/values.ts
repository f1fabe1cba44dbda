/**
 * What an ONNX value is while a graph is imported:
 * - `const`: known at import time (an initializer, a Constant, a folded shape computation). Integer
 *   constants may hold `null` for the batch size, unknown until run time (a Shape of a tensor);
 * - `fill`: a constant of one value whose shape involves the batch size (ConstantOfShape over such
 *   a shape: the zero initial state PyTorch gives a GRU);
 * - `tensor`: a run-time tensor, the output of a layer of the graph being built (or the network
 *   input), perhaps seen through a view (a Reshape, Squeeze, ...). Its batch axis may sit anywhere in the ONNX shape: a Transpose that only moves
 *   the batch axis is not a layer, because sedjoule keeps the batch outermost and its per-sample
 *   memory order is unchanged;
 * - `refused`: the output of a node that could not be imported (its consumers are skipped, so one
 *   problem is reported once).
 */
export type ShapeEntry = number | null;

export interface ConstValue {
  kind: 'const';
  dims: number[];
  /** float32 data, for weights and float constants */
  float?: Float32Array;
  /** integer data (shapes, axes, indices); null stands for the batch size */
  ints?: ShapeEntry[];
  /** An initializer of the graph (a PyTorch parameter or buffer), not a literal or a computed value. */
  initializer?: boolean;
}

export interface FillValue {
  kind: 'fill';
  value: number;
}

export interface TensorValue {
  kind: 'tensor';
  /** The ONNX shape without the batch axis: the per-sample shape in memory order. */
  sample: number[];
  /** Where the batch axis sits in the ONNX shape. */
  batchAxis: number;
  /** The shape the sedjoule layer chain gives this memory (equal numel; a reshape reconciles them). */
  sedShape: number[];
  /** The layer whose output this is; -1 for the network input. */
  layer: number;
  /** Zero padding a Pad node adds, still to be applied by the Conv reading it (ONNX pads order, spatial axes). */
  pad?: number[];
}

export type Value = ConstValue | FillValue | TensorValue | { kind: 'refused' };

/** The ONNX shape of a tensor value, batch included as null. */
export function fullShape(t: TensorValue): ShapeEntry[] {
  const dims: ShapeEntry[] = [...t.sample];
  dims.splice(t.batchAxis, 0, null);
  return dims;
}

export function numel(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

export function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A negative ONNX axis counted from the end; undefined when out of range. */
export function normalizeAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}

export function intConst(values: ShapeEntry[], dims: number[] = [values.length]): ConstValue {
  return { kind: 'const', dims, ints: values };
}

/**
 * A float32 attribute or constant as the shortest decimal that reads back as the same float32
 * (0.2f is 0.2, not 0.20000000298...), for a spec a person reads.
 */
export function float32(value: number): number {
  const f = Math.fround(value);
  for (let digits = 1; digits < 9; ++digits) {
    const short = Number(f.toPrecision(digits));
    if (Math.fround(short) === f) return short;
  }
  return f;
}
