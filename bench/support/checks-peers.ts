import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { BareLoopMessage, BareLoopResult, RunBareLoop, TargetControl, TargetMessage } from './checks-protocol';
import { ProcSampler } from './proc-sampler';

/** The bench's target server (bench/checks-target.ts), in its own process. */
export class TargetProcess {
  readonly sampler: ProcSampler;

  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
  ) {
    this.sampler = new ProcSampler(child.pid!).start();
  }

  static start(benchDir: string): Promise<TargetProcess> {
    const child = fork(join(benchDir, 'checks-target.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the target server exited (code ${code}) before it listened`)));
      child.once('message', (msg: TargetMessage) => {
        if (msg.type === 'ready') resolve(new TargetProcess(child, `http://127.0.0.1:${msg.port}`));
      });
    });
  }

  /** Requests it has served so far. */
  requests(): Promise<number> {
    return new Promise((resolve, reject) => {
      if (!this.child.connected) return reject(new Error('the target server is gone'));
      const onMessage = (msg: TargetMessage) => {
        if (msg.type !== 'stats') return;
        this.child.off('message', onMessage);
        resolve(msg.requests);
      };
      this.child.on('message', onMessage);
      this.child.send({ type: 'stats' } satisfies TargetControl);
    });
  }

  /** Samples its /proc figures as a window edge, and returns its request count at that moment. */
  async mark(name: string): Promise<number> {
    this.sampler.mark(name);
    return this.requests();
  }

  stop(): void {
    this.sampler.stop();
    if (this.child.connected) this.child.send({ type: 'stop' } satisfies TargetControl);
    setTimeout(() => this.child.kill('SIGKILL'), 2000).unref();
  }
}

/** A running bare loop (bench/checks-bare-loop.ts): kill() ends it early (Ctrl-C, a failure elsewhere). */
export interface BareLoopRun {
  result: Promise<{ result: BareLoopResult; sampler: ProcSampler }>;
  kill(): void;
}

/**
 * Forks the bare undici loop and runs it: `measuring` and `measured` from the child mark the window edges of
 * its /proc sampler, so its CPU and RSS cover exactly the measured seconds; `edges` lets the caller mark
 * its own samplers at the same moments.
 */
export function runBareLoop(benchDir: string, run: Omit<RunBareLoop, 'type'>, edges: { onStart(): void; onEnd(): void }): BareLoopRun {
  const child = fork(join(benchDir, 'checks-bare-loop.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const sampler = new ProcSampler(child.pid!).start();
  const result = new Promise<{ result: BareLoopResult; sampler: ProcSampler }>((resolve, reject) => {
    let done = false;
    child.once('exit', (code, signal) => {
      sampler.stop();
      if (!done) reject(new Error(`the bare loop exited (code ${code}, signal ${signal}) before it reported`));
    });
    child.on('message', (msg: BareLoopMessage) => {
      if (msg.type === 'measuring') {
        sampler.mark('start');
        edges.onStart();
      }
      if (msg.type === 'measured') {
        sampler.mark('end');
        edges.onEnd();
      }
      if (msg.type === 'failed') {
        done = true;
        reject(new Error(`the bare loop failed:\n${msg.error}`));
      }
      if (msg.type === 'done') {
        done = true;
        const { type: _type, ...figures } = msg;
        resolve({ result: figures, sampler });
      }
    });
    child.send({ type: 'run', ...run } satisfies RunBareLoop);
  });
  return {
    result,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
