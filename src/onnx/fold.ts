/**
 * Import-time evaluation of the nodes that compute constants: Constant and Identity, and the
 * Shape -> Gather -> Unsqueeze -> Concat (-> Cast) chains PyTorch emits for the targets of Reshape
 * (x.size(0), x.size(1), ...) and for the zero initial state of a GRU (ConstantOfShape -> Slice).
 * Evaluated on the shapes known at import time, with the batch size carried as null: a chain that
 * would compute with the batch size is refused, one that only passes it along to a Reshape is not.
 * A table, op type -> evaluator: an evaluator returns undefined when its inputs are not constants,
 * and the node then goes to the layer mappers (mappers.ts).
 */
import type { Attributes } from './attributes.js';
import { Refusal } from './refusal.js';
import type { NodeProto } from './schema.js';
import { dataTypeName, FLOAT32, floatValues, integerValues, isIntegerType, tensorDims } from './tensor-data.js';
import { fullShape, intConst, normalizeAxis, numel, type ConstValue, type ShapeEntry, type Value } from './values.js';

export interface FoldContext {
  node: NodeProto;
  attrs: Attributes;
  opset: number;
  inputs: (Value | undefined)[];
}

type Evaluator = (c: FoldContext) => Value[] | undefined;

function isConst(v: Value | undefined): v is ConstValue {
  return v?.kind === 'const';
}

/** An integer constant input (axes, indices, shapes); a Refusal naming the input otherwise. */
export function constInts(c: FoldContext, index: number, what: string): ShapeEntry[] {
  const v = c.inputs[index];
  if (!isConst(v) || !v.ints) throw new Refusal(`its ${what} (input ${index}) must be an integer constant known at import time`);
  return v.ints;
}

function known(values: ShapeEntry[], what: string): number[] {
  if (values.some((v) => v === null)) throw new Refusal(`computes ${what} from the batch size, which is only known at run time`);
  return values as number[];
}

/** The tensor a Constant node holds, from whichever of its value attributes is set. */
function constantValue(c: FoldContext): ConstValue {
  const t = c.attrs.tensor('value');
  if (t) {
    if (t.dataType === FLOAT32) return { kind: 'const', dims: tensorDims(t), float: floatValues(t) };
    if (isIntegerType(t.dataType)) return { kind: 'const', dims: tensorDims(t), ints: integerValues(t) };
    throw new Refusal(`holds a ${dataTypeName(t.dataType)} tensor; only float32 and integer constants are read`);
  }
  const f = c.attrs.floats('value_floats');
  if (f) return { kind: 'const', dims: [f.length], float: Float32Array.from(f) };
  const i = c.attrs.ints('value_ints');
  if (i) return intConst(i);
  if (c.attrs.has('value_float')) return { kind: 'const', dims: [], float: Float32Array.of(c.attrs.float('value_float', 0)) };
  if (c.attrs.has('value_int')) return intConst([c.attrs.int('value_int', 0)], []);
  throw new Refusal(`has no value this importer reads (attributes: ${c.attrs.names().join(', ') || 'none'})`);
}

/** Axes from the attribute (before opset 13) or the second input (13 on). */
function axesOf(c: FoldContext, required: boolean): number[] | undefined {
  if (c.opset < 13) return c.attrs.ints('axes');
  if (c.inputs[1] === undefined) {
    if (required) throw new Refusal('has no axes input');
    return undefined;
  }
  return known(constInts(c, 1, 'axes'), 'axes');
}

function unsqueezeDims(dims: number[], axes: number[]): number[] {
  const rank = dims.length + axes.length;
  const at = new Set(axes.map((a) => normalizeAxis(a, rank)));
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < rank; ++i) out.push(at.has(i) ? 1 : dims[next++]);
  return out;
}

function squeezeDims(dims: number[], axes: number[] | undefined): number[] {
  const drop = new Set((axes ?? dims.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => normalizeAxis(a, dims.length)));
  return dims.filter((_, i) => !drop.has(i));
}

