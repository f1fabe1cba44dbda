/**
 * The checks a sweep makes before it runs anything: the protocol's numbers, then every
 * configuration built on its front end's input shape and inspected (Network.inspect builds the
 * layer shapes and counts without taking the parameters' memory), and its memory need against
 * what this machine can give (src/experiment/memory-check.ts). A sweep that would fail at its 40th configuration after hours of
 * work fails here instead, naming every configuration at fault.
 */
import { SedjouleError, errorCode, type ErrorCode } from '../errors.js';
import { modelRefSpec } from '../models/presets.js';
import { Network, type NetworkDescription } from '../network.js';
import { memoryLimit, modelMemoryNeed, modelMemoryProblem, type MemoryNeed } from './memory-check.js';
import { dataKey, dataSettingsFor, expectedShape, shapeOf, type DataShape, type SweepData } from './sweep-data.js';
import type { SweepConfiguration, SweepDefinition, SweepProtocol } from './sweep-plan.js';

export interface ConfigurationCheck {
  id: string;
  inputShape: number[];
  classes: number;
  params: number;
  memory: MemoryNeed;
}

function integer(name: string, value: number, min: number): string | undefined {
  return Number.isInteger(value) && value >= min ? undefined : `--${name} must be an integer >= ${min}, got ${value}`;
}

export function checkProtocol(p: SweepProtocol): void {
  const problems = [
    integer('repeat', p.repeat, 1),
    integer('epochs', p.epochs, 1),
    integer('batch', p.batchSize, 1),
    integer('threads', p.threads, 0),
    integer('seed', p.seed, 0),
    p.phases.includes('run') ? integer('run-passes', p.runPasses, 1) : undefined,
    p.phases.includes('run') ? integer('run-batch', p.runBatch, 1) : undefined,
    p.lr > 0 && Number.isFinite(p.lr) ? undefined : `--lr must be a positive number, got ${p.lr}`,
  ].filter((m): m is string => m !== undefined);
  if (problems.length) throw new SedjouleError('E_USAGE', problems.join('; '));
}

function configurationLabel(c: SweepConfiguration): string {
  return `${c.id} (${c.origin ? `${c.origin}: ` : ''}${c.name})`;
}

/**
 * Checks every configuration; throws one error listing every one at fault (its code is the first
 * fault's: E_SPEC, E_SHAPE, E_USAGE or E_MEMORY). Data whose shape only the data can tell is
 * prepared through `data`, which keeps it for the runs.
 */
export async function checkConfigurations(
  def: SweepDefinition,
  data: SweepData,
  // A plan for runs to come: checked against the machine's memory, not what is free right now
  // (each run checks that again when it starts).
  limit = memoryLimit({ availableNow: false }),
): Promise<Map<string, ConfigurationCheck>> {
  const ids = new Set<string>();
  for (const c of def.configurations) {
    if (ids.has(c.id)) throw new SedjouleError('E_USAGE', `configuration id ${c.id} appears twice`);
    ids.add(c.id);
  }
  if (def.configurations.length === 0) throw new SedjouleError('E_USAGE', 'the sweep has no configurations');

  const shapes = new Map<string, DataShape>();
  const p = def.protocol;
  const batch = Math.max(p.phases.some((x) => x === 'train' || x === 'test') ? p.batchSize : 1, p.phases.includes('run') ? p.runBatch : 1);
  const checks = new Map<string, ConfigurationCheck>();
  const problems: Array<{ code: ErrorCode; message: string }> = [];
  for (const c of def.configurations) {
    const settings = dataSettingsFor(def.data, c.frontend);
    const key = dataKey(settings);
    let shape = shapes.get(key);
    if (!shape) {
      shape = (await expectedShape(settings)) ?? shapeOf((await data.get(settings)).info);
      shapes.set(key, shape);
    }
    let description: NetworkDescription;
    try {
      description = Network.inspect(modelRefSpec(c.model, { inputShape: shape.inputShape, classes: shape.classes, seed: p.seed }));
    } catch (error) {
      const code = (errorCode(error) ?? 'E_USAGE') as ErrorCode;
      problems.push({ code, message: `${configurationLabel(c)} on input [${shape.inputShape}]: ${code}: ${(error as Error).message}` });
      continue;
    }
    const memory = modelMemoryNeed(description, batch);
    const problem = modelMemoryProblem(configurationLabel(c), memory, limit);
    if (problem) {
      problems.push({ code: 'E_MEMORY', message: problem });
      continue;
    }
    checks.set(c.id, { id: c.id, inputShape: shape.inputShape, classes: shape.classes, params: description.parameters, memory });
  }
  if (problems.length) {
    const head = problems.length === 1 ? '' : `${problems.length} configurations cannot run:\n  `;
    throw new SedjouleError(problems[0].code, head + problems.map((x) => x.message).join('\n  '));
  }
  return checks;
}
