/**
 * importOnnx: an ONNX model (a file path or its bytes) -> a sedjoule spec, its weights by
 * weights-file name, and for each layer the ONNX nodes it stands for.
 *
 * The model is checked whole before anything is refused: the opset (11 to 21 of the default
 * domain), float32 inputs and weights, weights inside the file, fixed per-sample dimensions; then
 * every node goes through constant folding (fold.ts) or a layer mapper (mappers.ts). Every problem
 * found is listed in one E_ONNX error, so a user sees all that stands between the model and
 * sedjoule at once. Sizes are per sample: the first input axis is the batch.
 */
import fs from 'node:fs';

import { SedjouleError } from '../errors.js';
import type { LossSpec, NetworkSpec, OptimizerSpec } from '../spec.js';
import { Attributes } from './attributes.js';
import { LayerChain, type ImportedLayer } from './chain.js';
import { FOLDERS } from './fold.js';
import { fuseGlu } from './fuse-glu.js';
import { KNOWN_GAPS, MAPPERS } from './mappers.js';
import { Refusal, type Problem } from './refusal.js';
import { decodeModel, int64, type ModelProto, type NodeProto, type ValueInfoProto } from './schema.js';
import { dataTypeName, FLOAT32, floatValues, integerValues, isExternal, isIntegerType, tensorDims } from './tensor-data.js';
import type { TensorValue, Value } from './values.js';

/** The opsets of the default domain this importer reads (PyTorch 1.13 exports 9 to 17). */
export const ONNX_OPSETS = { min: 11, max: 21 };

export interface OnnxImportOptions {
  /**
   * The per-sample input shape (no batch axis), e.g. [1, 64, 1000]: fixes the model's symbolic
   * dimensions other than the batch; its other entries must equal the model's.
   */
  inputShape?: number[];
  /** The spec's loss (default 'bce-logits': the model outputs logits). */
  loss?: LossSpec;
  optimizer?: OptimizerSpec;
  seed?: number;
}

export interface OnnxImport {
  spec: NetworkSpec;
  /** Parameters and buffers by weights-file name, `layers.<index>.<param>`. */
  weights: Record<string, Float32Array>;
  /** Per layer: its index and type, the ONNX nodes it came from, and notes on conversions. */
  report: ImportedLayer[];
  inputShape: number[];
  outputShape: number[];
  /** What the file says about itself. */
  model: { producer: string; irVersion: number; opset: number };
}

function readModelBytes(model: string | Uint8Array): { bytes: Uint8Array; source: string } {
  if (typeof model !== 'string') return { bytes: model, source: 'the ONNX model' };
  try {
    return { bytes: fs.readFileSync(model), source: model };
  } catch (error) {
    throw new SedjouleError('E_IO', `${model}: cannot read the ONNX model (${(error as Error).message})`);
  }
}

function nodeLabel(node: NodeProto, opset: number): string {
  return `${node.opType} node '${node.name || node.output[0] || '?'}' (opset ${opset})`;
}

/** The graph's one input that is not an initializer, with its per-sample shape. */
function readInput(
  model: ModelProto,
  options: OnnxImportOptions,
  problems: Problem[],
): { info: ValueInfoProto; shape: number[] } | undefined {
  const graph = model.graph!;
  const initializers = new Set(graph.initializer.map((t) => t.name));
  const inputs = graph.input.filter((i) => !initializers.has(i.name));
  if (inputs.length !== 1) {
    problems.push({
      where: 'graph inputs',
      reason: `${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); sedjoule networks take one`,
    });
    return undefined;
  }
  const info = inputs[0];
  const where = `input '${info.name}'`;
  const tensor = info.type?.tensorType;
  if (!tensor) {
    problems.push({ where, reason: 'is not a tensor' });
    return undefined;
  }
  if ((tensor.elemType ?? 0) !== FLOAT32) {
    problems.push({ where, reason: `is ${dataTypeName(tensor.elemType ?? 0)}; sedjoule computes in float32: export the float32 model` });
  }
  const dims = tensor.shape?.dim ?? [];
  if (dims.length < 2) {
    problems.push({ where, reason: `has rank ${dims.length}; the first axis is the batch, and a sample needs at least one more` });
    return undefined;
  }
  const given = options.inputShape;
  if (given && given.length !== dims.length - 1) {
    problems.push({ where, reason: `has ${dims.length - 1} per-sample axes, but the input shape given is [${given}]` });
    return undefined;
  }
  const shape: number[] = [];
  dims.slice(1).forEach((d, i) => {
    const fixed = d.dimValue !== undefined && int64(d.dimValue) > 0 ? int64(d.dimValue) : undefined;
    const name = d.dimParam ? `'${d.dimParam}'` : 'unnamed';
    if (fixed === undefined && !given) {
      problems.push({ where, reason: `axis ${i + 1} is symbolic (${name}); give the per-sample input shape (inputShape / --input-shape)` });
    } else if (fixed !== undefined && given && given[i] !== fixed) {
      problems.push({ where, reason: `axis ${i + 1} is ${fixed} in the model, but the input shape given says ${given[i]}` });
    }
    shape.push(fixed ?? given?.[i] ?? 0);
  });
  return { info, shape };
}

function defaultOpset(model: ModelProto): number | undefined {
  const entry = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  return entry ? int64(entry.version) : undefined;
}

/** Why a node cannot be imported whatever its inputs: its domain, or an op with no mapping. */
function unsupported(node: NodeProto): string | undefined {
  if (node.domain !== '' && node.domain !== 'ai.onnx') return `is in the domain '${node.domain}'; only the default ONNX domain is imported`;
  if (FOLDERS[node.opType] || MAPPERS[node.opType]) return undefined;
  return KNOWN_GAPS[node.opType] ?? `${node.opType} has no sedjoule layer (docs/onnx.md lists the ops imported)`;
}

