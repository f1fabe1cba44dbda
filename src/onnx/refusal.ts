/**
 * Why one ONNX node cannot be imported. Mappers throw a Refusal; the importer catches it, notes
 * the node with the reason, and goes on, so that one E_ONNX error lists every problem of a model.
 */
export class Refusal extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'Refusal';
  }
}

/** One line of an E_ONNX error: the node (or the model part) and why. */
export interface Problem {
  /** e.g. "Conv node '/conv/Conv' (opset 17)", "input 'x'", "initializer 'w'". */
  where: string;
  reason: string;
}
