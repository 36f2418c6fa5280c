import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform } from 'node:os';
import { join, relative } from 'node:path';
import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig, type VigilConfig } from '@vigil/config';
import { MIGRATIONS } from '@vigil/migrations';
import { RELATIVE_ERROR, RollupCompactionService, type RollupInput, UptimeRollupsRepository, UptimeService } from '@vigil/uptime';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { createApiApp } from '../apps/api/src/setup-app';
import { round } from './support/report';
import { currentCommit } from './support/run-info';
import { createScratchDatabase, redacted, type ScratchDatabase } from './support/scratch-services';
import { type EndpointProfile, UptimeFleet } from './support/uptime-fleet';
import { type QueryTiming, renderUptimeTable, timeQuery, type UptimeRow } from './support/uptime-report';
import { intReader } from './support/settings';

/**
 * `npm run bench:uptime`: N endpoints × D days of checks at a fixed interval, folded into the uptime rollups
 * by the write path's own SQL (UptimeRollupsRepository.fold, batch after batch, into minute rows) while the
 * compaction job (RollupCompactionService.runOnce) builds the hour and day rows of every hour folded, with
 * raw check_results written for a subset of the same checks. Then, in the same run: every endpoint's uptime and p99 over the
 * last D days and one endpoint's hourly series, through UptimeService and over HTTP (the real API in this
 * process), against the raw GROUP BY scans that answer the same questions from check_results.
 */
const REPO_ROOT = join(__dirname, '..', '..');
const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
const API_KEY = `vigil-bench-${randomBytes(12).toString('hex')}`;
const DAY = 86_400_000;
const TARGET_MS = 100;
const TARGET_SPEEDUP = 50;
/** Minutes of checks per fold call: one lane's endpoints × this many minutes per statement. */
const CHUNK_MINUTES = 60;

interface Settings {
  databaseUrl: string;
  endpoints: number;
  days: number;
  intervalS: number;
  rawEndpoints: number;
  runs: number;
  rawRuns: number;
  lanes: number;
  keepDatabase: boolean;
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const int = intReader(env);
  const endpoints = int('BENCH_ENDPOINTS', 1000, 1);
  const s = {
    databaseUrl: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
    endpoints,
    days: int('BENCH_DAYS', 30, 1),
    intervalS: int('BENCH_INTERVAL_S', 60, 1),
    rawEndpoints: int('BENCH_RAW_ENDPOINTS', Math.max(1, Math.round(endpoints / 10)), 1),
    runs: int('BENCH_RUNS', 15, 1),
    rawRuns: int('BENCH_RAW_RUNS', 3, 1),
    lanes: int('BENCH_LANES', 2, 1),
    keepDatabase: env.BENCH_KEEP_DATABASE === '1',
  };
  if (s.rawEndpoints > s.endpoints) throw new Error('BENCH_RAW_ENDPOINTS cannot exceed BENCH_ENDPOINTS');
  if (s.days > 400) throw new Error('BENCH_DAYS: at most 400 (UPTIME_MAX_WINDOW_DAYS)');
  return s;
}

/** Owns the scratch database, its connection and the API app; close() undoes them once, also on Ctrl-C. */
class UptimeBenchStack {
  keepDatabase = false;
  db: ScratchDatabase | null = null;
  dataSource: DataSource | null = null;
  app: NestExpressApplication | null = null;
  url = '';
  private closing: Promise<void> | null = null;

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.app?.close().catch((err: unknown) => log(`closing the app: ${(err as Error).message}`));
      await this.dataSource?.destroy().catch(() => undefined);
      if (this.db && this.keepDatabase) log(`kept database ${this.db.name} (BENCH_KEEP_DATABASE=1): drop it when done`);
      else if (this.db) {
        await this.db.drop();
        log(`dropped database ${this.db.name}`);
      }
    })();
    return this.closing;
  }
}

