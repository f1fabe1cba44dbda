/**
 * The analysis: statistics checked against values computed independently (by hand, and with
 * scipy.stats / numpy.linalg.lstsq where noted), edge cases, bootstrap coverage, hardware
 * normalization on planted maps, and `sedjoule analyze` / `normalize` on folders of synthetic run
 * records.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { analyzeRecords, analyzeResults, type AnalysisReport } from '../src/analysis/analyze.js';
import { chooseSelection, windowEnergy } from '../src/analysis/energy-selection.js';
import {
  fitMap,
  fitMaps,
  mapQuality,
  normalizeRecords,
  normalizeResults,
  ratioNormalize,
  type ReferencePair,
} from '../src/analysis/normalize.js';
import { loadRunRecords } from '../src/records/read-records.js';
import {
  averageRanks,
  bootstrapInterval,
  correlate,
  leastSquares,
  linearFit,
  logLogFit,
  mean,
  pearson,
  predictLine,
  spearman,
  standardDeviation,
} from '../src/analysis/statistics.js';
import type { RunRecord } from '../src/records/run-record.js';
import { packageRoot, packageVersion } from '../src/version.js';
import { Random } from '../src/util/random.js';
import { energyWindow, gpuSource, makeRecord, modelledCpu, raplPackage, writeResults, type PlannedPhase } from './run-records.js';

const cli = path.join(packageRoot, 'dist', 'cli.js');
function sedjoule(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `sedjoule-${name}-`));
}

describe('statistics on known data', () => {
  it('an exact linear relation: r = rho = 1, the fit is exact with R^2 = 1', () => {
    const x = [1, 2, 3, 4, 5, 6];
    const y = x.map((v) => 3 + 2 * v);
    expect(pearson(x, y).value).toBeCloseTo(1, 15);
    expect(spearman(x, y).value).toBeCloseTo(1, 15);
    const fit = linearFit(x, y);
    expect(fit.intercept).toBeCloseTo(3, 12);
    expect(fit.slope).toBeCloseTo(2, 12);
    expect(fit.r2).toBeCloseTo(1, 12);
    expect(fit.slopeSE).toBeCloseTo(0, 10);
    for (const e of fit.residuals) expect(Math.abs(e)).toBeLessThan(1e-12);
    expect(
      pearson(
        x,
        y.map((v) => -v),
      ).value,
    ).toBeCloseTo(-1, 15);
  });

  it('a small dataset with hand-computed Pearson, Spearman and fit', () => {
    // x = 1..5, y = 2,4,5,4,5: Sxy = 6, Sxx = 10, Syy = 6 -> r = 6 / sqrt(60);
    // ranks of y (ties averaged) 1, 2.5, 4.5, 2.5, 4.5 -> rho = 7 / sqrt(90);
    // b = 0.6, a = 2.2, SSR = 2.4, R^2 = 0.6, se(b) = sqrt(0.8 / 10), se(a) = sqrt(0.8 (1/5 + 9/10)).
    const x = [1, 2, 3, 4, 5],
      y = [2, 4, 5, 4, 5];
    expect(pearson(x, y).value).toBeCloseTo(6 / Math.sqrt(60), 14);
    expect(spearman(x, y).value).toBeCloseTo(7 / Math.sqrt(90), 14);
    const fit = linearFit(x, y);
    expect(fit.slope).toBeCloseTo(0.6, 14);
    expect(fit.intercept).toBeCloseTo(2.2, 14);
    expect(fit.r2).toBeCloseTo(0.6, 14);
    expect(fit.slopeSE).toBeCloseTo(Math.sqrt(0.08), 14);
    expect(fit.interceptSE).toBeCloseTo(Math.sqrt(0.88), 14);
    expect(fit.residuals.map((e) => Number(e.toFixed(12)))).toEqual([-0.8, 0.6, 1, -0.6, -0.2]);
    expect(predictLine(fit, 10)).toBeCloseTo(8.2, 12);
  });

  it("Anscombe's quartet: the same r and line, different Spearman (scipy.stats values)", () => {
    const x = [10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5];
    const x4 = [8, 8, 8, 8, 8, 8, 8, 19, 8, 8, 8];
    const sets = [
      {
        x,
        y: [8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68],
        r: 0.8164205163448399,
        rho: 0.8181818181818182,
        a: 3.0000909090909103,
        b: 0.5000909090909091,
        seB: 0.11790550059563408,
        seA: 1.1247467908086437,
      },
      {
        x,
        y: [9.14, 8.14, 8.74, 8.77, 9.26, 8.1, 6.13, 3.1, 9.13, 7.26, 4.74],
        r: 0.816236506000243,
        rho: 0.690909090909091,
        a: 3.000909090909089,
        b: 0.5000000000000001,
        seB: 0.11796374596764074,
        seA: 1.1253024162452265,
      },
      {
        x,
        y: [7.46, 6.77, 12.74, 7.11, 7.81, 8.84, 6.08, 5.39, 8.15, 6.42, 5.73],
        r: 0.8162867394895984,
        rho: 0.990909090909091,
        a: 3.002454545454544,
        b: 0.4997272727272729,
        seB: 0.11787766222100221,
        seA: 1.124481229639993,
      },
      // Set IV: ten tied x values; rho = 0.5 by hand (ranks 5.5 x 10 and 11).
      {
        x: x4,
        y: [6.58, 5.76, 7.71, 8.84, 8.47, 7.04, 5.25, 12.5, 5.56, 7.91, 6.89],
        r: 0.8165214368885028,
        rho: 0.5,
        a: 3.0017272727272726,
        b: 0.4999090909090909,
        seB: 0.11781894172968553,
        seA: 1.1239210718540587,
      },
    ];
    for (const s of sets) {
      expect(pearson(s.x, s.y).value).toBeCloseTo(s.r, 12);
      expect(spearman(s.x, s.y).value).toBeCloseTo(s.rho, 12);
      const fit = linearFit(s.x, s.y);
      expect(fit.intercept).toBeCloseTo(s.a, 10);
      expect(fit.slope).toBeCloseTo(s.b, 12);
      expect(fit.slopeSE).toBeCloseTo(s.seB, 12);
      expect(fit.interceptSE).toBeCloseTo(s.seA, 10);
      expect(fit.r2).toBeCloseTo(s.r * s.r, 12);
    }
  });

  it('average ranks for ties, as scipy.stats.rankdata', () => {
    expect(averageRanks([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5])).toEqual([4.5, 1.5, 6, 1.5, 8, 11, 3, 10, 8, 4.5, 8]);
    // Spearman with ties in both columns is Pearson of the average ranks.
    const x = [1, 2, 2, 3, 4, 4, 5],
      y = [2, 1, 3, 3, 5, 4, 4];
    expect(spearman(x, y).value).toBeCloseTo(pearson(averageRanks(x), averageRanks(y)).value!, 15);
  });

  it('a constant column gives no correlation (null with the reason), never 0 or NaN', () => {
    const c = pearson([1, 2, 3, 4], [5, 5, 5, 5]);
    expect(c.value).toBeNull();
    expect(c.reason).toMatch(/y is constant/);
    expect(spearman([7, 7, 7], [1, 2, 3]).reason).toMatch(/x is constant/);
    const full = correlate([1, 2, 3, 4], [5, 5, 5, 5]);
    expect(full.pearson.value).toBeNull();
    expect(full.pearson.interval).toBeNull();
    const flatX = linearFit([2, 2, 2], [1, 2, 3]);
    expect(flatX.slope).toBeNull();
    expect(flatX.reason).toMatch(/x is constant/);
    const flatY = linearFit([1, 2, 3], [4, 4, 4]);
    expect(flatY.slope).toBeCloseTo(0, 15);
    expect(flatY.r2).toBeNull();
    expect(flatY.note).toMatch(/constant/);
  });

  it('fewer than three points: no correlation; two points give an exact line without standard errors', () => {
    const c = correlate([1, 2], [3, 5]);
    expect(c.pearson.value).toBeNull();
    expect(c.pearson.reason).toMatch(/at least 3 pairs, got 2/);
    expect(c.spearman.value).toBeNull();
    const fit = linearFit([1, 2], [3, 5]);
    expect(fit.slope).toBeCloseTo(2, 14);
    expect(fit.intercept).toBeCloseTo(1, 14);
    expect(fit.slopeSE).toBeNull();
    expect(fit.note).toMatch(/two points/);
    expect(linearFit([1], [2]).reason).toMatch(/at least 2 points/);
  });

  it('missing values are excluded pairwise and counted', () => {
    const x = [1, 2, null, 4, 5, Number.NaN, 6],
      y = [2, 4, 9, 4, 5, 1, undefined];
    const r = pearson(x, y);
    expect(r.n).toBe(4);
    expect(r.excluded).toBe(3);
    expect(r.value).toBeCloseTo(pearson([1, 2, 4, 5], [2, 4, 4, 5]).value!, 15);
    const fit = linearFit(x, y);
    expect(fit.n).toBe(4);
    expect(fit.excluded).toBe(3);
    // A column missing altogether (no GPU source) says so.
    expect(correlate([null, null, null], [1, 2, 3]).pearson.reason).toMatch(/no complete pairs: all 3 have a missing value/);
    expect(mean([1, null, 3]).value).toBe(2);
    expect(mean([1, null, 3]).excluded).toBe(1);
  });

  it('log-log fits use positive pairs only and say how many were dropped (scipy on the logs)', () => {
    const x = [1, 2, 4, 8, 16];
    const noise = [1.1, 0.9, 1.05, 0.97, 1.0];
    const y = x.map((v, i) => 3 * v ** 0.75 * noise[i]);
    const fit = logLogFit([...x, 0, -3], [...y, 5, 2]);
    expect(fit.dropped).toBe(2);
    expect(fit.n).toBe(5);
    expect(fit.intercept).toBeCloseTo(1.1234122231214607, 12);
    expect(fit.slope).toBeCloseTo(0.7333052698357584, 12);
    expect(fit.r2).toBeCloseTo(0.9915031639722491, 12);
    expect(fit.slopeSE).toBeCloseTo(0.039192750707609345, 12);
    expect(fit.interceptSE).toBeCloseTo(0.06654368257243909, 12);
    // A planted power law is recovered exactly.
    const exact = logLogFit(
      x,
      x.map((v) => 2.5 * v ** 1.3),
    );
    expect(Math.exp(exact.intercept!)).toBeCloseTo(2.5, 12);
    expect(exact.slope).toBeCloseTo(1.3, 12);
    expect(predictLine(exact, 32)).toBeCloseTo(2.5 * 32 ** 1.3, 8);
  });

  it('multiple least squares with standard errors (numpy.linalg.lstsq), and a collinear design refused', () => {
    const X = [
      [1, 1, 2],
      [1, 2, 1],
      [1, 3, 5],
      [1, 4, 3],
      [1, 5, 8],
      [1, 6, 5],
    ];
    const y = [3.1, 3.9, 8.2, 7.8, 12.9, 11.1];
    const { fit } = leastSquares(X, y);
    const expected = [0.6753997539975312, 1.0966789667896677, 0.8298892988929888];
    const se = [0.3095036928828785, 0.11274107823567865, 0.08337315170936882];
    fit!.coefficients.forEach((b, i) => expect(b).toBeCloseTo(expected[i], 12));
    fit!.standardErrors.forEach((s, i) => expect(s!).toBeCloseTo(se[i], 12));
    expect(fit!.r2).toBeCloseTo(0.9956568533676011, 12);
    const collinear = leastSquares(
      X.map((r) => [r[0], r[1], 2 * r[1]]),
      y,
    );
    expect(collinear.fit).toBeNull();
    expect(collinear.reason).toMatch(/linear combination/);
    expect(leastSquares([[1, 2]], [3]).reason).toMatch(/at least 2 points/);
    // Counts of 1e12 beside an intercept stay well conditioned.
    const big = [1e12, 2e12, 3e12, 5e12];
    const line = linearFit(
      big,
      big.map((v) => 7 + 3e-12 * v),
    );
    expect(line.slope! * 1e12).toBeCloseTo(3, 9);
    expect(line.intercept).toBeCloseTo(7, 6);
  });

  it('mean and sample standard deviation', () => {
    expect(mean([2, 4, 4, 4, 5, 5, 7, 9]).value).toBe(5);
    // Population sd 2; sample sd sqrt(32 / 7).
    expect(standardDeviation([2, 4, 4, 4, 5, 5, 7, 9]).value).toBeCloseTo(Math.sqrt(32 / 7), 14);
    const one = standardDeviation([3]);
    expect(one.value).toBeNull();
    expect(one.reason).toMatch(/at least 2/);
  });
});

describe('bootstrap intervals', () => {
  /** n pairs from a bivariate normal with correlation rho. */
  function correlated(n: number, rho: number, seed: number): { x: number[]; y: number[] } {
    const random = new Random(seed);
    const x: number[] = [],
      y: number[] = [];
    for (let i = 0; i < n; ++i) {
      const a = random.normal(),
        b = random.normal();
      x.push(a);
      y.push(rho * a + Math.sqrt(1 - rho * rho) * b);
    }
    return { x, y };
  }

  it('cover the true correlation on synthetic correlated data, reproducibly with a fixed seed', () => {
    const { x, y } = correlated(200, 0.6, 11);
    const c = correlate(x, y, { resamples: 2000, seed: 5 });
    expect(c.pearson.interval!.lo).toBeLessThan(0.6);
    expect(c.pearson.interval!.hi).toBeGreaterThan(0.6);
    // Spearman's rho of a bivariate normal: (6 / pi) asin(rho / 2).
    const rhoS = (6 / Math.PI) * Math.asin(0.3);
    expect(c.spearman.interval!.lo).toBeLessThan(rhoS);
    expect(c.spearman.interval!.hi).toBeGreaterThan(rhoS);
    expect(c.pearson.interval!.lo).toBeLessThan(c.pearson.value!);
    expect(c.pearson.interval!.hi).toBeGreaterThan(c.pearson.value!);
    expect(c.pearson.interval!.resamples).toBe(2000);
    expect(correlate(x, y, { resamples: 2000, seed: 5 })).toEqual(c);
    expect(correlate(x, y, { resamples: 2000, seed: 6 }).pearson.interval!.lo).not.toBe(c.pearson.interval!.lo);
  });

  it('reach roughly their nominal coverage over many datasets', () => {
    let covered = 0;
    const trials = 60;
    for (let t = 0; t < trials; ++t) {
      const { x, y } = correlated(60, 0.5, 100 + t);
      const { interval } = bootstrapInterval(x, y, (a, b) => pearson(a, b).value, { resamples: 500, seed: t });
      if (interval!.lo <= 0.5 && 0.5 <= interval!.hi) ++covered;
    }
    // Percentile intervals undercover a little at n = 60; 95 % nominal.
    expect(covered / trials).toBeGreaterThanOrEqual(0.85);
  });

  it('drop resamples where the statistic is undefined and refuse when too few remain', () => {
    // Three points, two identical: many resamples are constant.
    const r = bootstrapInterval([1, 1, 2], [1, 1, 3], (a, b) => pearson(a, b).value, { resamples: 400 });
    expect(r.interval === null || r.interval.valid < 400).toBe(true);
    const all = bootstrapInterval([1, 1, 1, 2], [5, 5, 5, 6], (a, b) => pearson(a, b).value, { resamples: 200, seed: 3 });
    if (all.interval) expect(all.interval.valid).toBeLessThan(200);
    else expect(all.reason).toMatch(/defined on only/);
  });
});

