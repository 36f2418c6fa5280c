import { percentile, round } from './report';

/** Wall-clock times of one query over repeated runs, ms. */
export interface QueryTiming {
  runs: number;
  p50: number;
  min: number;
  max: number;
  mean: number;
  samples: number[];
}

/** Runs `fn` `warmups` times unmeasured, then `runs` times measured, one after another. */
export async function timeQuery<T>(runs: number, warmups: number, fn: () => Promise<T>): Promise<{ timing: QueryTiming; last: T }> {
  let last: T | undefined;
  for (let i = 0; i < warmups; i++) last = await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    last = await fn();
    samples.push(performance.now() - started);
  }
  const sorted = Float64Array.from(samples).sort();
  return {
    timing: {
      runs,
      p50: round(percentile(sorted, 50), 2),
      min: round(sorted[0], 2),
      max: round(sorted[sorted.length - 1], 2),
      mean: round(samples.reduce((a, b) => a + b, 0) / samples.length, 2),
      samples: samples.map((v) => round(v, 2)),
    },
    last: last as T,
  };
}

export interface UptimeRow {
  query: string;
  /** What was read: rollup rows, or raw rows scanned. */
  reads: string;
  timing: QueryTiming | null;
  /** A figure derived from a measured one (scaled raw scans), shown instead of a timing. */
  estimateMs?: number;
  note?: string;
}

export function renderUptimeTable(rows: UptimeRow[]): string {
  const header = ['query', 'reads', 'p50 ms', 'min ms', 'max ms', 'runs', 'note'];
  const body = rows.map((r) => [
    r.query,
    r.reads,
    r.timing ? r.timing.p50.toFixed(1) : r.estimateMs !== undefined ? `~${r.estimateMs.toFixed(0)}` : '',
    r.timing ? r.timing.min.toFixed(1) : '',
    r.timing ? r.timing.max.toFixed(1) : '',
    r.timing ? String(r.timing.runs) : 'est.',
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 || i === 6 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
