/** `--device`: one choice list and one description for every command that builds a model. */
import type { Device } from '../ledger.js';

export const DEVICES: readonly Device[] = ['cpu', 'cuda'];

export const DEVICE_DESCRIPTION =
  "Where the model's kernels run: cpu, or cuda (weights, activations and optimiser state stay on the GPU; E_CUDA, with the reason, when the addon has no CUDA backend or no GPU is visible)";