interface FillStats {
  checks: number;
  rawRows: number;
  seconds: number;
  foldSeconds: number;
  rawSeconds: number;
  foldCalls: number;
  /** Time spent in compaction runs (concurrent with the lanes, then the last one), and the hours they compacted. */
  compactSeconds: number;
  compactedHours: number;
  /** The watermark after the fill: hour and day rows before it, minute rows only after it. */
  compactedUntil: string;
}

/**
 * Writes the fleet's checks: endpoints are split into lanes (disjoint endpoints, so lanes never wait on
 * each other's rows), each lane folds one chunk of minutes per call through the write path's upsert, and
 * inserts the raw rows of its subset endpoints. The database is as if Vigil had been installed when the
 * window starts (the compaction watermark at that hour), so the fold writes minute rows; beside the lanes,
 * the compaction job builds the hour and day rows of every hour all lanes are done with, as it would run an
 * hour after the fact in production, and once more at the end with the real clock.
 */
async function fill(ds: DataSource, fleet: UptimeFleet, lanes: number, config: VigilConfig): Promise<FillStats> {
  const rawIds = new Set(fleet.rawEndpoints.map((e) => e.id));
  const rollups = new UptimeRollupsRepository();
  const compaction = new RollupCompactionService(ds, config, rollups);
  const graceMs = config.uptime.compactionGraceS * 1000;
  await ds.query('UPDATE uptime_compaction SET compacted_until = $1', [new Date(Math.floor(fleet.fromMs / 3_600_000) * 3_600_000)]);
  const stats: FillStats = {
    checks: 0,
    rawRows: 0,
    seconds: 0,
    foldSeconds: 0,
    rawSeconds: 0,
    foldCalls: 0,
    compactSeconds: 0,
    compactedHours: 0,
    compactedUntil: '',
  };
  const compact = async (now: Date): Promise<number> => {
    const t = performance.now();
    const run = await compaction.runOnce(now);
    stats.compactSeconds += (performance.now() - t) / 1000;
    const hours = run.skipped ? 0 : run.hours.length;
    stats.compactedHours += hours;
    return hours;
  };
  /** Per lane: every check before this instant is folded. */
  const folded = Array.from({ length: lanes }, () => fleet.fromMs);
  let filling = true;
  const started = performance.now();
  const chunkMs = CHUNK_MINUTES * 60_000;
  const total = fleet.endpoints.length * fleet.checksPerEndpoint;
  let nextReport = 0.1;
  const laneOf = (lane: number) => fleet.endpoints.filter((_, i) => i % lanes === lane);
  const lanesDone = Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      const mine = laneOf(lane);
      for (let from = fleet.fromMs; from < fleet.toMs; from += chunkMs) {
        folded[lane] = from;
        const checks: RollupInput[] = [];
        fleet.checks(mine, from, Math.min(fleet.toMs, from + chunkMs), checks);
        const raw = checks.filter((c) => rawIds.has(c.endpointId));
        let t = performance.now();
        await ds.transaction((m) => rollups.fold(m, checks));
        stats.foldSeconds += (performance.now() - t) / 1000;
        t = performance.now();
        if (raw.length) await insertRaw(ds, raw);
        stats.rawSeconds += (performance.now() - t) / 1000;
        stats.checks += checks.length;
        stats.rawRows += raw.length;
        stats.foldCalls++;
        if (stats.checks / total >= nextReport) {
          const s = (performance.now() - started) / 1000;
          log(`${Math.round((100 * stats.checks) / total)} %: ${stats.checks} checks folded (${Math.round(stats.checks / s)}/s), ${stats.rawRows} raw rows`);
          nextReport += 0.1;
        }
      }
      folded[lane] = fleet.toMs;
    }),
  ).finally(() => (filling = false));
  const compactor = (async () => {
    // A clock `grace` past what every lane has folded: the hours that ended by then are due.
    while (filling) if ((await compact(new Date(Math.min(...folded) + graceMs))) === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  })();
  await Promise.all([lanesDone, compactor]);
  await compact(new Date());
  const [{ until }] = (await ds.query('SELECT compacted_until AS until FROM uptime_compaction')) as Array<{ until: Date }>;
  stats.compactedUntil = until.toISOString();
  stats.seconds = round((performance.now() - started) / 1000, 1);
  stats.foldSeconds = round(stats.foldSeconds, 1);
  stats.rawSeconds = round(stats.rawSeconds, 1);
  stats.compactSeconds = round(stats.compactSeconds, 1);
  return stats;
}