/** Values of a constant, integer or float, as an array to index. */
function elements(v: ConstValue): (number | null)[] {
  return v.ints ?? Array.from(v.float ?? []);
}

function withElements(v: ConstValue, dims: number[], values: (number | null)[]): ConstValue {
  return v.ints ? { kind: 'const', dims, ints: values } : { kind: 'const', dims, float: Float32Array.from(values as number[]) };
}

/** The elements of `v` at the cartesian product of the indices kept on each axis. */
function gatherAll(v: ConstValue, picks: number[][]): ConstValue {
  const strides = v.dims.map((_, i) => numel(v.dims.slice(i + 1)));
  const values = elements(v);
  let offsets = [0];
  picks.forEach((kept, axis) => (offsets = offsets.flatMap((o) => kept.map((i) => o + i * strides[axis]))));
  return withElements(
    v,
    picks.map((p) => p.length),
    offsets.map((o) => values[o]),
  );
}

const arithmetic = (op: (a: number, b: number) => number): Evaluator => {
  return (c) => {
    const [a, b] = c.inputs;
    if (!isConst(a) || !isConst(b) || !a.ints || !b.ints) return undefined;
    const x = known(a.ints, 'a shape'),
      y = known(b.ints, 'a shape');
    if (x.length !== y.length && x.length !== 1 && y.length !== 1) throw new Refusal('broadcasts integer constants beyond a scalar');
    const n = Math.max(x.length, y.length);
    const dims = x.length >= y.length ? a.dims : b.dims;
    return [
      intConst(
        Array.from({ length: n }, (_, i) => Math.trunc(op(x[x.length === 1 ? 0 : i], y[y.length === 1 ? 0 : i]))),
        dims,
      ),
    ];
  };
};

