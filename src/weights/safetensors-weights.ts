/**
 * A network's weights as a safetensors file, by sedjoule's names or a PyTorch state_dict's
 * (pytorch-names.ts). Reading checks the whole file against the network before anything is set:
 * every unknown and every missing name in one E_VALUE, every tensor that is not float32 in one
 * E_VALUE, every shape that differs in one E_SHAPE naming the tensor and both shapes.
 */
import { SedjouleError } from '../errors.js';
import { isIgnoredPytorchName, tensorMappings, WEIGHT_NAMES, type LayerTensors, type WeightNames } from './pytorch-names.js';
import { parseSafetensors, serializeSafetensors, type Float32Tensor, type SafetensorsTensor } from './safetensors.js';

/** True for a path whose weights are safetensors (by its extension, any case). */
export function isSafetensorsPath(path: string): boolean {
  return path.toLowerCase().endsWith('.safetensors');
}

const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

function list(names: string[]): string {
  return names.map((n) => `'${n}'`).join(', ');
}

/**
 * Which names a file uses when the caller does not say: sedjoule's when any tensor is named
 * `layers.<...>` (what saveWeights writes by default), toolbox_energy's when one is `conv_layers.`,
 * `fc.` or `rnn.` but not `rnn.rnn.`, else the DESED CRNN's. toolbox_energy's MLP (`layers.0.weight`)
 * looks like sedjoule's names: pass `names` for it.
 */
function namesOf(file: SafetensorsTensor[]): WeightNames {
  const has = (test: (name: string) => boolean) => file.some((t) => test(t.name));
  if (has((n) => n.startsWith('layers.'))) return 'sedjoule';
  if (has((n) => n.startsWith('conv_layers.') || n.startsWith('fc.') || (n.startsWith('rnn.') && !n.startsWith('rnn.rnn.'))))
    return 'toolbox-energy';
  return 'desed-crnn';
}

/** The file's tensors as sedjoule names -> values, checked against the network's tensors. */
export function readSafetensorsWeights(
  bytes: Uint8Array,
  source: string,
  layers: LayerTensors[],
  names?: WeightNames,
): Record<string, Float32Array> {
  const file = parseSafetensors(bytes, source);
  const layout = names ?? namesOf(file.tensors);
  const mappings = tensorMappings(layers, layout);
  const byName = new Map(file.tensors.map((t) => [t.name, t]));
  const wanted = new Set(mappings.flatMap((m) => m.parts.map((p) => p.name)));

  const ignored = (name: string) => layout !== 'sedjoule' && isIgnoredPytorchName(name);
  const unknown = file.tensors
    .map((t) => t.name)
    .filter((n) => !wanted.has(n) && !ignored(n))
    .sort();
  const missing = [...wanted].filter((n) => !byName.has(n)).sort();
  if (unknown.length > 0 || missing.length > 0) {
    const parts = [];
    if (unknown.length > 0) parts.push(`${unknown.length} name(s) this network does not have: ${list(unknown)}`);
    if (missing.length > 0) parts.push(`${missing.length} name(s) missing: ${list(missing)}`);
    const hint = names === undefined ? ` (names read as ${layout}'s from the file; pass names: ${WEIGHT_NAMES.join(' | ')} to say)` : '';
    throw new SedjouleError('E_VALUE', `${source} (${layout} names): ${parts.join('; ')}${hint}`);
  }

  const notFloat = file.tensors.filter((t) => wanted.has(t.name) && t.dtype !== 'F32');
  if (notFloat.length > 0)
    throw new SedjouleError(
      'E_VALUE',
      `${source}: only float32 (F32) tensors are read; ${notFloat.map((t) => `'${t.name}' is ${t.dtype}`).join(', ')} ` +
        '(convert before saving, e.g. model.float() in PyTorch)',
    );

  const wrongShape = mappings
    .flatMap((m) => m.parts)
    .filter((p) => !sameShape(byName.get(p.name)!.shape, p.shape))
    .map((p) => `'${p.name}' is [${byName.get(p.name)!.shape}], the network's is [${p.shape}]`);
  if (wrongShape.length > 0) throw new SedjouleError('E_SHAPE', `${source}: ${wrongShape.join('; ')}`);

  const out: Record<string, Float32Array> = {};
  for (const m of mappings) {
    if (m.parts.length === 1) {
      out[m.sedjoule] = byName.get(m.parts[0].name)!.values!;
      continue;
    }
    const values = new Float32Array(m.shape.reduce((a, b) => a * b, 1));
    let at = 0;
    for (const p of m.parts) {
      const v = byName.get(p.name)!.values!;
      values.set(v, at);
      at += v.length;
    }
    out[m.sedjoule] = values;
  }
  return out;
}

/**
 * The bytes of a safetensors file of `parameters` (sedjoule names -> values) under `names`.
 * Metadata: "format" "pt" (the value PyTorch's safetensors writer puts there) for PyTorch names,
 * "sedjoule" for sedjoule's, and "spec" (the network's spec as JSON) for provenance.
 */
export function writeSafetensorsWeights(
  parameters: Record<string, Float32Array>,
  layers: LayerTensors[],
  names: WeightNames,
  spec: unknown,
): Uint8Array {
  const tensors: Float32Tensor[] = [];
  for (const m of tensorMappings(layers, names)) {
    const values = parameters[m.sedjoule];
    if (values === undefined) throw new SedjouleError('E_INTERNAL', `the network returned no tensor '${m.sedjoule}'`);
    let at = 0;
    for (const p of m.parts) {
      const count = p.shape.reduce((a, b) => a * b, 1);
      tensors.push({ name: p.name, shape: p.shape, values: values.subarray(at, at + count) });
      at += count;
    }
  }
  return serializeSafetensors(tensors, { format: names === 'sedjoule' ? 'sedjoule' : 'pt', spec: JSON.stringify(spec) });
}
