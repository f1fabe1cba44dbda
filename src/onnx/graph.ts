/**
 * The sedjoule graph an ONNX graph becomes: layers in ONNX node order, each named after the node it
 * came from and reading the tensors it names in `inputs` (docs/spec.md, "Graphs"); their weights
 * under the names weights files use (`layers.<index>.<param>`); and for each layer the ONNX nodes
 * it stands for. A chain of layers comes out as a chain spec (no `inputs` where a layer reads the
 * one before it).
 */
import { weightName, type LayerSpec } from '../spec.js';
import { fusedFrom } from './fuse.js';
import { Refusal } from './refusal.js';
import type { NodeProto } from './schema.js';
import { numel, sameDims, type TensorValue } from './values.js';

export interface ImportedLayer {
  /** Index of the layer in spec.layers. */
  layer: number;
  /** The layer's name in the spec: its ONNX node's (for a fused pattern, the node giving its output). */
  name: string;
  type: LayerSpec['type'];
  /** The ONNX nodes the layer stands for (those folded into it or that only renamed axes included). */
  nodes: { name: string; opType: string }[];
  /** Weight layout conversions and other choices made, in words. */
  notes: string[];
}

/** The tensor name of the network input in a graph spec. */
const INPUT = 'input';
const RESERVED = new Set(['input', 'loss', 'output']);

interface Built {
  spec: LayerSpec & { name: string; inputs: string[] };
  params: Record<string, Float32Array>;
  nodes: { name: string; opType: string }[];
  notes: string[];
}

export class LayerGraph {
  private readonly built: Built[] = [];
  private readonly taken = new Set<string>(RESERVED);
  /** A node's position in the ONNX graph, for the names of unnamed nodes. */
  private readonly position = new Map<NodeProto, number>();
  /** Reshape views made, by the tensor and shape they show: readers of the same view share it. */
  private readonly views = new Map<string, number>();
  /** Nodes consumed since the last layer (views, folded constants): they go with the next layer. */
  private pending: { name: string; opType: string }[] = [];

  constructor(nodes: readonly NodeProto[]) {
    nodes.forEach((n, i) => this.position.set(n, i));
  }

  /** The index of the last layer made; -1 before any. */
  get head(): number {
    return this.built.length - 1;
  }

  get count(): number {
    return this.built.length;
  }

  layer(index: number): LayerSpec {
    return this.built[index].spec;
  }

  /** Records a node that makes no layer of its own. */
  absorb(node: NodeProto): void {
    this.pending.push(...origins(node));
  }

  /**
   * The tensor a layer reading `value` names in its `inputs`: the output of the layer that made
   * the memory, through a reshape view when that layer's shape for it is not the ONNX per-sample
   * shape (a Flatten, Reshape or Squeeze in between). A view is made once per tensor and shape.
   */
  input(value: TensorValue): string {
    const source = this.tensorName(value.layer);
    if (sameDims(value.sedShape, value.sample)) return source;
    if (numel(value.sedShape) !== numel(value.sample))
      throw new Refusal(`internal: shapes [${value.sedShape}] and [${value.sample}] differ in size`);
    const key = `${value.layer}:${value.sample.join(',')}`;
    let view = this.views.get(key);
    if (view === undefined) {
      const type = value.sample.length === 1 ? 'flatten' : 'reshape';
      const layer: LayerSpec = type === 'flatten' ? { type } : { type, shape: value.sample };
      // The view is not a node of its own: the nodes absorbed so far stay for the layer that reads it.
      const pending = this.pending;
      this.pending = [];
      view = this.push(this.unique(`${source}/${type}`), layer, [source], {}, [
        `a view: the ONNX per-sample shape [${value.sample}] of the [${value.sedShape}] made by '${source}'`,
      ]);
      this.pending = pending;
      this.views.set(key, view);
    }
    return this.tensorName(view);
  }

