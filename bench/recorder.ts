import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform } from 'node:os';
import { join, relative } from 'node:path';
import { CheckResultsRepository, type NewCheckResult } from '@vigil/checks';
import { EndpointEntity, EndpointScheduleRepository, type EndpointState, type KnownAdvance } from '@vigil/endpoints';
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
 * scheduled batch runs, through the repositories that run them (see CheckRecorder.settleScheduled), both ways
 * (WAYS): lock the owned rows, insert the results, write the endpoints' states and next slots; or write the
 * states the worker knows in one fenced update, then insert; then fold the results into the uptime rollups
 * and commit. One connection, so the backend's CPU (from /proc, when PostgreSQL runs on this
 * machine) is what these statements cost; wall time adds the round trips.
 */
const REPO_ROOT = join(__dirname, '..', '..');
const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
const WORKER = 'bench-recorder';
const STEPS = ['lock', 'advance', 'insert', 'states', 'rollups', 'commit'] as const;
type Step = (typeof STEPS)[number];
/**
 * The two ways a worker stores a batch (CheckRecorder.settleScheduled): `locking` locks the rows, reads
 * their state, then writes the new one (a result whose state the worker does not know yet); `known`
 * writes the new state in one fenced update (the steady state: the worker stored the previous result).
 */
const WAYS = { locking: ['lock', 'insert', 'states', 'rollups', 'commit'], known: ['advance', 'insert', 'rollups', 'commit'] } as const satisfies Record<
  string,
  readonly Step[]
>;
type Way = keyof typeof WAYS;

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
  way: Way;
  batchSize: number;
  batches: number;
  checks: number;
  /**
   * Per stored check, µs. backendCpu is null when the backend's /proc entry cannot be read; clientCpu is this
   * process's CPU in the step (building parameters, sending, parsing the answer): what a worker pays for it.
   */
  perCheck: Partial<Record<Step, StepCost>> & { total: StepCost };
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
    manual: false,
    worker: WORKER,
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

/**
 * Stores `checks` results per way in batches of `batchSize`, the two ways taking turns batch by batch, so
 * both meet the same tables (sizes, rollup rows, dead tuples) and the same load on the machine.
 */
