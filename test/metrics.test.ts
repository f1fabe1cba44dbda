import { describe, expect, it } from 'vitest';

import { averagePrecision, rocAuc, taggingMetrics } from '../src/metrics/tagging.js';

describe('tagging metrics', () => {
  it('match scikit-learn on its documented example', () => {
    // sklearn docs: average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.8333...,
    // roc_auc_score(same) = 0.75.
    expect(averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(5 / 6, 12);
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
  });

  it('treat tied scores as one threshold', () => {
    // All tied: one threshold with precision 2/4 at recall 1.
    expect(averagePrecision([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0])).toBe(0.5);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0])).toBe(0.5);
    // Perfect and inverted rankings.
    expect(averagePrecision([0.9, 0.8, 0.1], [1, 1, 0])).toBe(1);
    expect(rocAuc([0.1, 0.2, 0.9], [1, 1, 0])).toBe(0);
  });

  it('leave classes without positives out of the means, with the reason', () => {
    const scores = Float32Array.from([0.9, 0.1, 0.2, 0.8, 0.7, 0.3]);
    const targets = Float32Array.from([1, 0, 0, 0, 1, 0]);
    const m = taggingMetrics(scores, targets, ['a', 'b'], 0.5);
    expect(m.examples).toBe(3);
    expect(m.perClass[0].ap).toBe(1);
    expect(m.perClass[1].ap).toBeNull();
    expect(m.perClass[1].note).toMatch(/no positives/);
    expect(m.mAP).toBe(1);
    // class a: predictions 1,0,1 vs truth 1,0,1 -> F1 1; class b: predicted 0,1,0 vs none -> F1 0.
    expect(m.perClass[0].f1).toBe(1);
    expect(m.perClass[1].f1).toBe(0);
    expect(m.macroF1).toBe(0.5);
    // micro: tp 2, fp 1, fn 0 -> 4/5
    expect(m.microF1).toBeCloseTo(0.8, 12);
    expect(() => taggingMetrics(scores, targets.subarray(1), ['a', 'b'])).toThrow(/do not make whole rows/);
  });
});
