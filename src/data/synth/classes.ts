import { DESED_CLASSES, type DesedClass } from '../desed-classes.js';

export { DESED_CLASSES, type DesedClass } from '../desed-classes.js';

/** Position in the canonical order: label lists are sorted by it so files do not depend on draw order. */
export function classIndex(label: DesedClass): number {
  return DESED_CLASSES.indexOf(label);
}
