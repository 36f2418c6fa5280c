import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export interface WorkerOptions {
  /** dist/apps/worker/src/main.js */
  entry: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Its stdout and stderr (pino JSON lines) go here. */
  logFile: string;
  /** Write a V8 CPU profile into this directory when it exits. */
  cpuProfileDir?: string;
  /** More Node flags for the worker only (BENCH_WORKER_NODE_OPTIONS), e.g. `--max-old-space-size=128`. */
  nodeFlags?: string[];
}

// eslint-disable-next-line no-control-regex -- colour codes are control characters by definition
const ANSI_COLOUR = /\x1b\[[0-9;]*m/g;

/** The real check worker (`node dist/apps/worker/src/main.js`) as a child process, and its log. */
export class WorkerProcess {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    private readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  static start(options: WorkerOptions): WorkerProcess {
    const log = openSync(options.logFile, 'w');
    const profile = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
    try {
      const child = spawn(process.execPath, [...profile, ...(options.nodeFlags ?? []), options.entry], {
        cwd: options.cwd,
        env: options.env,
        stdio: ['ignore', log, log],
      });
      if (!child.pid) throw new Error(`could not start ${options.entry}`);
      return new WorkerProcess(child, options.logFile);
    } finally {
      closeSync(log);
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Polls `ready` until it holds; fails when the worker exits first or `timeoutMs` passes. */
  async waitUntil(ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`the worker exited during start-up:\n${this.logTail()}`);
      if (await ready()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the worker did not start claiming checks within ${timeoutMs / 1000} s:\n${this.logTail()}`);
  }

  /** SIGTERM (the worker finishes checks in flight, stores their results, gives back leases), SIGKILL after graceMs. */
  async stop(graceMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; killed: boolean }> {
    if (!this.running) return { ...(await this.exited), killed: false };
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([this.exited.then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), graceMs)))]);
    clearTimeout(timer);
    if (!inTime) this.child.kill('SIGKILL');
    return { ...(await this.exited), killed: !inTime };
  }

  /** Log lines at pino level warn (40) or above, by message, with how often each came. */
  warnings(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const line of this.logLines()) {
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string };
        if ((entry.level ?? 0) < 40) continue;
        const key = (entry.msg ?? line).slice(0, 200);
        counts[key] = (counts[key] ?? 0) + 1;
      } catch {
        // Not JSON: Nest's start-up logger (before pino takes over) or a crash trace; only problems count.
        const text = line.replace(ANSI_COLOUR, '');
        if (!/\b(WARN|ERROR|FATAL)\b|Error\b/.test(text)) continue;
        counts[text.slice(0, 200)] = (counts[text.slice(0, 200)] ?? 0) + 1;
      }
    }
    return counts;
  }

  logTail(lines = 20): string {
    return this.logLines().slice(-lines).join('\n');
  }

  private logLines(): string[] {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  }
}
