/** Graph network specs shared by the graph tests on the CPU addon and on the emulated CUDA one. */
import type { NetworkSpec } from '../src/spec.js';

/** docs/spec.md's example, smaller: a residual block, then a squeeze-excitation scale. */
export const RESIDUAL_SE: NetworkSpec = {
  input: [4, 6, 6],
  layers: [
    { name: 'conv1', type: 'conv2d', out: 4, kernel: 3, padding: 1 },
    { name: 'relu1', type: 'relu' },
    { name: 'conv2', type: 'conv2d', out: 4, kernel: 3, padding: 1 },
    { name: 'residual', type: 'add', inputs: ['conv2', 'input'] },
    { name: 'squeeze', type: 'avgpool2d', kernel: 6 },
    { name: 'excite', type: 'sigmoid', inputs: ['squeeze'] },
    { name: 'scaled', type: 'mul', inputs: ['residual', 'excite'] },
    { name: 'pooled', type: 'mean', axis: -1 },
    { type: 'flatten' },
    { name: 'logits', type: 'linear', out: 3 },
  ],
  output: 'logits',
  optimizer: { type: 'adam', lr: 0.01 },
  seed: 5,
};

/**
 * Every routing case of the backward pass, with smooth layers only (finite differences of a kink
 * are meaningless): a tensor read by three layers ("res": the pooling, the scale and a view of
 * it), a view read by two layers ("flat2"), broadcasting (an [2,1,1] gate times [2,3,4]), sub,
 * concat, and parameter operands of each kind (a per-element scale, a scalar, a divisor).
 */
export const ALL_ROUTES: NetworkSpec = {
  input: [2, 3, 4],
  layers: [
    { name: 'c1', type: 'conv2d', out: 2, kernel: 3, padding: 1 },
    { name: 's1', type: 'sigmoid' },
    { name: 'res', type: 'add', inputs: ['s1', 'input'] },
    { name: 'pool', type: 'avgpool2d', kernel: [3, 4], inputs: ['res'] },
    { name: 'gate', type: 'sigmoid' },
    { name: 'se', type: 'mul', inputs: ['res', 'gate'] },
    { name: 'flat', type: 'flatten' },
    { name: 'flat2', type: 'reshape', shape: [24], inputs: ['res'] },
    { name: 'diff', type: 'sub', inputs: ['flat', 'flat2'] },
    { name: 'cat', type: 'concat', axis: 0, inputs: ['diff', 'flat2'] },
    { name: 'scale', type: 'mul', operand: { shape: [48], init: 0.5 } },
    { name: 'shift', type: 'add', operand: { shape: [1], init: 0.1 } },
    { name: 'divide', type: 'div', operand: { shape: [48], init: 2 } },
    { name: 'lin', type: 'linear', out: 3 },
  ],
  seed: 11,
};
