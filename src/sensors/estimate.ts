/**
 * What every sensor-study estimator returns for one quantity: a value with its uncertainty and how it
 * was obtained, or null with the reason it could not be estimated. Never a silent zero.
 */
export interface Estimate {
  value: number;
  /** One standard uncertainty, or a stated bound; `note` says which and how it was obtained. */
  uncertainty: number;
  unit: string;
  note?: string;
}

export interface NotEstimated {
  value: null;
  why: string;
}

export type MaybeEstimate = Estimate | NotEstimated;

export function estimate(value: number, uncertainty: number, unit: string, note?: string): Estimate {
  return note === undefined ? { value, uncertainty, unit } : { value, uncertainty, unit, note };
}

export function notEstimated(why: string): NotEstimated {
  return { value: null, why };
}

export function isEstimated(e: MaybeEstimate): e is Estimate {
  return e.value !== null;
}
