/**
 * ONNX GRU -> sedjoule gru. PyTorch exports nn.GRU with linear_before_reset=1, whose candidate gate
 * is PyTorch's n = tanh(W_in x + b_in + r * (W_hn h + b_hn)); linear_before_reset=0 (the ONNX
 * default, and Keras' reset_after=False through tf2onnx) is n = tanh(W_in x + b_in + W_hn (r * h)
 * + b_hn), sedjoule's gru with linearBeforeReset false. One GRU node per layer, with direction
 * "bidirectional" for a bidirectional one.
 *
 * ONNX stacks the gates in the order z, r, h (onnx.ai/onnx/operators/onnx__GRU.html); PyTorch and
 * sedjoule stack r, z, n. What GRU and LSTM share (layout, checks, stacking): recurrent.ts.
 */
import type { MapContext } from './map-context.js';
import { mapRecurrent, type RecurrentOp } from './recurrent.js';
import type { Value } from './values.js';

const GRU: RecurrentOp = {
  type: 'gru',
  order: [1, 0, 2],
  activations: ['Sigmoid', 'Tanh'],
  initialStates: { 5: 'initial_h' },
  finalStates: { 1: 'Y_h' },
  note: 'W, R: gate blocks z, r, h reordered to r, z, n; B split into bias_ih and bias_hh (each reordered)',
};

export function mapGru(c: MapContext): Value[] {
  const linearBeforeReset = c.attrs.int('linear_before_reset', 0) !== 0;
  return mapRecurrent(c, GRU, linearBeforeReset ? {} : { linearBeforeReset });
}
