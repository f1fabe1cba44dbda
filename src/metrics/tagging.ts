/**
 * Clip-tagging metrics over [examples x classes] scores and multi-hot targets: average precision
 * per class and its macro mean (mAP), ROC-AUC, and F1 at a threshold (micro and macro). A class
 * without positives (or without negatives, for AUC) has no AP/AUC: it is reported as null with
 * the reason and left out of the means, never counted as 0 or 1.
 */
import { SedjouleError } from '../errors.js';

/** Average precision as scikit-learn's average_precision_score: sum over thresholds of (R_k - R_{k-1}) P_k; tied scores form one threshold. */
export function averagePrecision(scores: ArrayLike<number>, targets: ArrayLike<number>): number | null {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let positives = 0;
  for (let i = 0; i < targets.length; ++i) positives += targets[i] >= 0.5 ? 1 : 0;
  if (positives === 0) return null;
  let tp = 0,
    fp = 0,
    ap = 0,
    lastRecall = 0;
  for (let k = 0; k < order.length;) {
    const threshold = scores[order[k]];
    while (k < order.length && scores[order[k]] === threshold) {
      if (targets[order[k]] >= 0.5) ++tp;
      else ++fp;
      ++k;
    }
    const recall = tp / positives;
    ap += (recall - lastRecall) * (tp / (tp + fp));
    lastRecall = recall;
  }
  return ap;
}

/** ROC-AUC as the Mann-Whitney statistic with tied scores counted half. */
export function rocAuc(scores: ArrayLike<number>, targets: ArrayLike<number>): number | null {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  const ranks = new Float64Array(scores.length);
  for (let k = 0; k < order.length;) {
    let end = k;
    while (end < order.length && scores[order[end]] === scores[order[k]]) ++end;
    const average = (k + 1 + end) / 2; // ranks k+1..end share their mean
    for (let j = k; j < end; ++j) ranks[order[j]] = average;
    k = end;
  }
  let positives = 0,
    rankSum = 0;
  for (let i = 0; i < targets.length; ++i) {
    if (targets[i] >= 0.5) {
      ++positives;
      rankSum += ranks[i];
    }
  }
  const negatives = targets.length - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export interface ClassMetrics {
  name: string;
  positives: number;
  ap: number | null;
  rocAuc: number | null;
  f1: number;
  /** Why ap or rocAuc is null. */
  note?: string;
}

export interface TaggingMetrics {
  /** Mean AP over classes that have positives. */
  mAP: number | null;
  macroRocAuc: number | null;
  microF1: number;
  macroF1: number;
  threshold: number;
  examples: number;
  perClass: ClassMetrics[];
}

function mean(values: Array<number | null>): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length ? present.reduce((a, b) => a + b, 0) / present.length : null;
}

export function taggingMetrics(scores: Float32Array, targets: Float32Array, classes: string[], threshold = 0.5): TaggingMetrics {
  const c = classes.length;
  if (scores.length !== targets.length || scores.length % c !== 0) {
    throw new SedjouleError(
      'E_SHAPE',
      `metrics: ${scores.length} scores and ${targets.length} targets do not make whole rows of ${c} classes`,
    );
  }
  const n = scores.length / c;
  const perClass: ClassMetrics[] = [];
  let tpAll = 0,
    fpAll = 0,
    fnAll = 0;
  for (let k = 0; k < c; ++k) {
    const s = new Float64Array(n),
      t = new Float64Array(n);
    let tp = 0,
      fp = 0,
      fn = 0,
      positives = 0;
    for (let i = 0; i < n; ++i) {
      s[i] = scores[i * c + k];
      t[i] = targets[i * c + k];
      const truth = t[i] >= 0.5,
        predicted = s[i] >= threshold;
      positives += truth ? 1 : 0;
      if (truth && predicted) ++tp;
      else if (!truth && predicted) ++fp;
      else if (truth && !predicted) ++fn;
    }
    tpAll += tp;
    fpAll += fp;
    fnAll += fn;
    const ap = averagePrecision(s, t);
    const auc = rocAuc(s, t);
    const notes = [
      ap === null ? 'no positives: AP undefined' : '',
      auc === null ? `no ${positives === 0 ? 'positives' : 'negatives'}: ROC-AUC undefined` : '',
    ].filter(Boolean);
    perClass.push({
      name: classes[k],
      positives,
      ap,
      rocAuc: auc,
      f1: tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn),
      ...(notes.length ? { note: notes.join('; ') } : {}),
    });
  }
  return {
    mAP: mean(perClass.map((m) => m.ap)),
    macroRocAuc: mean(perClass.map((m) => m.rocAuc)),
    microF1: tpAll + fpAll + fnAll === 0 ? 0 : (2 * tpAll) / (2 * tpAll + fpAll + fnAll),
    macroF1: perClass.reduce((a, m) => a + m.f1, 0) / c,
    threshold,
    examples: n,
    perClass,
  };
}
