/**
 * Patterns of ONNX nodes that stand for one sedjoule layer, found before the nodes are mapped:
 * - GELU as PyTorch exports it before opset 20 (torch/onnx/symbolic_opset9.py `gelu`):
 *   y = (x * (Erf(x / sqrt(2)) + 1)) * 0.5, either operand order of each Add and Mul
 *   -> one Gelu node (approximate "none"), as ONNX defines it at opset 20;
 * - layer norm as PyTorch exports it before opset 17 (symbolic_opset9.py `native_layer_norm`):
 *   m = ReduceMean(x); d = x - m; y = d / Sqrt(ReduceMean(d ^ 2) + eps) (* weight + bias)
 *   -> one LayerNormalization node, as ONNX defines it at opset 17;
 * - SiLU (PyTorch's F.silu at every opset): y = x * Sigmoid(x) -> a Silu node of sedjoule's own
 *   domain;
 * - DESED_task's GLU (desed_task/nnet/CNN.py, class GLU, commit f7dc296e39b09ef26bd05f27b1c720cbc6208bb1:
 *   `lin = self.linear(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2); res = lin * sigmoid(x)`), which
 *   PyTorch 1.13 exports as Transpose [0, 2, 3, 1] -> MatMul W -> Add b -> Transpose [0, 3, 1, 2],
 *   multiplied by Sigmoid(x) -> a Glu node of sedjoule's own domain with inputs (x, W, b), mapped
 *   to sedjoule's `glu` layer (a GLU without bias, no Add, is left as it is: `glu` always has one);
 * - DESED_task's clip head (desed_task/nnet/CRNN.py, attention=True, same commit):
 *   `strong = sigmoid(dense(x)); sof = clamp(softmax(dense_softmax(x), -1), 1e-7, 1);
 *   weak = (strong * sof).sum(1) / sof.sum(1)`, exported as MatMul + Add -> Sigmoid and
 *   MatMul + Add -> Softmax -> Clip, Mul, two ReduceSum over axis 1 and a Div -> an AttentionHead
 *   node of sedjoule's own domain with inputs (x, Wd, bd, Ws, bs), mapped to `attention_head`.
 * Each tensor inside a pattern must be read only inside it (and not be a graph output): the
 * pattern then computes nothing else, and one layer can stand for it. The fused node takes the
 * place of the pattern's last node and its name; fusedFrom gives the nodes it stands for (for the
 * report). A new pattern is one more entry of PATTERNS.
 */
import { Attributes } from './attributes.js';
import type { AttributeProto, GraphProto, NodeProto, TensorProto } from './schema.js';
import { FLOAT32, floatValues, integerValues, isIntegerType } from './tensor-data.js';

/** The domain of fused nodes that no ONNX op stands for (Silu, Glu, AttentionHead). */
export const FUSED_DOMAIN = 'sedjoule.fused';

const origins = new WeakMap<NodeProto, NodeProto[]>();

/** The ONNX nodes a fused node stands for; undefined for a node of the model. */
export function fusedFrom(node: NodeProto): NodeProto[] | undefined {
  return origins.get(node);
}

/** What a pattern sees of the graph. */
class GraphIndex {
  private readonly producers = new Map<string, NodeProto>();
  private readonly readers = new Map<string, NodeProto[]>();
  private readonly initializers = new Map<string, TensorProto>();
  private readonly outputs: Set<string>;

  constructor(graph: GraphProto) {
    for (const node of graph.node) {
      node.output.forEach((o) => this.producers.set(o, node));
      node.input.forEach((i) => this.readers.set(i, [...(this.readers.get(i) ?? []), node]));
    }
    graph.initializer.forEach((t) => this.initializers.set(t.name, t));
    this.outputs = new Set(graph.output.map((o) => o.name));
  }

  /** The nodes reading `tensor`, when only nodes read it (it is not a graph output). */
  readersOf(tensor: string): NodeProto[] {
    return this.outputs.has(tensor) ? [] : (this.readers.get(tensor) ?? []);
  }

  /** The one node reading `tensor` when it is of type `op` and nothing else reads the tensor. */
  only(tensor: string, op: string): NodeProto | undefined {
    const readers = this.readersOf(tensor);
    return readers.length === 1 && readers[0].opType === op ? readers[0] : undefined;
  }

