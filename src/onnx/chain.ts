/**
 * The sedjoule layer chain an ONNX graph becomes: layers in order, their weights under the names
 * weights files use (`layers.<index>.<param>`), and for each layer the ONNX nodes it came from.
 */
import { weightName, type LayerSpec } from '../spec.js';
import { Refusal } from './refusal.js';
import type { NodeProto } from './schema.js';
import { numel, sameDims, type TensorValue } from './values.js';

export interface ImportedLayer {
  /** Index of the layer in spec.layers. */
  layer: number;
  type: LayerSpec['type'];
  /** The ONNX nodes the layer stands for (those folded into it or that only renamed axes included). */
  nodes: { name: string; opType: string }[];
  /** Weight layout conversions and other choices made, in words. */
  notes: string[];
}

export class LayerChain {
  readonly layers: LayerSpec[] = [];
  readonly weights: Record<string, Float32Array> = {};
  readonly report: ImportedLayer[] = [];
  /** Nodes consumed since the last layer (views, folded constants): they go with the next layer. */
  private pending: { name: string; opType: string }[] = [];

  /** The layer whose output the next layer reads; -1 before any (the network input). */
  get head(): number {
    return this.layers.length - 1;
  }

  /** Records a node that makes no layer of its own. */
  absorb(node: NodeProto): void {
    this.pending.push({ name: node.name, opType: node.opType });
  }

  /**
   * The sedjoule shape of `value` for a layer that reads it: it must be the chain's head (the
   * chain has no branches yet), and a reshape view is added when the chain's shape for that memory
   * is not the ONNX per-sample shape.
   */
  input(value: TensorValue): number[] {
    if (value.layer !== this.head) {
      throw new Refusal(
        'reads a tensor that is not the output of the layer just before it (a branch or skip connection); only chains are imported so far',
      );
    }
    if (!sameDims(value.sedShape, value.sample)) {
      if (numel(value.sedShape) !== numel(value.sample))
        throw new Refusal(`internal: shapes [${value.sedShape}] and [${value.sample}] differ in size`);
      this.push(value.sample.length === 1 ? { type: 'flatten' } : { type: 'reshape', shape: value.sample }, {}, [
        `a view: the ONNX per-sample shape [${value.sample}] of the chain's [${value.sedShape}]`,
      ]);
    }
    return value.sample;
  }

  /** Adds a layer made from `node` reading `input`; returns the output value (batch at `batchAxis`). */
  add(
    node: NodeProto,
    input: TensorValue,
    layer: LayerSpec,
    params: Record<string, Float32Array>,
    output: { sample: number[]; batchAxis: number; sedShape?: number[] },
    notes: string[] = [],
  ): TensorValue {
    this.input(input);
    this.pending.push({ name: node.name, opType: node.opType });
    this.push(layer, params, notes);
    return {
      kind: 'tensor',
      sample: output.sample,
      batchAxis: output.batchAxis,
      sedShape: output.sedShape ?? output.sample,
      layer: this.head,
    };
  }

  /** Adds parameters made from `node` to the last layer (the next layer of a GRU stack). */
  extendLast(node: NodeProto, params: Record<string, Float32Array>, note: string): void {
    for (const [name, values] of Object.entries(params)) this.weights[weightName(this.head, name)] = values;
    this.attachToLast(node, note);
  }

  /** Adds a node to the report of the last layer (a bias folded into it, a trailing view). */
  attachToLast(node: NodeProto, note?: string): void {
    const last = this.report[this.report.length - 1];
    if (!last) {
      this.absorb(node);
      return;
    }
    last.nodes.push(...this.pending, { name: node.name, opType: node.opType });
    this.pending = [];
    if (note) last.notes.push(note);
  }

  /** The ONNX nodes consumed after the last layer join its report. */
  finish(): void {
    const last = this.report[this.report.length - 1];
    if (last) last.nodes.push(...this.pending);
    this.pending = [];
  }

  private push(layer: LayerSpec, params: Record<string, Float32Array>, notes: string[]): void {
    const index = this.layers.length;
    this.layers.push(layer);
    for (const [name, values] of Object.entries(params)) this.weights[weightName(index, name)] = values;
    this.report.push({ layer: index, type: layer.type, nodes: this.pending, notes });
    this.pending = [];
  }
}
