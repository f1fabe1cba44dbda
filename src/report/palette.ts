/**
 * Colours: one per family (Okabe-Ito, distinguishable with the common colour-vision deficiencies),
 * fixed so that a family has the same colour in every panel and in every report.
 */
import type { Family } from '../analysis/observations.js';

export const FAMILY_COLOURS: Record<Family, string> = {
  mlp: '#0072B2',
  cnn: '#D55E00',
  rnn: '#009E73',
  crnn: '#CC79A7',
  'dcase-crnn': '#E69F00',
  other: '#777777',
};

/** Energy sources in the power trace, in order of appearance. */
export const SOURCE_COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#000000'];

/** Shading of the energy windows in the power trace, by window kind. */
export const WINDOW_COLOURS: Record<string, string> = {
  idle: '#9e9e9e',
  features: '#F0E442',
  train: '#56B4E9',
  epoch: '#0072B2',
  test: '#009E73',
  run: '#E69F00',
  other: '#CC79A7',
};

/** Bars: exact counts in one colour, attributed energy in another (and hatched, in the page's CSS). */
export const FLOP_BAR_COLOUR = '#0072B2';
export const ENERGY_BAR_COLOUR = '#D55E00';
