/**
 * GLU fusion, a pre-pass over the ONNX graph before mapping. DESED_task's GLU
 * (desed_task/nnet/CNN.py, class GLU, commit f7dc296e39b09ef26bd05f27b1c720cbc6208bb1):
 *
 *   lin = self.linear(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2);  res = lin * sigmoid(x)
 *
 * is exported by torch.onnx.export (PyTorch 1.13, opsets 13 and 17) as six nodes:
 *
 *   t = Transpose(x, perm [0, 2, 3, 1])     m = MatMul(t, W)      W: initializer [C, C] = weight^T
 *   a = Add(m, b) (either order)            b: initializer [C]
 *   l = Transpose(a, perm [0, 3, 1, 2])     s = Sigmoid(x)        y = Mul(l, s) (either order)
 *
 * x is read twice (a branch, which a chain importer refuses), and Mul of two tensors has no
 * layer of its own. When each of t, m, a, l, s is read only by the next node of the pattern, the
 * six nodes are one sedjoule `glu` layer (native/network/layers/glu_layer.cpp: linear.weight
 * [Cout, Cin], linear.bias [C]). fuseGlu replaces them by one node of op type FUSED_GLU at the
 * Mul's place, with inputs (x, W, b); mapFusedGlu maps that node. A GLU without a bias (no Add)
 * is left as it is: sedjoule's spec has no bias-free glu.
 */
import { tensorInput, weightInput, type MapContext } from './map-context.js';
import { MAPPERS } from './mappers.js';
import { Refusal } from './refusal.js';
import { int64, type GraphProto, type NodeProto } from './schema.js';
import type { Value } from './values.js';

/** The op type of a fused GLU node; no ONNX operator has this name. */
export const FUSED_GLU = 'SedjouleFusedGlu';

const TO_CHANNELS_LAST = [0, 2, 3, 1];
const TO_CHANNELS_FIRST = [0, 3, 1, 2];

function permIs(node: NodeProto, perm: number[]): boolean {
  const attr = node.attribute.find((a) => a.name === 'perm');
  const p = attr ? attr.ints.map(int64) : [];
  return p.length === perm.length && p.every((v, i) => v === perm[i]);
}

/** The graph with every DESED GLU pattern replaced by one FUSED_GLU node; the graph itself is not changed. */
export function fuseGlu(graph: GraphProto): GraphProto {
  const initializers = new Set(graph.initializer.map((t) => t.name));
  const producer = new Map<string, NodeProto>();
  const readers = new Map<string, number>();
  for (const node of graph.node) {
    node.output.forEach((o) => producer.set(o, node));
    node.input.forEach((i) => readers.set(i, (readers.get(i) ?? 0) + 1));
  }
  graph.output.forEach((o) => readers.set(o.name, (readers.get(o.name) ?? 0) + 1));
  /** The node making `value` when it is of `opType` and `value` has no other reader. */
  const only = (value: string | undefined, opType: string): NodeProto | undefined => {
    const node = value === undefined ? undefined : producer.get(value);
    return node?.opType === opType && node.domain === '' && readers.get(value!) === 1 ? node : undefined;
  };
  const other = (node: NodeProto, value: string) => (node.input[0] === value ? node.input[1] : node.input[0]);

  const removed = new Set<NodeProto>();
  const fused = new Map<NodeProto, NodeProto>();
  for (const mul of graph.node) {
    if (mul.opType !== 'Mul' || mul.domain !== '' || mul.input.length !== 2) continue;
    for (const sigmoidSide of [0, 1]) {
      const sigmoid = only(mul.input[sigmoidSide], 'Sigmoid');
      const back = only(mul.input[1 - sigmoidSide], 'Transpose');
      if (!sigmoid || !back || !permIs(back, TO_CHANNELS_FIRST)) continue;
      const add = only(back.input[0], 'Add');
      if (!add) continue;
      const matmulSide = add.input.findIndex((i) => producer.get(i)?.opType === 'MatMul');
      const matmul = matmulSide < 0 ? undefined : only(add.input[matmulSide], 'MatMul');
      const bias = matmul && other(add, add.input[matmulSide]);
      if (!matmul || !bias || !initializers.has(bias) || !initializers.has(matmul.input[1])) continue;
      const front = only(matmul.input[0], 'Transpose');
      const x = sigmoid.input[0];
      if (!front || !permIs(front, TO_CHANNELS_LAST) || front.input[0] !== x) continue;
      const parts = [front, matmul, add, back, sigmoid, mul];
      parts.forEach((n) => removed.add(n));
      fused.set(mul, {
        name: parts.map((n) => n.name).join(' + '),
        opType: FUSED_GLU,
        domain: '',
        input: [x, matmul.input[1], bias],
        output: [mul.output[0]],
        attribute: [],
      });
      break;
    }
  }
  if (fused.size === 0) return graph;
  const node = graph.node.flatMap((n) => (fused.has(n) ? [fused.get(n)!] : removed.has(n) ? [] : [n]));
  return { ...graph, node };
}

/** FUSED_GLU(x [N, C, H, W], W [C, C] (in, out), b [C]) -> glu, weight transposed to [out, in]. */
export function mapFusedGlu(c: MapContext): Value[] {
  const x = tensorInput(c, 0);
  if (x.batchAxis !== 0 || x.sample.length !== 3)
    throw new Refusal(
      `a GLU reads an NCHW tensor with the batch first; got per-sample [${x.sample}] with the batch at axis ${x.batchAxis}`,
    );
  const channels = x.sample[0];
  const w = weightInput(c, 1, 'linear weight');
  const b = weightInput(c, 2, 'linear bias');
  if (w.dims.length !== 2 || w.dims[0] !== channels || w.dims[1] !== channels || b.float.length !== channels)
    throw new Refusal(
      `a GLU over ${channels} channels needs a [${channels}, ${channels}] weight and ${channels} biases; got [${w.dims}] and ${b.float.length}`,
    );
  const weight = new Float32Array(channels * channels);
  for (let i = 0; i < channels; ++i) for (let o = 0; o < channels; ++o) weight[o * channels + i] = w.float[i * channels + o];
  const params = { 'linear.weight': weight, 'linear.bias': b.float };
  return [
    c.chain.add(c.node, x, { type: 'glu' }, params, { sample: x.sample, batchAxis: 0 }, [
      "a fused GLU (Transpose, MatMul, Add, Transpose, Sigmoid, Mul): MatMul's [in, out] weight transposed to linear.weight [out, in]",
    ]),
  ];
}

// The mapper table is mappers.ts's; the fused op is registered here, beside the pass that makes it.
MAPPERS[FUSED_GLU] = mapFusedGlu;