/** Raw rows of the subset, as CheckResultsRepository stores them (scheduled slots; timings all in the first byte; no assertions). */
async function insertRaw(ds: DataSource, checks: RollupInput[]): Promise<void> {
  await ds.query(
    `INSERT INTO check_results (endpoint_id, scheduled_for, checked_at, success, status_code, response_time_ms, reason, attempts, dns_ms, connect_ms, tls_ms, first_byte_ms, total_ms, manual, worker, in_maintenance)
     SELECT endpoint_id, checked_at, checked_at, success, CASE WHEN success THEN 200 ELSE 503 END, rt, CASE WHEN success THEN NULL ELSE 'status_mismatch' END,
            attempts, 0, 0, 0, rt, rt, false, 'bench', in_maintenance
     FROM unnest($1::uuid[], $2::timestamptz[], $3::boolean[], $4::int[], $5::smallint[], $6::boolean[]) AS u(endpoint_id, checked_at, success, rt, attempts, in_maintenance)`,
    [
      checks.map((c) => c.endpointId),
      checks.map((c) => c.checkedAt),
      checks.map((c) => c.success),
      checks.map((c) => c.responseTimeMs),
      checks.map((c) => c.attempts),
      checks.map((c) => c.inMaintenance),
    ],
  );
}

async function insertEndpoints(ds: DataSource, endpoints: EndpointProfile[]): Promise<void> {
  await ds.query(
    `INSERT INTO endpoints (id, name, url, method, interval_s, timeout_ms, expected_status, retry, tags, status, next_check_at)
     SELECT id, name, 'https://bench.invalid/' || name, 'GET', 60, 5000, '200'::jsonb, '{"count":0,"initial_backoff_ms":500,"factor":2}'::jsonb,
            CASE WHEN raw THEN ARRAY['fleet', 'raw-subset'] ELSE ARRAY['fleet'] END, 'up', 'infinity'
     FROM unnest($1::uuid[], $2::varchar[], $3::boolean[]) AS t(id, name, raw)`,
    [endpoints.map((e) => e.id), endpoints.map((e) => e.name), endpoints.map((e) => e.raw)],
  );
}

interface RawPerEndpoint {
  endpoint_id: string;
  checks: number;
  successes: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  avg: number | null;
}

/** The raw equivalent of the all-endpoints query: the same figures per endpoint from check_results. */
const RAW_ALL_SQL = `
  SELECT endpoint_id, count(*)::int AS checks, count(*) FILTER (WHERE success)::int AS successes,
         avg(response_time_ms) FILTER (WHERE success)::float8 AS avg,
         percentile_disc(0.5) WITHIN GROUP (ORDER BY response_time_ms) FILTER (WHERE success) AS p50,
         percentile_disc(0.95) WITHIN GROUP (ORDER BY response_time_ms) FILTER (WHERE success) AS p95,
         percentile_disc(0.99) WITHIN GROUP (ORDER BY response_time_ms) FILTER (WHERE success) AS p99
  FROM check_results
  WHERE checked_at >= $1 AND checked_at < $2
  GROUP BY endpoint_id`;

/** The raw equivalent of one endpoint's hourly series. */
const RAW_HOURLY_SQL = `
  SELECT date_trunc('hour', checked_at, 'UTC') AS bucket, count(*)::int AS checks, count(*) FILTER (WHERE success)::int AS successes,
         min(response_time_ms) FILTER (WHERE success) AS min, max(response_time_ms) FILTER (WHERE success) AS max,
         avg(response_time_ms) FILTER (WHERE success)::float8 AS avg,
         percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY response_time_ms) FILTER (WHERE success) AS percentiles
  FROM check_results
  WHERE endpoint_id = $1 AND checked_at >= $2 AND checked_at < $3
  GROUP BY 1 ORDER BY 1`;