describe('hardware normalization', () => {
  const local = [10, 20, 35, 50, 80];
  const flops = [1e9, 3e9, 2e10, 5e9, 8e10];
  const params = [1e5, 4e6, 2e5, 9e6, 3e5];
  const pairsOf = (ref: number[]): ReferencePair[] =>
    local.map((l, i) => ({ configId: `c${i}`, localJ: l, referenceJ: ref[i], flops: flops[i], params: params[i] }));

  it('recovers a planted linear map, with zero leave-one-out error', () => {
    const pairs = pairsOf(local.map((l) => 5 + 1.5 * l));
    const { fit } = fitMap(pairs, { map: 'linear', extras: false });
    expect(fit!.coefficients[0].value).toBeCloseTo(5, 10);
    expect(fit!.coefficients[1].value).toBeCloseTo(1.5, 12);
    expect(fit!.predict(100, 1, 1)).toBeCloseTo(155, 9);
    const q = mapQuality(pairs, { map: 'linear', extras: false }, fit!);
    expect(q.r2).toBeCloseTo(1, 12);
    expect(q.leaveOneOut.mse!).toBeLessThan(1e-18);
    expect(q.leaveOneOut.n).toBe(5);
    // The ratio map cannot express an offset: its leave-one-out error is not zero.
    const ratio = fitMaps(pairs).results.find((m) => m.map === 'ratio')!;
    expect(ratio.quality!.leaveOneOut.mse!).toBeGreaterThan(1);
    expect(ratio.quality!.r2!).toBeLessThan(1);
  });

  it('recovers a planted log-linear map and a map with FLOPs and parameters as extra regressors', () => {
    const power = fitMap(pairsOf(local.map((l) => 2 * l ** 0.8)), { map: 'log-linear', extras: false }).fit!;
    expect(Math.exp(power.coefficients[0].value)).toBeCloseTo(2, 10);
    expect(power.coefficients[1].value).toBeCloseTo(0.8, 12);
    const planted = local.map((l, i) => 2 + 1.2 * l + 3 * Math.log(flops[i]) - 0.5 * Math.log(params[i]));
    const withExtras = fitMap(pairsOf(planted), { map: 'linear', extras: true }).fit!;
    expect(withExtras.coefficients.map((c) => c.value)).toEqual([
      expect.closeTo(2, 6),
      expect.closeTo(1.2, 9),
      expect.closeTo(3, 8),
      expect.closeTo(-0.5, 8),
    ]);
    const maps = fitMaps(pairsOf(planted)).results;
    const lin = maps.find((m) => m.map === 'linear' && m.extras)!;
    expect(lin.quality!.r2).toBeCloseTo(1, 10);
    // Four coefficients on five points leave one for each leave-one-out fit: enough to predict.
    expect(lin.quality!.leaveOneOut.mse!).toBeLessThan(1e-10);
    expect(fitMap(pairsOf(planted), { map: 'ratio', extras: true }).reason).toMatch(/no extra regressors/);
  });

  it('k = 1 is the DCASE ratio rule: c = E_ref / E_local, and nothing else can be fitted or cross-validated', () => {
    const one: ReferencePair[] = [{ configId: 'dcase-crnn', localJ: 40, referenceJ: 100, flops: 1e9, params: 1e6 }];
    const { results, fitted } = fitMaps(one);
    const ratio = results.find((m) => m.map === 'ratio')!;
    expect(ratio.coefficients![0].value).toBeCloseTo(2.5, 14);
    expect(fitted[0].predict(12, 0, 0)).toBeCloseTo(ratioNormalize(12, 100, 40), 12);
    expect(ratioNormalize(12, 100, 40)).toBeCloseTo(30, 14);
    expect(ratio.quality!.leaveOneOut.reason).toMatch(/needs at least 1 reference model, got 0/);
    expect(results.find((m) => m.map === 'linear' && !m.extras)!.reason).toMatch(/needs at least 2 reference models, got 1/);
    expect(() => ratioNormalize(1, 1, 0)).toThrow(/must be positive/);
  });
});

