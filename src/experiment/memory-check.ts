/**
 * The memory check every entry point makes before it allocates: a model's parameters, gradients,
 * optimiser state and activations (from Network.inspect, which counts them without taking the
 * memory), and a data set's arrays, against what this process may use. A model or data set that
 * cannot fit is refused at once with E_MEMORY and the sizes, instead of growing until the machine
 * swaps or the allocator fails with no figure.
 *
 * What the process may use: MEMORY_FRACTION of the physical memory, or of the cgroup's limit when
 * lower (a Slurm job or a container: memory.max of cgroup v2, memory.limit_in_bytes of v1, as
 * Node's process.constrainedMemory() reads them), and for a run about to allocate never more than
 * the memory available now (process.availableMemory(), the same limits less what is in use).
 */
import os from 'node:os';

import { SedjouleError } from '../errors.js';
import { Network, type NetworkDescription, type NetworkOptions } from '../network.js';
import type { NetworkSpec } from '../spec.js';

/**
 * The share of memory one model may need by the estimate below. The estimate is a lower bound
 * (layer outputs and the gradient buffers they share, not the kernels' scratch buffers, the feature cache's pages,
 * Node's heap or the rest of the machine), so the remaining fifth is kept for those.
 */
const MEMORY_FRACTION = 0.8;

export interface MemoryLimit {
  bytes: number;
  /** Where the limit comes from, for messages. */
  basis: string;
}

export function bytesText(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = bytes,
    u = 0;
  while (v >= 1024 && u < units.length - 1) ((v /= 1024), ++u);
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/**
 * What one model or data set may use. `availableNow` (the default, for a run about to allocate)
 * also bounds it by the memory free at this moment; a plan made for later (a sweep's checks, a
 * dry run) leaves that out, so it does not change with the machine's load when it is made.
 */
export function memoryLimit(options: { availableNow?: boolean } = {}): MemoryLimit {
  const physical = os.totalmem();
  // Unconstrained processes get 0 or a huge sentinel; only a real, lower limit counts.
  const constrained = process.constrainedMemory?.() ?? 0;
  const limited = constrained > 0 && constrained < physical;
  const total = limited ? constrained : physical;
  const share = Math.floor(total * MEMORY_FRACTION);
  const basis = `${Math.round(MEMORY_FRACTION * 100)}% of ${bytesText(total)} of ${limited ? 'memory allowed to this process (cgroup limit)' : 'physical memory'}`;
  const available = options.availableNow === false ? Infinity : (process.availableMemory?.() ?? Infinity);
  if (available < share) return { bytes: available, basis: `memory available now (${basis} would be ${bytesText(share)})` };
  return { bytes: share, basis };
}

export interface MemoryNeed {
  bytes: number;
  parameterBytes: number;
  gradientBytes: number;
  optimizerStateBytes: number;
  activationBytes: number;
  /** The largest batch the model runs. */
  batch: number;
}

export function modelMemoryNeed(description: NetworkDescription, batch: number): MemoryNeed {
  const m = description.memory;
  const activationBytes = batch * m.activationBytesPerSample;
  return {
    bytes: m.parameterBytes + m.gradientBytes + m.optimizerStateBytes + activationBytes,
    parameterBytes: m.parameterBytes,
    gradientBytes: m.gradientBytes,
    optimizerStateBytes: m.optimizerStateBytes,
    activationBytes,
    batch,
  };
}

function needText(what: string, bytes: number, parts: string, limit: MemoryLimit): string {
  return `${what} needs at least ${bytesText(bytes)} (${bytes.toLocaleString('en-US')} bytes: ${parts}) but this process may use ${bytesText(limit.bytes)} (${limit.basis})`;
}

/** The E_MEMORY message for a model that does not fit, or undefined when it does. */
export function modelMemoryProblem(what: string, need: MemoryNeed, limit: MemoryLimit = memoryLimit()): string | undefined {
  if (need.bytes <= limit.bytes) return undefined;
  return needText(
    what,
    need.bytes,
    `parameters ${bytesText(need.parameterBytes)}, gradients ${bytesText(need.gradientBytes)}, optimiser state ${bytesText(need.optimizerStateBytes)}, ` +
      `activations ${bytesText(need.activationBytes)} for a batch of ${need.batch}`,
    limit,
  );
}

/**
 * Refuses arrays of `count` float32 values (a data set, an output buffer) that cannot fit, before
 * they are allocated; `parts` says what they hold.
 */
export function checkArrayMemory(what: string, count: number, parts: string, limit: MemoryLimit = memoryLimit()): void {
  const bytes = count * 4;
  if (!(bytes <= limit.bytes)) throw new SedjouleError('E_MEMORY', needText(what, bytes, parts, limit));
}

/**
 * An allocation that failed all the same (the estimate is a lower bound): the allocator's bare
 * "out of memory" with the sizes of what was being run. Other errors pass through unchanged.
 */
export function withMemorySizes(error: unknown, what: string, need: MemoryNeed, limit: MemoryLimit = memoryLimit()): unknown {
  if ((error as { code?: unknown }).code !== 'E_MEMORY' || error instanceof SedjouleError) return error;
  return new SedjouleError(
    'E_MEMORY',
    `${what} ran out of memory (${(error as Error).message}): it needs at least ${bytesText(need.bytes)} (${need.bytes.toLocaleString('en-US')} bytes` +
      ` for a batch of ${need.batch}) and this process may use ${bytesText(limit.bytes)} (${limit.basis})`,
  );
}

/** A network built after its memory check, with the need it was checked for. */
export interface CheckedNetwork {
  net: Network;
  need: MemoryNeed;
}

/**
 * Builds a network after checking its memory need for `batch` (E_MEMORY with the sizes when it
 * cannot fit); an allocation that fails all the same is reported with the same sizes.
 */
export function createCheckedNetwork(spec: NetworkSpec, options: NetworkOptions, batch: number, what = 'the model'): CheckedNetwork {
  const need = modelMemoryNeed(Network.inspect(spec), batch);
  const limit = memoryLimit();
  const problem = modelMemoryProblem(what, need, limit);
  if (problem) throw new SedjouleError('E_MEMORY', problem);
  try {
    return { net: Network.create(spec, options), need };
  } catch (error) {
    throw withMemorySizes(error, what, need, limit);
  }
}