async function main(): Promise<void> {
  if (Number(process.versions.node.split('.')[0]) < 24) {
    throw new Error(`Node ${process.version}: Vigil needs Node 24; run it as \`npm run bench:uptime\`, which uses the node@24 devDependency`);
  }
  const s = readSettings(process.env);
  const stack = new UptimeBenchStack();
  stack.keepDatabase = s.keepDatabase;
  const interrupt = () => {
    log('interrupted: cleaning up');
    void stack.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const loadAtStart = loadavg().map((l) => round(l, 2));
  try {
    stack.db = await createScratchDatabase(s.databaseUrl, 'vigil_bench_uptime_');
    log(`database ${stack.db.name} on ${redacted(s.databaseUrl)}`);
    // Each fold call carries one lane's endpoints × an hour (the worker's batches hold ≤ 200 results): enough work_mem
    // that those big batches aggregate in memory; no commit waits for the disk (the data is thrown away afterwards).
    const ds = new DataSource({
      type: 'postgres',
      url: stack.db.url,
      migrations: MIGRATIONS,
      extra: { max: s.lanes + 2, application_name: 'vigil-bench', options: '-c work_mem=64MB -c synchronous_commit=off' },
    });
    stack.dataSource = ds;
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });

    // The window is the last D days up to the current minute; its start is rarely on an hour, so both edges
    // need hour and minute rows (an hour-aligned end is moved 7 minutes back to keep that so).
    let toMs = Math.floor(Date.now() / 60_000) * 60_000;
    if (toMs % 3_600_000 === 0) toMs -= 7 * 60_000;
    const fromMs = toMs - s.days * DAY;
    const fleet = new UptimeFleet(s.endpoints, s.rawEndpoints, fromMs, toMs, s.intervalS * 1000);
    await insertEndpoints(ds, fleet.endpoints);
    const generated =
      `${s.endpoints} endpoints × ${s.days} days × one check every ${s.intervalS} s = ${s.endpoints * fleet.checksPerEndpoint} checks folded into the rollups; ` +
      `raw check_results for ${fleet.rawEndpoints.length} of those endpoints (${fleet.rawEndpoints.length * fleet.checksPerEndpoint} rows)`;
    log(`generating: ${generated}`);
    // The compaction job's clock is the lanes' progress; its grace period is the default one.
    Logger.overrideLogger(['error', 'warn']);
    const filled = await fill(ds, fleet, s.lanes, loadConfig({ NODE_ENV: 'production', DATABASE_URL: stack.db.url }));
    log(
      `filled in ${filled.seconds} s (${filled.foldCalls} fold calls, ${Math.round(filled.checks / filled.seconds)} checks/s overall; ` +
        `fold ${filled.foldSeconds} s, raw ${filled.rawSeconds} s, ${filled.compactedHours} hours compacted in ${filled.compactSeconds} s, ` +
        `hour and day rows before ${filled.compactedUntil})`,
    );
    // What autovacuum keeps doing on a database filled over 30 days: dead versions of the hour and day rows
    // (a day row is rewritten by the compaction of each of its hours) vacuumed, and planner statistics for every table.
    const analyzeStarted = performance.now();
    for (const table of ['uptime_hour', 'uptime_day']) await ds.query(`VACUUM ANALYZE ${table}`);
    for (const table of ['uptime_minute', 'check_results', 'endpoints']) await ds.query(`ANALYZE ${table}`);
    const analyzeS = round((performance.now() - analyzeStarted) / 1000, 1);
    const sizes: Array<{ table: string; rows: string; size: string; bytes: string }> = await ds.query(
      `SELECT t AS table, (SELECT reltuples::bigint FROM pg_class WHERE relname = t)::text AS rows,
              pg_size_pretty(pg_total_relation_size(t)) AS size, pg_total_relation_size(t)::text AS bytes
       FROM unnest(ARRAY['uptime_minute', 'uptime_hour', 'uptime_day', 'check_results']) AS t`,
    );
    log(`vacuum/analyze ${analyzeS} s; ${sizes.map((r) => `${r.table} ${r.rows} rows ${r.size}`).join(', ')}`);

    const config = loadConfig({
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      DATABASE_URL: stack.db.url,
      VIGIL_BOOTSTRAP_API_KEY: API_KEY,
      RATE_LIMIT_ENABLED: 'false',
      RUN_CHECKS: 'false',
      MONITORS_FILE: join(RESULTS_DIR, 'no-monitors-file.yaml'),
    });
    stack.app = await createApiApp(config);
    await stack.app.listen(0, '127.0.0.1');
    stack.url = `http://127.0.0.1:${(stack.app.getHttpServer().address() as { port: number }).port}`;
    const uptime = stack.app.get(UptimeService);

    const from = new Date(fromMs).toISOString();
    const to = new Date(toMs).toISOString();
    const listQuery = `from=${from}&to=${to}&sort=p99:desc&limit=50`;
    const fakeReq = (path: string) => ({ originalUrl: path }) as Request;
    const http = async (path: string) => {
      const res = await fetch(`${stack.url}${path}`, { headers: { 'X-API-Key': API_KEY } });
      const body = (await res.json()) as { success: boolean; data: unknown };
      if (res.status !== 200 || !body.success) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
      return body;
    };
    const probe = fleet.rawEndpoints[0];
    const measured: Record<string, QueryTiming> = {};
    const run = async <T>(key: string, runs: number, warmups: number, fn: () => Promise<T>): Promise<T> => {
      log(`timing ${key} (${warmups} warm-up, ${runs} runs)`);
      const { timing, last } = await timeQuery(runs, warmups, fn);
      measured[key] = timing;
      log(`${key}: p50 ${timing.p50} ms (min ${timing.min}, max ${timing.max})`);
      return last;
    };

    const all = await run('all_service', s.runs, 2, () => uptime.list({ from, to, sort: 'p99:desc', limit: 50 }, fakeReq(`/api/v2/uptime?${listQuery}`)));
    await run('all_http', s.runs, 2, () => http(`/api/v2/uptime?${listQuery}`));
    const subset = await run('subset_service', s.runs, 2, () =>
      uptime.list({ from, to, sort: 'p99:desc', limit: 100, tag: 'raw-subset' }, fakeReq(`/api/v2/uptime?${listQuery}&tag=raw-subset`)),
    );
    const rawAll: RawPerEndpoint[] = await run('subset_raw', s.rawRuns, 1, () => ds.query(RAW_ALL_SQL, [from, to]));
    const series = await run('series_service', s.runs, 2, () => uptime.series(probe.id, { from, to, granularity: 'hour' }));
    await run('series_http', s.runs, 2, () => http(`/api/v2/endpoints/${probe.id}/uptime?from=${from}&to=${to}&granularity=hour`));
    const rawSeries: Array<{ bucket: Date; checks: number; successes: number }> = await run('series_raw', s.rawRuns, 1, () =>
      ds.query(RAW_HOURLY_SQL, [probe.id, from, to]),
    );
    const plan: Array<{ 'QUERY PLAN': Array<Record<string, unknown>> }> = await ds.query(`EXPLAIN (FORMAT JSON) ${RAW_ALL_SQL}`, [from, to]);

    // The rollups must agree with the raw rows they replace, or the timings compare different answers.
    const verification = verify(subset.items, rawAll, series.buckets, rawSeries);
    log(`verification: ${verification.summary}`);
    if (!verification.ok) throw new Error(`the rollups disagree with the raw rows: ${verification.problems.slice(0, 5).join('; ')}`);
    if (all.items.length !== Math.min(50, s.endpoints)) throw new Error(`the all-endpoints page held ${all.items.length} items`);

    const scale = s.endpoints / fleet.rawEndpoints.length;
    const rawFullEstimate = measured.subset_raw.p50 * scale;
    const speedupMeasured = round(measured.subset_raw.p50 / measured.subset_service.p50, 1);
    const speedupFull = round(rawFullEstimate / measured.all_service.p50, 1);
    const speedupSeries = round(measured.series_raw.p50 / measured.series_service.p50, 1);
    const days = `${s.days} d`;
    const rows: UptimeRow[] = [
      { query: `all ${s.endpoints} endpoints, ${days}, service`, reads: 'day+hour+minute rollups (minutes after the watermark)', timing: measured.all_service },
      { query: `all ${s.endpoints} endpoints, ${days}, HTTP`, reads: 'same, + envelope', timing: measured.all_http },
      { query: `${fleet.rawEndpoints.length} endpoints (tag), ${days}, service`, reads: 'rollups', timing: measured.subset_service },
      {
        query: `${fleet.rawEndpoints.length} endpoints, ${days}, raw GROUP BY`,
        reads: `${fleet.rawEndpoints.length * fleet.checksPerEndpoint} raw rows`,
        timing: measured.subset_raw,
        note: `${speedupMeasured}× the rollups on the same data`,
      },
      {
        query: `all ${s.endpoints} endpoints, ${days}, raw GROUP BY`,
        reads: `${s.endpoints * fleet.checksPerEndpoint} raw rows`,
        timing: null,
        estimateMs: rawFullEstimate,
        note: `subset × ${round(scale, 2)} (linear scan); ${speedupFull}× the rollups`,
      },
      { query: `1 endpoint, hourly series, ${days}, service`, reads: 'hour+minute rollups', timing: measured.series_service },
      { query: `1 endpoint, hourly series, ${days}, HTTP`, reads: 'same, + envelope', timing: measured.series_http },
      {
        query: `1 endpoint, hourly series, ${days}, raw GROUP BY`,
        reads: `${fleet.checksPerEndpoint} raw rows`,
        timing: measured.series_raw,
        note: `${speedupSeries}× the rollups`,
      },
    ];
    const verdicts = {
      all_endpoints_under_100_ms: {
        target_ms: TARGET_MS,
        p50_ms: measured.all_service.p50,
        http_p50_ms: measured.all_http.p50,
        met: measured.all_service.p50 < TARGET_MS,
      },
      at_least_50x_faster_than_raw: {
        target: TARGET_SPEEDUP,
        speedup_full_fleet_estimated: speedupFull,
        speedup_same_subset_measured: speedupMeasured,
        met: speedupFull >= TARGET_SPEEDUP && speedupMeasured >= TARGET_SPEEDUP,
      },
    };
    process.stdout.write(`\ngenerated: ${generated}; filled in ${filled.seconds} s\n\n${renderUptimeTable(rows)}\n\n`);
    process.stdout.write(
      `all-endpoints query p50 ${measured.all_service.p50} ms (HTTP ${measured.all_http.p50} ms): target < ${TARGET_MS} ms ${verdicts.all_endpoints_under_100_ms.met ? 'met' : 'NOT met'}\n` +
        `speed-up over the raw GROUP BY: ${speedupFull}× (full fleet, raw time scaled from the subset), ${speedupMeasured}× (subset, both measured): ` +
        `target ≥ ${TARGET_SPEEDUP}× ${verdicts.at_least_50x_faster_than_raw.met ? 'met' : 'NOT met'}\n` +
        `rollups vs raw on the subset: ${verification.summary}\n`,
    );

    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, 'uptime.json');
    const report = {
      benchmark: 'uptime',
      generated_at: new Date().toISOString(),
      commit: currentCommit(REPO_ROOT),
      machine: { node: process.version, platform: platform(), cpus: cpus().length, cpu_model: cpus()[0]?.model, loadavg_at_start: loadAtStart },
      settings: { ...s, databaseUrl: redacted(s.databaseUrl), chunk_minutes: CHUNK_MINUTES, window: { from, to } },
      generated,
      fill: { ...filled, vacuum_analyze_s: analyzeS, tables: sizes },
      queries: {
        all_endpoints: { service: measured.all_service, http: measured.all_http, route: `GET /api/v2/uptime?${listQuery}` },
        subset: { service: measured.subset_service, raw_group_by: measured.subset_raw, raw_sql: RAW_ALL_SQL.trim(), raw_plan: plan[0]['QUERY PLAN'] },
        raw_full_fleet_estimate_ms: round(rawFullEstimate, 1),
        hourly_series: {
          endpoint_id: probe.id,
          service: measured.series_service,
          http: measured.series_http,
          raw_group_by: measured.series_raw,
          raw_sql: RAW_HOURLY_SQL.trim(),
        },
      },
      verification,
      verdicts,
    };
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`written to ${relative(process.cwd(), file)}\n`);
  } finally {
    await stack.close();
  }
}

