import type { LoadRun } from './load';

export interface TargetSummary {
  target: string;
  rounds: number;
  durationS: number;
  requests: number;
  reqPerS: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  /** Server process CPU time (user + system) per response: the cost of one request, whatever bounds throughput. */
  serverCpuUsPerRequest: number;
  non2xx: number;
  errors: number;
  /** Throughput of each measured run, in the order they ran. */
  reqPerSByRound: number[];
}

/** Pools every measured run of one target: throughput over the summed time, percentiles over all responses. */
export function summarize(target: string, runs: LoadRun[]): TargetSummary {
  const durationS = sum(runs.map((r) => r.durationS));
  const requests = sum(runs.map((r) => r.ok2xx));
  const all = new Float64Array(sum(runs.map((r) => r.latenciesMs.length)));
  let at = 0;
  for (const r of runs) {
    all.set(r.latenciesMs, at);
    at += r.latenciesMs.length;
  }
  all.sort();
  return {
    target,
    rounds: runs.length,
    durationS: round(durationS, 2),
    requests,
    reqPerS: round(requests / durationS, 0),
    latencyMs: {
      mean: round(sum(all) / Math.max(1, all.length), 3),
      p50: round(percentile(all, 50), 3),
      p90: round(percentile(all, 90), 3),
      p99: round(percentile(all, 99), 3),
      max: round(all[all.length - 1] ?? 0, 3),
    },
    serverCpuUsPerRequest: round(sum(runs.map((r) => r.serverCpuMicros)) / Math.max(1, sum(runs.map((r) => r.completed))), 0),
    non2xx: sum(runs.map((r) => r.non2xx)),
    errors: sum(runs.map((r) => r.errors + r.timeouts + r.mismatches)),
    reqPerSByRound: runs.map((r) => round(r.ok2xx / r.durationS, 0)),
  };
}

export function renderTable(rows: TargetSummary[], ratios: { throughput: number; p99: number; serverCpu: number }): string {
  const header = ['target', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'requests', 'non-2xx', 'errors', 'req/s by round'];
  const body = rows.map((r) => [
    r.target,
    String(r.reqPerS),
    r.latencyMs.p50.toFixed(2),
    r.latencyMs.p99.toFixed(2),
    String(r.serverCpuUsPerRequest),
    String(r.requests),
    String(r.non2xx),
    String(r.errors),
    r.reqPerSByRound.join(' / '),
  ]);
  body.push(['vigil / bare', ratios.throughput.toFixed(2), '', ratios.p99.toFixed(2), ratios.serverCpu.toFixed(2), '', '', '', '']);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s;
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
