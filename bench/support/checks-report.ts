import { cpus } from 'node:os';
import type { BareLoopResult } from './checks-protocol';
import { round } from './report';
import type { WindowResults } from './endpoint-fleet';
import type { ProcWindow } from './proc-sampler';

/** One measured window of the worker. */
export interface WorkerPhase {
  phase: 'schedule' | 'saturated';
  windowS: number;
  intervalS: number;
  /** Checks per second the endpoints ask for: endpoints ÷ interval. */
  demandPerS: number;
  /** Results stored for checks started in the window, per second. */
  checksPerS: number;
  /** checksPerS ÷ demandPerS. */
  ofDemand: number;
  /** Slots due in the window, and how many of them have a stored result (a skipped or unfinished slot has none). */
  dueSlots: number;
  slotsRun: number;
  results: WindowResults;
  worker: ProcWindow & { cpuUsPerCheck: number };
  target: { cpuPercent: number; requests: number };
  /** Busy share of all the machine's cores in the window (PostgreSQL, Redis, other tenants included). */
  hostBusyPercent: number;
  /** The PostgreSQL backends serving the worker, per cent of one core; null when not measurable. */
  databaseCpuPercent: number | null;
}

export interface BarePhase {
  /** Run before the worker started, or after it stopped: the baseline brackets the worker's windows. */
  when: 'before' | 'after';
  concurrency: number;
  requestsPerS: number;
  result: BareLoopResult;
  loop: ProcWindow & { cpuUsPerRequest: number };
  target: { cpuPercent: number; requests: number };
  hostBusyPercent: number;
}

/** The baseline the worker is compared with: the mean of the runs bracketing it. */
export function meanRequestsPerS(bare: readonly BarePhase[]): number {
  return bare.reduce((sum, b) => sum + b.requestsPerS, 0) / Math.max(1, bare.length);
}

