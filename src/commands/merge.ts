/** `sedjoule merge OUT IN...`: the text printed after merging result folders (src/experiment/merge.ts). */
import type { MergeReport } from '../experiment/merge.js';
import { shardText } from '../experiment/shard.js';

export function printMerge(report: MergeReport): string {
  const lines = [`merged into ${report.out} (sweep ${report.id}):`];
  for (const input of report.inputs) lines.push(`  ${input.folder}: shard ${shardText(input.shard)}, ${input.records} record(s)`);
  lines.push(`${report.done} of ${report.runs} runs have a record (${report.copied} copied, ${report.duplicates} identical duplicate(s))`);
  for (const p of report.problems) lines.push(`note: ${p}`);
  if (report.missing.length) {
    const shown = report.missing.slice(0, 20).join(', ');
    lines.push(`missing ${report.missing.length} run(s): ${shown}${report.missing.length > 20 ? `, ... (all in ${report.out}/sweep.json)` : ''}`);
    lines.push(`run them with: sedjoule sweep <the same options> --out ${report.out} --resume`);
  } else {
    lines.push('every run of the sweep is there');
  }
  return lines.join('\n');
}
