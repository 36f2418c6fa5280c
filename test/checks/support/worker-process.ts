import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const RUNTIME = join(ROOT, 'test/checks/support/ts-runtime.js');

/**
 * A real check worker (apps/worker/src/main.ts) in its own process, run from source through
 * ts-runtime.js: no build step, so nothing in dist/ is touched and edits are picked up at once.
 */
export class WorkerProcess {
  private out = '';
  private readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The scheduler's lease owner name, read from its start-up log line. */
  workerId: string | null = null;

  private constructor(private readonly child: ChildProcess) {
    const collect = (chunk: Buffer) => {
      this.out += chunk.toString();
      this.workerId ??= /checking as (\S+) \(concurrency/.exec(this.out)?.[1] ?? null;
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    this.exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /**
   * Loads the worker's whole module graph once and exits, so the transpile cache is warm and workers
   * started together do not all compile the same files at once on a busy machine.
   */
  static async warmUp(timeoutMs = 120_000): Promise<void> {
    const child = spawn(process.execPath, [RUNTIME, 'apps/worker/src/worker.module.ts'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
    if (code !== 0) throw new Error(`could not load the worker's modules (exit ${code}):\n${err.slice(-4000)}`);
  }

  static start(env: Record<string, string | undefined>): WorkerProcess {
    const child = spawn(process.execPath, ['--enable-source-maps', RUNTIME, 'apps/worker/src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new WorkerProcess(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get output(): string {
    return this.out;
  }

  /** Resolves once the scheduler runs; fails (with the process output) if it exits or takes too long. */
  async ready(timeoutMs = 60_000): Promise<this> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exit.then(() => (exited = true));
    while (!(this.workerId && this.out.includes('Vigil worker'))) {
      if (exited || Date.now() > deadline) {
        this.kill('SIGKILL');
        throw new Error(`worker ${this.pid} did not start:\n${this.out.slice(-4000)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return this;
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exit;
  }

  /** SIGTERM and wait for a clean exit (SIGKILL after the timeout). */
  async stop(timeoutMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.exit;
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exit;
    } finally {
      clearTimeout(timer);
    }
  }
}
