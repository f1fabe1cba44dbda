/**
 * ONNX LSTM -> sedjoule lstm. PyTorch exports nn.LSTM as one LSTM node per layer, with direction
 * "bidirectional" for a bidirectional one, no peepholes, and zero initial states when none are
 * given.
 *
 * ONNX stacks the gates in the order i, o, f, c (onnx.ai/onnx/operators/onnx__LSTM.html); PyTorch
 * and sedjoule stack i, f, g, o (g is ONNX's c, the cell candidate). What GRU and LSTM share
 * (layout, checks, stacking): recurrent.ts.
 */
import { requireAttr, type MapContext } from './map-context.js';
import { mapRecurrent, type RecurrentOp } from './recurrent.js';
import { Refusal } from './refusal.js';
import type { Value } from './values.js';

const LSTM: RecurrentOp = {
  type: 'lstm',
  order: [0, 2, 3, 1],
  activations: ['Sigmoid', 'Tanh', 'Tanh'],
  initialStates: { 5: 'initial_h', 6: 'initial_c' },
  finalStates: { 1: 'Y_h', 2: 'Y_c' },
  note: 'W, R: gate blocks i, o, f, c reordered to i, f, g, o; B split into bias_ih and bias_hh (each reordered)',
};

export function mapLstm(c: MapContext): Value[] {
  requireAttr('input_forget', c.attrs.int('input_forget', 0) === 0, '1 (coupled input and forget gates) is not imported');
  if (c.inputs[7] !== undefined) throw new Refusal('has peephole weights P; sedjoule (like PyTorch) has no peepholes');
  return mapRecurrent(c, LSTM);
}
