/** Specs of the tensor-op layers (matmul, ...) shared by their CPU tests and the emulated CUDA one. */
import type { NetworkSpec } from '../src/spec.js';

/**
 * A single-head self-attention block over [T = 4, F = 6]: q, k and v are linear maps of the one
 * input (a tensor read by four layers), scores = q k^T (a permute of k, then a matmul), a softmax
 * over the keys, attention . v (a second matmul), a residual add, a mean over time, and logits.
 */
export const ATTENTION: NetworkSpec = {
  input: [4, 6],
  layers: [
    { name: 'q', type: 'linear', out: 6, inputs: ['input'] },
    { name: 'k', type: 'linear', out: 6, inputs: ['input'] },
    { name: 'v', type: 'linear', out: 6, inputs: ['input'] },
    { name: 'kt', type: 'permute', dims: [1, 0], inputs: ['k'] },
    { name: 'scores', type: 'matmul', inputs: ['q', 'kt'] },
    { name: 'attention', type: 'softmax', axis: -1 },
    { name: 'context', type: 'matmul', inputs: ['attention', 'v'] },
    { name: 'residual', type: 'add', inputs: ['context', 'input'] },
    { name: 'pooled', type: 'mean', axis: 0 },
    { name: 'logits', type: 'linear', out: 3 },
  ],
  optimizer: { type: 'adam', lr: 0.03 },
  seed: 3,
};

/**
 * Every reduction: a sum over two separated axes kept as 1s (a scale broadcast back over h), a max
 * over a middle axis that is removed, a mean over everything, added with broadcasting; then a
 * log-softmax over a middle (strided) axis; a split of it into halves (two slices of one tensor)
 * and a strided slice, joined again, then padded with a constant.
 */
export const REDUCTIONS: NetworkSpec = {
  input: [3, 4, 5],
  layers: [
    { name: 'h', type: 'linear', out: 6 },
    { name: 'sums', type: 'reduce', op: 'sum', axes: [0, -1], inputs: ['h'] },
    { name: 'scaled', type: 'mul', inputs: ['h', 'sums'] },
    { name: 'peaks', type: 'reduce', op: 'max', axes: [1], keepDims: false },
    { name: 'average', type: 'reduce', op: 'mean', inputs: ['h'] },
    { name: 'shifted', type: 'add', inputs: ['peaks', 'average'] },
    { name: 'logp', type: 'log_softmax', axis: 1 },
    { name: 'front', type: 'slice', axis: -1, start: 0, end: 3 },
    { name: 'back', type: 'slice', axis: -1, start: -3, inputs: ['logp'] },
    { name: 'odd', type: 'slice', axis: -1, start: 1, step: 2, inputs: ['logp'] },
    { name: 'halves', type: 'mul', inputs: ['front', 'back'] },
    { name: 'joined', type: 'concat', axis: 1, inputs: ['halves', 'odd'] },
    { name: 'padded', type: 'pad', pads: [0, 1, 0, 0, 2, 1], value: 0.5 },
    { type: 'flatten' },
    { name: 'logits', type: 'linear', out: 3 },
  ],
  optimizer: { type: 'adam', lr: 0.01 },
  seed: 9,
};
