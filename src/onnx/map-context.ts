/** What a layer mapper (mappers.ts, gru.ts) sees of its node, and the checks they share. */
import type { FoldContext } from './fold.js';
import type { LayerGraph } from './graph.js';
import { Refusal } from './refusal.js';
import type { NodeProto } from './schema.js';
import type { ConstValue, TensorValue } from './values.js';

export interface MapContext extends FoldContext {
  graph: LayerGraph;
  /** How many nodes (and graph outputs) read each value, by name. */
  readers: (name: string) => number;
  /** The nodes that read a value, by name. */
  consumers: (name: string) => NodeProto[];
}

/**
 * Input `index` as a run-time tensor; a Refusal saying what it is otherwise. A tensor still to be
 * padded (a Pad's output) is only for a Conv, which says so with `padded`.
 */
export function tensorInput(c: MapContext, index: number, what = 'input', padded = false): TensorValue {
  const v = c.inputs[index];
  if (v?.kind !== 'tensor')
    throw new Refusal(`its ${what} (input ${index}) must be a run-time tensor, got ${v ? `a ${v.kind} value` : 'nothing'}`);
  if (v.pad && !padded) throw new Refusal(`its ${what} (input ${index}) is a Pad's output, imported only as a Conv's padding`);
  return v;
}

/** Input `index` as a run-time tensor or a constant (an operand of an element-wise op). */
export function tensorOrConst(c: MapContext, index: number): TensorValue | ConstValue {
  const v = c.inputs[index];
  if (v?.kind === 'const') return v;
  return tensorInput(c, index, 'operand');
}

/** Input `index` as a float32 constant (a weight); a Refusal otherwise. */
export function weightInput(c: MapContext, index: number, what: string): ConstValue & { float: Float32Array } {
  const v = c.inputs[index];
  if (v?.kind !== 'const' || !v.float) {
    throw new Refusal(`its ${what} (input ${index}) must be a float32 constant (an initializer); a computed weight is not imported`);
  }
  return v as ConstValue & { float: Float32Array };
}

/** Refuses an attribute whose value is not the one supported. */
export function requireAttr(name: string, ok: boolean, why: string): void {
  if (!ok) throw new Refusal(`attribute ${name}: ${why}`);
}
