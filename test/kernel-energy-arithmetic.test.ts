/**
 * The arithmetic of `sedjoule kernel-energy` (src/analysis/kernel-energy-arithmetic.ts) on numbers worked out
 * by hand: grouping of a step's calls, repetitions for a number of counter updates, J/call, mean
 * power, GFLOP/J, unresolved draws, and the closure against a whole step.
 */
import { describe, expect, it } from 'vitest';

import { closure, groupCalls, perCall, repetitionsFor, type StepCall } from '../src/analysis/kernel-energy-arithmetic.js';

const call = (layer: string, name: string, pass: StepCall['pass'], shapes: string, flops: number): StepCall => ({
  layer,
  name,
  pass,
  shapes,
  flops,
  bytesRead: 10,
  bytesWritten: 6,
});

describe('kernel-energy arithmetic', () => {
  it('groups calls with the same kernel, pass and shapes, keeping the first index and counting calls per step', () => {
    const groups = groupCalls([
      call('0:conv2d', 'conv2d', 'forward', 'a', 100),
      call('1:relu', 'relu', 'forward', 'r', 5),
      call('2:conv2d', 'conv2d', 'forward', 'a', 100),
      call('2:conv2d', 'conv2d', 'backward-input', 'a', 100),
      call('3:relu', 'relu', 'forward', 'r2', 7),
    ]);
    expect(groups.map((g) => [g.name, g.pass, g.shapes, g.index, g.callsPerStep, g.layers])).toEqual([
      ['conv2d', 'forward', 'a', 0, 2, ['0:conv2d', '2:conv2d']],
      ['relu', 'forward', 'r', 1, 1, ['1:relu']],
      ['conv2d', 'backward-input', 'a', 3, 1, ['2:conv2d']],
      ['relu', 'forward', 'r2', 4, 1, ['3:relu']],
    ]);
    expect(groups[0].bytes).toBe(16);
  });

  it('repeats a call until the window spans the asked counter updates, with a floor', () => {
    // 20 updates of 100 ms = 2 s; 50 us per call -> 40,000 repetitions.
    expect(repetitionsFor(50e-6, 0.1, 20)).toBe(40_000);
    expect(repetitionsFor(3e-6, 0.1, 20)).toBe(Math.ceil(2 / 3e-6));
    // A call longer than the whole span still runs the floor.
    expect(repetitionsFor(5, 0.1, 20)).toBe(10);
    expect(repetitionsFor(5, 0.1, 20, 3)).toBe(3);
    expect(() => repetitionsFor(0, 0.1, 20)).toThrow(/positive/);
    expect(() => repetitionsFor(1e-3, 0, 20)).toThrow(/update period/);
  });

  it('turns a window into J/call, mean power and GFLOP/J', () => {
    // 40,000 calls in 2.5 s at 300 W gross = 750 J; idle 100 W -> 500 J net; 4 GFLOP per call.
    const e = perCall(
      { repetitions: 40_000, durationS: 2.5, joules: 750, netJoules: 500, netUncertaintyJ: 20, gpuSeconds: 2.4, updates: 25 },
      4e9,
    );
    expect(e.joulesPerCall).toBeCloseTo(0.0125, 12);
    expect(e.uncertaintyJPerCall).toBeCloseTo(0.0005, 12);
    expect(e.grossJoulesPerCall).toBeCloseTo(0.01875, 12);
    expect(e.meanPowerW).toBeCloseTo(300, 9);
    expect(e.secondsPerCall).toBeCloseTo(60e-6, 12);
    expect(e.gflopPerJoule).toBeCloseTo(4 / 0.0125, 9);
    expect(e.unresolved).toBe(false);
  });

  it('says when a kernel drew nothing above idle that the counter could resolve, and gives no GFLOP/J for a non-positive net', () => {
    const e = perCall(
      { repetitions: 1000, durationS: 2, joules: 200.5, netJoules: -0.3, netUncertaintyJ: 4, gpuSeconds: null, updates: 20 },
      1e6,
    );
    expect(e.unresolved).toBe(true);
    expect(e.gflopPerJoule).toBeNull();
    expect(e.secondsPerCall).toBeCloseTo(2e-3, 12); // window time when no GPU time is known
  });

  it('closes the sum of J/call x calls per step against the measured step, uncertainties in quadrature', () => {
    const energy = (j: number, u: number) => ({
      joulesPerCall: j,
      uncertaintyJPerCall: u,
      grossJoulesPerCall: j,
      meanPowerW: 1,
      secondsPerCall: 1,
      gflopPerJoule: null,
      unresolved: false,
    });
    const c = closure(
      [
        { callsPerStep: 2, energy: energy(0.5, 0.03), stepSeconds: 0.006 },
        { callsPerStep: 1, energy: energy(0.8, 0.04), stepSeconds: 0.003 },
        { callsPerStep: 3, energy: null, stepSeconds: 0.001 },
      ],
      energy(2.0, 0.1),
    );
    expect(c.kernelsJ).toBeCloseTo(1.8, 12);
    expect(c.kernelsUncertaintyJ).toBeCloseTo(Math.hypot(0.06, 0.04), 12);
    expect(c.ratio).toBeCloseTo(0.9, 12);
    expect(c.gapJ).toBeCloseTo(0.2, 12);
    expect(c.gapUncertaintyJ).toBeCloseTo(Math.hypot(Math.hypot(0.06, 0.04), 0.1), 12);
    expect(c.timeCoverage).toBeCloseTo(0.9, 12);
  });
});
