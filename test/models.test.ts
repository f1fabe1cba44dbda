import { describe, expect, it } from 'vitest';

import { modelLayers, modelSpec } from '../src/models/families.js';
import { namedModel, PAPER43_CONFIGS, PRESETS, modelRefSpec } from '../src/models/presets.js';
import { Network } from '../src/network.js';

const toolbox = { inputShape: [1, 128, 64], classes: 10, seed: 1 };

// Parameter counts of the 43 configurations derived from the released code (ConstanceDws/toolbox_energy @4c6f87d2, launch_experiment.sh and src/model.py), in
// millions with two decimals, in the preset's order.
const PAPER43_PARAMS_M = [
  4.2,
  8.4,
  11.55,
  16.8,
  29.39,
  83.94,
  117.51,
  184.63,
  285.32,
  553.82, // MLP
  2.62,
  5.25,
  10.49,
  20.98,
  0.8,
  1.9,
  3.3,
  4.99,
  9.25,
  14.69,
  6.65,
  26.57, // CNN
  3.2,
  13.38,
  28.33,
  47.22,
  59.82,
  62.95,
  88.13,
  138.48,
  188.84,
  289.55,
  390.26, // GRU
  0.03,
  0.06,
  0.05,
  0.07,
  0.6,
  0.99,
  2.96,
  1.39,
  5.93,
  10.83, // CRNN
];

describe('the paper43 preset', () => {
  it('lists the 43 configurations: 10 MLP, 12 CNN, 11 GRU, 10 CRNN', () => {
    expect(PAPER43_CONFIGS).toHaveLength(43);
    const count = (arch: string) => PAPER43_CONFIGS.filter((c) => c.arch === arch).length;
    expect([count('mlp'), count('cnn'), count('rnn'), count('crnn')]).toEqual([10, 12, 11, 10]);
    expect(
      PRESETS.paper43.entries.every((e) => e.frontend === 'toolbox' && e.model.kind === 'family' && e.model.config.variant === 'faithful'),
    ).toBe(true);
  });

  it('gives every configuration the parameter count derived from the released code', () => {
    PAPER43_CONFIGS.forEach((config, i) => {
      const d = Network.inspect(modelSpec(config, toolbox));
      expect(
        Math.abs(d.parameters / 1e6 - PAPER43_PARAMS_M[i]),
        `paper43:${i + 1} ${JSON.stringify(config)}: ${d.parameters}`,
      ).toBeLessThanOrEqual(0.0051);
    });
  });

  it('names configurations paper43:1 to paper43:43, and refuses others', () => {
    expect(namedModel('paper43:1').name).toBe('mlp 1x512 (faithful)');
    expect(namedModel('paper43:43').name).toBe('crnn conv 2x1024 rnn 2x256 (faithful)');
    expect(() => namedModel('paper43:44')).toThrow(/configurations 1 to 43/);
    expect(() => namedModel('paper44:1')).toThrow(/unknown model 'paper44:1'/);
    expect(namedModel('dcase-crnn').frontend).toBe('dcase');
  });
});

describe('the faithful and fixed variants', () => {
  it('keep the released code quirks in the faithful variant', () => {
    const rnn = modelLayers({ arch: 'rnn', variant: 'faithful', layers: 2, width: 64 }, toolbox);
    // One step of 8192 values, last step, softmax output.
    expect(rnn[0]).toEqual({ type: 'reshape', shape: [1, 8192] });
    expect(rnn.map((l) => l.type)).toEqual(['reshape', 'gru', 'last_step', 'linear', 'softmax']);
    const crnn = modelLayers({ arch: 'crnn', variant: 'faithful', convLayers: 1, rnnLayers: 1, convWidth: 64, rnnWidth: 64 }, toolbox);
    // view(B, -1, hc) of [64, 64, 32] without permute: a sequence of 2048 steps of 64.
    expect(crnn.find((l) => l.type === 'reshape')).toEqual({ type: 'reshape', shape: [2048, 64] });
    expect(crnn.some((l) => l.type === 'permute')).toBe(false);
    expect(modelSpec({ arch: 'cnn', variant: 'faithful', layers: 1, width: 8 }, toolbox).loss).toBe('bce');
  });

  it('runs the fixed variant over time frames with sigmoid outputs', () => {
    const rnn = modelLayers({ arch: 'rnn', variant: 'fixed', layers: 1, width: 32 }, toolbox);
    expect(rnn.map((l) => l.type)).toEqual(['permute', 'reshape', 'gru', 'mean', 'linear']);
    expect(rnn[1]).toEqual({ type: 'reshape', shape: [64, 128] });
    expect(modelSpec({ arch: 'mlp', variant: 'fixed', layers: 1, width: 8 }, toolbox).loss).toBe('bce-logits');
    const d = Network.inspect(
      modelSpec({ arch: 'crnn', variant: 'fixed', convLayers: 2, rnnLayers: 1, convWidth: 16, rnnWidth: 32 }, toolbox),
    );
    // conv output [16, 32, 16] -> 16 frames of 16 x 32 features
    expect(d.layers.find((l) => l.type === 'gru')!.input).toEqual([16, 512]);
  });
});

describe('the dcase-crnn preset', () => {
  it('has 1,112,420 trainable parameters on the dcase front end', () => {
    const d = Network.inspect(modelRefSpec({ kind: 'dcase-crnn' }, { inputShape: [1, 128, 626], classes: 10, seed: 1 }));
    expect(d.parameters).toBe(1_112_420);
    expect(d.layers.find((l) => l.type === 'gru')!.input).toEqual([156, 128]);
    expect(d.output).toEqual([10]);
  });
});
