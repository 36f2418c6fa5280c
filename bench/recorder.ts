import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform } from 'node:os';
import { join, relative } from 'node:path';
import { CheckResultsRepository, type NewCheckResult } from '@vigil/checks';
import { EndpointEntity, EndpointScheduleRepository } from '@vigil/endpoints';
import { UptimeRollupsRepository } from '@vigil/uptime';
import { DataSource, type EntityManager } from 'typeorm';
import { EndpointFleet } from './support/endpoint-fleet';
import { processCpu } from './support/proc-sampler';
import { round } from './support/report';
import { currentCommit } from './support/run-info';
import { createScratchDatabase, redacted } from './support/scratch-services';
import { intReader } from './support/settings';

/**
 * `npm run bench:recorder`: what storing scheduled check results costs the database, statement by statement,
 * for several batch sizes. N endpoints owned by one worker; batch after batch (each of distinct endpoints,
 * walking all of them in a shuffled order, as a saturated worker does), one transaction runs the statements a
 * scheduled batch runs, through the repositories that run them (see CheckRecorder.settleScheduled):
 * lock the owned rows, insert the results, write the endpoints' states and next slots, fold the results into
 * the uptime rollups, commit. One connection, so the backend's CPU (from /proc, when PostgreSQL runs on this
 * machine) is what these statements cost; wall time adds the round trips.
 */
const REPO_ROOT = join(__dirname, '..', '..');
const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
const WORKER = 'bench-recorder';
const STEPS = ['lock', 'insert', 'states', 'rollups', 'commit'] as const;
type Step = (typeof STEPS)[number];

interface Settings {
  databaseUrl: string;
  endpoints: number;
  batchSizes: number[];
  checksPerSize: number;
}

interface StepCost {
  wall: number;
  backendCpu: number | null;
  clientCpu: number;
}

interface SizeResult {
  batchSize: number;
  batches: number;
  checks: number;
  /**
   * Per stored check, µs. backendCpu is null when the backend's /proc entry cannot be read; clientCpu is this
   * process's CPU in the step (building parameters, sending, parsing the answer): what a worker pays for it.
   */
  perCheck: Record<Step | 'total', StepCost>;
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const int = intReader(env);
  const sizes = (env.BENCH_BATCH_SIZES || '250,500,1000').split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`BENCH_BATCH_SIZES=${env.BENCH_BATCH_SIZES}: expected whole numbers ≥ 1`);
  const endpoints = int('BENCH_ENDPOINTS', 50_000, 1);
  if (Math.max(...sizes) > endpoints) throw new Error('every batch size must be at most BENCH_ENDPOINTS (a batch holds distinct endpoints)');
  return {
    databaseUrl: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
    endpoints,
    batchSizes: sizes,
    checksPerSize: int('BENCH_CHECKS', 100_000, 1),
  };
}

/** A successful 3 ms check, as the bench target answers. */
function resultFor(endpointId: string, slot: Date): NewCheckResult {
  return {
    endpointId,
    scheduledFor: slot,
    outcome: {
      checked_at: new Date(slot.getTime() + 1),
      success: true,
      status_code: 200,
      response_time_ms: 3,
      reason: null,
      message: null,
      attempts: 1,
      timings: { dns_ms: 0, connect_ms: 0, tls_ms: 0, first_byte_ms: 2.5, total_ms: 3, reused_connection: true },
      assertions: [],
    },
  };
}

