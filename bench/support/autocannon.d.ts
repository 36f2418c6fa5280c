// autocannon 9 ships no types; this declares the part the benchmarks use (run.js, skipAggregateResult).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    pipelining?: number;
    timeout?: number;
    headers?: Record<string, string>;
    /** A response whose body fails this counts as a mismatch. */
    verifyBody?: (body: string) => boolean;
    /** Return the raw counters (with encoded histograms) instead of computing percentiles. */
    skipAggregateResult?: boolean;
  }

  interface RawResult {
    totalCompletedRequests: number;
    totalRequests: number;
    totalBytes: number;
    errors: number;
    timeouts: number;
    mismatches: number;
    non2xx: number;
    resets: number;
    '2xx': number;
    statusCodeStats: Record<string, { count: number }>;
    /** Seconds, to 10 ms. */
    duration: number;
  }

  interface Instance extends EventEmitter {
    stop(): void;
    on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTimeMs: number) => void): this;
    on(event: string, listener: (...args: any[]) => void): this;
  }

  function autocannon(options: Options, callback: (err: Error | null, result: RawResult) => void): Instance;
  export = autocannon;
}