  /** The node computing `tensor`. */
  producer(tensor: string): NodeProto | undefined {
    return this.producers.get(tensor);
  }

  /** A float32 constant of the file (an initializer or a Constant node's value). */
  constant(tensor: string): { values: Float32Array; initializer: boolean } | undefined {
    const init = this.initializers.get(tensor);
    const producer = this.producers.get(tensor);
    const t = init ?? (producer?.opType === 'Constant' ? new Attributes(producer).tensor('value') : undefined);
    if (!t || t.dataType !== FLOAT32) return undefined;
    return { values: floatValues(t), initializer: init !== undefined };
  }

  /** An integer constant of the file (axes given as an input), as numbers. */
  integers(tensor: string): number[] | undefined {
    const t =
      this.initializers.get(tensor) ??
      (this.producers.get(tensor)?.opType === 'Constant' ? new Attributes(this.producers.get(tensor)!).tensor('value') : undefined);
    return t && isIntegerType(t.dataType) ? integerValues(t).map(Number) : undefined;
  }

  /** Whether `tensor` is a one-value float constant within 1e-6 (relative) of `value`. */
  isScalar(tensor: string, value: number): boolean {
    const c = this.constant(tensor);
    return c?.values.length === 1 && Math.abs(c.values[0] - value) <= 1e-6 * Math.abs(value);
  }
}

/** A pattern found: the nodes it covers (the last gives its output) and the node replacing them. */
interface Match {
  nodes: NodeProto[];
  fused: NodeProto;
}

/** The other input of a two-input node, given one; undefined when `known` is not an input. */
function other(node: NodeProto, known: string): string | undefined {
  if (node.input.length !== 2) return undefined;
  if (node.input[0] === known) return node.input[1];
  if (node.input[1] === known) return node.input[0];
  return undefined;
}

function makeNode(opType: string, domain: string, last: NodeProto, input: string[], attribute: AttributeProto[]): NodeProto {
  return { name: last.name, opType, domain, input, output: [last.output[0]], attribute } as NodeProto;
}

// Attributes of fused nodes, typed as onnx.proto3's AttributeType says (FLOAT 1, INT 2, STRING 3, INTS 7).
const attr = (name: string, type: number, value: Partial<AttributeProto>): AttributeProto => ({
  name,
  type,
  floats: [],
  ints: [],
  strings: [],
  ...value,
});
const floatAttr = (name: string, f: number) => attr(name, 1, { f });
const intAttr = (name: string, i: number) => attr(name, 2, { i });
const intsAttr = (name: string, ints: number[]) => attr(name, 7, { ints });
const stringAttr = (name: string, s: string) => attr(name, 3, { s: Buffer.from(s, 'utf8') });

/** Div(x, sqrt 2) -> Erf -> Add 1 -> Mul x -> Mul 0.5, starting at the Div. */
function gelu(g: GraphIndex, div: NodeProto): Match | undefined {
  if (div.opType !== 'Div' || !g.isScalar(div.input[1], Math.SQRT2)) return undefined;
  const x = div.input[0];
  const erf = g.only(div.output[0], 'Erf');
  const plus = erf && g.only(erf.output[0], 'Add');
  const one = plus && other(plus, erf.output[0]);
  if (!plus || !one || !g.isScalar(one, 1)) return undefined;
  const times = g.only(plus.output[0], 'Mul');
  if (!times || other(times, plus.output[0]) !== x) return undefined;
  const half = g.only(times.output[0], 'Mul');
  const h = half && other(half, times.output[0]);
  if (!half || !h || !g.isScalar(h, 0.5)) return undefined;
  const nodes = [div, erf, plus, times, half];
  return { nodes, fused: makeNode('Gelu', '', half, [x], [stringAttr('approximate', 'none')]) };
}

/** Sigmoid(x) -> Mul with x, starting at the Sigmoid. */
function silu(g: GraphIndex, sigmoid: NodeProto): Match | undefined {
  if (sigmoid.opType !== 'Sigmoid') return undefined;
  const x = sigmoid.input[0];
  const times = g.only(sigmoid.output[0], 'Mul');
  if (!times || other(times, sigmoid.output[0]) !== x) return undefined;
  return { nodes: [sigmoid, times], fused: makeNode('Silu', FUSED_DOMAIN, times, [x], []) };
}

