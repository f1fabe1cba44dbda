/** "did you mean --epochs?": the known flag closest to a mistyped one, or the new name of a renamed one. */

/** Flags renamed so that no flag has two meanings: the old name, and the new one where the old one is unknown. */
const RENAMED: Record<string, string> = {
  // analyze, report, normalize, dcase-report: --device all|gpu|cpu and --energy auto|gross|net
  device: 'energy-scope',
  energy: 'energy-basis',
  // normalize: --phase, as --phases elsewhere
  phase: 'phases',
};

/** Edits (insertions, deletions, substitutions) between two words (Levenshtein). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; ++i) {
    const current = [i];
    for (let j = 1; j <= b.length; ++j)
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}

/** The known name closest to `name`, when it is close enough to be the one meant (a third of its letters, at least 2). */
function closest(name: string, known: Iterable<string>): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(name.length / 3)) ? best.name : undefined;
}

/**
 * yargs' "Unknown argument(s): a, b" with the closest known flag after each one that was typed
 * as a flag (`args`: the command line's words); other messages unchanged.
 */
export function withFlagSuggestions(message: string, args: string[], known: Iterable<string>): string {
  const missing = /^Not enough arguments following: (.+)$/.exec(message);
  if (missing) return `--${missing[1]} needs a value`;
  const match = /^Unknown arguments?: (.+)$/.exec(message);
  if (!match) return message;
  const typedAsFlag = (name: string) => args.some((a) => a === `--${name}` || a.startsWith(`--${name}=`) || a === `-${name}`);
  const knownList = [...known];
  const parts = match[1].split(', ').map((name) => {
    if (!typedAsFlag(name)) return name;
    const renamed = RENAMED[name];
    if (renamed && knownList.includes(renamed)) return `--${name} (renamed --${renamed})`;
    const guess = closest(name, knownList);
    return guess ? `--${name} (did you mean --${guess}?)` : `--${name}`;
  });
  return `unknown argument${parts.length > 1 ? 's' : ''}: ${parts.join(', ')}`;
}
