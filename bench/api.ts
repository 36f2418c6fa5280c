import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform } from 'node:os';
import { join, relative } from 'node:path';
import { assertAllSucceeded, type LoadRun, type LoadTarget, runLoad } from './support/load';
import { renderTable, round, summarize } from './support/report';
import { assertRedisReachable, clearRedisPrefix, createScratchDatabase, redacted, type ScratchDatabase } from './support/scratch-services';
import type { ControlMessage, ServersMessage, StartServers } from './support/server-protocol';
import { currentCommit } from './support/run-info';
import { intReader } from './support/settings';

/**
 * `npm run bench:api`: throughput and latency of GET /api/v1/auth/me through Vigil's whole pipeline
 * (request id, API-key check with its cache, Redis throttle, envelope) next to a bare Nest route.
 * The apps run in a forked process so the load generator never shares their event loop.
 */
const REPO_ROOT = join(__dirname, '..', '..');
const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
const TARGET_RATIO = 0.5;
const API_KEY = `vigil-bench-${randomBytes(12).toString('hex')}`;

interface Settings {
  databaseUrl: string;
  redisUrl: string;
  connections: number;
  durationS: number;
  warmupS: number;
  rounds: number;
  cpuProfile: boolean;
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const int = intReader(env);
  return {
    databaseUrl: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    connections: int('BENCH_CONNECTIONS', 10, 1),
    durationS: int('BENCH_DURATION_S', 10, 1),
    warmupS: int('BENCH_WARMUP_S', 2, 0),
    rounds: int('BENCH_ROUNDS', 2, 1),
    cpuProfile: env.BENCH_CPU_PROF === '1',
  };
}

/** Owns the scratch database, the Redis prefix and the server process; close() undoes all three once. */
class BenchStack {
  readonly redisKeyPrefix = `vigil-bench:${randomBytes(4).toString('hex')}:`;
  private db: ScratchDatabase | null = null;
  private servers: ChildProcess | null = null;
  private closing: Promise<void> | null = null;

  constructor(private readonly settings: Settings) {}

  async start(): Promise<{ vigilUrl: string; bareUrl: string }> {
    await assertRedisReachable(this.settings.redisUrl);
    this.db = await createScratchDatabase(this.settings.databaseUrl, 'vigil_bench_');
    log(`database ${this.db.name} on ${redacted(this.settings.databaseUrl)}; Redis ${redacted(this.settings.redisUrl)} under ${this.redisKeyPrefix}`);
    const execArgv = this.settings.cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${join(RESULTS_DIR, 'profiles')}`] : [];
    const child = fork(join(__dirname, 'api-servers.js'), [], { execArgv, stdio: 'inherit' });
    this.servers = child;
    const start: StartServers = {
      type: 'start',
      databaseUrl: this.db.url,
      redisUrl: this.settings.redisUrl,
      redisKeyPrefix: this.redisKeyPrefix,
      apiKey: API_KEY,
    };
    return new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the server process exited (code ${code}) before it was ready`)));
      child.once('message', (msg: ServersMessage) => {
        if (msg.type === 'ready') resolve(msg);
        else reject(new Error(msg.type === 'failed' ? `the apps did not start:\n${msg.error}` : `unexpected message ${msg.type}`));
      });
      child.send(start satisfies ControlMessage);
    });
  }

  /** CPU time the server process has used so far (both apps; only one is under load at a time). */
  serverCpuMicros(): Promise<number> {
    const child = this.servers;
    if (!child?.connected) return Promise.reject(new Error('the server process is gone'));
    return new Promise((resolve) => {
      const onMessage = (msg: ServersMessage) => {
        if (msg.type !== 'cpu-usage') return;
        child.off('message', onMessage);
        resolve(msg.micros);
      };
      child.on('message', onMessage);
      child.send({ type: 'cpu-usage' } satisfies ControlMessage);
    });
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    const child = this.servers;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (child.connected) child.send({ type: 'stop' } satisfies ControlMessage);
      await Promise.race([exited, sleep(20_000).then(() => child.kill('SIGKILL'))]);
    }
    const deleted = await clearRedisPrefix(this.settings.redisUrl, this.redisKeyPrefix).catch((err: unknown) => {
      log(`could not clear Redis keys under ${this.redisKeyPrefix}: ${(err as Error).message}`);
      return 0;
    });
    if (this.db) {
      await this.db.drop();
      log(`dropped database ${this.db.name}; deleted ${deleted} Redis keys`);
    }
  }
}

function targets(urls: { vigilUrl: string; bareUrl: string }): { vigil: LoadTarget; bare: LoadTarget } {
  return {
    vigil: {
      name: 'vigil',
      url: `${urls.vigilUrl}/api/v1/auth/me`,
      headers: { 'x-api-key': API_KEY },
      verifyBody: (body) => body.startsWith('{"success":true,"data":{"key_id":'),
    },
    bare: { name: 'bare', url: urls.bareUrl, verifyBody: (body) => body === '{"ok":true,"name":"bare"}' },
  };
}

