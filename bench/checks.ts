import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform } from 'node:os';
import { join, relative } from 'node:path';
import { type BarePhase, explainResults, meanRequestsPerS, ms, renderChecksTable, type WorkerPhase } from './support/checks-report';
import { type BareLoopRun, runBareLoop, TargetProcess } from './support/checks-peers';
import { EndpointFleet } from './support/endpoint-fleet';
import { hostBusyPercent, hostCpuTicks, ProcSampler, sumCpuSince } from './support/proc-sampler';
import { round } from './support/report';
import { assertRedisReachable, clearRedisPrefix, createScratchDatabase, redacted, type ScratchDatabase } from './support/scratch-services';
import { WorkerProcess } from './support/worker-process';
import { currentCommit } from './support/run-info';
import { intReader } from './support/settings';

/**
 * `npm run bench:checks`: the real check worker (apps/worker) on N endpoints sharing one interval, against
 * a local target, for a fixed window: checks/s, schedule lag, CPU and RSS; then the same worker saturated
 * (its capacity), then a bare undici loop at the same concurrency against the same target (the baseline).
 * Worker, target and loop each run in their own process; this one only orchestrates and reads /proc.
 */
const REPO_ROOT = join(__dirname, '..', '..');
const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
const WORKER_ENTRY = join(REPO_ROOT, 'dist', 'apps', 'worker', 'src', 'main.js');
/** After a window closes, time for checks started in it to finish and their batch to be written (batches wait ≤ 100 ms). */
const SETTLE_MS = 3000;
const SATURATION_WARMUP_S = 3;
/** Longest wait for the saturated stretch's new endpoints to have their first check. */
const FIRST_CHECKS_TIMEOUT_S = 60;
/** The environment and Node flags `npm run start:worker` gives the worker (its allocator and heap settings): the bench starts it the same way. */
const START_WORKER = startWorkerCommand();
const BARE_WARMUP_S = 3;

interface Settings {
  databaseUrl: string;
  redisUrl: string;
  endpoints: number;
  intervalS: number;
  windowS: number;
  warmupS: number;
  concurrency: number;
  saturationS: number;
  saturationIntervalS: number;
  saturationEndpoints: number;
  cpuProfile: boolean;
  workerNodeFlags: string[];
}

function startWorkerCommand(): { env: Record<string, string>; flags: string[] } {
  const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
  const match = /^((?:[A-Z_][A-Z0-9_]*=\S*\s+)*)(?:exec\s+)?node\s+(.*?)\s*dist\/apps\/worker\/src\/main\.js/.exec(scripts['start:worker'] ?? '');
  if (!match) {
    throw new Error(
      `package.json "start:worker" is not "[VAR=value ...] [exec] node [flags] dist/apps/worker/src/main.js": the bench could not start the worker the same way`,
    );
  }
  const env = Object.fromEntries(
    match[1]
      .split(/\s+/)
      .filter(Boolean)
      .map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]),
  );
  return { env, flags: match[2].split(/\s+/).filter(Boolean) };
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const int = intReader(env);
  const intervalS = int('BENCH_INTERVAL_S', 10, 1);
  const endpoints = int('BENCH_ENDPOINTS', 10_000, 1);
  return {
    databaseUrl: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    endpoints,
    intervalS,
    windowS: int('BENCH_WINDOW_S', 30, 1),
    // One interval by default: every endpoint has had its first check (new connections, cold code) before measuring.
    warmupS: int('BENCH_WARMUP_S', intervalS, 0),
    concurrency: int('BENCH_CONCURRENCY', 200, 1),
    saturationS: int('BENCH_SATURATION_S', 15, 0),
    saturationIntervalS: int('BENCH_SATURATION_INTERVAL_S', 1, 1),
    // Slots are whole seconds apart, so n endpoints can never ask for more than n checks/s: the saturated stretch
    // needs more endpoints than the schedule one, or a worker faster than n/s would look capped at n/s.
    saturationEndpoints: Math.max(endpoints, int('BENCH_SATURATION_ENDPOINTS', 5 * endpoints, 1)),
    cpuProfile: env.BENCH_CPU_PROF === '1',
    workerNodeFlags: (env.BENCH_WORKER_NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean),
  };
}