// ------------------------------------------------------------------------------------------------
// Synthetic sweep: three families, three configurations each, two repeats, train/test/run.

/** Forward FLOPs per clip of configuration i of a family, and its planted J per forward FLOP. */
const FAMILY_PLAN = {
  mlp: { arch: 'mlp', flops: [2e7, 8e7, 3e8], jPerFlop: 4e-9, params: [4e6, 1.6e7, 6e7] },
  cnn: { arch: 'cnn', flops: [6e8, 2.4e9, 1e10], jPerFlop: 1e-9, params: [8e5, 2e6, 5e6] },
  rnn: { arch: 'rnn', flops: [1e7, 5e7, 2e8], jPerFlop: 6e-9, params: [3e6, 1.3e7, 6e7] },
} as const;
const TRAIN_SAMPLES = 200,
  TEST_SAMPLES = 50,
  RUN_SAMPLES = 60;

/** Planted net GPU energy per test sample: proportional to the forward FLOPs. */
const perSample = (family: keyof typeof FAMILY_PLAN, i: number) => FAMILY_PLAN[family].jPerFlop * FAMILY_PLAN[family].flops[i];

function sweepRecords(): RunRecord[] {
  const records: RunRecord[] = [];
  for (const family of Object.keys(FAMILY_PLAN) as Array<keyof typeof FAMILY_PLAN>) {
    const plan = FAMILY_PLAN[family];
    plan.flops.forEach((f, i) => {
      for (const repeat of [0, 1]) {
        const scale = repeat === 0 ? 1 : 1.1;
        const e = perSample(family, i) * scale;
        const phase = (
          samples: number,
          flopsPerSample: number,
          joules: number | null,
          extra: Partial<PlannedPhase> = {},
        ): PlannedPhase => ({
          samples,
          flops: flopsPerSample * samples,
          macs: (flopsPerSample * samples) / 2,
          bytesRead: 4 * plan.params[i] * samples,
          bytesWritten: 1000 * samples,
          seconds: 10 + i,
          // The modelled CPU is there to be left out: the GPU counter is measured.
          sources: [gpuSource(joules), modelledCpu(1000)],
          gpuUtil: 40 + 10 * i,
          memUtil: 20 + 5 * i,
          ...extra,
        });
        const id = `${family}:${i + 1}`;
        // mlp:2 repeat 1 lost its test energy: it must be reported missing, never counted as 0.
        const testJ = family === 'mlp' && i === 1 && repeat === 1 ? null : e * TEST_SAMPLES;
        records.push(
          makeRecord({
            id,
            repeat,
            model: { kind: 'family', config: { arch: plan.arch, variant: 'faithful', layers: i + 1, width: 64 } },
            params: plan.params[i],
            phases: {
              // Training: 3 forward FLOPs per clip-pass, 4 x the test energy per sample.
              train: phase(TRAIN_SAMPLES, 3 * f, 4 * e * TRAIN_SAMPLES),
              test: phase(TEST_SAMPLES, f, testJ),
              run: phase(RUN_SAMPLES, f, 1.2 * e * RUN_SAMPLES, { passes: RUN_SAMPLES, batch: 1 }),
            },
          }),
        );
      }
    });
  }
  return records;
}