export function renderChecksTable(phases: WorkerPhase[], bare: readonly BarePhase[]): string {
  const header = [
    'run',
    'checks/s',
    'demand/s',
    '÷ demand',
    'CPU %',
    'CPU µs/check',
    'db CPU %',
    'RSS avg',
    'RSS peak',
    'lag p50',
    'lag p99',
    'target CPU %',
    'host busy %',
  ];
  const rows = phases.map((p) => [
    p.phase === 'schedule' ? `worker, schedule (${p.intervalS} s)` : `worker, saturated (${p.intervalS} s)`,
    String(Math.round(p.checksPerS)),
    String(Math.round(p.demandPerS)),
    p.ofDemand.toFixed(2),
    p.worker.cpuPercent.toFixed(0),
    String(p.worker.cpuUsPerCheck),
    p.databaseCpuPercent === null ? '—' : p.databaseCpuPercent.toFixed(0),
    `${p.worker.rssAvgMb.toFixed(0)} MB`,
    `${p.worker.rssPeakMb.toFixed(0)} MB`,
    p.phase === 'schedule' ? ms(p.results.lagMs.p50) : '—',
    p.phase === 'schedule' ? ms(p.results.lagMs.p99) : '—',
    p.target.cpuPercent.toFixed(0),
    p.hostBusyPercent.toFixed(0),
  ]);
  for (const b of bare) {
    rows.push([
      `bare undici loop (${b.when})`,
      String(Math.round(b.requestsPerS)),
      '—',
      '—',
      b.loop.cpuPercent.toFixed(0),
      String(b.loop.cpuUsPerRequest),
      '—',
      `${b.loop.rssAvgMb.toFixed(0)} MB`,
      `${b.loop.rssPeakMb.toFixed(0)} MB`,
      '—',
      '—',
      b.target.cpuPercent.toFixed(0),
      b.hostBusyPercent.toFixed(0),
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The targets for bench:checks. */
const TARGETS = { capacityRatio: 0.5, lagP99Ms: 1000, rssMb: 300 };

/** The ratios and verdicts against the targets, and a legend saying what every figure means. */
export function explainResults(
  s: { endpoints: number; concurrency: number; saturationIntervalS: number; saturationEndpoints: number },
  phases: WorkerPhase[],
  bare: readonly BarePhase[],
  lifetimePeakRssMb: number | null,
): { text: string; verdicts: Record<string, unknown> } {
  const schedule = phases[0];
  const saturated = phases.find((p) => p.phase === 'saturated') ?? null;
  const bareMean = bare.length ? meanRequestsPerS(bare) : null;
  const bareCpuUs = bare.length ? bare.reduce((sum, b) => sum + b.loop.cpuUsPerRequest, 0) / bare.length : null;
  const capacityRatio = saturated && bareMean ? round(saturated.checksPerS / bareMean, 3) : null;
  const scheduleRatio = bareMean ? round(schedule.checksPerS / bareMean, 3) : null;
  const cpuRatio = bareCpuUs ? round(schedule.worker.cpuUsPerCheck / bareCpuUs, 2) : null;
  const saturatedCpuRatio = saturated && bareCpuUs ? round(saturated.worker.cpuUsPerCheck / bareCpuUs, 2) : null;
  // The worker's SQL runs in its PostgreSQL backends: per check, worker and backends together.
  const dbUsPerCheck = saturated?.databaseCpuPercent != null ? (saturated.databaseCpuPercent * 1e4) / Math.max(1, saturated.checksPerS) : null;
  const allInCpuRatio = saturated && bareCpuUs && dbUsPerCheck !== null ? round((saturated.worker.cpuUsPerCheck + dbUsPerCheck) / bareCpuUs, 2) : null;
  const peakRss = Math.max(...phases.map((p) => p.worker.rssPeakMb));
  const met = (ok: boolean | null) => (ok === null ? 'not measured' : ok ? 'met' : 'NOT met');
  const verdicts = {
    capacity_ratio: {
      value: capacityRatio,
      target: `≥ ${TARGETS.capacityRatio}`,
      met: capacityRatio === null ? null : capacityRatio >= TARGETS.capacityRatio,
      bare_requests_per_s_mean: bareMean === null ? null : round(bareMean, 1),
    },
    cpu_per_check_ratio_saturated: { worker: saturatedCpuRatio, worker_and_database: allInCpuRatio },
    lag_p99_ms: { value: schedule.results.lagMs.p99, target: `< ${TARGETS.lagP99Ms}`, met: schedule.results.lagMs.p99 < TARGETS.lagP99Ms },
    rss_peak_mb: { value: peakRss, target: `< ${TARGETS.rssMb}`, met: peakRss < TARGETS.rssMb },
    schedule_kept_up: {
      value: schedule.ofDemand,
      target: '≈ 1.00 and no missed slot',
      met: schedule.slotsRun === schedule.dueSlots && schedule.ofDemand >= 0.98,
    },
  };
  const missed = schedule.dueSlots - schedule.slotsRun;
  const lines: Array<[string, string, string]> = [
    ['worker ÷ demand (schedule)', schedule.ofDemand.toFixed(2), `every due check ran ⇔ 1.00; ${met(verdicts.schedule_kept_up.met)}`],
    [
      'due slots in window / run / missed',
      `${schedule.dueSlots} / ${schedule.slotsRun} / ${missed}`,
      missed > 0 ? 'missed = skipped or still unfinished 3 s after the window' : '',
    ],
    ['worker ÷ bare (schedule)', scheduleRatio?.toFixed(3) ?? '—', 'demand-bound (the schedule offers only demand/s): not a capacity ratio'],
    [
      'worker ÷ bare (saturated): capacity ratio',
      capacityRatio?.toFixed(2) ?? '—',
      `issue target ≥ ${TARGETS.capacityRatio}: ${met(verdicts.capacity_ratio.met)}${saturated && saturated.ofDemand > 0.9 ? ' (worker was not saturated: ratio is a floor)' : ''}`,
    ],
    [
      '  against each bare run',
      saturated ? bare.map((b) => (saturated.checksPerS / b.requestsPerS).toFixed(2)).join(' / ') : '—',
      `${bare.map((b) => b.when).join(' / ')} the worker; their spread is the drift of the machine's other load`,
    ],
    ['CPU per check ÷ CPU per bare request', cpuRatio?.toFixed(1) ?? '—', 'what the worker spends per check (schedule phase) relative to a bare request'],
    [
      '  the same, saturated',
      saturatedCpuRatio?.toFixed(1) ?? '—',
      "the worker process alone at full load: its one-core capacity is the loop's divided by this",
    ],
    [
      '  worker + its db backends, saturated',
      allInCpuRatio?.toFixed(1) ?? '—',
      'with the PostgreSQL CPU its SQL costs, which shares these cores in this bench',
    ],
    ['lag p99 (schedule)', ms(schedule.results.lagMs.p99), `issue target < 1 s: ${met(verdicts.lag_p99_ms.met)}`],
    [
      'RSS peak (worker, both windows)',
      `${peakRss.toFixed(0)} MB`,
      `issue target < ${TARGETS.rssMb} MB: ${met(verdicts.rss_peak_mb.met)} (lifetime VmHWM ${lifetimePeakRssMb ?? '?'} MB)`,
    ],
  ];
  const legend = [
    `What the numbers mean (${s.endpoints} endpoints, concurrency ${s.concurrency} for the worker and the loop alike):`,
    `- checks/s: scheduled results stored for checks started inside the window, per second; for the loop, 200 OK answers per second.`,
    `- bare undici loop: run before the worker starts and again after it stops; ratios use the mean of the two runs.`,
    `- demand/s: endpoints ÷ interval, what the schedule asks for. In the schedule phase the worker cannot exceed it, so`,
    `  "÷ demand" says whether it kept up (1.00), and worker ÷ bare there only says how far below its limit the load is.`,
    `- saturated: ${s.saturationEndpoints} endpoints (the schedule's and more) every ${s.saturationIntervalS} s, far more than can be done: checks/s is the worker's`,
    `  capacity (one endpoint has at most one slot per interval, so the demand must exceed it for this to hold), and`,
    `  worker ÷ bare (saturated) compares it with the bare loop at the same concurrency: the issue's ratio. PostgreSQL runs`,
    `  on the same cores as the worker here, so its CPU is part of what the worker's checks/s costs.`,
    `- CPU %: user + system time of the process over the window, per cent of one core (/proc/<pid>/stat). CPU µs/check: the`,
    `  same time per stored check. db CPU %: the PostgreSQL backends of the worker's pool (its SQL runs there; "—" when`,
    `  PostgreSQL is not a local process); Redis is not counted.`,
    `- RSS: VmRSS sampled every 500 ms in the window. lag: checked_at − scheduled_for (start of the check's request −`,
    `  its due slot) over the slots due in the window. target CPU %: the target server's process; near 100 % it is the limit.`,
    `- host busy %: all ${cpus().length} cores of the machine (PostgreSQL, Redis, anything else running); near 100 % the run competed`,
    `  for CPU and its absolute figures understate what a quiet machine does.`,
  ];
  return { text: `${renderVerdicts(lines)}\n\n${legend.join('\n')}`, verdicts };
}

/** Lines of `label  value  verdict`, aligned. */
function renderVerdicts(lines: Array<[string, string, string]>): string {
  const w0 = Math.max(...lines.map((l) => l[0].length));
  const w1 = Math.max(...lines.map((l) => l[1].length));
  return lines.map(([a, b, c]) => `${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`).join('\n');
}

export function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`;
}