interface Verification {
  ok: boolean;
  summary: string;
  problems: string[];
}

/** Counts must be equal and percentiles within the stated bound of percentile_disc over the raw rows. */
function verify(
  items: Array<{ endpoint_id: string; checks: number; successes: number; response_time: { p50: number | null; p95: number | null; p99: number | null } }>,
  raw: RawPerEndpoint[],
  buckets: Array<{ start: string; checks: number; successes: number }>,
  rawSeries: Array<{ bucket: Date; checks: number; successes: number }>,
): Verification {
  const problems: string[] = [];
  const rawOf = new Map(raw.map((r) => [r.endpoint_id, r]));
  let worst = 0;
  for (const item of items) {
    const r = rawOf.get(item.endpoint_id);
    if (!r) {
      if (item.checks) problems.push(`${item.endpoint_id}: ${item.checks} checks in the rollups, none raw`);
      continue;
    }
    if (item.checks !== r.checks || item.successes !== r.successes)
      problems.push(`${item.endpoint_id}: ${item.checks}/${item.successes} vs raw ${r.checks}/${r.successes}`);
    for (const p of ['p50', 'p95', 'p99'] as const) {
      const exact = r[p];
      const got = item.response_time[p];
      if (exact === null || got === null) {
        if (exact !== got) problems.push(`${item.endpoint_id} ${p}: ${got} vs raw ${exact}`);
        continue;
      }
      const error = exact === 0 ? Math.abs(got) : Math.abs(got - exact) / exact;
      worst = Math.max(worst, error);
      if (Math.abs(got - exact) > RELATIVE_ERROR * exact + 0.005) problems.push(`${item.endpoint_id} ${p}: ${got} vs raw ${exact}`);
    }
  }
  if (items.length !== raw.length) problems.push(`${items.length} endpoints in the rollups, ${raw.length} raw`);
  const rawByHour = new Map(rawSeries.map((r) => [new Date(r.bucket).getTime(), r]));
  let checked = 0;
  for (const b of buckets) {
    const hour = Math.floor(Date.parse(b.start) / 3_600_000) * 3_600_000;
    const r = rawByHour.get(hour) ?? { checks: 0, successes: 0 };
    checked += b.checks;
    if (b.checks !== r.checks || b.successes !== r.successes) problems.push(`hour ${b.start}: ${b.checks}/${b.successes} vs raw ${r.checks}/${r.successes}`);
  }
  const summary =
    `${items.length} endpoints and ${buckets.length} hourly buckets (${checked} checks): counts ${problems.length ? 'DIFFER' : 'equal'}, ` +
    `worst percentile error ${round(100 * worst, 2)} % (bound ${100 * RELATIVE_ERROR} %)`;
  return { ok: problems.length === 0, summary, problems };
}

function log(line: string): void {
  process.stderr.write(`[bench:uptime] ${line}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`\n[bench:uptime] FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
