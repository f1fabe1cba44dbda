// What THOP and DeepSpeed's flops profiler would report for a sedjoule network, layer by layer,
// computed from the layer shapes of Network.inspect (no PyTorch needed). Used by
// scripts/thop-compare.mjs and scripts/models-table.mjs; docs/profiling.md explains the rules.
//
// THOP (pytorch-OpCounter; formulas in thop/vision/basic_hooks.py, calc_func.py, rnn_hooks.py):
//   conv           output numel x Cin/groups x kh x kw   (padding taps included, no bias)
//   batch norm     calculate_norm = 2E, doubled when affine: 4E (sedjoule's batch norm is affine)
//   nn.Linear      in_features x output numel            (the GLU's linear, the heads)
//   nn.Sigmoid     not registered: 0;  ReLU, max-pool, dropout: 0
//   nn.Softmax     rows x (3n - 1)
//   AvgPool2d      legacy (thop 0.1.1, 2022, what DCASE 2023 ran): output numel
//                  current (ultralytics/thop): one add per input the windows cover + one divide per output
//   nn.GRU         per step, direction and layer 3H(I+H) + 13H (with biases; 7H without)
//   functional ops (permute, view, mean, the attention pooling's products and sums): not seen, 0
// DeepSpeed (deepspeed/profiling/flops_profiler/profiler.py; patched torch.nn.functional calls):
//   conv           MACs as THOP; FLOPs 2 MACs + one bias add per output
//   F.linear       MACs input numel x out_features; FLOPs 2 MACs
//   F.batch_norm   FLOPs 5E in training (4E without affine), 2E in eval; MACs 0
//   F.relu, pools  FLOPs input numel; MACs 0.   F.softmax: input numel.   sigmoid, dropout: 0
//   nn.GRU         a module hook that adds FLOPs only: per step, direction and layer
//                  6H(I+H) + H, + 6H with biases; MACs 0 (the hook never touches __macs__)
//   and it never counts backward: it reports 2 x forward.

const prod = (xs) => xs.reduce((a, b) => a * b, 1);
const pair = (v, fallback) => (v === undefined ? [fallback, fallback] : Array.isArray(v) ? v : [v, v]);

/** Sum over output positions of the window's overlap with [lower, upper) along one axis. */
function coveredAlong(size, outputs, k, s, p, includePad) {
  const [lower, upper] = includePad ? [-p, size + p] : [0, size];
  let sum = 0;
  for (let i = 0; i < outputs; ++i) sum += Math.max(Math.min(i * s - p + k, upper) - Math.max(i * s - p, lower), 0);
  return sum;
}

function gruCellThop(input, hidden, bias) {
  // rnn_hooks._count_gru_cell: two gates of (H+I)H + H (+2H bias), the candidate's (H+I)H + H (+2H),
  // r's Hadamard H, and h' = (1 - z) n + z h as 3H.
  return 3 * hidden * (input + hidden) + 3 * hidden + (bias ? 6 * hidden : 0) + hidden + 3 * hidden;
}

function gruCellDeepSpeed(input, hidden, bias) {
  // profiler._rnn_flops: 2 w_ih.numel - gates + 2 w_hh.numel - gates + H + 3H + 3H, + biases.
  const gates = 3 * hidden;
  return 2 * gates * input - gates + 2 * gates * hidden - gates + 7 * hidden + (bias ? 2 * gates : 0);
}

