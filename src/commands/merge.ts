/** `sedjoule merge OUT IN...`: result folders of one sweep merged into one (src/experiment/merge.ts). */
import { mergeSweeps, type MergeReport } from '../experiment/merge.js';
import { shardText } from '../experiment/shard.js';
import { defineCommand } from './command.js';
import { emit } from './options/output.js';

export const mergeCommand = defineCommand({
  command: 'merge <out> <inputs..>',
  describe:
    'Combine result folders of one sweep (its shards) into OUT: records copied, manifests merged, conflicting records refused, missing runs listed',
  builder: (c) =>
    c
      .positional('out', { type: 'string', demandOption: true, describe: 'The merged folder (new, or holding this sweep)' })
      .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'Result folders of the same sweep' })
      .example('$0 merge results/ results/shard-*', "a Slurm array's shards, into results/"),
  handler: (argv) => {
    const report = mergeSweeps(argv.out, argv.inputs);
    emit('merge', argv, report, () => printMerge(report));
  },
});

function printMerge(report: MergeReport): string {
  const lines = [`merged into ${report.out} (sweep ${report.id}):`];
  for (const input of report.inputs) lines.push(`  ${input.folder}: shard ${shardText(input.shard)}, ${input.records} record(s)`);
  lines.push(`${report.done} of ${report.runs} runs have a record (${report.copied} copied, ${report.duplicates} identical duplicate(s))`);
  for (const p of report.problems) lines.push(`note: ${p}`);
  if (report.missing.length) {
    const shown = report.missing.slice(0, 20).join(', ');
    lines.push(
      `missing ${report.missing.length} run(s): ${shown}${report.missing.length > 20 ? `, ... (all in ${report.out}/sweep.json)` : ''}`,
    );
    lines.push(`run them with: sedjoule sweep <the same options> --out ${report.out} --resume`);
  } else {
    lines.push('every run of the sweep is there');
  }
  return lines.join('\n');
}
