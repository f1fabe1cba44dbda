/**
 * ONNX GRU -> sedjoule gru. PyTorch exports nn.GRU with linear_before_reset=1, the only form whose
 * candidate gate matches PyTorch's (and sedjoule's) n = tanh(W_in x + b_in + r * (W_hn h + b_hn));
 * one GRU node per layer, with direction "bidirectional" for a bidirectional one.
 *
 * Weights: ONNX W [D, 3H, I], R [D, 3H, H] and B [D, 6H] = [Wb, Rb] stack the gates in the order
 * z, r, h (onnx.ai/onnx/operators/onnx__GRU.html); PyTorch and sedjoule stack r, z, n. So each
 * direction's first two blocks of H rows are swapped, and B is split into bias_ih and bias_hh.
 *
 * Layout: X is [seq, batch, input] (the batch at axis 1, so PyTorch's batch_first Transpose before
 * it is not a layer), Y is [seq, directions, batch, hidden], whose per-sample memory [seq,
 * directions, hidden] is sedjoule's gru output [T, D*H]: the Transpose/Reshape (or Squeeze)
 * PyTorch puts after it only rename axes.
 */
import type { LayerSpec } from '../spec.js';
import { requireAttr, tensorInput, weightInput, type MapContext } from './map-context.js';
import { Refusal } from './refusal.js';
import { sameDims, type Value } from './values.js';

/** [D, 3H, cols] with gate blocks z, r, h -> r, z, h. */
export function zrhToRzh(values: Float32Array, directions: number, hidden: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  const block = hidden * cols;
  for (let d = 0; d < directions; ++d) {
    const base = d * 3 * block;
    out.set(values.subarray(base + block, base + 2 * block), base); // r
    out.set(values.subarray(base, base + block), base + block); // z
    out.set(values.subarray(base + 2 * block, base + 3 * block), base + 2 * block); // h (n)
  }
  return out;
}

export function mapGru(c: MapContext): Value[] {
  const x = tensorInput(c, 0);
  const a = c.attrs;
  const hidden = a.int('hidden_size', 0);
  const direction = a.string('direction', 'forward');
  requireAttr(
    'direction',
    direction === 'forward' || direction === 'bidirectional',
    `'${direction}' is not imported (forward or bidirectional)`,
  );
  requireAttr(
    'linear_before_reset',
    a.int('linear_before_reset', 0) === 1,
    "0 is not PyTorch's GRU (sedjoule's gru applies the reset gate after the hidden matmul, as linear_before_reset=1)",
  );
  requireAttr('layout', a.int('layout', 0) === 0, 'batch-first layout 1 is not imported');
  requireAttr('clip', !a.has('clip'), 'cell clipping is not imported');
  const activations = a.strings('activations');
  requireAttr(
    'activations',
    !activations || activations.every((f, i) => f === (i % 2 === 0 ? 'Sigmoid' : 'Tanh')),
    `[${activations}]; only Sigmoid, Tanh`,
  );
  if (x.batchAxis !== 1 || x.sample.length !== 2)
    throw new Refusal(`reads [seq, batch, input]; got per-sample [${x.sample}] with the batch at axis ${x.batchAxis}`);
  if (c.inputs[4] !== undefined) throw new Refusal('has sequence_lens; variable-length sequences are not imported');
  const h0 = c.inputs[5];
  const zeroStart =
    h0 === undefined || (h0.kind === 'fill' && h0.value === 0) || (h0.kind === 'const' && (h0.float ?? []).every((v) => v === 0));
  if (!zeroStart) throw new Refusal('starts from an initial_h that is not zero; sedjoule starts every sequence at zero');
  if (c.node.output[1] && c.readers(c.node.output[1]) > 0)
    throw new Refusal('its final hidden state Y_h is read; only the sequence output Y is imported');

  const directions = direction === 'bidirectional' ? 2 : 1;
  const [steps, inputSize] = x.sample;
  const w = weightInput(c, 1, 'W');
  const r = weightInput(c, 2, 'R');
  if (w.dims.join() !== [directions, 3 * hidden, inputSize].join() || r.dims.join() !== [directions, 3 * hidden, hidden].join()) {
    throw new Refusal(`W [${w.dims}] and R [${r.dims}] do not fit ${directions} direction(s), hidden ${hidden}, input ${inputSize}`);
  }
  // A GRU reading the output of the GRU layer just made, with nothing but renamed axes between,
  // is the next layer of the same stack: one sedjoule gru with `layers` + 1.
  const head = c.graph.head >= 0 ? c.graph.layer(c.graph.head) : undefined;
  const stacked =
    head?.type === 'gru' &&
    x.layer === c.graph.head &&
    sameDims(x.sedShape, x.sample) &&
    head.hidden === hidden &&
    head.bidirectional === (directions === 2) &&
    head.bias === (c.inputs[3] !== undefined);
  const level = stacked ? (head.layers ?? 1) : 0;
  const params: Record<string, Float32Array> = {
    [`weight_ih_l${level}`]: zrhToRzh(w.float, directions, hidden, inputSize),
    [`weight_hh_l${level}`]: zrhToRzh(r.float, directions, hidden, hidden),
  };
  const bias = c.inputs[3] !== undefined;
  if (bias) {
    const b = weightInput(c, 3, 'B');
    const ih = new Float32Array(directions * 3 * hidden),
      hh = new Float32Array(directions * 3 * hidden);
    for (let d = 0; d < directions; ++d) {
      ih.set(b.float.subarray(d * 6 * hidden, d * 6 * hidden + 3 * hidden), d * 3 * hidden);
      hh.set(b.float.subarray(d * 6 * hidden + 3 * hidden, (d + 1) * 6 * hidden), d * 3 * hidden);
    }
    params[`bias_ih_l${level}`] = zrhToRzh(ih, directions, hidden, 1);
    params[`bias_hh_l${level}`] = zrhToRzh(hh, directions, hidden, 1);
  }
  const output = { sample: [steps, directions, hidden], batchAxis: 2, sedShape: [steps, directions * hidden] };
  if (stacked) {
    head.layers = level + 1;
    c.graph.extend(c.graph.head, c.node, params, `layer ${level} of the stack: W, R reordered and B split as for layer 0`);
    return [{ kind: 'tensor', ...output, layer: c.graph.head }];
  }
  const layer: LayerSpec = { type: 'gru', hidden, layers: 1, bidirectional: directions === 2, bias };
  return [
    c.graph.add(c.node, [x], layer, params, output, [
      'W, R: gate blocks z, r, h reordered to r, z, n; B split into bias_ih and bias_hh (each reordered)',
    ]),
  ];
}