describe('analyze on a folder of run records', () => {
  const records = sweepRecords();

  it('reads runs/*.json of a results folder, and plain folders of records, listing what it skips', () => {
    const dir = writeResults(tempDir('results'), records);
    const loaded = loadRunRecords(dir);
    expect(loaded.records).toHaveLength(records.length);
    const plain = tempDir('plain');
    fs.writeFileSync(path.join(plain, 'a.json'), JSON.stringify(records[0]));
    fs.writeFileSync(path.join(plain, 'broken.json'), '{"format": "sedjoule-run", ');
    fs.writeFileSync(path.join(plain, 'other.json'), '{"format": "something-else"}');
    const some = loadRunRecords(plain);
    expect(some.records).toHaveLength(1);
    expect(some.skipped.map((s) => path.basename(s.file)).sort()).toEqual(['broken.json', 'other.json']);
    expect(() => loadRunRecords(tempDir('empty'))).toThrow(/no run records/);
  });

  it('uses net, measured energy only, and says so', () => {
    const report = analyzeRecords(records);
    expect(report.energy.basis).toBe('net');
    expect(report.energy.kind).toBe('measured');
    expect(report.energy.methods).toEqual(['nvml-counter']);
    expect(report.energy.sources).toEqual(['gpu0']);
    expect(report.energy.reason).toMatch(/net of idle.*measured sources only/);
    const gross = analyzeRecords(records, { energy: 'gross' });
    const o = gross.observations.find((x) => x.key === 'cnn:1#r0' && x.phase === 'test')!;
    // Gross = net + 20 W idle x 10 s.
    expect(o.energyJ).toBeCloseTo(perSample('cnn', 0) * TEST_SAMPLES + 200, 9);
  });

  it('reports the record missing its test energy as missing, never as 0', () => {
    const report = analyzeRecords(records);
    expect(report.missing).toEqual([
      { key: 'mlp:2#r1', configId: 'mlp:2', phase: 'test', reason: expect.stringMatching(/gpu0.*could not be measured/) },
    ]);
    const rep = report.repeats.find((r) => r.configId === 'mlp:2' && r.phase === 'test')!;
    expect(rep.runs).toBe(2);
    expect(rep.energyJ.n).toBe(1);
    expect(rep.energyJ.mean).toBeCloseTo(perSample('mlp', 1) * TEST_SAMPLES, 9);
    expect(rep.missing).toEqual([{ key: 'mlp:2#r1', reason: expect.any(String) }]);
    const group = report.groups.find((g) => g.family === 'mlp' && g.phase === 'test')!;
    expect(group.points).toBe(3);
    expect(group.pointsWithEnergy).toBe(3);
  });

  it('correlates and fits per family and phase, pooled too', () => {
    const report = analyzeRecords(records, { resamples: 300 });
    const mlpTrain = report.groups.find((g) => g.family === 'mlp' && g.phase === 'train')!;
    const flops = mlpTrain.correlations.find((c) => c.variable === 'flops')!;
    // Planted: energy proportional to FLOPs within a family (both repeats x 1.05 on average).
    expect(flops.pearson.value).toBeCloseTo(1, 12);
    expect(flops.spearman.value).toBeCloseTo(1, 12);
    expect(flops.n).toBe(3);
    const logLog = mlpTrain.fits.find((f) => f.variable === 'flops')!.logLog;
    expect(logLog.slope).toBeCloseTo(1, 12);
    const lin = mlpTrain.fits.find((f) => f.variable === 'flops')!.linear;
    // E_train point = 1.05 x 4 x (J/FLOP) x F x 200 and FLOPs = 3 F x 200: slope 1.4 x J/FLOP.
    expect(lin.slope).toBeCloseTo(1.05 * (4 / 3) * FAMILY_PLAN.mlp.jPerFlop, 20);
    expect(lin.intercept).toBeCloseTo(0, 6);
    expect(lin.r2).toBeCloseTo(1, 12);
    const gpu = mlpTrain.correlations.find((c) => c.variable === 'gpuUtilPct')!;
    expect(gpu.spearman.value).toBeCloseTo(1, 12);
    // Three points: many resamples repeat one point and are dropped, and the interval says how many were valid.
    expect(gpu.pearson.interval!.valid).toBeLessThan(300);
    // Pooled: all nine configurations per phase, and families with different J/FLOP.
    const pooled = report.groups.find((g) => g.family === 'all' && g.phase === 'train')!;
    expect(pooled.points).toBe(9);
    const r = pooled.correlations.find((c) => c.variable === 'flops')!.pearson.value!;
    expect(r).toBeGreaterThan(0.5);
    expect(r).toBeLessThan(1);
    expect(report.groups.map((g) => `${g.phase}/${g.family}`)).toEqual(
      ['train', 'test', 'run'].flatMap((p) => ['mlp', 'cnn', 'rnn', 'all'].map((f) => `${p}/${f}`)),
    );
  });

  it('energy per sample, J/GFLOP and GFLOP/J', () => {
    const report = analyzeRecords(records);
    const o = report.observations.find((x) => x.key === 'cnn:3#r0' && x.phase === 'test')!;
    expect(o.energyPerSampleJ).toBeCloseTo(perSample('cnn', 2), 12);
    expect(o.joulesPerGflop).toBeCloseTo(FAMILY_PLAN.cnn.jPerFlop * 1e9, 9);
    expect(o.gflopPerJoule).toBeCloseTo(1 / (FAMILY_PLAN.cnn.jPerFlop * 1e9), 9);
    const g = report.groups.find((x) => x.family === 'cnn' && x.phase === 'test')!;
    expect(g.efficiency.joulesPerGflop.mean).toBeCloseTo(1.05 * FAMILY_PLAN.cnn.jPerFlop * 1e9, 9);
  });

  it('the measured train/test energy-per-sample ratio beside the counted FLOP ratio', () => {
    const report = analyzeRecords(records);
    const row = report.trainTest.perConfig.find((c) => c.configId === 'cnn:2')!;
    expect(row.energyRatio).toBeCloseTo(4, 12);
    expect(row.flopsRatio).toBeCloseTo(3, 12);
    // mlp:2's test point is the one repeat with energy (scale 1), its train point both (1.05).
    expect(report.trainTest.perConfig.find((c) => c.configId === 'mlp:2')!.energyRatio).toBeCloseTo(4 * 1.05, 12);
    const all = report.trainTest.byFamily.find((f) => f.family === 'all')!;
    expect(all.flopsRatio.mean).toBeCloseTo(3, 12);
    expect(report.trainTest.assumed).toBe(3);
  });

  it('repeats as mean and sample standard deviation per configuration', () => {
    const report = analyzeRecords(records);
    const rep = report.repeats.find((r) => r.configId === 'rnn:3' && r.phase === 'run')!;
    const e = 1.2 * perSample('rnn', 2) * RUN_SAMPLES;
    expect(rep.energyJ.mean).toBeCloseTo(1.05 * e, 9);
    expect(rep.energyJ.sd).toBeCloseTo((0.1 * e) / Math.SQRT2, 9);
    expect(rep.coefficientOfVariation).toBeCloseTo(0.1 / Math.SQRT2 / 1.05, 12);
  });

  it('one point per run on request; modelled energy only when nothing is measured, labelled', () => {
    const runs = analyzeRecords(records, { points: 'runs', resamples: 100 });
    expect(runs.groups.find((g) => g.family === 'all' && g.phase === 'train')!.points).toBe(18);
    const modelledOnly = [
      makeRecord({
        id: 'cpu:1',
        model: { kind: 'family', config: { arch: 'cnn', layers: 1, width: 8 } },
        params: 10,
        gpus: [],
        phases: { test: { samples: 5, flops: 100, macs: 50, bytesRead: 1, bytesWritten: 1, seconds: 2, sources: [modelledCpu(3)] } },
      }),
    ];
    const m = analyzeRecords(modelledOnly);
    expect(m.energy.kind).toBe('modelled');
    expect(m.energy.methods).toEqual(['modelled']);
    expect(m.notes.join(' ')).toMatch(/MODELLED/);
  });

  it('leaves out a window with a missing source instead of summing the rest', () => {
    const w = energyWindow('test', [gpuSource(10), raplPackage(null)], 5);
    const e = windowEnergy([w], { basis: 'gross', device: 'all', kind: 'measured' });
    expect(e.joules).toBeNull();
    expect(e.reason).toMatch(/package-0.*undercount/);
    expect(windowEnergy([w], { basis: 'gross', device: 'gpu', kind: 'measured' }).joules).toBeCloseTo(10 + 20 * 5, 12);
    // Windows without idle baselines: gross by default, and said.
    const noIdle = energyWindow('test', [gpuSource(10, { noIdle: true })], 5);
    expect(chooseSelection([noIdle]).selection.basis).toBe('gross');
    expect(windowEnergy([noIdle], { basis: 'net', device: 'all', kind: 'measured' }).reason).toMatch(/no idle baseline/);
  });

  it('sedjoule analyze prints tables and JSON, with the missing energy listed', () => {
    const dir = writeResults(tempDir('cli-analyze'), records);
    const json = sedjoule('analyze', dir, '--json', '--bootstrap', '200', '--seed', '3');
    expect(json.status, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as AnalysisReport;
    expect(report.bootstrap).toEqual({ resamples: 200, seed: 3, level: 0.95 });
    expect(report.inputs.records).toBe(18);
    expect(report).toEqual({ ...JSON.parse(JSON.stringify(analyzeResults(dir, { resamples: 200, seed: 3 }))), version: packageVersion() });
    const text = sedjoule('analyze', dir, '--bootstrap', '200', '--energy-basis', 'gross');
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/energy: gross/);
    expect(text.stdout).toMatch(/methods used: nvml-counter/);
    expect(text.stdout).toMatch(/== train ==/);
    expect(text.stdout).toMatch(/pearson r/);
    expect(text.stdout).toMatch(/the study assumed 3x/);
    expect(text.stdout).toMatch(/mlp:2#r1\s+test\s+window test: gpu0/);
    const bad = sedjoule('analyze', dir, '--energy-basis', 'both');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/Invalid values:\s+Argument: energy-basis, Given: "both"/);
    const none = sedjoule('analyze', path.join(dir, 'nope'));
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/E_IO/);
  });
});