async function measure(ds: DataSource, ids: string[], batchSize: number, checks: number): Promise<SizeResult[]> {
  const schedule = new EndpointScheduleRepository(ds.getRepository(EndpointEntity));
  const results = new CheckResultsRepository();
  const rollups = new UptimeRollupsRepository();
  const [{ pid }] = (await ds.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>;
  const cpuOf = () => processCpu(pid)?.seconds ?? null;
  const zero = () => Object.fromEntries(STEPS.map((st) => [st, 0])) as Record<Step, number>;
  const ways = Object.keys(WAYS) as Way[];
  const acc = Object.fromEntries(
    ways.map((w) => [w, { wall: zero(), cpu: zero() as Record<Step, number | null>, client: zero(), stored: 0, batches: 0 }]),
  ) as Record<Way, { wall: Record<Step, number>; cpu: Record<Step, number | null>; client: Record<Step, number>; stored: number; batches: number }>;
  // The states as they are, read once; then kept as each batch leaves them (a worker has them from its previous results).
  const known = new Map<string, EndpointState>();
  await ds.transaction(async (m) => {
    for (const st of (await schedule.lockOwned(m, WORKER, ids)).states) known.set(st.id, st);
  });
  const timed = async <T>(way: Way, step: Step, run: () => Promise<T>): Promise<T> => {
    const a = acc[way];
    const c0 = cpuOf();
    const t0 = performance.now();
    const u0 = process.cpuUsage();
    const value = await run();
    const u1 = process.cpuUsage(u0);
    a.wall[step] += performance.now() - t0;
    a.client[step] += u1.user + u1.system;
    const c1 = cpuOf();
    a.cpu[step] = c0 === null || c1 === null || a.cpu[step] === null ? null : a.cpu[step] + (c1 - c0);
    return value;
  };
  /** One more success of an endpoint that was up, due one second later (the saturated bench's interval). */
  const advanceOf = (before: EndpointState, now: Date): KnownAdvance => ({
    before,
    after: { status: 'up', statusSince: before.statusSince, consecutiveFailures: 0, consecutiveSuccesses: before.consecutiveSuccesses + 1 },
    check: { checkedAt: new Date(before.nextCheckAt.getTime() + 1), success: true, statusCode: 200, responseTimeMs: 3, reason: null },
    nextCheckAt: new Date(Math.max(before.nextCheckAt.getTime() + 1000, now.getTime())),
  });
  const remember = (a: KnownAdvance) => known.set(a.before.id, { ...a.before, ...a.after, nextCheckAt: a.nextCheckAt });
  /** lockOwned, insert, saveStates: the locking way. */
  const storeLocking = async (m: EntityManager, batch: string[]) => {
    const { now, states } = await timed('locking', 'lock', () => schedule.lockOwned(m, WORKER, batch));
    const rows = await timed('locking', 'insert', () =>
      results.insertMany(
        m,
        states.map((st) => resultFor(st.id, st.nextCheckAt)),
      ),
    );
    const advances = states.map((st) => advanceOf(st, now));
    const checkIds = new Map(rows.map((r) => [r.endpointId, r.id]));
    await timed('locking', 'states', () =>
      schedule.saveStates(
        m,
        advances.map((a) => ({
          id: a.before.id,
          ...a.after,
          lastCheck: { id: checkIds.get(a.before.id)!, ...a.check },
          nextCheckAt: a.nextCheckAt,
        })),
      ),
    );
    advances.forEach(remember);
    return rows;
  };
  /** advanceKnown (the fenced state update, reserving the results' ids), then the insert: the known way. */
  const storeKnown = async (m: EntityManager, batch: string[]) => {
    const { planned, advanced } = await timed('known', 'advance', () =>
      schedule.advanceKnown(m, WORKER, (now) => batch.map((id) => advanceOf(known.get(id)!, now))),
    );
    const rows = await timed('known', 'insert', () =>
      results.insertMany(
        m,
        planned.map((a) => ({ ...resultFor(a.before.id, a.before.nextCheckAt), id: advanced.get(a) })),
      ),
    );
    planned.forEach(remember);
    return rows;
  };
  let cursor = 0;
  for (let turn = 0; ways.some((w) => acc[w].stored < checks); turn++) {
    const way = ways[turn % ways.length];
    if (acc[way].stored >= checks) continue;
    const batch: string[] = [];
    for (let i = 0; i < batchSize; i++, cursor = (cursor + 1) % ids.length) batch.push(ids[cursor]);
    const runner = ds.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    const m: EntityManager = runner.manager;
    const rows = way === 'locking' ? await storeLocking(m, batch) : await storeKnown(m, batch);
    await timed(way, 'rollups', () =>
      rollups.fold(
        m,
        rows.map((r) => ({ endpointId: r.endpointId, checkedAt: r.checkedAt, success: true, responseTimeMs: 3, attempts: 1, inMaintenance: false })),
      ),
    );
    await timed(way, 'commit', () => runner.commitTransaction());
    await runner.release();
    if (rows.length !== batchSize) throw new Error(`a ${way} batch stored ${rows.length} of ${batchSize} results: the fleet is not owned as expected`);
    acc[way].stored += rows.length;
    acc[way].batches++;
  }
  return ways.map((way) => {
    const { wall, cpu, client, stored, batches } = acc[way];
    const per = (step: Step): StepCost => ({
      wall: round((wall[step] * 1000) / stored, 1),
      backendCpu: cpu[step] === null ? null : round((cpu[step]! * 1e6) / stored, 1),
      clientCpu: round(client[step] / stored, 1),
    });
    const steps: readonly Step[] = WAYS[way];
    const costs = Object.fromEntries(steps.map((st) => [st, per(st)])) as Record<Step, StepCost>;
    const cpus = steps.map((st) => costs[st].backendCpu);
    const total: StepCost = {
      wall: round(
        steps.reduce((sum, st) => sum + costs[st].wall, 0),
        1,
      ),
      clientCpu: round(
        steps.reduce((sum, st) => sum + costs[st].clientCpu, 0),
        1,
      ),
      backendCpu: cpus.includes(null)
        ? null
        : round(
            cpus.reduce((x, y) => x! + y!, 0)!,
            1,
          ),
    };
    return { way, batchSize, batches, checks: stored, perCheck: { ...costs, total } };
  });
}

function renderTable(rows: SizeResult[]): string {
  const header = ['way', 'batch', 'checks', ...STEPS.map((s) => `${s} µs`), 'total µs'];
  const cell = (v: StepCost | undefined) =>
    v ? `${v.wall.toFixed(1)} (${v.backendCpu === null ? '—' : v.backendCpu.toFixed(1)} / ${v.clientCpu.toFixed(1)})` : '—';
  const body = rows.map((r) => [r.way, String(r.batchSize), String(r.checks), ...STEPS.map((s) => cell(r.perCheck[s])), cell(r.perCheck.total)]);
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
      for (const r of await measure(ds, ids, size, s.checksPerSize)) {
        rows.push(r);
        log(`${r.way}, batch ${size}: ${r.perCheck.total.wall} µs per check`);
      }
    }
    const table = renderTable(rows);
    console.log(`\n${table}\n`);
    console.log('Per stored check: wall µs of each step on one connection (in brackets: CPU of its PostgreSQL backend, from /proc, — when PostgreSQL');
    console.log('is not a local process / CPU of this client process, what a worker spends on the step). lock = lockOwned, advance = advanceKnown,');
    console.log('insert = CheckResultsRepository.insertMany, states = saveStates, rollups = fold. locking: results whose endpoint state the worker');
    console.log('does not know yet (first slot after adoption); known: the steady state, where it stored the previous result itself.');
    console.log('The two ways take turns batch by batch; sizes run one after the other on the same tables, so a later size also meets');
    console.log('the rows the earlier ones stored.');
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
