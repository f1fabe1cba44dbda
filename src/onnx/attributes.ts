/** A node's attributes by name, read by their declared type (proto3 leaves unset fields at zero). */
import { int64, type AttributeProto, type NodeProto, type TensorProto } from './schema.js';

// onnx.proto3 AttributeProto.AttributeType
const FLOAT = 1,
  INT = 2,
  STRING = 3,
  TENSOR = 4,
  FLOATS = 6,
  INTS = 7,
  STRINGS = 8;

export class Attributes {
  private readonly byName = new Map<string, AttributeProto>();

  constructor(node: NodeProto) {
    for (const a of node.attribute) this.byName.set(a.name, a);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }
  names(): string[] {
    return [...this.byName.keys()];
  }
  int(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a && a.type === INT ? int64(a.i) : fallback;
  }
  float(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a && a.type === FLOAT ? (a.f ?? 0) : fallback;
  }
  string(name: string, fallback: string): string {
    const a = this.byName.get(name);
    return a && a.type === STRING && a.s ? Buffer.from(a.s).toString('utf8') : fallback;
  }
  ints(name: string): number[] | undefined {
    const a = this.byName.get(name);
    return a && a.type === INTS ? a.ints.map(int64) : undefined;
  }
  floats(name: string): number[] | undefined {
    const a = this.byName.get(name);
    return a && a.type === FLOATS ? [...a.floats] : undefined;
  }
  strings(name: string): string[] | undefined {
    const a = this.byName.get(name);
    return a && a.type === STRINGS ? a.strings.map((s) => Buffer.from(s).toString('utf8')) : undefined;
  }
  tensor(name: string): TensorProto | undefined {
    const a = this.byName.get(name);
    return a && a.type === TENSOR ? a.t : undefined;
  }
}
