/**
 * `sedjoule normalize --reference REF --local LOCAL`: hardware normalization (src/analysis/
 * normalize.ts). Its text: per phase, the reference models, each map with its coefficients, R^2
 * and leave-one-out errors, the DCASE k = 1 rule with each reference model alone, and the
 * predicted reference-machine energy of every local run.
 */
import type { Argv } from 'yargs';

import { normalizeResults, type NormalizationReport } from '../analysis/normalize.js';
import { sig } from '../format/significant.js';
import { renderTable } from '../format/table.js';
import { withEnergySelectionOptions } from './options/energy.js';
import { defineCommand } from './command.js';
import { emit } from './options/output.js';
import { phasesOption } from './options/training.js';

/** "a, b,c" -> ['a', 'b', 'c']. */
function commaList(text: unknown): string[] {
  return String(text)
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
}

function normalizeOptions<T>(y: Argv<T>) {
  return withEnergySelectionOptions(y)
    .option('reference', { type: 'string', array: true, demandOption: true, describe: 'Results on the reference machine' })
    .option('local', {
      type: 'string',
      array: true,
      demandOption: true,
      describe: 'Results on this machine (the reference models and the runs to normalize)',
    })
    .option('models', {
      requiresArg: true,
      coerce: commaList,
      describe: 'Configuration ids to use as reference models, comma-separated (default: every configuration both ran)',
    })
    .option('phases', phasesOption('Phases to normalize (default: those both have)'))
    .group(['reference', 'local', 'models', 'phases'], 'Normalization:')
    .example(
      '$0 normalize --reference server-results/ --local laptop-results/',
      'every configuration both machines ran is a reference model',
    )
    .example(
      '$0 normalize --reference server-results/ --local laptop-results/ --models dcase-crnn',
      'one reference model: the DCASE rule (k = 1)',
    );
}

export const normalizeCommand = defineCommand({
  command: 'normalize',
  describe:
    'Predict reference-machine energy from local runs: ratio, linear and log-linear maps fitted on reference models run on both machines (R^2, leave-one-out MSE); the DCASE rule is the k = 1 ratio',
  builder: (y) => normalizeOptions(y),
  handler: (argv) => {
    const report = normalizeResults(argv.reference, argv.local, {
      energy: argv['energy-basis'],
      device: argv['energy-scope'],
      phases: argv.phases,
      models: argv.models,
    });
    emit('normalize', argv, report, () => printNormalization(report));
  },
});

function printNormalization(report: NormalizationReport): string {
  const r = report;
  const out: string[] = [
    `reference machine: ${r.reference.machines.join('; ')} (${r.reference.records} records)`,
    `local machine:     ${r.local.machines.join('; ')} (${r.local.records} records)`,
    `energy: ${r.energy.basis}, devices ${r.energy.device}; reference: ${r.energy.reference}; local: ${r.energy.local}`,
    ...r.notes.map((n) => `note: ${n}`),
  ];
  for (const ph of r.phases) {
    out.push('', `== ${ph.phase}: k = ${ph.k} reference model${ph.k === 1 ? '' : 's'} ==`);
    if (ph.reason) {
      out.push(ph.reason);
      continue;
    }
    out.push(
      '',
      renderTable(
        ['reference model', 'local J', 'reference J', 'E_ref / E_local'],
        ph.references.map((p) => [p.configId, sig(p.localJ, 4), sig(p.referenceJ, 4), sig(p.referenceJ / p.localJ, 4)]),
        [false, true, true, true],
      ),
    );
    out.push(
      '',
      'maps (R^2 in joules on the reference models; MSE, RMSE and mean |relative error| by leave-one-out)',
      renderTable(
        ['map', 'coefficients', 'R^2', 'LOO MSE (J^2)', 'LOO RMSE (J)', 'LOO |rel err|', 'LOO R^2', 'note'],
        ph.maps.map((m) => [
          m.formula,
          m.coefficients
            ? m.coefficients
                .map((c) => `${c.name} ${sig(c.value, 4)}${c.standardError === null ? '' : ` (se ${sig(c.standardError, 2)})`}`)
                .join(', ')
            : '-',
          sig(m.quality?.r2 ?? null, 4),
          sig(m.quality?.leaveOneOut.mse ?? null),
          sig(m.quality?.leaveOneOut.rmse ?? null),
          sig(m.quality?.leaveOneOut.meanAbsRelativeError ?? null),
          sig(m.quality?.leaveOneOut.r2 ?? null),
          m.reason ?? m.quality?.leaveOneOut.reason ?? m.quality?.r2Reason ?? '',
        ]),
        [false, false, true, true, true, true, true, false],
      ),
    );
    if (ph.singleReference.length) {
      out.push(
        '',
        'the DCASE rule (k = 1): E x E_ref / E_local with one reference model alone, and its error on the other reference models',
        renderTable(
          ['reference model', 'factor E_ref/E_local', 'mean |rel err| on the others'],
          ph.singleReference.map((s) => [
            s.configId,
            sig(s.factor, 4),
            s.others.length ? sig(s.meanAbsRelativeError) : '- (no other reference)',
          ]),
          [false, true, true],
        ),
      );
    }
    const mapNames = [...new Set(ph.predictions.flatMap((p) => Object.keys(p.predictedJ)))];
    out.push(
      '',
      'predicted reference-machine energy of the local runs (J)',
      renderTable(
        ['config', 'model', 'reference?', 'local J', 'measured ref J', ...mapNames],
        ph.predictions.map((p) => [
          p.configId,
          p.model,
          p.isReference ? 'yes' : '',
          sig(p.localJ, 4),
          sig(p.referenceJ, 4),
          ...mapNames.map((m) => sig(p.predictedJ[m] ?? null, 4)),
        ]),
        [false, false, false, true, true, ...mapNames.map(() => true)],
      ),
    );
    for (const m of ph.missing) out.push(`missing: ${m.configId} (${m.machine}): ${m.reason}`);
  }
  return out.join('\n');
}
