/**
 * A progress bar on stderr, redrawn at most 10 times a second. It draws only when stderr is a
 * terminal (and not disabled), so piped output and --json stay clean.
 */
export class ProgressBar {
  private readonly start = performance.now();
  private lastDraw = 0;
  private drawn = false;
  private readonly enabled: boolean;

  constructor(
    private readonly label: string,
    enabled = true,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.enabled = enabled && Boolean(stream.isTTY);
  }

  update(done: number, total: number, detail = ''): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (done < total && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = 28;
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(fraction * width);
    const elapsed = (now - this.start) / 1000;
    const eta = fraction > 0 ? elapsed * (1 / fraction - 1) : NaN;
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const timing = `${elapsed.toFixed(1)}s` + (done < total && Number.isFinite(eta) ? ` eta ${eta.toFixed(1)}s` : '');
    const text = `${this.label} [${bar}] ${done}/${total} ${timing} ${detail}`;
    const columns = this.stream.columns ?? 120;
    this.stream.write(`\r${text.slice(0, columns - 1).padEnd(Math.min(columns - 1, text.length))}\x1b[K`);
    this.drawn = true;
  }

  finish(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
