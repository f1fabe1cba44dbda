/** What a layer mapper (mappers.ts, gru.ts) sees of its node, and the checks they share. */
import type { LayerChain } from './chain.js';
import type { FoldContext } from './fold.js';
import { Refusal } from './refusal.js';
import type { ConstValue, TensorValue } from './values.js';

export interface MapContext extends FoldContext {
  chain: LayerChain;
  /** How many nodes (and graph outputs) read each value, by name. */
  readers: (name: string) => number;
}

/** Input `index` as a run-time tensor; a Refusal saying what it is otherwise. */
export function tensorInput(c: MapContext, index: number, what = 'input'): TensorValue {
  const v = c.inputs[index];
  if (v?.kind !== 'tensor')
    throw new Refusal(`its ${what} (input ${index}) must be a run-time tensor, got ${v ? `a ${v.kind} value` : 'nothing'}`);
  return v;
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