export function importOnnx(model: string | Uint8Array, options: OnnxImportOptions = {}): OnnxImport {
  const { bytes, source } = readModelBytes(model);
  const proto = decodeModel(bytes, source);
  const graph = fuseGlu(proto.graph!);
  const problems: Problem[] = [];
  const opset = defaultOpset(proto) ?? 0;
  if (opset < ONNX_OPSETS.min || opset > ONNX_OPSETS.max) {
    problems.push({
      where: 'the model',
      reason: `${opset ? `opset ${opset}` : 'no opset'} of the default domain; sedjoule imports opsets ${ONNX_OPSETS.min} to ${ONNX_OPSETS.max} (torch.onnx.export(..., opset_version=17))`,
    });
  }

  const values = new Map<string, Value>();
  for (const t of graph.initializer) {
    const where = `initializer '${t.name}'`;
    if (isExternal(t)) {
      problems.push({ where, reason: 'keeps its data in an external file (the external-data format); save the model as one file' });
      values.set(t.name, { kind: 'refused' });
    } else if (t.dataType === FLOAT32) {
      values.set(t.name, { kind: 'const', dims: tensorDims(t), float: floatValues(t) });
    } else if (isIntegerType(t.dataType) && t.dataType !== 3 && t.dataType !== 2) {
      values.set(t.name, { kind: 'const', dims: tensorDims(t), ints: integerValues(t) });
    } else {
      problems.push({ where, reason: `is ${dataTypeName(t.dataType)}; sedjoule computes in float32: export the float32 model` });
      values.set(t.name, { kind: 'refused' });
    }
  }

  const input = readInput(proto, options, problems);
  if (input) values.set(input.info.name, { kind: 'tensor', sample: input.shape, batchAxis: 0, sedShape: input.shape, layer: -1 });

  const readers = new Map<string, number>();
  const read = (name: string) => readers.set(name, (readers.get(name) ?? 0) + 1);
  for (const node of graph.node) node.input.forEach(read);
  graph.output.forEach((o) => read(o.name));

  const chain = new LayerChain();
  for (const node of graph.node) {
    const inputs = node.input.map((name) => (name === '' ? undefined : values.get(name)));
    const refusedOutputs = () => node.output.forEach((o) => values.set(o, { kind: 'refused' }));
    const label = nodeLabel(node, opset);
    const gap = unsupported(node);
    if (gap) {
      problems.push({ where: label, reason: gap }); // listed even after an earlier problem
      refusedOutputs();
      continue;
    }
    if (inputs.some((v) => v?.kind === 'refused') || !input) {
      refusedOutputs(); // its input's problem is reported already
      continue;
    }
    const missing = node.input.findIndex((name, i) => name !== '' && inputs[i] === undefined);
    if (missing >= 0) {
      problems.push({ where: label, reason: `reads '${node.input[missing]}', which nothing before it produces` });
      refusedOutputs();
      continue;
    }
    const attrs = new Attributes(node);
    try {
      const context = { node, attrs, opset, inputs, chain, readers: (name: string) => readers.get(name) ?? 0 };
      const folded = FOLDERS[node.opType]?.(context);
      const mapper = MAPPERS[node.opType];
      if (!folded && !mapper) throw new Refusal(KNOWN_GAPS[node.opType] ?? 'only its constant form is imported');
      const outputs = folded ?? mapper(context);
      if (folded) chain.absorb(node);
      node.output.forEach((name, i) => values.set(name, outputs[i] ?? { kind: 'refused' }));
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      problems.push({ where: label, reason: error.message });
      refusedOutputs();
    }
  }

  let output: TensorValue | undefined;
  if (graph.output.length !== 1) {
    problems.push({
      where: 'graph outputs',
      reason: `${graph.output.length} outputs (${graph.output.map((o) => o.name).join(', ')}); sedjoule networks give one`,
    });
  } else {
    const value = values.get(graph.output[0].name);
    const where = `output '${graph.output[0].name}'`;
    if (value?.kind === 'tensor') {
      if (value.batchAxis !== 0)
        problems.push({ where, reason: `has its batch at axis ${value.batchAxis}; sedjoule outputs keep the batch first` });
      else {
        try {
          chain.input(value);
          output = value;
        } catch (error) {
          if (!(error instanceof Refusal)) throw error;
          problems.push({ where, reason: error.message });
        }
      }
    } else if (value?.kind !== 'refused') {
      problems.push({ where, reason: 'is not computed from the input (a constant)' });
    }
  }
  if (!problems.length && chain.layers.length === 0)
    problems.push({ where: 'the model', reason: 'makes no sedjoule layer (nothing to compute)' });
  if (problems.length || !input || !output) {
    const list = problems.map((p) => `  - ${p.where}: ${p.reason}`).join('\n');
    throw new SedjouleError('E_ONNX', `${source}: cannot import ${problems.length} problem(s):\n${list}`);
  }
  chain.finish();
  const spec: NetworkSpec = { input: input.shape, layers: chain.layers, loss: options.loss ?? 'bce-logits' };
  if (options.optimizer) spec.optimizer = options.optimizer;
  if (options.seed !== undefined) spec.seed = options.seed;
  return {
    spec,
    weights: chain.weights,
    report: chain.report,
    inputShape: input.shape,
    outputShape: output.sample,
    model: { producer: `${proto.producerName ?? ''} ${proto.producerVersion ?? ''}`.trim(), irVersion: int64(proto.irVersion), opset },
  };
}
