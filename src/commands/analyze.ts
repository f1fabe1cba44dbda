/** `sedjoule analyze RESULTS`: energy against counted compute, per family and phase (src/analysis/analyze.ts). */
import { analyzeResults } from '../analysis/analyze.js';
import { analysisText } from '../report/analysis-text.js';
import { analyzeOptions, withAnalysisOptions, withResultsPositional } from './options/analysis.js';
import { defineCommand } from './command.js';
import { emit } from './options/output.js';

export const analyzeCommand = defineCommand({
  command: 'analyze <results..>',
  describe:
    'Relate energy to counted FLOPs, MACs, parameters, bytes, duration and GPU/memory utilisation per family and phase: correlations with bootstrap intervals, fits, J/GFLOP, the train/test ratio, repeats',
  builder: (c) =>
    withAnalysisOptions(withResultsPositional(c))
      .example('$0 analyze results/', "a sweep's folder (its runs/*.json)")
      .example('$0 analyze results/ other/ --json', 'several folders, as JSON')
      .example('$0 analyze results/ --energy-scope gpu', 'GPU energy only, as the study measured it'),
  handler: (argv) => {
    const report = analyzeResults(argv.results, analyzeOptions(argv));
    emit('analyze', argv, report, () => analysisText(report));
  },
});
