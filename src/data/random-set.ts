/**
 * A seeded random labelled set for engine runs before real audio is involved: each class has a
 * fixed random spectro-temporal template (a band of mel bins with a temporal envelope); an
 * example is Gaussian noise plus the templates of its classes at random gains. The labels are
 * learnable, so a training run shows a falling loss, yet nothing here is audio.
 */
import { Random } from '../util/random.js';
import { ArrayDataset } from './dataset.js';

export interface RandomSetOptions {
  examples: number;
  inputShape: number[];
  classes: number;
  seed: number;
  /** Split label: the same seed gives the same templates, so train and test sets share classes. */
  split?: 'train' | 'test';
}

export function randomLabelledSet(options: RandomSetOptions): ArrayDataset {
  const { examples, inputShape, classes, seed } = options;
  const size = inputShape.reduce((a, b) => a * b, 1);
  // Treat the input as [..., bands, frames] (the last two dimensions) for the templates.
  const frames = inputShape.length >= 2 ? inputShape[inputShape.length - 1] : 1;
  const bands = inputShape.length >= 2 ? inputShape[inputShape.length - 2] : size;
  const planeCount = size / (bands * frames);
  const templateRandom = new Random(seed);
  const templates: Float32Array[] = [];
  for (let c = 0; c < classes; ++c) {
    const t = new Float32Array(bands * frames);
    const centre = templateRandom.uniform(0, bands);
    const width = templateRandom.uniform(1, Math.max(2, bands / 8));
    const rate = templateRandom.uniform(0.5, 4);
    const phase = templateRandom.uniform(0, 2 * Math.PI);
    for (let b = 0; b < bands; ++b) {
      const band = Math.exp(-0.5 * ((b - centre) / width) ** 2);
      for (let f = 0; f < frames; ++f) t[b * frames + f] = band * (0.6 + 0.4 * Math.sin((2 * Math.PI * rate * f) / frames + phase));
    }
    templates.push(t);
  }
  const random = new Random(seed * 7919 + (options.split === 'test' ? 104729 : 1));
  const inputs = new Float32Array(examples * size);
  const targets = new Float32Array(examples * classes);
  for (let e = 0; e < examples; ++e) {
    const active: number[] = [];
    for (let c = 0; c < classes; ++c) if (random.next() < 0.3) active.push(c);
    if (active.length === 0) active.push(random.int(0, classes - 1));
    const x = inputs.subarray(e * size, (e + 1) * size);
    for (let i = 0; i < size; ++i) x[i] = 0.5 * random.normal();
    for (const c of active) {
      targets[e * classes + c] = 1;
      const gain = random.uniform(1, 2);
      for (let p = 0; p < planeCount; ++p) for (let i = 0; i < bands * frames; ++i) x[p * bands * frames + i] += gain * templates[c][i];
    }
  }
  const names = Array.from({ length: classes }, (_, c) => `class_${c}`);
  return new ArrayDataset(
    `random-labelled (seed ${seed}, ${examples} ${options.split ?? 'train'} examples)`,
    inputShape,
    names,
    inputs,
    targets,
  );
}
