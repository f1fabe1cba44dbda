/**
 * The measured command as a child process that exists before it runs: a shell that waits on a pipe
 * (fd 3) and then execs the command in its own place, so the child's process id is known while the
 * idle baseline is measured (the meter follows that process tree from the start) and the command
 * starts only when the baseline is done. exec keeps the process id, closes the pipe first, and
 * leaves stdin, stdout and stderr as sedjoule's own: they pass through untouched.
 *
 * Signals: SIGTERM and SIGHUP reaching sedjoule (kill, Slurm's scancel, a closed terminal) are
 * passed on to the child, which decides when to end; sedjoule waits for it. SIGINT is passed on
 * too, except when stdin is a terminal: a Ctrl-C there already reaches every process of the
 * foreground group, the child included, and a second SIGINT would interrupt its clean-up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { SedjouleError } from '../errors.js';

/** How the child ended. */
export interface ChildEnd {
  /** 'exited' with `code`, 'signalled' by `signal`, or 'not-started' when sedjoule ended first. */
  how: 'exited' | 'signalled' | 'not-started';
  code: number | null;
  signal: NodeJS.Signals | null;
  /** sedjoule's own exit code: the child's, 128 + the signal's number when signalled (as shells do). */
  exitCode: number;
  description: string;
}

/** A signal sedjoule received while the child ran, and whether it passed it on. */
export interface ReceivedSignal {
  signal: NodeJS.Signals;
  atS: number;
  forwarded: boolean;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

// $0 is the name ps shows until the exec; "$@" is the command, word for word.
const WAIT_THEN_EXEC = 'read -r _ <&3; exec 3<&-; exec "$@"';

/** The command's program as a path, or E_USAGE when there is none to run (before anything is measured). */
export function resolveProgram(program: string, env: NodeJS.ProcessEnv = process.env): string {
  const runnable = (file: string) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  };
  if (program.includes('/')) {
    if (runnable(program)) return program;
    throw new SedjouleError('E_USAGE', `cannot run '${program}': not an executable file`);
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, program);
    if (runnable(file)) return file;
  }
  throw new SedjouleError('E_USAGE', `command not found: '${program}' (not an executable file in any folder of PATH)`);
}

function describeEnd(code: number | null, signal: NodeJS.Signals | null): ChildEnd {
  if (signal) {
    const number = os.constants.signals[signal] ?? 0;
    return { how: 'signalled', code: null, signal, exitCode: 128 + number, description: `killed by ${signal} (exit code ${128 + number})` };
  }
  const c = code ?? 0;
  return { how: 'exited', code: c, signal: null, exitCode: c, description: c === 0 ? 'exited with 0' : `exited with ${c}` };
}

export class HeldChild {
  readonly received: ReceivedSignal[] = [];
  private released = false;
  private readonly ended: Promise<ChildEnd>;
  private readonly startNs = process.hrtime.bigint();
  private readonly listeners = new Map<NodeJS.Signals, () => void>();

  private constructor(private readonly child: ChildProcess) {
    this.ended = new Promise((resolve) => {
      child.on('exit', (code, signal) => resolve(this.released ? describeEnd(code, signal) : this.notStarted()));
    });
    for (const signal of FORWARDED) {
      const listener = () => this.onSignal(signal);
      this.listeners.set(signal, listener);
      process.on(signal, listener);
    }
  }

  /** Starts the waiting shell with the command's environment; the command itself starts at release(). */
  static hold(argv: string[], env: NodeJS.ProcessEnv, cwd?: string): HeldChild {
    const program = resolveProgram(argv[0], env);
    const child = spawn('/bin/sh', ['-c', WAIT_THEN_EXEC, path.basename(program), program, ...argv.slice(1)], {
      env,
      cwd,
      stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    });
    return new HeldChild(child);
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new SedjouleError('E_IO', 'the measured command could not be started (no process id)');
    return this.child.pid;
  }

  /** Lets the command run (unless sedjoule was stopped before: see stoppedBeforeStart). */
  release(): void {
    if (this.stoppedBeforeStart) return;
    this.released = true;
    const gate = this.child.stdio[3] as NodeJS.WritableStream;
    gate.end('\n');
  }

  /** True when sedjoule was told to stop before the command ran: release() then does nothing. */
  get stoppedBeforeStart(): boolean {
    return !this.released && this.received.length > 0;
  }

  /** Resolves when the child has ended. */
  end(): Promise<ChildEnd> {
    return this.ended;
  }

  /** Restores sedjoule's own signal handling, and ends a child that was never released. */
  dispose(): void {
    for (const [signal, listener] of this.listeners) process.off(signal, listener);
    this.listeners.clear();
    if (!this.released) this.child.kill('SIGKILL');
  }

  private onSignal(signal: NodeJS.Signals): void {
    const atS = Number(process.hrtime.bigint() - this.startNs) / 1e9;
    const forward = this.released && !(signal === 'SIGINT' && process.stdin.isTTY);
    this.received.push({ signal, atS, forwarded: forward });
    if (!this.released) this.child.kill('SIGKILL');
    else if (forward) this.child.kill(signal);
  }

  private notStarted(): ChildEnd {
    const last = this.received.at(-1)?.signal;
    const number = last ? (os.constants.signals[last] ?? 0) : 0;
    return {
      how: 'not-started',
      code: null,
      signal: last ?? null,
      exitCode: last ? 128 + number : 1,
      description: last
        ? `not started: sedjoule received ${last} before the command ran`
        : 'not started: sedjoule ended before the command ran',
    };
  }
}
