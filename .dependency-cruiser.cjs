/**
 * The import rules of src/ (README, "The house"), checked by `npm run check:imports` in CI.
 * Type-only imports count: a layer that needs another's types depends on it all the same.
 *
 * A module imports from its own folder or from the floors below it (FLOORS, from the ground up);
 * the folders of one floor do not import each other. index.ts (the library's entry) may import
 * any floor below commands/.
 */
const FLOORS = [
  { base: '^src/(errors|version)\\.ts$|^src/util/' },
  { boundary: '^src/(native|ledger|spec)\\.ts$' },
  { sensors: '^src/sensors/' },
  { onnx: '^src/onnx/', weights: '^src/weights/' },
  { engine: '^src/network\\.ts$|^src/(frontend|energy|metrics)/' },
  { models: '^src/models/', format: '^src/format/' },
  { data: '^src/data/' },
  { records: '^src/records/' },
  { analysis: '^src/analysis/' },
  { report: '^src/report/' },
  { experiment: '^src/experiment/' },
  { commands: '^src/commands/' },
  { cli: '^src/cli\\.ts$' },
];
const INDEX = '^src/index\\.ts$';

/** Per folder: it may not import the floors above it, its neighbours on its floor, nor the library's entry. */
const upward = FLOORS.flatMap((floor, level) =>
  Object.entries(floor).map(([name, path]) => {
    const above = FLOORS.slice(level + 1).flatMap((f) => Object.values(f));
    const neighbours = Object.entries(floor)
      .filter(([other]) => other !== name)
      .map(([, p]) => p);
    return {
      name: `${name}-imports-only-below`,
      severity: 'error',
      comment: `${name}: an import that runs back up the house, or sideways on its floor (README, "The house")`,
      from: { path },
      to: { path: [...above, ...neighbours, INDEX].join('|') },
    };
  }),
);

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
    ...upward,
    {
      name: 'the-library-has-no-command-line',
      severity: 'error',
      comment: 'index.ts, the library entry, exports no command and no option parsing.',
      from: { path: INDEX },
      to: { path: '^src/(commands/|cli\\.ts$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