/** Owns everything the run starts or creates; close() stops and removes all of it, once, also on Ctrl-C. */
class ChecksBenchStack {
  readonly redisKeyPrefix = `vigil-bench:${randomBytes(4).toString('hex')}:`;
  db: ScratchDatabase | null = null;
  fleet: EndpointFleet | null = null;
  target: TargetProcess | null = null;
  worker: WorkerProcess | null = null;
  bare: BareLoopRun | null = null;
  private closing: Promise<void> | null = null;

  constructor(private readonly redisUrl: string) {}

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  async stopWorker(): Promise<void> {
    const worker = this.worker;
    if (!worker?.running) return;
    const { code, signal, killed } = await worker.stop(20_000);
    if (killed) log(`the worker did not stop within 20 s of SIGTERM and was killed`);
    else if (code !== 0) log(`the worker exited with code ${code}${signal ? `, signal ${signal}` : ''}`);
  }

  private async doClose(): Promise<void> {
    this.bare?.kill();
    await this.stopWorker().catch((err: unknown) => log(`stopping the worker: ${(err as Error).message}`));
    this.target?.stop();
    await this.fleet?.close().catch(() => undefined);
    const deleted = await clearRedisPrefix(this.redisUrl, this.redisKeyPrefix).catch((err: unknown) => {
      log(`could not clear Redis keys under ${this.redisKeyPrefix}: ${(err as Error).message}`);
      return 0;
    });
    if (this.db) {
      await this.db.drop();
      log(`dropped database ${this.db.name}; deleted ${deleted} Redis keys`);
    }
  }
}

/** Measures the worker between two instants (wall clock, as the database stores them). */
async function measureWorkerWindow(
  stack: ChecksBenchStack,
  sampler: ProcSampler,
  phase: WorkerPhase['phase'],
  from: number,
  to: number,
  intervalS: number,
  demandPerS: number,
): Promise<WorkerPhase> {
  const { fleet, target } = stack;
  await sleepUntil(from);
  sampler.mark(`${phase}-start`);
  const hostFrom = hostCpuTicks();
  const targetFrom = await target!.mark(`${phase}-start`);
  const dbFrom = await fleet!.workerBackendCpu();
  await sleepUntil(to);
  sampler.mark(`${phase}-end`);
  const hostTo = hostCpuTicks();
  const targetTo = await target!.mark(`${phase}-end`);
  const dbTo = await fleet!.workerBackendCpu();
  if (!stack.worker!.running) throw new Error(`the worker exited during the ${phase} window:\n${stack.worker!.logTail()}`);
  await sleep(SETTLE_MS);
  const windowS = (to - from) / 1000;
  const results = await fleet!.results(from, to);
  const worker = sampler.window(`${phase}-start`, `${phase}-end`);
  const checksPerS = results.completed / windowS;
  return {
    phase,
    windowS,
    intervalS,
    demandPerS: round(demandPerS, 1),
    checksPerS: round(checksPerS, 1),
    ofDemand: round(checksPerS / demandPerS, 3),
    dueSlots: fleet!.dueSlots(from, to),
    slotsRun: results.slotsStored,
    results,
    worker: { ...worker, cpuUsPerCheck: Math.round((worker.cpuS * 1e6) / Math.max(1, results.completed)) },
    target: { cpuPercent: target!.sampler.window(`${phase}-start`, `${phase}-end`).cpuPercent, requests: targetTo - targetFrom },
    hostBusyPercent: hostBusyPercent(hostFrom, hostTo),
    databaseCpuPercent: dbFrom && dbTo ? round((100 * sumCpuSince(dbFrom, dbTo)) / windowS, 1) : null,
  };
}