  /** Adds a layer made from `node` reading `inputs`; returns its output value (batch at `batchAxis`). */
  add(
    node: NodeProto,
    inputs: TensorValue[],
    layer: LayerSpec,
    params: Record<string, Float32Array>,
    output: { sample: number[]; batchAxis: number; sedShape?: number[] },
    notes: string[] = [],
  ): TensorValue {
    const names = inputs.map((v) => this.input(v));
    this.pending.push(...origins(node));
    const index = this.push(this.nodeName(node), layer, names, params, notes);
    return { kind: 'tensor', sample: output.sample, batchAxis: output.batchAxis, sedShape: output.sedShape ?? output.sample, layer: index };
  }

  /** Adds parameters made from `node` to layer `index` (the next layer of a GRU stack, a folded bias). */
  extend(index: number, node: NodeProto, params: Record<string, Float32Array>, note: string): void {
    Object.assign(this.built[index].params, params);
    this.attach(index, node, note);
  }

  /** Adds `node` (and the nodes absorbed before it) to the report of layer `index`. */
  attach(index: number, node: NodeProto, note?: string): void {
    const built = this.built[index];
    built.nodes.push(...this.pending, ...origins(node));
    this.pending = [];
    if (note) built.notes.push(note);
  }

  /**
   * The spec's layers, weights and report for a network whose output is `output`: layers that do
   * not lead to it (a node whose output nothing reads) are left out, and `inputs` that name the
   * layer just before are dropped, so a chain stays a chain spec.
   */
  finish(output: TensorValue): { layers: LayerSpec[]; weights: Record<string, Float32Array>; report: ImportedLayer[]; output: string } {
    const outputName = this.input(output);
    if (outputName === INPUT) throw new Refusal('is the network input itself; there is no layer to compute');
    const byName = new Map(this.built.map((b, i) => [b.spec.name, i]));
    const live = new Set<number>();
    const visit = (name: string) => {
      const i = byName.get(name);
      if (i === undefined || live.has(i)) return;
      live.add(i);
      this.built[i].spec.inputs.forEach(visit);
    };
    visit(outputName);
    const kept = this.built.filter((_, i) => live.has(i));
    // Nodes absorbed after the last layer (trailing views) join the output layer's report.
    kept[kept.length - 1].nodes.push(...this.pending);
    this.pending = [];
    const layers: LayerSpec[] = [];
    const weights: Record<string, Float32Array> = {};
    const report: ImportedLayer[] = [];
    kept.forEach((b, index) => {
      const previous = index === 0 ? INPUT : kept[index - 1].spec.name;
      const { inputs, ...rest } = b.spec;
      layers.push(inputs.length === 1 && inputs[0] === previous ? rest : b.spec);
      for (const [param, values] of Object.entries(b.params)) weights[weightName(index, param)] = values;
      report.push({ layer: index, name: b.spec.name, type: b.spec.type, nodes: b.nodes, notes: b.notes });
    });
    return { layers, weights, report, output: outputName };
  }

  private tensorName(layer: number): string {
    return layer < 0 ? INPUT : this.built[layer].spec.name;
  }

  /** The node's name, or `<op>_<position>` when it has none or one the spec reserves; made unique. */
  private nodeName(node: NodeProto): string {
    if (node.name && !RESERVED.has(node.name)) return this.unique(node.name);
    const last = fusedFrom(node)?.at(-1) ?? node; // a fused node stands where its last node stood
    return this.unique(`${node.opType}_${this.position.get(last)}`);
  }

  private unique(name: string): string {
    let candidate = name;
    for (let n = 2; this.taken.has(candidate); ++n) candidate = `${name}_${n}`;
    this.taken.add(candidate);
    return candidate;
  }

  private push(name: string, layer: LayerSpec, inputs: string[], params: Record<string, Float32Array>, notes: string[]): number {
    this.built.push({ spec: { name, ...layer, inputs }, params: { ...params }, nodes: this.pending, notes });
    this.pending = [];
    return this.head;
  }
}

/** The ONNX nodes a node stands for: itself, or the nodes of a fused pattern (fuse.ts). */
function origins(node: NodeProto): { name: string; opType: string }[] {
  return (fusedFrom(node) ?? [node]).map((n) => ({ name: n.name, opType: n.opType }));
}