export const FOLDERS: Record<string, Evaluator> = {
  Constant: (c) => [constantValue(c)],
  Identity: (c) => [c.inputs[0] ?? { kind: 'refused' }],
  Shape: (c) => {
    const v = c.inputs[0];
    if (!v || v.kind === 'fill' || v.kind === 'refused') throw new Refusal('takes the shape of a value that is not a tensor');
    const dims: ShapeEntry[] = v.kind === 'tensor' ? fullShape(v) : v.dims;
    const rank = dims.length;
    const clamp = (a: number) => Math.min(Math.max(a < 0 ? a + rank : a, 0), rank);
    return [intConst(dims.slice(clamp(c.attrs.int('start', 0)), clamp(c.attrs.int('end', rank))))];
  },
  Gather: (c) => {
    const [data, indices] = c.inputs;
    if (!isConst(data) || !isConst(indices) || !indices.ints) return undefined;
    if (data.dims.length !== 1 || normalizeAxis(c.attrs.int('axis', 0), 1) !== 0) throw new Refusal('gathers from a constant of rank > 1');
    const values = elements(data);
    const picked = known(indices.ints, 'indices').map((i) => {
      const at = i < 0 ? i + values.length : i;
      if (at < 0 || at >= values.length) throw new Refusal(`index ${i} is outside [0, ${values.length})`);
      return values[at];
    });
    return [withElements(data, indices.dims, picked)];
  },
  Unsqueeze: (c) => {
    const v = c.inputs[0];
    if (!isConst(v)) return undefined;
    return [withElements(v, unsqueezeDims(v.dims, axesOf(c, true) ?? []), elements(v))];
  },
  Squeeze: (c) => {
    const v = c.inputs[0];
    if (!isConst(v)) return undefined;
    return [withElements(v, squeezeDims(v.dims, axesOf(c, false)), elements(v))];
  },
  Concat: (c) => {
    const parts = c.inputs;
    if (!parts.every(isConst)) return undefined;
    const consts = parts as ConstValue[];
    if (consts.some((p) => p.dims.length !== 1)) throw new Refusal('concatenates constants of rank other than 1');
    const values = consts.flatMap(elements);
    return [withElements(consts[0], [values.length], values)];
  },
  Cast: (c) => {
    const v = c.inputs[0];
    if (!isConst(v)) return undefined;
    const to = c.attrs.int('to', FLOAT32);
    if (to === FLOAT32) return [{ kind: 'const', dims: v.dims, float: Float32Array.from(known(elements(v), 'a float')) }];
    if (isIntegerType(to))
      return [
        intConst(
          elements(v).map((x) => (x === null ? null : Math.trunc(x))),
          v.dims,
        ),
      ];
    throw new Refusal(`casts to ${dataTypeName(to)}`);
  },
  ConstantOfShape: (c) => {
    const shape = constInts(c, 0, 'shape');
    const t = c.attrs.tensor('value');
    const value = t ? (t.dataType === FLOAT32 ? floatValues(t)[0] : integerValues(t)[0]) : 0;
    if (shape.some((d) => d === null)) return [{ kind: 'fill', value }];
    const dims = shape as number[];
    return [
      t && t.dataType !== FLOAT32
        ? intConst(new Array(numel(dims)).fill(value), dims)
        : { kind: 'const', dims, float: new Float32Array(numel(dims)).fill(value) },
    ];
  },
  Slice: (c) => {
    const v = c.inputs[0];
    if (v?.kind === 'fill') return [v];
    if (!isConst(v)) return undefined;
    const starts = known(constInts(c, 1, 'starts'), 'starts');
    const ends = known(constInts(c, 2, 'ends'), 'ends');
    const axes = c.inputs[3] ? known(constInts(c, 3, 'axes'), 'axes') : starts.map((_, i) => i);
    const steps = c.inputs[4] ? known(constInts(c, 4, 'steps'), 'steps') : starts.map(() => 1);
    // Per axis, the indices kept (numpy slicing: negative indices count from the end, ends clamp).
    const picks = v.dims.map((n) => Array.from({ length: n }, (_, i) => i));
    axes.forEach((a, k) => {
      const axis = normalizeAxis(a, v.dims.length);
      if (axis === undefined || steps[k] === 0) throw new Refusal(`slices axis ${a} with step ${steps[k]}`);
      const n = v.dims[axis];
      const step = steps[k];
      const at = (i: number, low: number, high: number) => Math.min(Math.max(i < 0 ? i + n : i, low), high);
      const [first, last] = step > 0 ? [at(starts[k], 0, n), at(ends[k], 0, n)] : [at(starts[k], -1, n - 1), at(ends[k], -1, n - 1)];
      const kept: number[] = [];
      for (let i = first; step > 0 ? i < last : i > last; i += step) kept.push(i);
      picks[axis] = kept;
    });
    return [gatherAll(v, picks)];
  },
  Transpose: (c) => {
    const v = c.inputs[0];
    if (!isConst(v)) return undefined;
    const rank = v.dims.length;
    const perm = c.attrs.ints('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    const strides = v.dims.map((_, i) => numel(v.dims.slice(i + 1)));
    const dims = perm.map((p) => v.dims[p]);
    const values = elements(v);
    const out = Array.from({ length: numel(dims) }, (_, flat) => {
      let source = 0;
      for (let i = rank - 1, rest = flat; i >= 0; --i) {
        source += (rest % dims[i]) * strides[perm[i]];
        rest = Math.floor(rest / dims[i]);
      }
      return values[source];
    });
    return [withElements(v, dims, out)];
  },
  Reshape: (c) => {
    const v = c.inputs[0];
    if (v?.kind === 'fill') return [v];
    if (!isConst(v)) return undefined;
    const target = known(constInts(c, 1, 'shape'), 'a shape');
    const total = numel(v.dims);
    const fixed = target.map((d, i) => (d === 0 ? v.dims[i] : d));
    const rest = numel(fixed.filter((d) => d !== -1));
    return [
      withElements(
        v,
        fixed.map((d) => (d === -1 ? total / rest : d)),
        elements(v),
      ),
    ];
  },
  Add: arithmetic((a, b) => a + b),
  Sub: arithmetic((a, b) => a - b),
  Mul: arithmetic((a, b) => a * b),
  Div: arithmetic((a, b) => a / b),
};
