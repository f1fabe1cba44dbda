/**
 * What the ONNX GRU and LSTM mappers (gru.ts, lstm.ts) share: one node per layer, direction
 * "forward" or "bidirectional", zero initial states, only the sequence output Y read, and a node
 * reading the previous recurrent layer's output folded into that layer's stack.
 *
 * Layout: X is [seq, batch, input] (the batch at axis 1, so PyTorch's batch_first Transpose before
 * it is not a layer), Y is [seq, directions, batch, hidden], whose per-sample memory [seq,
 * directions, hidden] is sedjoule's output [T, D*H]: the Transpose/Reshape (or Squeeze) PyTorch
 * puts after it only rename axes.
 *
 * Weights: W [D, gH, I], R [D, gH, H] and B [D, 2gH] = [Wb, Rb] stack g gate blocks of H rows in
 * ONNX's order, which differs from PyTorch's (and sedjoule's); B is split into bias_ih and bias_hh.
 */
import type { LayerSpec } from '../spec.js';
import { requireAttr, tensorInput, weightInput, type MapContext } from './map-context.js';
import { Refusal } from './refusal.js';
import { sameDims, type Value } from './values.js';

export interface RecurrentOp {
  type: 'gru' | 'lstm';
  /** PyTorch's gate block k is ONNX's block order[k]. */
  order: number[];
  /** The activations attribute's default, for one direction. */
  activations: string[];
  /** Inputs holding initial states (each must be absent or zero) by index. */
  initialStates: Record<number, string>;
  /** Outputs after Y (final states) by index: none may be read. */
  finalStates: Record<number, string>;
  /** The report's line on the weights of layer 0. */
  note: string;
}

/** [D, gH, cols] with gate blocks in ONNX's order -> PyTorch's. */
export function reorderGates(values: Float32Array, directions: number, hidden: number, cols: number, order: number[]): Float32Array {
  const out = new Float32Array(values.length);
  const block = hidden * cols,
    gates = order.length;
  for (let d = 0; d < directions; ++d) {
    const base = d * gates * block;
    order.forEach((from, to) => out.set(values.subarray(base + from * block, base + (from + 1) * block), base + to * block));
  }
  return out;
}

function isZero(v: Value | undefined): boolean {
  return v === undefined || (v.kind === 'fill' && v.value === 0) || (v.kind === 'const' && (v.float ?? []).every((x) => x === 0));
}

/** Layer options beyond the shared ones (a GRU's linearBeforeReset); a stack's layers share them. */
export interface RecurrentOptions {
  linearBeforeReset?: boolean;
}

export function mapRecurrent(c: MapContext, op: RecurrentOp, options: RecurrentOptions = {}): Value[] {
  const x = tensorInput(c, 0);
  const a = c.attrs;
  const hidden = a.int('hidden_size', 0);
  const direction = a.string('direction', 'forward');
  requireAttr(
    'direction',
    direction === 'forward' || direction === 'bidirectional',
    `'${direction}' is not imported (forward or bidirectional)`,
  );
  requireAttr('layout', a.int('layout', 0) === 0, 'batch-first layout 1 is not imported');
  requireAttr('clip', !a.has('clip'), 'cell clipping is not imported');
  const activations = a.strings('activations');
  requireAttr(
    'activations',
    !activations || activations.every((f, i) => f === op.activations[i % op.activations.length]),
    `[${activations}]; only ${op.activations.join(', ')} per direction`,
  );
  if (x.batchAxis !== 1 || x.sample.length !== 2)
    throw new Refusal(`reads [seq, batch, input]; got per-sample [${x.sample}] with the batch at axis ${x.batchAxis}`);
  if (c.inputs[4] !== undefined) throw new Refusal('has sequence_lens; variable-length sequences are not imported');
  for (const [index, name] of Object.entries(op.initialStates))
    if (!isZero(c.inputs[Number(index)]))
      throw new Refusal(`starts from an ${name} that is not zero; sedjoule starts every sequence at zero`);
  for (const [index, name] of Object.entries(op.finalStates)) {
    const output = c.node.output[Number(index)];
    if (output && c.readers(output) > 0) throw new Refusal(`its final state ${name} is read; only the sequence output Y is imported`);
  }

  const directions = direction === 'bidirectional' ? 2 : 1;
  const gates = op.order.length;
  const [steps, inputSize] = x.sample;
  const w = weightInput(c, 1, 'W');
  const r = weightInput(c, 2, 'R');
  if (w.dims.join() !== [directions, gates * hidden, inputSize].join() || r.dims.join() !== [directions, gates * hidden, hidden].join()) {
    throw new Refusal(`W [${w.dims}] and R [${r.dims}] do not fit ${directions} direction(s), hidden ${hidden}, input ${inputSize}`);
  }
  const bias = c.inputs[3] !== undefined;
  // A node reading the output of the layer of the same type just made, with nothing but renamed
  // axes between, is the next layer of the same stack: one sedjoule layer with `layers` + 1.
  const head = c.graph.head >= 0 ? c.graph.layer(c.graph.head) : undefined;
  const stacked =
    head?.type === op.type &&
    x.layer === c.graph.head &&
    sameDims(x.sedShape, x.sample) &&
    head.hidden === hidden &&
    head.bidirectional === (directions === 2) &&
    head.bias === bias &&
    (head as RecurrentOptions).linearBeforeReset === options.linearBeforeReset;
  const level = stacked ? (head.layers ?? 1) : 0;
  const reorder = (v: Float32Array, cols: number) => reorderGates(v, directions, hidden, cols, op.order);
  const params: Record<string, Float32Array> = {
    [`weight_ih_l${level}`]: reorder(w.float, inputSize),
    [`weight_hh_l${level}`]: reorder(r.float, hidden),
  };
  if (bias) {
    const b = weightInput(c, 3, 'B');
    const rows = gates * hidden;
    const ih = new Float32Array(directions * rows),
      hh = new Float32Array(directions * rows);
    for (let d = 0; d < directions; ++d) {
      ih.set(b.float.subarray(2 * d * rows, (2 * d + 1) * rows), d * rows);
      hh.set(b.float.subarray((2 * d + 1) * rows, (2 * d + 2) * rows), d * rows);
    }
    params[`bias_ih_l${level}`] = reorder(ih, 1);
    params[`bias_hh_l${level}`] = reorder(hh, 1);
  }
  const output = { sample: [steps, directions, hidden], batchAxis: 2, sedShape: [steps, directions * hidden] };
  if (stacked) {
    head.layers = level + 1;
    c.graph.extend(c.graph.head, c.node, params, `layer ${level} of the stack: W, R reordered and B split as for layer 0`);
    return [{ kind: 'tensor', ...output, layer: c.graph.head }];
  }
  const layer: LayerSpec = { type: op.type, hidden, layers: 1, bidirectional: directions === 2, bias, ...options };
  return [c.graph.add(c.node, [x], layer, params, output, [op.note])];
}