async function runWorker(
  stack: ChecksBenchStack,
  s: Settings,
): Promise<{ phases: WorkerPhase[]; lifetimePeakRssMb: number | null; warnings: Record<string, number> }> {
  const fleet = stack.fleet!;
  const startedInsert = Date.now();
  await fleet.insert(s.endpoints, stack.target!.baseUrl);
  log(`inserted ${s.endpoints} endpoints (every ${s.intervalS} s, unscheduled) in ${Date.now() - startedInsert} ms`);

  mkdirSync(RESULTS_DIR, { recursive: true });
  const profileDir = join(RESULTS_DIR, 'profiles');
  if (s.cpuProfile) mkdirSync(profileDir, { recursive: true });
  const worker = WorkerProcess.start({
    entry: WORKER_ENTRY,
    cwd: REPO_ROOT,
    logFile: join(RESULTS_DIR, 'checks-worker.log'),
    cpuProfileDir: s.cpuProfile ? profileDir : undefined,
    nodeFlags: [...START_WORKER.flags, ...s.workerNodeFlags],
    env: {
      ...process.env,
      ...START_WORKER.env,
      NODE_ENV: 'production',
      DATABASE_URL: stack.db!.url,
      REDIS_URL: s.redisUrl,
      REDIS_KEY_PREFIX: stack.redisKeyPrefix,
      LOG_LEVEL: 'warn',
      VIGIL_TARGET_ALLOWLIST: '127.0.0.0/8',
      CHECK_CONCURRENCY: String(s.concurrency),
      // Only the bench's endpoints are checked: no monitors file, whatever the working directory holds.
      MONITORS_FILE: join(RESULTS_DIR, 'no-monitors-file.yaml'),
    },
  });
  stack.worker = worker;
  await worker.waitUntil(() => fleet.workerRegistered(), 60_000);
  const sampler = new ProcSampler(worker.pid).start();
  log(`worker ${worker.pid} is running its scheduler (concurrency ${s.concurrency}); log in ${relative(process.cwd(), worker.logFile)}`);

  // The first slots start a second from now, after the schedule is written: nothing is overdue at the start.
  const scheduledFrom = Date.now() + 1000;
  await fleet.schedule(scheduledFrom);
  if (Date.now() > scheduledFrom) log(`scheduling took longer than a second: the first slots were already due (the warm-up absorbs it)`);
  const spread = fleet.offsetSpread();
  log(`slots spread over each ${s.intervalS} s interval, per tenth: ${spread.join(' ')}`);

  const phases: WorkerPhase[] = [];
  const windowFrom = scheduledFrom + s.warmupS * 1000;
  log(`schedule: ${s.warmupS} s warm-up, then ${s.windowS} s measured (demand ${round(s.endpoints / s.intervalS, 1)} checks/s)`);
  phases.push(await measureWorkerWindow(stack, sampler, 'schedule', windowFrom, windowFrom + s.windowS * 1000, s.intervalS, s.endpoints / s.intervalS));
  logPhase(phases[0]);

  if (s.saturationS > 0) {
    if (s.saturationEndpoints > fleet.size) {
      const added = s.saturationEndpoints - fleet.size;
      await fleet.insert(added, stack.target!.baseUrl);
      log(`added ${added} endpoints for the saturated stretch (${fleet.size} in all)`);
    }
    const demand = fleet.size / s.saturationIntervalS;
    await fleet.saturate(s.saturationIntervalS);
    // The added endpoints' first checks move them out of `pending` (a status change each, with its event and
    // record-hook work): the window measures the steady state that follows, not that one-off wave.
    const waitedS = await waitForFirstChecks(fleet, stack.worker!);
    if (waitedS > 0) log(`every endpoint had its first check ${waitedS} s into the saturated stretch`);
    const from = Date.now() + SATURATION_WARMUP_S * 1000;
    log(
      `saturated: ${fleet.size} endpoints every ${s.saturationIntervalS} s (demand ${demand} checks/s); ${SATURATION_WARMUP_S} s warm-up, ${s.saturationS} s measured`,
    );
    phases.push(await measureWorkerWindow(stack, sampler, 'saturated', from, from + s.saturationS * 1000, s.saturationIntervalS, demand));
    logPhase(phases[1]);
  }

  const foreign = await fleet.foreignEndpoints();
  if (foreign) throw new Error(`${foreign} endpoint(s) not created by the bench appeared in its database: the figures include checks of other targets`);
  const lifetimePeakRssMb = sampler.lifetimePeakRssMb();
  sampler.stop();
  await stack.stopWorker();
  return { phases, lifetimePeakRssMb, warnings: worker.warnings() };
}

