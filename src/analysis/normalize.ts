/**
 * Hardware normalization after Douwes & Serizel (arXiv 2409.05602): k reference models are run on
 * both the reference machine and the local one; a map fitted on those k pairs predicts what any
 * local run would have cost on the reference machine.
 *
 * Maps (x = local energy, y = reference-machine energy, F = counted FLOPs, P = parameters):
 * - ratio:       y = c x                      (least squares through the origin; for k = 1,
 *                                              c = E_ref / E_local: the DCASE rule)
 * - linear:      y = a + b x [+ d ln F + e ln P]
 * - log-linear:  ln y = a + b ln x [+ d ln F + e ln P], predicted as exp(...), no bias correction
 * The FLOP and parameter terms are the optional extra regressors of the paper; the counts are
 * exact and the same on both machines, so they describe the model, not the hardware.
 *
 * Quality: R^2 on the reference points (in joules for every map, so the maps compare) and, by
 * leave-one-out, the mean squared error (J^2), its root and the mean absolute relative error of
 * predicting each reference model from the others, with the predictive R^2 (1 - PRESS / SST).
 */
import { SedjouleError } from '../errors.js';
import { PHASES, type Phase, type RunRecord } from '../records/run-record.js';
import { configurationPoints, type Point } from './analyze.js';
import { chooseSelection, type EnergyScope, type EnergyBasis, type EnergySelection } from './energy-selection.js';
import { observe, phaseRuns } from './observations.js';
import { loadRunRecords } from '../records/read-records.js';
import { leastSquares } from './statistics.js';

export type NormalizationMap = 'ratio' | 'linear' | 'log-linear';

/**
 * The k = 1 ratio rule of DCASE task 4 (2023): E x E_ref / E_local, where E_ref and E_local are the
 * same reference workload measured on the reference and the local machine.
 */
export function ratioNormalize(energy: number, referenceEnergy: number, localEnergy: number): number {
  if (!(localEnergy > 0))
    throw new SedjouleError('E_VALUE', `the local reference energy must be positive to normalize by it, got ${localEnergy}`);
  return (energy * referenceEnergy) / localEnergy;
}

/** One reference model: its energy on both machines, and its counts. */
export interface ReferencePair {
  configId: string;
  model?: string;
  localJ: number;
  referenceJ: number;
  flops: number;
  params: number;
}

export interface MapSpec {
  map: NormalizationMap;
  /** ln FLOPs and ln parameters as extra regressors (not for the ratio map, a pure scale). */
  extras: boolean;
}

export interface FittedMap extends MapSpec {
  formula: string;
  coefficients: Array<{ name: string; value: number; standardError: number | null }>;
  /** Predicts the reference-machine energy (J) of a local run; null where the map cannot (ln of a non-positive value). */
  predict: (localJ: number, flops: number, params: number) => number | null;
}

function formulaOf(spec: MapSpec): string {
  const extras = spec.extras ? ' + d ln F + e ln P' : '';
  if (spec.map === 'ratio') return 'E_ref = c E_local';
  if (spec.map === 'linear') return `E_ref = a + b E_local${extras}`;
  return `ln E_ref = a + b ln E_local${extras}`;
}

function coefficientCount(spec: MapSpec): number {
  return spec.map === 'ratio' ? 1 : spec.extras ? 4 : 2;
}

/** The design row of one pair for a map. */
function designRow(spec: MapSpec, localJ: number, flops: number, params: number): number[] | null {
  const extra = spec.extras ? [Math.log(flops), Math.log(params)] : [];
  if (spec.extras && !(flops > 0 && params > 0)) return null;
  if (spec.map === 'ratio') return [localJ];
  if (spec.map === 'linear') return [1, localJ, ...extra];
  return localJ > 0 ? [1, Math.log(localJ), ...extra] : null;
}

