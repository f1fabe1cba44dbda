/**
 * The import rules of src/ (README, "The house"), checked by `npm run check:imports` in CI.
 * Type-only imports count: a layer that needs another's types depends on it all the same.
 *
 * Floors, from the ground up; a module imports from its own floor or lower ones:
 *   errors.ts, version.ts, util/  ->  native.ts, ledger.ts, spec.ts  ->  network.ts, frontend/, energy/, metrics/
 *   ->  models/, format/  ->  data/  ->  records/  ->  analysis/  ->  report/  ->  experiment/  ->  commands/  ->  cli.ts
 * index.ts (the library's entry) may import any floor below commands/.
 */
const floors = {
  base: '^src/(errors|version)\\.ts$|^src/util/',
  boundary: '^src/(native|ledger|spec)\\.ts$',
  engine: '^src/network\\.ts$|^src/(frontend|energy|metrics)/',
  models: '^src/models/',
  format: '^src/format/',
  data: '^src/data/',
  records: '^src/records/',
  analysis: '^src/analysis/',
  report: '^src/report/',
  experiment: '^src/experiment/',
  commands: '^src/commands/',
  cli: '^src/cli\\.ts$',
  index: '^src/index\\.ts$',
};

/** `from` may not import any of `above`. */
function below(name, from, above) {
  return {
    name,
    severity: 'error',
    comment: `${name}: an import that runs back up the house (README, "The house")`,
    from: { path: floors[from] },
    to: { path: above.map((f) => floors[f]).join('|') },
  };
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import circles make load order matter and hide which module owns what.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'only-native-loads-the-addon',
      severity: 'error',
      comment: 'src/native.ts is the one module that knows the addon: only it may require() a module (createRequire) or a .node file.',
      from: { path: '^src/', pathNot: '^src/native\\.ts$' },
      to: { path: '^module$|\\.node$' },
    },
    {
      name: 'native-is-a-leaf',
      severity: 'error',
      comment: 'The boundary knows only the errors it raises, the ledger columns it types and where the package is.',
      from: { path: '^src/native\\.ts$' },
      to: { path: '^src/', pathNot: '^src/(errors|ledger|version)\\.ts$' },
    },
    below('base-below-everything', 'base', [
      'boundary',
      'engine',
      'models',
      'format',
      'data',
      'records',
      'analysis',
      'report',
      'experiment',
      'commands',
      'cli',
      'index',
    ]),
    below('boundary-below-engine', 'boundary', [
      'engine',
      'models',
      'format',
      'data',
      'records',
      'analysis',
      'report',
      'experiment',
      'commands',
      'cli',
      'index',
    ]),
    below('engine-below-libraries', 'engine', [
      'models',
      'format',
      'data',
      'records',
      'analysis',
      'report',
      'experiment',
      'commands',
      'cli',
      'index',
    ]),
    below('models-below-data', 'models', ['format', 'data', 'records', 'analysis', 'report', 'experiment', 'commands', 'cli', 'index']),
    below('format-below-data', 'format', ['models', 'data', 'records', 'analysis', 'report', 'experiment', 'commands', 'cli', 'index']),
    below('data-below-records', 'data', ['records', 'analysis', 'report', 'experiment', 'commands', 'cli', 'index']),
    below('records-below-analysis', 'records', ['analysis', 'report', 'experiment', 'commands', 'cli', 'index']),
    below('analysis-below-report', 'analysis', ['report', 'experiment', 'commands', 'cli', 'index']),
    below('report-below-experiment', 'report', ['experiment', 'commands', 'cli', 'index']),
    below('experiment-below-commands', 'experiment', ['commands', 'cli', 'index']),
    below('commands-below-cli', 'commands', ['cli', 'index']),
    below('cli-is-not-the-library', 'cli', ['index']),
    below('the-library-has-no-command-line', 'index', ['commands', 'cli']),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
