/** Where a model's kernels run: threads on the CPU, or the GPU. */
import type { Argv } from 'yargs';

import type { Device } from '../../ledger.js';
import { numberOption } from './numbers.js';

const DEVICE_DESCRIPTION =
  "Where the model's kernels run: cpu, or cuda (weights, activations and optimiser state stay on the GPU; E_CUDA, with the reason, when the addon has no CUDA backend or no GPU is visible)";

export function withThreadsOption<T>(y: Argv<T>) {
  return y
    .option('threads', numberOption('threads', 'Kernel threads (0: SEDJOULE_THREADS or all hardware threads)', 0))
    .group(['threads'], 'Compute:');
}

/** Where the kernels run: threads on the CPU, or the GPU. */
export function withComputeOptions<T>(y: Argv<T>) {
  return withThreadsOption(y)
    .option('device', { choices: ['cpu', 'cuda'] as const, default: 'cpu' as Device, describe: DEVICE_DESCRIPTION })
    .group(['device'], 'Compute:');
}

export interface ComputeArgs {
  threads: number;
  device: Device;
}

/** The GPU a command that runs only on CUDA uses. */
export function withCudaDeviceOption<T>(y: Argv<T>) {
  return y.option('cuda-device', numberOption('cuda-device', 'CUDA device index', 0)).group(['cuda-device'], 'Compute:');
}