/** Fits a map on reference pairs; null with the reason when it cannot be fitted. */
export function fitMap(pairs: ReferencePair[], spec: MapSpec): { fit: FittedMap | null; reason?: string } {
  if (spec.map === 'ratio' && spec.extras) return { fit: null, reason: 'the ratio map is a pure scale: it takes no extra regressors' };
  const rows: number[][] = [],
    ys: number[] = [];
  for (const p of pairs) {
    const row = designRow(spec, p.localJ, p.flops, p.params);
    if (!row || (spec.map === 'log-linear' && !(p.referenceJ > 0))) {
      return {
        fit: null,
        reason: `${p.configId}: ${spec.map === 'log-linear' ? 'energies must be positive for logarithms' : 'FLOPs and parameters must be positive for logarithms'}`,
      };
    }
    rows.push(row);
    ys.push(spec.map === 'log-linear' ? Math.log(p.referenceJ) : p.referenceJ);
  }
  const need = coefficientCount(spec);
  if (pairs.length < need)
    return {
      fit: null,
      reason: `${formulaOf(spec)} has ${need} coefficient${need > 1 ? 's' : ''} and needs at least ${need} reference model${need > 1 ? 's' : ''}, got ${pairs.length}`,
    };
  const columns =
    spec.map === 'ratio'
      ? ['E_local']
      : ['the intercept', spec.map === 'linear' ? 'E_local' : 'ln E_local', ...(spec.extras ? ['ln FLOPs', 'ln parameters'] : [])];
  const { fit, reason } = leastSquares(rows, ys, columns);
  if (!fit) return { fit: null, reason };
  const names = spec.map === 'ratio' ? ['c'] : ['a', 'b', ...(spec.extras ? ['d', 'e'] : [])];
  const beta = fit.coefficients;
  return {
    fit: {
      ...spec,
      formula: formulaOf(spec),
      coefficients: names.map((name, i) => ({ name, value: beta[i], standardError: fit.standardErrors[i] })),
      predict: (localJ, flops, params) => {
        const row = designRow(spec, localJ, flops, params);
        if (!row) return null;
        const v = row.reduce((acc, x, i) => acc + x * beta[i], 0);
        return spec.map === 'log-linear' ? Math.exp(v) : v;
      },
    },
  };
}

export interface MapQuality {
  /** 1 - SSR / SST of the in-sample predictions, in joules; null when not defined. */
  r2: number | null;
  r2Reason?: string;
  leaveOneOut: {
    n: number;
    mse: number | null;
    rmse: number | null;
    meanAbsRelativeError: number | null;
    /** Predictive R^2: 1 - PRESS / SST. */
    r2: number | null;
    reason?: string;
  };
}

function sst(values: number[]): number {
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  return values.reduce((a, v) => a + (v - m) ** 2, 0);
}

/** In-sample R^2 and leave-one-out errors of a map on the reference pairs. */
export function mapQuality(pairs: ReferencePair[], spec: MapSpec, fitted: FittedMap): MapQuality {
  const ys = pairs.map((p) => p.referenceJ);
  const total = pairs.length > 1 ? sst(ys) : 0;
  const inSample = pairs.map((p) => fitted.predict(p.localJ, p.flops, p.params));
  const ssr = inSample.every((v) => v !== null) ? inSample.reduce((a, v, i) => a + (ys[i] - v!) ** 2, 0) : null;
  const r2 = total > 0 && ssr !== null ? 1 - ssr / total : null;
  const quality: MapQuality = {
    r2,
    ...(r2 === null
      ? {
          r2Reason:
            pairs.length < 2
              ? 'one reference model: R^2 is undefined'
              : total === 0
                ? 'the reference energies are all equal'
                : 'a prediction is undefined',
        }
      : {}),
    leaveOneOut: { n: 0, mse: null, rmse: null, meanAbsRelativeError: null, r2: null },
  };
  const errors: number[] = [],
    relative: number[] = [];
  for (let i = 0; i < pairs.length; ++i) {
    const rest = pairs.filter((_, j) => j !== i);
    const { fit, reason } = fitMap(rest, spec);
    if (!fit) {
      quality.leaveOneOut.reason = `leaving out ${pairs[i].configId}: ${reason}`;
      return quality;
    }
    const predicted = fit.predict(pairs[i].localJ, pairs[i].flops, pairs[i].params);
    if (predicted === null) {
      quality.leaveOneOut.reason = `leaving out ${pairs[i].configId}: the map cannot predict it`;
      return quality;
    }
    errors.push(predicted - ys[i]);
    if (ys[i] !== 0) relative.push(Math.abs(predicted - ys[i]) / Math.abs(ys[i]));
  }
  const press = errors.reduce((a, e) => a + e * e, 0);
  const mse = press / errors.length;
  quality.leaveOneOut = {
    n: errors.length,
    mse,
    rmse: Math.sqrt(mse),
    meanAbsRelativeError: relative.length ? relative.reduce((a, b) => a + b, 0) / relative.length : null,
    r2: total > 0 ? 1 - press / total : null,
    ...(total > 0 ? {} : { reason: 'the reference energies are all equal: predictive R^2 is undefined' }),
  };
  return quality;
}

export interface MapResult extends MapSpec {
  formula: string;
  coefficients: FittedMap['coefficients'] | null;
  reason?: string;
  quality: MapQuality | null;
}

