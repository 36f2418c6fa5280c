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

/** A statement and its parameters, built once the compaction watermark is known. */
type RollupRead = (compactedUntil: number) => { sql: string; params: unknown[] };

/**
 * The rollup rows answering a window (see planRollups; hour and day rows only where they end at or before
 * the compaction watermark): one branch per table that has ranges, each a range scan on bucket_start.
 * `endpointFilter` narrows every branch (one endpoint, or a tag's endpoints).
 */
function windowRows(window: UptimeWindow, coarsest: RollupUnit, compactedUntil: number, params: Params, endpointFilter?: string): string {
  const plan = planRollups(window.from.getTime(), window.to.getTime(), coarsest, compactedUntil);
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
    const rows: Array<RollupSumsRow & { bucket: Date }> = await this.read((until) => {
      const params = new Params();
      const sql = `SELECT date_trunc('${granularity}', p.bucket_start, 'UTC') AS bucket, ${ROLLUP_SUMS_SQL}
                   FROM (${windowRows(window, granularity, until, params, `endpoint_id = ${params.add(endpointId)}`)}) p
                   GROUP BY 1
                   ORDER BY 1`;
      return { sql, params: params.values };
    });
    return rows.map((row) => ({ start: row.bucket, aggregate: UptimeAggregate.fromRow(row) }));
  }

  /** One endpoint's whole window. */
  async endpointTotal(endpointId: string, window: UptimeWindow): Promise<UptimeAggregate> {
    const [row]: RollupSumsRow[] = await this.read((until) => {
      const params = new Params();
      const sql = `SELECT ${ROLLUP_SUMS_SQL} FROM (${windowRows(window, 'day', until, params, `endpoint_id = ${params.add(endpointId)}`)}) p`;
      return { sql, params: params.values };
    });
    return UptimeAggregate.fromRow(row);
  }

  /**
   * Every endpoint (or those carrying `tag`) over the window, with zeros for those without rows: at most
   * ~31 day rows, 46 hour rows and 118 minute rows per endpoint, plus the minute rows after the compaction
   * watermark (60-120 with the default grace), summed per endpoint in one statement.
   * The whole fleet is read by time (bitmap scans of the bucket_start indexes: each page read once, in
   * order); a tag's endpoints one by one through the primary keys, which is much cheaper when the tag holds
   * a small part of the fleet (and about as cheap when it holds all of it).
   */
  async perEndpoint(window: UptimeWindow, tag?: string): Promise<EndpointUptime[]> {
    const rows: Array<RollupSumsRow & { id: string; name: string; status: EndpointStatus }> = await this.read((until) => {
      const params = new Params();
      if (tag === undefined) {
        const sql = `SELECT e.id, e.name, e.status, a.*
                     FROM endpoints e
                     LEFT JOIN (SELECT p.endpoint_id, ${ROLLUP_SUMS_SQL} FROM (${windowRows(window, 'day', until, params)}) p GROUP BY p.endpoint_id) a ON a.endpoint_id = e.id`;
        return { sql, params: params.values };
      }
      const tagParam = params.add(tag);
      const sql = `SELECT e.id, e.name, e.status, a.*
                   FROM endpoints e
                   CROSS JOIN LATERAL (SELECT ${ROLLUP_SUMS_SQL} FROM (${windowRows(window, 'day', until, params, 'endpoint_id = e.id')}) p) a
                   WHERE ${tagParam} = ANY(e.tags)`;
      return { sql, params: params.values };
    });
    return rows.map((row) => ({ id: row.id, name: row.name, status: row.status, aggregate: UptimeAggregate.fromRow(row) }));
  }

  /**
   * Runs a rollup read without JIT and parallel workers. Their plans cost enough to cross jit_above_cost,
   * and compiling took 60-140 ms on a query that runs in ~50 ms (bench:uptime); two parallel workers
   * over ~100k rows cost more to start and merge than they save. The statement that sets them also reads
   * the compaction watermark the read is planned with (it only moves forward, so reading it a moment
   * before the rows at worst means minute rows where hour rows would have done; without it, minute rows).
   */
  private read<T>(build: RollupRead): Promise<T[]> {
    return this.dataSource.transaction(async (m) => {
      const [{ until }] = (await m.query(
        `SELECT set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true),
                (SELECT compacted_until FROM uptime_compaction) AS until`,
      )) as Array<{ until: Date | null }>;
      const { sql, params } = build(until?.getTime() ?? Number.NEGATIVE_INFINITY);
      return m.query(sql, params) as Promise<T[]>;
    });
  }

  /** Incidents still open (the incidents module's table: open = resolved_at IS NULL). */
  async openIncidents(): Promise<number> {
    const [row]: Array<{ n: number }> = await this.dataSource.query(`SELECT count(*)::int AS n FROM incidents WHERE resolved_at IS NULL`);
    return row.n;
  }
}
