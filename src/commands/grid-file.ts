/**
 * `sweep --grid FILE`: a JSON array of configurations written with the command line's option
 * names, e.g.
 *
 *   [{"arch": "cnn", "layers": 1, "width": 8},
 *    {"model": "dcase-crnn"},
 *    {"arch": "crnn", "conv-layers": 1, "rnn-layers": 1, "conv-width": 8, "rnn-width": 8, "variant": "faithful", "frontend": "toolbox"},
 *    {"onnx": "models/tagger.onnx", "input-shape": "1,64,1000"}]
 *
 * Keys missing from an entry take the command line's defaults (read from the same option
 * builders), so an entry means what the same options mean to `sedjoule train`. Entry N becomes
 * configuration `grid:N` (1-based, like paper43:N). Anything that cannot be meant is refused with
 * the entry and key: an unknown key, a value of the wrong type or out of its choices, and a key
 * that does not apply to the entry's model (a width for a CRNN, anything beside a named model).
 * An "onnx" entry's path is relative to the grid file; its record carries the file's SHA-256.
 */
import fs from 'node:fs';
import path from 'node:path';

import { SedjouleError } from '../errors.js';
import type { FrontendPreset } from '../frontend/extractor.js';
import type { Architecture } from '../models/families.js';
import { configurationOf, type SweepConfiguration } from '../experiment/sweep-plan.js';
import { shapeParser, withFrontendOption } from './options/data.js';
import { modelChoice, withModelOptions, type ModelArgs } from './options/model.js';
import { withOnnxOptions, type OnnxArgs } from './options/onnx.js';
import { isNumberFlag, numberProblem, NUMBER_RULES } from './options/numbers.js';
import { optionTable, type OptionInfo } from './options/option-table.js';

/** The keys each kind of entry uses; the others are refused rather than silently ignored. */
const APPLIES: Record<Architecture | 'model' | 'onnx', string[]> = {
  mlp: ['arch', 'variant', 'layers', 'width'],
  cnn: ['arch', 'variant', 'layers', 'width'],
  rnn: ['arch', 'variant', 'layers', 'width'],
  crnn: ['arch', 'variant', 'conv-layers', 'rnn-layers', 'conv-width', 'rnn-width'],
  model: ['model'],
  onnx: ['onnx', 'input-shape', 'loss'],
};

function gridKeys(): Map<string, OptionInfo> {
  const keys = optionTable((y) => withOnnxOptions(withModelOptions(y)));
  keys.set('frontend', optionTable((y) => withFrontendOption(y)).get('frontend')!);
  return keys;
}

/** An entry's "input-shape": the command line's text ("1,64,1000") or a JSON array of positive integers. */
function gridShape(where: string, value: unknown): number[] {
  if (Array.isArray(value) && value.length > 0 && value.every((d) => Number.isInteger(d) && (d as number) >= 1)) return value as number[];
  if (typeof value === 'string') {
    try {
      return shapeParser('input-shape')(value);
    } catch (error) {
      throw new SedjouleError('E_USAGE', `${where}: "input-shape" ${(error as Error).message.replace(/^--input-shape /, '')}`);
    }
  }
  throw new SedjouleError('E_USAGE', `${where}: "input-shape" must be like "1,64,1000" or [1, 64, 1000], got ${JSON.stringify(value)}`);
}

function checkValue(where: string, key: string, value: unknown, info: OptionInfo): void {
  if (key === 'input-shape') {
    gridShape(where, value);
  } else if (info.choices) {
    if (!info.choices.includes(value))
      throw new SedjouleError(
        'E_USAGE',
        `${where}: "${key}" must be one of ${info.choices.map((c) => JSON.stringify(c)).join(', ')}, got ${JSON.stringify(value)}`,
      );
  } else if (isNumberFlag(key)) {
    // The command line's rule for the same option; a grid gives JSON numbers, not text.
    const problem = typeof value === 'number' ? numberProblem(NUMBER_RULES[key], value) : `must be a number, got ${JSON.stringify(value)}`;
    if (problem) throw new SedjouleError('E_USAGE', `${where}: "${key}" ${problem}`);
  } else if (typeof value !== info.type) {
    throw new SedjouleError('E_USAGE', `${where}: "${key}" must be a ${info.type}, got ${JSON.stringify(value)}`);
  }
}

/**
 * The configurations of a grid. `frontend` (the sweep's --frontend) applies to entries that name
 * none; without either, an entry runs on its named model's front end, else dcase (as in train).
 */
export function gridConfigurations(text: string, source: string, frontend?: FrontendPreset): SweepConfiguration[] {
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch (error) {
    throw new SedjouleError('E_USAGE', `${source} is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(entries) || entries.length === 0)
    throw new SedjouleError(
      'E_USAGE',
      `${source} must hold a non-empty JSON array of configurations, e.g. [{"arch": "cnn", "layers": 1, "width": 8}]`,
    );
  const keys = gridKeys();
  const defaults = Object.fromEntries([...keys.values()].map((k) => [k.name, k.default]));
  return entries.map((entry, i) => {
    const where = `${source}: entry ${i + 1}`;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry))
      throw new SedjouleError('E_USAGE', `${where} must be an object of options, got ${JSON.stringify(entry)}`);
    const given = entry as Record<string, unknown>;
    for (const [key, value] of Object.entries(given)) {
      const info = keys.get(key);
      if (!info) throw new SedjouleError('E_USAGE', `${where}: unknown key "${key}" (known: ${[...keys.keys()].join(', ')})`);
      checkValue(where, key, value, info);
    }
    const kind = given.onnx !== undefined ? 'onnx' : given.model !== undefined ? 'model' : ((given.arch ?? defaults.arch) as Architecture);
    for (const key of Object.keys(given)) {
      if (key !== 'frontend' && !APPLIES[kind].includes(key)) {
        const what =
          kind === 'onnx' ? `an ONNX model (${given.onnx})` : kind === 'model' ? `a named model (${given.model})` : `arch ${kind}`;
        throw new SedjouleError(
          'E_USAGE',
          `${where}: "${key}" does not apply to ${what}, which uses ${[...APPLIES[kind], 'frontend'].join(', ')}`,
        );
      }
    }
    let choice: ReturnType<typeof modelChoice>;
    try {
      const shape = given['input-shape'] === undefined ? {} : { 'input-shape': gridShape(where, given['input-shape']) };
      // An ONNX path is relative to the grid file, so a grid and its models move together.
      choice = modelChoice({ ...defaults, ...given, ...shape } as unknown as ModelArgs & OnnxArgs, path.dirname(source));
    } catch (error) {
      throw new SedjouleError('E_USAGE', `${where}: ${(error as Error).message}`);
    }
    const model = choice.model;
    if (model.kind === 'family') {
      // Keep only the fields the family reads: records and settings then show what was meant.
      const keep = new Set(APPLIES[model.config.arch].map((k) => k.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())));
      model.config = Object.fromEntries(Object.entries(model.config).filter(([k]) => keep.has(k))) as typeof model.config;
    }
    const chosen = (given.frontend as FrontendPreset | undefined) ?? frontend ?? choice.frontend;
    return { ...configurationOf(`grid:${i + 1}`, model, chosen), origin: `entry ${i + 1} of ${path.basename(source)}` };
  });
}

export function readGrid(file: string, frontend?: FrontendPreset): SweepConfiguration[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new SedjouleError('E_IO', `cannot read the grid file ${file}: ${(error as Error).message}`);
  }
  return gridConfigurations(text, file, frontend);
}