/** The axes of a ReduceMean given as an attribute (opsets before 18, as PyTorch 1.13 exports). */
function reduceAxes(node: NodeProto): number[] | undefined {
  const a = new Attributes(node);
  return node.input.length === 1 && a.int('keepdims', 1) === 1 ? a.ints('axes') : undefined;
}

/** ReduceMean -> Sub -> Pow 2 -> ReduceMean -> Add eps -> Sqrt -> Div (-> Mul weight -> Add bias), starting at the first ReduceMean. */
function layerNorm(g: GraphIndex, mean: NodeProto): Match | undefined {
  if (mean.opType !== 'ReduceMean') return undefined;
  const axes = reduceAxes(mean);
  const x = mean.input[0];
  const sub = g.only(mean.output[0], 'Sub');
  if (!axes || !sub || sub.input[0] !== x || sub.input[1] !== mean.output[0]) return undefined;
  const centred = g.readersOf(sub.output[0]);
  const pow = centred.find((n) => n.opType === 'Pow');
  const div = centred.find((n) => n.opType === 'Div');
  if (centred.length !== 2 || !pow || !div || pow.input[0] !== sub.output[0] || !g.isScalar(pow.input[1], 2)) return undefined;
  const variance = g.only(pow.output[0], 'ReduceMean');
  if (!variance || reduceAxes(variance)?.join() !== axes.join()) return undefined;
  const plus = g.only(variance.output[0], 'Add');
  const epsName = plus && other(plus, variance.output[0]);
  const eps = epsName ? g.constant(epsName) : undefined;
  if (!plus || eps?.values.length !== 1) return undefined;
  const sqrt = g.only(plus.output[0], 'Sqrt');
  if (!sqrt || g.only(sqrt.output[0], 'Div') !== div || div.input[0] !== sub.output[0]) return undefined;
  const nodes = [mean, sub, pow, variance, plus, sqrt, div];
  const inputs = [x];
  // The affine part: a Mul by a constant weight, then an Add of a constant bias.
  const scale = g.only(div.output[0], 'Mul');
  const weight = scale && other(scale, div.output[0]);
  if (scale && weight && g.constant(weight)?.initializer) {
    nodes.push(scale);
    inputs.push(weight);
    const shift = g.only(scale.output[0], 'Add');
    const bias = shift && other(shift, scale.output[0]);
    if (shift && bias && g.constant(bias)?.initializer) {
      nodes.push(shift);
      inputs.push(bias);
    }
  }
  const sorted = [...axes].sort((a, b) => a - b);
  const attrs = [floatAttr('epsilon', eps.values[0]), intAttr('axis', sorted[0]), intsAttr('reduced_axes', axes)];
  return { nodes, fused: makeNode('LayerNormalization', '', nodes[nodes.length - 1], inputs, attrs) };
}

function hasPerm(node: NodeProto | undefined, perm: number[]): node is NodeProto {
  return node?.opType === 'Transpose' && (new Attributes(node).ints('perm') ?? []).join() === perm.join();
}

/** DESED's GLU, starting at the Transpose to channels-last. */
function glu(g: GraphIndex, front: NodeProto): Match | undefined {
  if (!hasPerm(front, [0, 2, 3, 1])) return undefined;
  const x = front.input[0];
  const matmul = g.only(front.output[0], 'MatMul');
  if (!matmul || matmul.input[0] !== front.output[0] || !g.constant(matmul.input[1])?.initializer) return undefined;
  const plus = g.only(matmul.output[0], 'Add');
  const bias = plus && other(plus, matmul.output[0]);
  if (!plus || !bias || !g.constant(bias)?.initializer) return undefined;
  const back = g.only(plus.output[0], 'Transpose');
  if (!hasPerm(back, [0, 3, 1, 2])) return undefined;
  const times = g.only(back.output[0], 'Mul');
  const gateName = times && other(times, back.output[0]);
  const gate = gateName ? g.producer(gateName) : undefined;
  if (!times || gate?.opType !== 'Sigmoid' || gate.input[0] !== x || g.only(gate.output[0], 'Mul') !== times) return undefined;
  const nodes = [front, matmul, plus, back, gate, times];
  return { nodes, fused: makeNode('Glu', FUSED_DOMAIN, times, [x, matmul.input[1], bias], []) };
}

