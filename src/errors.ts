/**
 * Errors raised by sedjoule carry a stable `code`. Native errors arrive as Error, TypeError or
 * RangeError objects with `code` already set; errors raised in TypeScript use SedjouleError.
 */
export type ErrorCode =
  | 'E_SHAPE'
  | 'E_VALUE'
  | 'E_TYPE'
  | 'E_SPEC'
  | 'E_IO'
  | 'E_DISPOSED'
  | 'E_CUDA'
  | 'E_NVML'
  | 'E_ADDON'
  | 'E_MEMORY'
  | 'E_INTERNAL'
  | 'E_USAGE'
  | 'E_AUDIO'
  | 'E_DATA'
  | 'E_ONNX';

export class SedjouleError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'SedjouleError';
    this.code = code;
  }
}

export function errorCode(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error && typeof (error as { code: unknown }).code === 'string') {
    return (error as { code: string }).code;
  }
  return undefined;
}