/** Every map, with and without the extra regressors, fitted and assessed on the same pairs. */
export function fitMaps(pairs: ReferencePair[]): { results: MapResult[]; fitted: FittedMap[] } {
  const specs: MapSpec[] = [
    { map: 'ratio', extras: false },
    { map: 'linear', extras: false },
    { map: 'log-linear', extras: false },
    { map: 'linear', extras: true },
    { map: 'log-linear', extras: true },
  ];
  const results: MapResult[] = [],
    fitted: FittedMap[] = [];
  for (const spec of specs) {
    const { fit, reason } = fitMap(pairs, spec);
    if (fit) fitted.push(fit);
    results.push({
      ...spec,
      formula: formulaOf(spec),
      coefficients: fit?.coefficients ?? null,
      ...(reason ? { reason } : {}),
      quality: fit ? mapQuality(pairs, spec, fit) : null,
    });
  }
  return { results, fitted };
}

/** The DCASE rule with one reference model alone, and how well it predicts the other references. */
export interface SingleReferenceRule {
  configId: string;
  /** E_ref / E_local of this model: the factor every local energy is multiplied by. */
  factor: number;
  others: Array<{ configId: string; localJ: number; predictedJ: number; referenceJ: number; relativeError: number | null }>;
  meanAbsRelativeError: number | null;
}

export function singleReferenceRules(pairs: ReferencePair[]): SingleReferenceRule[] {
  return pairs
    .filter((p) => p.localJ > 0)
    .map((p) => {
      const others = pairs
        .filter((q) => q !== p)
        .map((q) => {
          const predictedJ = ratioNormalize(q.localJ, p.referenceJ, p.localJ);
          return {
            configId: q.configId,
            localJ: q.localJ,
            predictedJ,
            referenceJ: q.referenceJ,
            relativeError: q.referenceJ !== 0 ? (predictedJ - q.referenceJ) / Math.abs(q.referenceJ) : null,
          };
        });
      const rel = others
        .map((o) => o.relativeError)
        .filter((v): v is number => v !== null)
        .map(Math.abs);
      return {
        configId: p.configId,
        factor: p.referenceJ / p.localJ,
        others,
        meanAbsRelativeError: rel.length ? rel.reduce((a, b) => a + b, 0) / rel.length : null,
      };
    });
}

export interface NormalizedRun {
  configId: string;
  model: string;
  isReference: boolean;
  localJ: number;
  /** Measured on the reference machine, when it ran this configuration too. */
  referenceJ: number | null;
  /** Per map (`ratio`, `linear`, `log-linear`, `linear+extras`, `log-linear+extras`): predicted reference-machine joules. */
  predictedJ: Record<string, number | null>;
}

export interface PhaseNormalization {
  phase: Phase;
  k: number;
  references: ReferencePair[];
  maps: MapResult[];
  singleReference: SingleReferenceRule[];
  predictions: NormalizedRun[];
  /** Local configurations without energy in this phase, and shared ones left out as references. */
  missing: Array<{ configId: string; machine: 'local' | 'reference'; reason: string }>;
  reason?: string;
}

export interface NormalizationReport {
  command: 'normalize';
  reference: { paths: string[]; records: number; machines: string[] };
  local: { paths: string[]; records: number; machines: string[] };
  energy: { basis: EnergyBasis; device: EnergyScope; reference: string; local: string; unit: 'J' };
  phases: PhaseNormalization[];
  notes: string[];
}

export interface NormalizeOptions {
  energy?: EnergyBasis | 'auto';
  device?: EnergyScope;
  /** Phases to normalize (default: every phase both sides have). */
  phases?: Phase[];
  /** Config ids to use as reference models (default: every configuration both sides ran). */
  models?: string[];
}

function mapName(spec: MapSpec): string {
  return spec.extras ? `${spec.map}+extras` : spec.map;
}

function machinesOf(records: RunRecord[]): string[] {
  return [
    ...new Set(
      records.map(
        (r) => `${r.provenance?.hostname ?? 'unknown'} (${(r.provenance?.gpus ?? []).map((g) => g.name).join(', ') || 'no GPU'})`,
      ),
    ),
  ];
}

function pointsOf(records: RunRecord[], selection: EnergySelection): Point[] {
  return configurationPoints(records.flatMap(phaseRuns).map((r) => observe(r, selection)));
}

