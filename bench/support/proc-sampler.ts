import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { round } from './report';

/** One reading of a process from /proc. */
export interface ProcSample {
  /** performance.now() of the reading, ms. */
  at: number;
  /** user + system CPU time of all its threads so far, s. */
  cpuS: number;
  /** Resident set size, bytes. */
  rss: number;
}

/** CPU and memory of a process over a stretch of time, from the samples taken within it. */
export interface ProcWindow {
  wallS: number;
  cpuS: number;
  /** CPU time over wall time, in percent of one core (200 = two cores busy). */
  cpuPercent: number;
  rssAvgMb: number;
  rssPeakMb: number;
  samples: number;
}

const CLOCK_TICKS = clockTicks();

/**
 * Reads /proc/<pid>/stat (utime + stime) and /proc/<pid>/status (VmRSS) every `intervalMs`, and on demand
 * with mark(): the CPU and memory of another process, measured from outside by the same method for the
 * worker and the baseline. Linux only.
 */
export class ProcSampler {
  private readonly samples: ProcSample[] = [];
  private readonly marks = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly pid: number,
    private readonly intervalMs = 500,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Samples now and names that sample, as the edge of a window. */
  mark(name: string): void {
    this.sample();
    this.marks.set(name, this.samples.length - 1);
  }

  /** The window between two marks: CPU from their difference, RSS from every sample between them. */
  window(from: string, to: string): ProcWindow {
    const a = this.marks.get(from);
    const b = this.marks.get(to);
    if (a === undefined || b === undefined) throw new Error(`no sample marked ${a === undefined ? from : to} for process ${this.pid}`);
    const inside = this.samples.slice(a, b + 1);
    const first = inside[0];
    const last = inside[inside.length - 1];
    const wallS = (last.at - first.at) / 1000;
    const cpuS = last.cpuS - first.cpuS;
    const rss = inside.map((s) => s.rss);
    return {
      wallS: round(wallS, 3),
      cpuS: round(cpuS, 2),
      cpuPercent: round(wallS > 0 ? (100 * cpuS) / wallS : 0, 1),
      rssAvgMb: round(rss.reduce((s, r) => s + r, 0) / rss.length / MB, 1),
      rssPeakMb: round(Math.max(...rss) / MB, 1),
      samples: inside.length,
    };
  }

  /** VmHWM: the highest RSS the process has had since it started, in MB (null once it is gone). */
  lifetimePeakRssMb(): number | null {
    const kb = this.statusField('VmHWM');
    return kb === null ? null : round((kb * 1024) / MB, 1);
  }

  private sample(): void {
    const cpu = processCpu(this.pid);
    // null: the process has exited, nothing more to read.
    if (cpu === null) return;
    const rssKb = this.statusField('VmRSS') ?? 0;
    this.samples.push({ at: performance.now(), cpuS: cpu.seconds, rss: rssKb * 1024 });
  }

  private statusField(name: string): number | null {
    try {
      const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      return match ? Number(match[1]) : null;
    } catch {
      return null;
    }
  }
}

const MB = 1024 * 1024;

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** user + system CPU seconds a process has used so far, and its command name; null when there is no such process. */
export function processCpu(pid: number): { seconds: number; command: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: fields are counted after it.
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    return { seconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS, command: stat.slice(stat.indexOf('(') + 1, close) };
  } catch {
    return null;
  }
}

/** Busy and total CPU time of the whole machine so far (/proc/stat), in clock ticks: other tenants' load shows here. */
export function hostCpuTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in user)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq + (steal || 0);
  return { busy, total: busy + idle + iowait };
}

/** Per cent of the machine's CPU (all cores) that was busy between two hostCpuTicks() readings. */
export function hostBusyPercent(from: { busy: number; total: number }, to: { busy: number; total: number }): number {
  const total = to.total - from.total;
  return total > 0 ? round((100 * (to.busy - from.busy)) / total, 1) : 0;
}

/** CPU used between two readings of several processes (pid → seconds); one that appeared in between counts from its start. */
export function sumCpuSince(from: Map<number, number>, to: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of to) total += seconds - (from.get(pid) ?? 0);
  return total;
}