describe('normalize runs between machines', () => {
  /** Energies on the reference machine: 3 + 2.5 x the local energy (a planted linear map). */
  function machines(): { reference: RunRecord[]; local: RunRecord[] } {
    const reference: RunRecord[] = [],
      local: RunRecord[] = [];
    const configs = [
      { id: 'ref:1', J: 10 },
      { id: 'ref:2', J: 25 },
      { id: 'ref:3', J: 60 },
      { id: 'ref:4', J: 90 },
      { id: 'mine:1', J: 42 },
    ];
    // Parameters not proportional to FLOPs: ln F and ln P must not be collinear with the intercept.
    const params = [3000, 1000, 8000, 2000, 5000];
    configs.forEach((c, i) => {
      const phase = (J: number): PlannedPhase => ({
        samples: 10,
        flops: 1e9 * (i + 1),
        macs: 5e8,
        bytesRead: 1,
        bytesWritten: 1,
        seconds: 4,
        sources: [gpuSource(J)],
      });
      const model = { kind: 'family' as const, config: { arch: 'cnn' as const, layers: 1, width: 8 * (i + 1) } };
      local.push(makeRecord({ id: c.id, model, params: params[i], host: 'laptop', gpus: ['Small GPU'], phases: { test: phase(c.J) } }));
      if (c.id.startsWith('ref'))
        reference.push(
          makeRecord({ id: c.id, model, params: params[i], host: 'server', gpus: ['Big GPU'], phases: { test: phase(3 + 2.5 * c.J) } }),
        );
    });
    return { reference, local };
  }

  it('fits every map on the shared configurations and predicts the local runs', () => {
    const { reference, local } = machines();
    const report = normalizeRecords(reference, local);
    const test = report.phases.find((p) => p.phase === 'test')!;
    expect(test.k).toBe(4);
    expect(test.references.map((r) => r.configId)).toEqual(['ref:1', 'ref:2', 'ref:3', 'ref:4']);
    const linear = test.maps.find((m) => m.map === 'linear' && !m.extras)!;
    expect(linear.coefficients![0].value).toBeCloseTo(3, 9);
    expect(linear.coefficients![1].value).toBeCloseTo(2.5, 10);
    expect(linear.quality!.leaveOneOut.mse!).toBeLessThan(1e-16);
    const mine = test.predictions.find((p) => p.configId === 'mine:1')!;
    expect(mine.isReference).toBe(false);
    expect(mine.referenceJ).toBeNull();
    expect(mine.predictedJ.linear).toBeCloseTo(3 + 2.5 * 42, 9);
    expect(test.maps.find((m) => m.map === 'linear' && m.extras)!.quality!.leaveOneOut.reason).toMatch(/needs at least 4/);
    // k = 1: each reference alone, the DCASE rule, and its error on the others.
    const single = test.singleReference.find((s) => s.configId === 'ref:3')!;
    expect(single.factor).toBeCloseTo((3 + 2.5 * 60) / 60, 12);
    expect(single.others).toHaveLength(3);
  });

  it('with one reference model, the ratio map is E x E_ref / E_local', () => {
    const { reference, local } = machines();
    const report = normalizeRecords(reference, local, { models: ['ref:2'] });
    const test = report.phases[0];
    expect(test.k).toBe(1);
    const mine = test.predictions.find((p) => p.configId === 'mine:1')!;
    expect(mine.predictedJ.ratio).toBeCloseTo(ratioNormalize(42, 3 + 2.5 * 25, 25), 10);
    expect(Object.keys(mine.predictedJ)).toEqual(['ratio']);
  });

  it('sedjoule normalize reads two folders', () => {
    const { reference, local } = machines();
    const ref = writeResults(tempDir('ref'), reference),
      loc = writeResults(tempDir('loc'), local);
    const r = sedjoule('normalize', '--reference', ref, '--local', loc);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/k = 4 reference models/);
    expect(r.stdout).toMatch(/E_ref = a \+ b E_local/);
    expect(r.stdout).toMatch(/the DCASE rule \(k = 1\)/);
    const json = JSON.parse(sedjoule('normalize', '--reference', ref, '--local', loc, '--json', '--models', 'ref:1,ref:4').stdout);
    expect(json.phases[0].k).toBe(2);
    expect(json).toEqual({
      ...JSON.parse(JSON.stringify(normalizeResults(ref, loc, { models: ['ref:1', 'ref:4'] }))),
      version: packageVersion(),
    });
  });
});