/** Per-layer counts of one sample: { thopLegacy, thopCurrent, deepspeedMacs, deepspeedFlops, rule }. */
export function layerCounts(layer, spec, { training = true } = {}) {
  const E = prod(layer.input);
  const out = prod(layer.output);
  const zero = (rule) => ({ thopLegacy: 0, thopCurrent: 0, deepspeedMacs: 0, deepspeedFlops: 0, rule });
  switch (layer.type) {
    case 'conv2d': {
      const [kh, kw] = pair(spec.kernel, 1);
      const macs = out * layer.input[0] * kh * kw;
      const bias = spec.bias === false ? 0 : out;
      return { thopLegacy: macs, thopCurrent: macs, deepspeedMacs: macs, deepspeedFlops: 2 * macs + bias, rule: 'out x Cin x k^2' };
    }
    case 'batchnorm2d':
      return { thopLegacy: 4 * E, thopCurrent: 4 * E, deepspeedMacs: 0, deepspeedFlops: (training ? 5 : 2) * E, rule: '2E x 2 (affine)' };
    case 'glu': {
      // DESED's GLU: nn.Linear(C, C) over the channels, times nn.Sigmoid (not counted by THOP).
      const macs = layer.input[0] * out;
      return { thopLegacy: macs, thopCurrent: macs, deepspeedMacs: macs, deepspeedFlops: 2 * macs, rule: 'Linear: C x out; sigmoid 0' };
    }
    case 'linear': {
      const inFeatures = layer.input[layer.input.length - 1];
      const macs = inFeatures * out;
      return { thopLegacy: macs, thopCurrent: macs, deepspeedMacs: macs, deepspeedFlops: 2 * macs, rule: 'in x out' };
    }
    case 'avgpool2d': {
      const [kh, kw] = pair(spec.kernel, 1);
      const [sh, sw] = pair(spec.stride, undefined).map((s, i) => s ?? [kh, kw][i]);
      const [ph, pw] = pair(spec.padding, 0);
      const include = spec.countIncludePad !== false;
      const [c, h, w] = layer.input;
      const windows = c * coveredAlong(h, layer.output[1], kh, sh, ph, include) * coveredAlong(w, layer.output[2], kw, sw, pw, include);
      return {
        thopLegacy: out,
        thopCurrent: windows + out,
        deepspeedMacs: 0,
        deepspeedFlops: E,
        rule: 'legacy: out; current: window adds + out',
      };
    }
    case 'maxpool2d':
      return { ...zero('0'), deepspeedFlops: E };
    case 'relu':
      return { ...zero('0'), deepspeedFlops: E };
    case 'softmax': {
      const n = layer.input[spec.axis ?? layer.input.length - 1];
      return {
        thopLegacy: (E / n) * (3 * n - 1),
        thopCurrent: (E / n) * (3 * n - 1),
        deepspeedMacs: 0,
        deepspeedFlops: E,
        rule: 'rows x (3n - 1)',
      };
    }
    case 'gru': {
      const [steps, input] = layer.input;
      const hidden = spec.hidden,
        layers = spec.layers ?? 1,
        dirs = spec.bidirectional ? 2 : 1,
        bias = spec.bias !== false;
      let thop = 0,
        ds = 0;
      for (let l = 0; l < layers; ++l) {
        const i = l === 0 ? input : dirs * hidden;
        thop += dirs * gruCellThop(i, hidden, bias);
        ds += dirs * gruCellDeepSpeed(i, hidden, bias);
      }
      return {
        thopLegacy: steps * thop,
        thopCurrent: steps * thop,
        deepspeedMacs: 0,
        deepspeedFlops: steps * ds,
        rule: 'T x dirs x (3H(I+H) + 13H)',
      };
    }
    case 'attention_head': {
      // DESED's heads: dense and dense_softmax, nn.Linear(in, classes) on every frame; nn.Sigmoid (0);
      // nn.Softmax over classes; the weighted mean is functional (0).
      const [frames, inFeatures] = layer.input;
      const classes = spec.classes;
      const linear = 2 * frames * inFeatures * classes;
      const softmax = frames * (3 * classes - 1);
      return {
        thopLegacy: linear + softmax,
        thopCurrent: linear + softmax,
        deepspeedMacs: linear,
        deepspeedFlops: 2 * linear + frames * classes,
        rule: '2 Linear + softmax',
      };
    }
    case 'dropout':
      return zero('0');
    default:
      // flatten, reshape, permute, last_step, mean: tensor views and functional calls, not counted.
      return zero('0 (not a counted module)');
  }
}

/** Counts for every layer of a NetworkDescription, plus totals. */
export function networkCounts(description, options) {
  const layers = description.layers.map((layer) => ({
    layer: layer.label,
    type: layer.type,
    ...layerCounts(layer, description.spec.layers[layer.index], options),
  }));
  const total = (field) => layers.reduce((s, l) => s + l[field], 0);
  return {
    layers,
    thopLegacy: total('thopLegacy'),
    thopCurrent: total('thopCurrent'),
    deepspeedMacs: total('deepspeedMacs'),
    deepspeedFlops: total('deepspeedFlops'),
  };
}
