/**
 * The timer of a periodic job (retention, rollup compaction) in the processes that run checks: the first run
 * after `firstDelayMs`, each next one `intervalMs` after the previous run ended, so runs never overlap. A failed
 * run goes to `onError` and the schedule goes on. stop() cancels the timer and waits for a run in progress;
 * the job checks `stopped` between its steps to end early.
 */
export class PeriodicJob {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopRequested = false;

  constructor(
    private readonly run: () => Promise<unknown>,
    private readonly onError: (err: unknown) => void,
  ) {}

  get stopped(): boolean {
    return this.stopRequested;
  }

  start(firstDelayMs: number, intervalMs: number): void {
    this.schedule(firstDelayMs, intervalMs);
  }

  async stop(): Promise<void> {
    this.stopRequested = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private schedule(delayMs: number, intervalMs: number): void {
    if (this.stopRequested) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.run()
        .catch((err: unknown) => this.onError(err))
        .finally(() => {
          this.running = undefined;
          this.schedule(intervalMs, intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