/** x -> MatMul W -> Add b (either order) with initializers W, b; the three names, or undefined. */
function affine(g: GraphIndex, out: string): { x: string; w: string; b: string; nodes: NodeProto[] } | undefined {
  const plus = g.producer(out);
  if (plus?.opType !== 'Add') return undefined;
  const matmul = plus.input.map((i) => g.producer(i)).find((n) => n?.opType === 'MatMul');
  const b = matmul && other(plus, matmul.output[0]);
  if (!matmul || !b || !g.constant(b)?.initializer || !g.constant(matmul.input[1])?.initializer) return undefined;
  if (g.only(matmul.output[0], 'Add') !== plus) return undefined;
  return { x: matmul.input[0], w: matmul.input[1], b, nodes: [matmul, plus] };
}

/** A ReduceSum over axis 1 without keepdims (axes an input from opset 13, an attribute before). */
function sumsAxisOne(g: GraphIndex, node: NodeProto | undefined): node is NodeProto {
  if (node?.opType !== 'ReduceSum' || new Attributes(node).int('keepdims', 1) !== 0) return false;
  const axes = node.input[1] ? g.integers(node.input[1]) : new Attributes(node).ints('axes');
  return axes?.length === 1 && axes[0] === 1;
}

/** DESED's attention head, starting at the final Div. */
function attentionHead(g: GraphIndex, div: NodeProto): Match | undefined {
  if (div.opType !== 'Div') return undefined;
  const [num, den] = div.input.map((i) => g.producer(i));
  if (!sumsAxisOne(g, num) || !sumsAxisOne(g, den) || g.only(num.output[0], 'Div') !== div || g.only(den.output[0], 'Div') !== div)
    return undefined;
  const times = g.producer(num.input[0]);
  const clip = g.producer(den.input[0]);
  if (times?.opType !== 'Mul' || clip?.opType !== 'Clip' || g.only(times.output[0], 'ReduceSum') !== num) return undefined;
  const clipReaders = g.readersOf(clip.output[0]);
  if (clipReaders.length !== 2 || !clipReaders.includes(times) || !clipReaders.includes(den)) return undefined;
  if (!g.isScalar(clip.input[1], 1e-7) || !g.isScalar(clip.input[2], 1)) return undefined;
  const sigmoid = g.producer(other(times, clip.output[0]) ?? '');
  const softmax = g.producer(clip.input[0]);
  if (sigmoid?.opType !== 'Sigmoid' || softmax?.opType !== 'Softmax' || new Attributes(softmax).int('axis', -1) !== -1) return undefined;
  if (g.only(sigmoid.output[0], 'Mul') !== times || g.only(softmax.output[0], 'Clip') !== clip) return undefined;
  const dense = affine(g, sigmoid.input[0]);
  const gate = affine(g, softmax.input[0]);
  if (
    !dense ||
    !gate ||
    dense.x !== gate.x ||
    g.only(sigmoid.input[0], 'Sigmoid') !== sigmoid ||
    g.only(softmax.input[0], 'Softmax') !== softmax
  )
    return undefined;
  const nodes = [...dense.nodes, sigmoid, ...gate.nodes, softmax, clip, times, num, den, div];
  return { nodes, fused: makeNode('AttentionHead', FUSED_DOMAIN, div, [dense.x, dense.w, dense.b, gate.w, gate.b], []) };
}

const PATTERNS: ((g: GraphIndex, start: NodeProto) => Match | undefined)[] = [gelu, layerNorm, silu, glu, attentionHead];

/** The graph's nodes with every pattern found replaced by its fused node. */
export function fusePatterns(graph: GraphProto): NodeProto[] {
  const g = new GraphIndex(graph);
  const covered = new Map<NodeProto, NodeProto | null>(); // node -> its fused node (at the pattern's last node), or null
  for (const node of graph.node) {
    if (covered.has(node)) continue;
    for (const pattern of PATTERNS) {
      const match = pattern(g, node);
      if (!match || match.nodes.some((n) => covered.has(n))) continue;
      origins.set(match.fused, match.nodes);
      match.nodes.forEach((n) => covered.set(n, null));
      covered.set(match.nodes[match.nodes.length - 1], match.fused);
      break;
    }
  }
  return graph.node.flatMap((n) => {
    const fused = covered.get(n);
    return fused === undefined ? [n] : fused === null ? [] : [fused];
  });
}