async function runBare(stack: ChecksBenchStack, s: Settings, when: BarePhase['when']): Promise<BarePhase> {
  log(`bare undici loop (${when} the worker): ${s.concurrency} concurrent requests, ${BARE_WARMUP_S} s warm-up, ${s.windowS} s measured`);
  const target = stack.target!;
  const host: { from?: ReturnType<typeof hostCpuTicks>; to?: ReturnType<typeof hostCpuTicks> } = {};
  let requestsFrom: Promise<number> = Promise.resolve(0);
  let requestsTo: Promise<number> = Promise.resolve(0);
  stack.bare = runBareLoop(
    __dirname,
    { baseUrl: target.baseUrl, paths: s.endpoints, concurrency: s.concurrency, warmupS: BARE_WARMUP_S, durationS: s.windowS },
    {
      onStart: () => {
        host.from = hostCpuTicks();
        requestsFrom = target.mark(`bare-${when}-start`);
      },
      onEnd: () => {
        host.to = hostCpuTicks();
        requestsTo = target.mark(`bare-${when}-end`);
      },
    },
  );
  const { result, sampler } = await stack.bare.result;
  if (result.failed > 0) throw new Error(`the bare loop had ${result.failed} failed request(s), e.g. ${result.firstFailure}: its figures would be meaningless`);
  const loop = sampler.window('start', 'end');
  stack.bare = null;
  return {
    when,
    concurrency: s.concurrency,
    requestsPerS: round(result.ok / result.durationS, 1),
    result,
    loop: { ...loop, cpuUsPerRequest: Math.round((loop.cpuS * 1e6) / Math.max(1, result.ok)) },
    target: { cpuPercent: target.sampler.window(`bare-${when}-start`, `bare-${when}-end`).cpuPercent, requests: (await requestsTo) - (await requestsFrom) },
    hostBusyPercent: hostBusyPercent(host.from!, host.to!),
  };
}

