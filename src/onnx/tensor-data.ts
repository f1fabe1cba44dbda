/**
 * The values of an ONNX TensorProto (an initializer, a Constant's value): float32 tensors as
 * Float32Array, integer tensors (shapes, axes, indices) as numbers. Other element types are named
 * so a refusal can say what the model holds.
 */
import { int64, type TensorProto } from './schema.js';

/** onnx.proto3 TensorProto.DataType names, for messages. */
const DATA_TYPES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64 (double)',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
};

export const FLOAT32 = 1;
const INT32_TYPES = new Set([2, 3, 4, 5, 6, 9, 12]); // stored in int32_data when not raw
const INT64 = 7;

export function dataTypeName(type: number): string {
  return DATA_TYPES[type] ?? `element type ${type}`;
}

/** Whether a tensor of this type can be read as integers (shapes, axes, indices, booleans). */
export function isIntegerType(type: number): boolean {
  return type === INT64 || INT32_TYPES.has(type);
}

export function tensorDims(t: TensorProto): number[] {
  return t.dims.map(int64);
}

/** Whether the tensor's data lives outside the model file (the external-data format of large models). */
export function isExternal(t: TensorProto): boolean {
  return t.dataLocation === 1 || t.externalData.length > 0;
}

function rawView(t: TensorProto): DataView {
  return new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
}

/** A float32 tensor's values (raw_data is little-endian, as onnx.proto3 says). */
export function floatValues(t: TensorProto): Float32Array {
  const count = tensorDims(t).reduce((a, b) => a * b, 1);
  if (t.rawData.length > 0) {
    const view = rawView(t);
    return Float32Array.from({ length: t.rawData.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
  }
  return t.floatData.length ? Float32Array.from(t.floatData) : new Float32Array(count);
}

/** An integer tensor's values as numbers (int64 beyond 2^53 loses precision; no shape is that big). */
export function integerValues(t: TensorProto): number[] {
  if (t.rawData.length > 0) {
    const view = rawView(t);
    const size = t.dataType === INT64 ? 8 : t.dataType === 6 || t.dataType === 12 ? 4 : t.dataType === 4 || t.dataType === 5 ? 2 : 1;
    const read = (i: number): number => {
      const at = i * size;
      switch (t.dataType) {
        case INT64:
          return Number(view.getBigInt64(at, true));
        case 6:
          return view.getInt32(at, true);
        case 12:
          return view.getUint32(at, true);
        case 5:
          return view.getInt16(at, true);
        case 4:
          return view.getUint16(at, true);
        case 3:
          return view.getInt8(at);
        default:
          return view.getUint8(at);
      }
    };
    return Array.from({ length: t.rawData.length / size }, (_, i) => read(i));
  }
  return t.dataType === INT64 ? t.int64Data.map(int64) : [...t.int32Data];
}