/** One request each before any load: proves the pipeline is really on (request id, throttle headers, key check). */
async function checkPipeline(t: { vigil: LoadTarget; bare: LoadTarget }): Promise<Record<string, unknown>> {
  const ok = await fetch(t.vigil.url, { headers: t.vigil.headers });
  const body = await ok.text();
  const noKey = await fetch(t.vigil.url);
  const bare = await fetch(t.bare.url);
  const bareBody = await bare.text();
  const check = {
    vigil_status: ok.status,
    vigil_body: JSON.parse(body) as unknown,
    x_request_id: ok.headers.get('x-request-id'),
    x_ratelimit_limit: ok.headers.get('x-ratelimit-limit'),
    x_ratelimit_remaining: ok.headers.get('x-ratelimit-remaining'),
    without_key_status: noKey.status,
    bare_status: bare.status,
    bare_body: bareBody,
  };
  const problems = [
    ok.status !== 200 && `GET ${t.vigil.url} answered ${ok.status}: ${body}`,
    !t.vigil.verifyBody(body) && `unexpected Vigil body: ${body}`,
    !check.x_request_id && 'no X-Request-ID header',
    !check.x_ratelimit_limit && 'no X-RateLimit-Limit header: is the throttler off?',
    noKey.status !== 401 && `without a key Vigil answered ${noKey.status}, not 401: is the key check off?`,
    (bare.status !== 200 || !t.bare.verifyBody(bareBody)) && `bare route answered ${bare.status}: ${bareBody}`,
  ].filter(Boolean);
  if (problems.length) throw new Error(`pipeline check failed:\n  - ${problems.join('\n  - ')}`);
  return check;
}

async function main(): Promise<void> {
  if (Number(process.versions.node.split('.')[0]) < 24) {
    throw new Error(`Node ${process.version}: Vigil needs Node 24; run it as \`npm run bench:api\`, which uses the node@24 devDependency`);
  }
  const settings = readSettings(process.env);
  const stack = new BenchStack(settings);
  const interrupt = () => {
    log('interrupted: cleaning up');
    void stack.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  // Other work on the machine skews the absolute figures (the alternating order protects the ratio); it is recorded.
  const loadAtStart = loadavg().map((l) => round(l, 2));
  try {
    const t = targets(await stack.start());
    const pipeline = await checkPipeline(t);
    log(
      `${settings.rounds} round(s) × (vigil, bare) in alternating order; each run: ${settings.warmupS} s warm-up + ${settings.durationS} s measured, ${settings.connections} connections`,
    );
    const measured: Record<'vigil' | 'bare', LoadRun[]> = { vigil: [], bare: [] };
    const runs: Array<Omit<LoadRun, 'latenciesMs'> & { round: number }> = [];
    for (let roundNo = 1; roundNo <= settings.rounds; roundNo++) {
      // ABBA order: whichever runs second in one round runs first in the next.
      const order = roundNo % 2 === 1 ? (['vigil', 'bare'] as const) : (['bare', 'vigil'] as const);
      for (const name of order) {
        if (settings.warmupS > 0) assertAllSucceeded(await runLoad(t[name], settings.connections, settings.warmupS), 'warm-up');
        const cpuBefore = await stack.serverCpuMicros();
        const run = await runLoad(t[name], settings.connections, settings.durationS);
        run.serverCpuMicros = (await stack.serverCpuMicros()) - cpuBefore;
        assertAllSucceeded(run, `round ${roundNo}`);
        measured[name].push(run);
        const { latenciesMs: _latencies, ...counts } = run;
        runs.push({ round: roundNo, ...counts });
        log(
          `round ${roundNo}/${settings.rounds} ${name.padEnd(5)} ${Math.round(run.ok2xx / run.durationS)} req/s, ` +
            `server CPU ${Math.round(run.serverCpuMicros / run.completed)} µs/req`,
        );
      }
    }

    const vigil = summarize('vigil', measured.vigil);
    const bare = summarize('bare', measured.bare);
    const ratio = {
      throughput: round(vigil.reqPerS / bare.reqPerS, 3),
      p99: round(vigil.latencyMs.p99 / bare.latencyMs.p99, 3),
      serverCpu: round(vigil.serverCpuUsPerRequest / bare.serverCpuUsPerRequest, 3),
    };
    const met = ratio.throughput >= TARGET_RATIO;
    process.stdout.write(`\n${renderTable([vigil, bare], ratio)}\n\n`);
    process.stdout.write(`throughput ratio vigil/bare ${ratio.throughput.toFixed(2)}: target ≥ ${TARGET_RATIO} ${met ? 'met' : 'NOT met'}\n`);

    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, 'api.json');
    const report = {
      benchmark: 'api',
      generated_at: new Date().toISOString(),
      commit: currentCommit(REPO_ROOT),
      machine: { node: process.version, platform: platform(), cpus: cpus().length, cpu_model: cpus()[0]?.model, loadavg_at_start: loadAtStart },
      settings: { connections: settings.connections, duration_s: settings.durationS, warmup_s: settings.warmupS, rounds: settings.rounds, pipelining: 1 },
      routes: { vigil: 'GET /api/v1/auth/me (X-API-Key)', bare: 'GET /bare (stock Nest app, one controller)' },
      results: { vigil, bare },
      ratio_vigil_over_bare: ratio,
      target: { throughput_ratio_at_least: TARGET_RATIO, met },
      pipeline_check: pipeline,
      runs,
    };
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`written to ${relative(process.cwd(), file)}\n`);
  } finally {
    await stack.close();
  }
}

function log(line: string): void {
  process.stderr.write(`[bench:api] ${line}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

main().catch((err: unknown) => {
  process.stderr.write(`\n[bench:api] FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