/** Normalizes the local runs to the reference machine, per phase. */
export function normalizeRecords(
  reference: RunRecord[],
  local: RunRecord[],
  options: NormalizeOptions = {},
  paths: { reference: string[]; local: string[] } = { reference: [], local: [] },
): NormalizationReport {
  const device = options.device ?? 'all';
  const refWindows = reference.flatMap(phaseRuns).flatMap((r) => r.windows ?? []);
  const localWindows = local.flatMap(phaseRuns).flatMap((r) => r.windows ?? []);
  let refChoice = chooseSelection(refWindows, { basis: options.energy, device });
  let localChoice = chooseSelection(localWindows, { basis: options.energy, device });
  const notes: string[] = [];
  // Both machines on one basis: a net figure divided by a gross one is no ratio of machines.
  if (refChoice.selection.basis !== localChoice.selection.basis) {
    notes.push('net energy is not available on both machines: both are compared gross');
    refChoice = chooseSelection(refWindows, { basis: 'gross', device });
    localChoice = chooseSelection(localWindows, { basis: 'gross', device });
  }
  const basis = refChoice.selection.basis;
  const refSelection = refChoice.selection,
    localSelection = localChoice.selection;
  const refPoints = pointsOf(reference, refSelection),
    localPoints = pointsOf(local, localSelection);
  if (refSelection.kind !== localSelection.kind)
    notes.push(`the reference machine has ${refSelection.kind} energy and the local one ${localSelection.kind} energy`);

  const phases = (options.phases ?? PHASES).filter(
    (ph) => refPoints.some((p) => p.phase === ph) && localPoints.some((p) => p.phase === ph),
  );
  if (phases.length === 0) throw new SedjouleError('E_DATA', 'the reference and local runs share no phase (train, test, run)');
  const out: PhaseNormalization[] = [];
  for (const phase of phases) {
    const refByConfig = new Map(refPoints.filter((p) => p.phase === phase).map((p) => [p.configId, p]));
    const localInPhase = localPoints.filter((p) => p.phase === phase);
    const missing: PhaseNormalization['missing'] = [];
    const pairs: ReferencePair[] = [];
    for (const lp of localInPhase) {
      const rp = refByConfig.get(lp.configId);
      if (!rp || (options.models && !options.models.includes(lp.configId))) continue;
      if (lp.energyJ === null || rp.energyJ === null) {
        missing.push({
          configId: lp.configId,
          machine: lp.energyJ === null ? 'local' : 'reference',
          reason: 'no energy in this phase: not usable as a reference model',
        });
        continue;
      }
      if (Math.abs(lp.flops - rp.flops) > 1e-9 * Math.max(lp.flops, rp.flops)) {
        notes.push(
          `${lp.configId} (${phase}): counted FLOPs differ between the machines (${lp.flops} local, ${rp.flops} reference): the runs did not follow one protocol`,
        );
      }
      pairs.push({
        configId: lp.configId,
        model: lp.model,
        localJ: lp.energyJ,
        referenceJ: rp.energyJ,
        flops: lp.flops,
        params: lp.params,
      });
    }
    for (const id of options.models ?? []) {
      if (!pairs.some((p) => p.configId === id) && !missing.some((m) => m.configId === id))
        missing.push({
          configId: id,
          machine: refByConfig.has(id) ? 'local' : 'reference',
          reason: `asked for as a reference model but not run on the ${refByConfig.has(id) ? 'local' : 'reference'} machine in this phase`,
        });
    }
    const { results, fitted } = pairs.length ? fitMaps(pairs) : { results: [], fitted: [] };
    const predictions: NormalizedRun[] = [];
    for (const lp of localInPhase) {
      if (lp.energyJ === null) {
        if (!missing.some((m) => m.configId === lp.configId))
          missing.push({ configId: lp.configId, machine: 'local', reason: 'no energy in this phase' });
        continue;
      }
      const predictedJ: Record<string, number | null> = {};
      for (const f of fitted) predictedJ[mapName(f)] = f.predict(lp.energyJ, lp.flops, lp.params);
      predictions.push({
        configId: lp.configId,
        model: lp.model,
        isReference: pairs.some((p) => p.configId === lp.configId),
        localJ: lp.energyJ,
        referenceJ: refByConfig.get(lp.configId)?.energyJ ?? null,
        predictedJ,
      });
    }
    out.push({
      phase,
      k: pairs.length,
      references: pairs,
      maps: results,
      singleReference: singleReferenceRules(pairs),
      predictions,
      missing,
      ...(pairs.length ? {} : { reason: 'no configuration has energy in this phase on both machines: nothing to fit' }),
    });
  }
  return {
    command: 'normalize',
    reference: { paths: paths.reference, records: reference.length, machines: machinesOf(reference) },
    local: { paths: paths.local, records: local.length, machines: machinesOf(local) },
    energy: { basis, device, reference: refChoice.reason, local: localChoice.reason, unit: 'J' },
    phases: out,
    notes: [...new Set(notes)],
  };
}

export function normalizeResults(
  referencePaths: string | string[],
  localPaths: string | string[],
  options: NormalizeOptions = {},
): NormalizationReport {
  const ref = Array.isArray(referencePaths) ? referencePaths : [referencePaths];
  const loc = Array.isArray(localPaths) ? localPaths : [localPaths];
  return normalizeRecords(loadRunRecords(ref).records, loadRunRecords(loc).records, options, { reference: ref, local: loc });
}
