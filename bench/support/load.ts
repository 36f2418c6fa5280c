import autocannon from 'autocannon';

export interface LoadTarget {
  name: string;
  url: string;
  headers?: Record<string, string>;
  /** Every response body must pass this, or it counts as a mismatch. */
  verifyBody: (body: string) => boolean;
}

export interface LoadRun {
  target: string;
  durationS: number;
  completed: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  statusCodes: Record<string, number>;
  /** CPU time the server process spent during the run (user + system, µs); filled in by the caller. */
  serverCpuMicros: number;
  /** Every response time in ms, at hrtime precision (autocannon's own histogram keeps whole ms only). */
  latenciesMs: Float64Array;
}

/** One autocannon run against target; resolves when it ends. */
export function runLoad(target: LoadTarget, connections: number, durationS: number): Promise<LoadRun> {
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        connections,
        duration: durationS,
        pipelining: 1,
        timeout: 10,
        headers: target.headers,
        verifyBody: target.verifyBody,
        skipAggregateResult: true,
      },
      (err, r) => {
        if (err) return reject(err);
        const statusCodes: Record<string, number> = {};
        for (const [code, { count: n }] of Object.entries(r.statusCodeStats)) statusCodes[code] = n;
        resolve({
          target: target.name,
          durationS: r.duration,
          completed: r.totalCompletedRequests,
          ok2xx: r['2xx'],
          non2xx: r.non2xx,
          errors: r.errors,
          timeouts: r.timeouts,
          mismatches: r.mismatches,
          statusCodes,
          serverCpuMicros: 0,
          latenciesMs: latencies.slice(0, count),
        });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTimeMs) => {
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = responseTimeMs;
    });
  });
}

/** A benchmark of 401s or 429s measures nothing: any failed, refused or unexpected answer stops the run. */
export function assertAllSucceeded(run: LoadRun, phase: string): void {
  const bad = run.non2xx + run.errors + run.timeouts + run.mismatches;
  if (bad === 0 && run.ok2xx > 0) return;
  throw new Error(
    `${phase} against ${run.target} had ${run.non2xx} non-2xx, ${run.errors} errors, ${run.timeouts} timeouts and ${run.mismatches} unexpected bodies ` +
      `out of ${run.completed} responses (status codes: ${JSON.stringify(run.statusCodes)}); the figures would be meaningless`,
  );
}
