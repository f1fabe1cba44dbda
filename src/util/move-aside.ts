/**
 * Moving a damaged file out of the way without deleting it: `<file>.corrupt-<time>` beside it, so
 * a run can start again while the file stays there to be looked at. Corrupt run records, progress
 * files and checkpoints all go this way.
 */
import fs from 'node:fs';

import { SedjouleError } from '../errors.js';

/** Renames `file` to `<file>.corrupt-<time>` and returns that path; E_IO naming the file when it cannot. */
export function moveAside(file: string): string {
  const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  try {
    fs.renameSync(file, aside);
  } catch (error) {
    throw new SedjouleError('E_IO', `${file} is damaged and cannot be moved aside to ${aside}: ${(error as Error).message}`);
  }
  return aside;
}
