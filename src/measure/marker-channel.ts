/**
 * How a measured command opens and closes named windows: lines `begin NAME` and `end NAME` written
 * to a FIFO whose path it finds in the environment variable SEDJOULE_MARKERS. A FIFO rather than a
 * socket because every language writes to it as to a file, with no package (Python:
 * `open(os.environ['SEDJOULE_MARKERS'], 'w').write('begin train\n')`, a shell: `echo begin train
 * > "$SEDJOULE_MARKERS"`). sedjoule holds it open for reading and writing, so writers may open and
 * close it as often as they like without the reader ever seeing end-of-file (fifo(7)), and a
 * writer's open never blocks.
 *
 * A marker's time is when sedjoule reads the line, within milliseconds of the write; lines are
 * read in the order they were written (a FIFO keeps it; writes up to PIPE_BUF bytes are atomic, so
 * lines from several processes do not interleave).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

import { SedjouleError } from '../errors.js';

export const MARKERS_VARIABLE = 'SEDJOULE_MARKERS';

/** A marker line as read: `begin NAME` or `end NAME`. */
export interface Marker {
  action: 'begin' | 'end';
  name: string;
}

/** Window names: letters, digits and . _ - : / (no spaces), 1 to 100 of them. */
const NAME = /^[A-Za-z0-9._:/-]{1,100}$/;

/** A line as a marker, or why it is not one. */
export function parseMarker(line: string): Marker | { problem: string } {
  const parts = line.trim().split(/\s+/);
  if (parts.length !== 2 || (parts[0] !== 'begin' && parts[0] !== 'end'))
    return { problem: `'${line.slice(0, 120)}' is not 'begin NAME' or 'end NAME'` };
  if (!NAME.test(parts[1])) return { problem: `window name '${parts[1].slice(0, 120)}' must be 1 to 100 letters, digits or . _ - : /` };
  return { action: parts[0], name: parts[1] };
}

export class MarkerChannel {
  private closed = false;

  private constructor(
    /** The FIFO's path, for the child's environment. */
    readonly path: string,
    private readonly folder: string,
    private readonly socket: net.Socket,
  ) {}

  /** Makes the FIFO in a private temporary folder and calls `onLine` for every line written to it. */
  static open(onLine: (line: string) => void): MarkerChannel {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-markers-'));
    const fifo = path.join(folder, 'markers');
    const made = spawnSync('mkfifo', ['-m', '600', fifo], { encoding: 'utf8' });
    if (made.status !== 0) {
      fs.rmSync(folder, { recursive: true, force: true });
      const why = (made.stderr || made.error?.message || `exit ${made.status}`).trim();
      throw new SedjouleError('E_IO', `cannot make the markers FIFO ${fifo} with mkfifo: ${why}`);
    }
    const fd = fs.openSync(fifo, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
    const socket = new net.Socket({ fd, readable: true, writable: false });
    readline.createInterface({ input: socket, crlfDelay: Infinity }).on('line', onLine);
    return new MarkerChannel(fifo, folder, socket);
  }

  /**
   * Lets lines already written reach `onLine` (the writer may have exited just after writing),
   * then stops reading and removes the FIFO.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise((resolve) => setTimeout(resolve, 50));
    this.socket.destroy();
    fs.rmSync(this.folder, { recursive: true, force: true });
  }
}
