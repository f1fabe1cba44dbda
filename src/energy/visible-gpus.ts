/**
 * Which NVML devices a child command sees through CUDA_VISIBLE_DEVICES, as the meter's `gpus`
 * option. NVML ignores that variable, so the meter must be told.
 *
 * The variable's grammar (CUDA Programming Guide, "CUDA Environment Variables",
 * https://docs.nvidia.com/cuda/cuda-programming-guide/05-appendices/environment-variables.html):
 * unset means every GPU, empty means none, else a comma-separated list of integer indices or
 * GPU UUIDs (`GPU-…`, or any prefix that names one GPU); CUDA stops at the first invalid index.
 * UUIDs and UUID prefixes pass through unchanged: the meter matches them against NVML's UUIDs.
 *
 * Indices are the weak spot. CUDA numbers devices FASTEST_FIRST unless CUDA_DEVICE_ORDER=PCI_BUS_ID
 * (same page), while NVML's index "may not correlate with other APIs, such as the CUDA device index"
 * and its order is not guaranteed across reboots (NVML API reference, nvmlDeviceGetHandleByIndex_v2,
 * https://docs.nvidia.com/deploy/nvml-api/group__nvmlDeviceQueries.html). We take an index as the
 * NVML index (what nvidia-smi shows) and say so in `caveat`: it is exact on a single GPU and, in
 * practice, with CUDA_DEVICE_ORDER=PCI_BUS_ID; UUIDs are exact everywhere.
 * MIG identifiers (`MIG-…`) are refused: the meter measures whole GPUs.
 */
import { SedjouleError } from '../errors.js';

export interface GpuSelection {
  /** The meter's `gpus` option: undefined for every device. */
  gpus?: string[];
  /** false when the command sees no GPU (CUDA_VISIBLE_DEVICES is empty): do not read NVML. */
  nvml?: false;
  /** What was selected and why, for the run record. */
  note: string;
  /** Present when an entry is an index, whose CUDA and NVML meanings can differ (see above). */
  caveat?: string;
}

export function visibleGpus(env: NodeJS.ProcessEnv = process.env): GpuSelection {
  const value = env.CUDA_VISIBLE_DEVICES;
  if (value === undefined) return { note: 'CUDA_VISIBLE_DEVICES is unset: every NVML device' };
  if (value.trim() === '') return { nvml: false, note: 'CUDA_VISIBLE_DEVICES is empty: the command sees no GPU, so none is measured' };
  const gpus: string[] = [];
  let byIndex = false;
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (/^MIG-/i.test(entry))
      throw new SedjouleError(
        'E_VALUE',
        `CUDA_VISIBLE_DEVICES entry "${entry}": MIG instances are not supported (the meter measures whole GPUs); name the GPU by its UUID or index`,
      );
    if (/^\d+$/.test(entry)) {
      byIndex = true;
      gpus.push(String(Number(entry)));
    } else if (/^GPU-[0-9a-f-]+$/i.test(entry)) {
      gpus.push(entry);
    } else {
      // CUDA ignores everything from an invalid entry on; measuring fewer GPUs than the command
      // uses would be a silent undercount, so we stop instead.
      throw new SedjouleError(
        'E_VALUE',
        `CUDA_VISIBLE_DEVICES entry "${entry}" in "${value}": expected a GPU index or a GPU UUID (GPU-…) or a prefix of one`,
      );
    }
  }
  const selection: GpuSelection = { gpus, note: `CUDA_VISIBLE_DEVICES=${value}: NVML devices ${gpus.join(', ')}` };
  if (byIndex) {
    const order =
      env.CUDA_DEVICE_ORDER === 'PCI_BUS_ID'
        ? 'CUDA_DEVICE_ORDER=PCI_BUS_ID'
        : 'CUDA orders devices FASTEST_FIRST (CUDA_DEVICE_ORDER unset)';
    selection.caveat = `indices are taken as NVML (nvidia-smi) indices; ${order}, and NVML does not promise the same order: use GPU UUIDs to be exact`;
  }
  return selection;
}