async function measure(ds: DataSource, ids: string[], batchSize: number, checks: number): Promise<SizeResult> {
  const schedule = new EndpointScheduleRepository(ds.getRepository(EndpointEntity));
  const results = new CheckResultsRepository();
  const rollups = new UptimeRollupsRepository();
  const [{ pid }] = (await ds.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>;
  const cpuOf = () => processCpu(pid)?.seconds ?? null;
  const wall: Record<Step, number> = { lock: 0, insert: 0, states: 0, rollups: 0, commit: 0 };
  const cpu: Record<Step, number | null> = { lock: 0, insert: 0, states: 0, rollups: 0, commit: 0 };
  const client: Record<Step, number> = { lock: 0, insert: 0, states: 0, rollups: 0, commit: 0 };
  const timed = async <T>(step: Step, run: () => Promise<T>): Promise<T> => {
    const c0 = cpuOf();
    const t0 = performance.now();
    const u0 = process.cpuUsage();
    const value = await run();
    const u1 = process.cpuUsage(u0);
    wall[step] += performance.now() - t0;
    client[step] += u1.user + u1.system;
    const c1 = cpuOf();
    cpu[step] = c0 === null || c1 === null || cpu[step] === null ? null : cpu[step] + (c1 - c0);
    return value;
  };
  let stored = 0;
  let batches = 0;
  let cursor = 0;
  while (stored < checks) {
    const batch: string[] = [];
    for (let i = 0; i < batchSize; i++, cursor = (cursor + 1) % ids.length) batch.push(ids[cursor]);
    const runner = ds.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    const m: EntityManager = runner.manager;
    const { now, states } = await timed('lock', () => schedule.lockOwned(m, WORKER, batch));
    const rows = await timed('insert', () =>
      results.insertMany(
        m,
        { manual: false, worker: WORKER },
        states.map((s) => resultFor(s.id, s.nextCheckAt)),
      ),
    );
    await timed('states', () =>
      schedule.saveStates(
        m,
        rows.map((r) => ({
          id: r.endpointId,
          status: 'up' as const,
          statusSince: new Date(0),
          consecutiveFailures: 0,
          consecutiveSuccesses: 1,
          lastCheck: { id: r.id, checkedAt: r.checkedAt, success: true, statusCode: 200, responseTimeMs: 3, reason: null },
          // One second later: the saturated bench's interval.
          nextCheckAt: new Date(Math.max(r.scheduledFor!.getTime() + 1000, now.getTime())),
        })),
      ),
    );
    await timed('rollups', () =>
      rollups.fold(
        m,
        rows.map((r) => ({ endpointId: r.endpointId, checkedAt: r.checkedAt, success: true, responseTimeMs: 3, attempts: 1, inMaintenance: false })),
      ),
    );
    await timed('commit', () => runner.commitTransaction());
    await runner.release();
    if (rows.length !== batchSize) throw new Error(`a batch stored ${rows.length} of ${batchSize} results: the fleet is not owned as expected`);
    stored += rows.length;
    batches++;
  }
  const per = (step: Step): StepCost => ({
    wall: round((wall[step] * 1000) / stored, 1),
    backendCpu: cpu[step] === null ? null : round((cpu[step]! * 1e6) / stored, 1),
    clientCpu: round(client[step] / stored, 1),
  });
  const perCheck = Object.fromEntries(STEPS.map((s) => [s, per(s)])) as SizeResult['perCheck'];
  const cpus = STEPS.map((s) => perCheck[s].backendCpu);
  perCheck.total = {
    wall: round(
      STEPS.reduce((sum, s) => sum + perCheck[s].wall, 0),
      1,
    ),
    clientCpu: round(
      STEPS.reduce((sum, s) => sum + perCheck[s].clientCpu, 0),
      1,
    ),
    backendCpu: cpus.includes(null)
      ? null
      : round(
          cpus.reduce((a, b) => a! + b!, 0)!,
          1,
        ),
  };
  return { batchSize, batches, checks: stored, perCheck };
}

function renderTable(rows: SizeResult[]): string {
  const header = ['batch', 'checks', ...STEPS.map((s) => `${s} µs`), 'total µs'];
  const cell = (v: StepCost) => `${v.wall.toFixed(1)} (${v.backendCpu === null ? '—' : v.backendCpu.toFixed(1)} / ${v.clientCpu.toFixed(1)})`;
  const body = rows.map((r) => [String(r.batchSize), String(r.checks), ...STEPS.map((s) => cell(r.perCheck[s])), cell(r.perCheck.total)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const s = readSettings(process.env);
  const log = (msg: string) => console.log(`[bench:recorder] ${msg}`);
  const db = await createScratchDatabase(s.databaseUrl, 'vigil_bench_');
  let ds: DataSource | null = null;
  const drop = async () => {
    await ds?.destroy().catch(() => undefined);
    await db.drop();
    log(`dropped database ${db.name}`);
  };
  process.once('SIGINT', () => void drop().finally(() => process.exit(130)));
  try {
    log(`database ${db.name} on ${redacted(s.databaseUrl)}; ${s.endpoints} endpoints, batch sizes ${s.batchSizes.join(', ')}, ${s.checksPerSize} checks each`);
    const fleet = await EndpointFleet.open(db.url, 1);
    await fleet.insert(s.endpoints, 'http://127.0.0.1:9');
    await fleet.close();
    ds = new DataSource({ type: 'postgres', url: db.url, extra: { max: 1, application_name: 'vigil-bench-recorder' } });
    await ds.initialize();
    // Every endpoint owned by this "worker" and up, with a slot on the whole second (as the saturated bench's).
    await ds.query(`UPDATE endpoints SET lease_owner = $1, status = 'up', next_check_at = date_trunc('second', now())`, [WORKER]);
    await ds.query('VACUUM ANALYZE endpoints');
    const ids = ((await ds.query('SELECT id FROM endpoints ORDER BY random()')) as Array<{ id: string }>).map((r) => r.id);
    const rows: SizeResult[] = [];
    for (const size of s.batchSizes) {
      rows.push(await measure(ds, ids, size, s.checksPerSize));
      log(`batch ${size}: ${rows[rows.length - 1].perCheck.total.wall} µs per check`);
    }
    const table = renderTable(rows);
    console.log(`\n${table}\n`);
    console.log('Per stored check: wall µs of each step on one connection (in brackets: CPU of its PostgreSQL backend, from /proc, — when PostgreSQL');
    console.log(
      'is not a local process / CPU of this client process, what a worker spends on the step). lock = lockOwned, insert = CheckResultsRepository.insertMany, states = saveStates, rollups = fold.',
    );
    console.log('Sizes run one after the other on the same tables, so a later size also meets the rows the earlier ones stored.');
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, 'recorder.json');
    const report = {
      benchmark: 'recorder',
      generated_at: new Date().toISOString(),
      commit: currentCommit(REPO_ROOT),
      machine: { node: process.version, platform: platform(), cpus: cpus().length, cpu_model: cpus()[0]?.model ?? null, loadavg_at_start: loadavg() },
      settings: { endpoints: s.endpoints, batch_sizes: s.batchSizes, checks_per_size: s.checksPerSize },
      results: rows,
    };
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    log(`written to ${relative(process.cwd(), file)}`);
  } finally {
    await drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