async function main(): Promise<void> {
  if (Number(process.versions.node.split('.')[0]) < 24) {
    throw new Error(`Node ${process.version}: Vigil needs Node 24; run it as \`npm run bench:checks\`, which uses the node@24 devDependency`);
  }
  if (platform() !== 'linux') throw new Error('bench:checks reads CPU and memory from /proc: it runs on Linux only');
  const s = readSettings(process.env);
  const stack = new ChecksBenchStack(s.redisUrl);
  const interrupt = () => {
    log('interrupted: cleaning up');
    void stack.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const loadAtStart = loadavg().map((l) => round(l, 2));
  try {
    await assertRedisReachable(s.redisUrl, 'the worker publishes its results there');
    stack.db = await createScratchDatabase(s.databaseUrl, 'vigil_bench_');
    log(`database ${stack.db.name} on ${redacted(s.databaseUrl)}; Redis ${redacted(s.redisUrl)} under ${stack.redisKeyPrefix}`);
    stack.fleet = await EndpointFleet.open(stack.db.url, s.intervalS);
    stack.target = await TargetProcess.start(__dirname);
    log(`target server ${stack.target.baseUrl} (pid ${stack.target.sampler.pid})`);

    // The baseline runs before and after the worker (A-B-A): on a shared machine the load of other tenants drifts,
    // and the worker is compared with the mean of the two, measured on either side of it.
    const bare: BarePhase[] = [];
    bare.push(await runBare(stack, s, 'before'));
    logBare(bare[0]);
    const { phases, lifetimePeakRssMb, warnings } = await runWorker(stack, s);
    bare.push(await runBare(stack, s, 'after'));
    logBare(bare[1]);

    const { text, verdicts } = explainResults(s, phases, bare, lifetimePeakRssMb);
    process.stdout.write(`\n${renderChecksTable(phases, bare)}\n\n${text}\n\n`);
    const warningCount = Object.values(warnings).reduce((a, b) => a + b, 0);
    if (warningCount) process.stdout.write(`the worker logged ${warningCount} warning(s) or error(s); see the JSON and bench/results/checks-worker.log\n`);

    const file = join(RESULTS_DIR, 'checks.json');
    const report = {
      benchmark: 'checks',
      generated_at: new Date().toISOString(),
      commit: currentCommit(REPO_ROOT),
      machine: { node: process.version, platform: platform(), cpus: cpus().length, cpu_model: cpus()[0]?.model, loadavg_at_start: loadAtStart },
      settings: {
        endpoints: s.endpoints,
        interval_s: s.intervalS,
        window_s: s.windowS,
        warmup_s: s.warmupS,
        concurrency: s.concurrency,
        saturation_s: s.saturationS,
        saturation_interval_s: s.saturationIntervalS,
        saturation_endpoints: s.saturationS > 0 ? s.saturationEndpoints : null,
        settle_ms: SETTLE_MS,
        // As npm run start:worker gives them, then BENCH_WORKER_NODE_OPTIONS.
        worker_node_flags: [...START_WORKER.flags, ...s.workerNodeFlags],
        // As npm run start:worker sets them (the allocator's arena limit), over the bench's own environment.
        worker_start_env: START_WORKER.env,
        // The worker inherits this environment: tuning variables set for the run are part of what was measured.
        worker_tuning_env: Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(SCHEDULER_|CHECK_|DATABASE_POOL|STATUS_)/.test(k))),
      },
      worker: { phases, lifetime_peak_rss_mb: lifetimePeakRssMb, warnings },
      bare_loop: { runs: bare, requests_per_s_mean: round(meanRequestsPerS(bare), 1) },
      verdicts,
      cpu_profile: s.cpuProfile ? relative(REPO_ROOT, join(RESULTS_DIR, 'profiles')) : null,
    };
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`written to ${relative(process.cwd(), file)}\n`);
  } finally {
    await stack.close();
  }
}

/** Waits (at most FIRST_CHECKS_TIMEOUT_S) until no endpoint is pending; returns the seconds waited. */
async function waitForFirstChecks(fleet: EndpointFleet, worker: WorkerProcess): Promise<number> {
  const started = Date.now();
  while ((await fleet.pendingCount()) > 0) {
    if (!worker.running) throw new Error(`the worker exited during the saturated stretch:\n${worker.logTail()}`);
    if (Date.now() - started > FIRST_CHECKS_TIMEOUT_S * 1000) {
      log(`endpoints still pending after ${FIRST_CHECKS_TIMEOUT_S} s: measuring anyway`);
      break;
    }
    await sleep(500);
  }
  return Math.round((Date.now() - started) / 100) / 10;
}

function logBare(b: BarePhase): void {
  log(`bare loop (${b.when}): ${Math.round(b.requestsPerS)} req/s, request latency p50 ${b.result.latencyMs.p50} ms, p99 ${b.result.latencyMs.p99} ms`);
}

function logPhase(p: WorkerPhase): void {
  log(
    `${p.phase}: ${Math.round(p.checksPerS)} checks/s of ${Math.round(p.demandPerS)} demanded, worker CPU ${p.worker.cpuPercent}%, ` +
      `RSS peak ${p.worker.rssPeakMb} MB, ${p.phase === 'schedule' ? `lag p50 ${ms(p.results.lagMs.p50)} p99 ${ms(p.results.lagMs.p99)}, ` : ''}` +
      `${p.results.completed - p.results.succeeded} failed check(s)`,
  );
}

function log(line: string): void {
  process.stderr.write(`[bench:checks] ${line}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function sleepUntil(at: number): Promise<void> {
  return sleep(Math.max(0, at - Date.now()));
}

main().catch((err: unknown) => {
  process.stderr.write(`\n[bench:checks] FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
