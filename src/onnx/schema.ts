/**
 * The ONNX protobuf schema (vendor/onnx/onnx.proto3, vendored from onnx/onnx at a release tag) and
 * the decoding of a model file with it. protobufjs parses the .proto3 text at run time, once per
 * process: the schema stays the upstream file, byte for byte, rather than generated code that
 * would have to be regenerated and reviewed on each update, and parsing it costs milliseconds.
 */
import fs from 'node:fs';
import path from 'node:path';

import protobuf from 'protobufjs';

import { SedjouleError } from '../errors.js';
import { packageRoot } from '../version.js';

/** The fields of onnx.proto3 the importer reads (protobufjs decodes int64 as Long or number). */
export type Int64 = number | { toNumber(): number };

export interface TensorShapeDim {
  dimValue?: Int64;
  dimParam?: string;
}

export interface ValueInfoProto {
  name: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: TensorShapeDim[] } } };
}

export interface TensorProto {
  name: string;
  dims: Int64[];
  dataType: number;
  floatData: number[];
  int32Data: number[];
  int64Data: Int64[];
  doubleData: number[];
  rawData: Uint8Array;
  dataLocation?: number;
  externalData: { key: string; value: string }[];
}

export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: TensorProto;
  floats: number[];
  ints: Int64[];
  strings: Uint8Array[];
}

export interface NodeProto {
  name: string;
  opType: string;
  domain: string;
  input: string[];
  output: string[];
  attribute: AttributeProto[];
}

export interface GraphProto {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
}

export interface ModelProto {
  irVersion?: Int64;
  producerName?: string;
  producerVersion?: string;
  opsetImport: { domain: string; version: Int64 }[];
  graph?: GraphProto;
}

/** Where the vendored schema lies in the package. */
export const ONNX_SCHEMA_PATH = path.join(packageRoot, 'vendor', 'onnx', 'onnx.proto3');

let modelType: protobuf.Type | undefined;

/** onnx.ModelProto, parsed from the vendored schema on first use. */
export function modelProtoType(): protobuf.Type {
  if (!modelType) {
    const root = protobuf.parse(fs.readFileSync(ONNX_SCHEMA_PATH, 'utf8'), { keepCase: false }).root;
    modelType = root.lookupType('onnx.ModelProto');
  }
  return modelType;
}

/** A whole number from an int64 field. */
export function int64(value: Int64 | undefined): number {
  if (value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

/** Decodes a model file's bytes; E_ONNX naming `source` when they are not an ONNX model. */
export function decodeModel(bytes: Uint8Array, source: string): ModelProto {
  let model: ModelProto;
  try {
    model = modelProtoType().decode(bytes) as unknown as ModelProto;
  } catch (error) {
    throw new SedjouleError('E_ONNX', `${source}: not an ONNX model (protobuf decoding failed: ${(error as Error).message})`);
  }
  if (!model.graph) throw new SedjouleError('E_ONNX', `${source}: not an ONNX model (no graph)`);
  return model;
}
