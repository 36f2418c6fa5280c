import { Injectable } from '@nestjs/common';
import type { EndpointStatus } from '@vigil/events';
import { DataSource } from 'typeorm';
import { ROLLUP_UNITS, type RollupUnit } from '../rollups/rollup-units';
import { planRollups } from './rollup-plan';
import { ROLLUP_SUMS_SQL, type RollupSumsRow, UptimeAggregate } from './uptime-aggregate';
import type { UptimeWindow } from './uptime-window';

export interface EndpointUptime {
  id: string;
  name: string;
  status: EndpointStatus;
  aggregate: UptimeAggregate;
}

const ROLLUP_COLUMNS =
  'endpoint_id, bucket_start, checks, successes, retried_successes, maintenance_checks, maintenance_successes, rt_sum, rt_min, rt_max, rt_hist';

/** Collects positional parameters while a statement is built. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * The rollup rows answering a window (see planRollups): one branch per table that has ranges, each a
 * range scan on bucket_start. `endpointFilter` narrows every branch (one endpoint, or a tag's endpoints).
 */
function windowRows(window: UptimeWindow, coarsest: RollupUnit, params: Params, endpointFilter?: string): string {
  const plan = planRollups(window.from.getTime(), window.to.getTime(), coarsest);
  const branches = ROLLUP_UNITS.filter((unit) => plan[unit].length > 0).map((unit) => {
    const ranges = plan[unit].map((r) => `(bucket_start >= ${params.add(new Date(r.from))} AND bucket_start < ${params.add(new Date(r.to))})`);
    const where = [...(endpointFilter ? [endpointFilter] : []), `(${ranges.join(' OR ')})`];
    return `SELECT ${ROLLUP_COLUMNS} FROM uptime_${unit} WHERE ${where.join(' AND ')}`;
  });
  return branches.length ? branches.join('\n UNION ALL ') : `SELECT ${ROLLUP_COLUMNS} FROM uptime_minute WHERE false`;
}

/**
 * The read side of the rollups. Counts, sums and histograms are added up in PostgreSQL (histograms are
 * numerics, so `sum()` merges them); only the merged histogram of each group travels, and percentiles are
 * read from it here. Raw check_results are never scanned.
 */
@Injectable()
export class UptimeQueryRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** One endpoint's window, by `granularity` bucket (UTC); buckets without rows are left out. */
  async series(endpointId: string, window: UptimeWindow, granularity: RollupUnit): Promise<Array<{ start: Date; aggregate: UptimeAggregate }>> {
    const params = new Params();
    const rows: Array<RollupSumsRow & { bucket: Date }> = await this.read(
      `SELECT date_trunc('${granularity}', p.bucket_start, 'UTC') AS bucket, ${ROLLUP_SUMS_SQL}
       FROM (${windowRows(window, granularity, params, `endpoint_id = ${params.add(endpointId)}`)}) p
       GROUP BY 1
       ORDER BY 1`,
      params.values,
    );
    return rows.map((row) => ({ start: row.bucket, aggregate: UptimeAggregate.fromRow(row) }));
  }

  /** One endpoint's whole window. */
  async endpointTotal(endpointId: string, window: UptimeWindow): Promise<UptimeAggregate> {
    const params = new Params();
    const [row]: RollupSumsRow[] = await this.read(
      `SELECT ${ROLLUP_SUMS_SQL} FROM (${windowRows(window, 'day', params, `endpoint_id = ${params.add(endpointId)}`)}) p`,
      params.values,
    );
    return UptimeAggregate.fromRow(row);
  }

  /**
   * Every endpoint (or those carrying `tag`) over the window, with zeros for those without rows: at most
   * ~31 day rows, 46 hour rows and 118 minute rows per endpoint, summed per endpoint in one statement.
   * The whole fleet is read by time (bitmap scans of the bucket_start indexes: each page read once, in
   * order); a tag's endpoints one by one through the primary keys, which is much cheaper when the tag holds
   * a small part of the fleet (and about as cheap when it holds all of it).
   */
  async perEndpoint(window: UptimeWindow, tag?: string): Promise<EndpointUptime[]> {
    const params = new Params();
    let sql: string;
    if (tag === undefined) {
      sql = `SELECT e.id, e.name, e.status, a.*
             FROM endpoints e
             LEFT JOIN (SELECT p.endpoint_id, ${ROLLUP_SUMS_SQL} FROM (${windowRows(window, 'day', params)}) p GROUP BY p.endpoint_id) a ON a.endpoint_id = e.id`;
    } else {
      const tagParam = params.add(tag);
      sql = `SELECT e.id, e.name, e.status, a.*
             FROM endpoints e
             CROSS JOIN LATERAL (SELECT ${ROLLUP_SUMS_SQL} FROM (${windowRows(window, 'day', params, 'endpoint_id = e.id')}) p) a
             WHERE ${tagParam} = ANY(e.tags)`;
    }
    const rows: Array<RollupSumsRow & { id: string; name: string; status: EndpointStatus }> = await this.read(sql, params.values);
    return rows.map((row) => ({ id: row.id, name: row.name, status: row.status, aggregate: UptimeAggregate.fromRow(row) }));
  }

  /**
   * Runs a rollup read without JIT and parallel workers. Their plans cost enough to cross jit_above_cost,
   * and compiling took 60-140 ms on a query that runs in ~50 ms (bench:uptime); two parallel workers
   * over ~100k rows cost more to start and merge than they save.
   */
  private read<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.dataSource.transaction(async (m) => {
      await m.query('SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0');
      return m.query(sql, params) as Promise<T[]>;
    });
  }

  /** Incidents still open (the incidents module's table: open = resolved_at IS NULL). */
  async openIncidents(): Promise<number> {
    const [row]: Array<{ n: number }> = await this.dataSource.query(`SELECT count(*)::int AS n FROM incidents WHERE resolved_at IS NULL`);
    return row.n;
  }
}
