import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EndpointStatus } from '@vigil/events';
import { type EntityManager, In, Repository, type SelectQueryBuilder } from 'typeorm';
import type { EndpointDraft } from './endpoint-draft';
import { EndpointEntity } from './endpoint.entity';
import type { EndpointFilterDto } from './dto/list-endpoints.dto';
import { firstSlotAfter } from './schedule-slots';

export interface StatusCounts {
  total: number;
  up: number;
  down: number;
  degraded: number;
  paused: number;
  pending: number;
}

/** A status change made by a definition write (pause, resume, is_active toggled). */
export interface StatusChange {
  endpoint: EndpointEntity;
  oldStatus: EndpointStatus;
  newStatus: EndpointStatus;
  at: Date;
}

/** Tables of per-check data keyed by endpoint_id without a foreign key: deleted with their endpoint. */
const ENDPOINT_DATA_TABLES = ['check_results', 'uptime_minute', 'uptime_hour', 'uptime_day'] as const;

/** `?sort=status` orders by severity, not alphabetically: what needs attention comes first. */
export const STATUS_RANK: Record<EndpointStatus, number> = { down: 0, degraded: 1, pending: 2, up: 3, paused: 4 };
const STATUS_RANK_SQL = `CASE e.status WHEN 'down' THEN 0 WHEN 'degraded' THEN 1 WHEN 'pending' THEN 2 WHEN 'up' THEN 3 ELSE 4 END`;

/** Counts by status; `count(DISTINCT e.id)` where a join repeats endpoints (one row per tag). */
const countsSql = (counted: string) =>
  ['total', ...(['up', 'down', 'degraded', 'paused', 'pending'] as const)]
    .map((s) => (s === 'total' ? `count(${counted})::int AS total` : `count(${counted}) FILTER (WHERE e.status = '${s}')::int AS ${s}`))
    .join(', ');

/**
 * The endpoints table as the Endpoints module uses it: definitions and their effect on status and schedule.
 * Definition writes update only definition columns (plus status and schedule when is_active or interval
 * change), never the state columns the scheduler writes, so a concurrent check result is not lost.
 */
@Injectable()
export class EndpointsRepository {
  constructor(@InjectRepository(EndpointEntity) private readonly endpoints: Repository<EndpointEntity>) {}

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.endpoints.manager.transaction(work);
  }

  findOne(id: string, tx?: EntityManager): Promise<EndpointEntity | null> {
    return (tx ?? this.endpoints.manager).findOneBy(EndpointEntity, { id });
  }

  /** Locks the rows (in id order, so concurrent writers cannot deadlock) until the transaction ends. */
  async lock(tx: EntityManager, ids: string[]): Promise<EndpointEntity[]> {
    if (ids.length === 0) return [];
    return tx
      .createQueryBuilder(EndpointEntity, 'e')
      .where('e.id IN (:...ids)', { ids: [...new Set(ids)] })
      .orderBy('e.id')
      .setLock('pessimistic_write')
      .getMany();
  }

  findByNames(names: string[], tx?: EntityManager): Promise<EndpointEntity[]> {
    if (names.length === 0) return Promise.resolve([]);
    return (tx ?? this.endpoints.manager).findBy(EndpointEntity, { name: In([...new Set(names)]) });
  }

  findBySource(source: string, tx?: EntityManager): Promise<EndpointEntity[]> {
    return (tx ?? this.endpoints.manager).find(EndpointEntity, { where: { source }, order: { name: 'ASC' } });
  }

  /** Inserts checked drafts; each starts `pending` (or `paused`) with its first anchored slot. */
  async insert(tx: EntityManager, drafts: EndpointDraft[], source: string, now = new Date()): Promise<EndpointEntity[]> {
    if (drafts.length === 0) return [];
    const rows = drafts.map((draft) => {
      const id = randomUUID();
      return {
        id,
        ...draft,
        source,
        status: (draft.isActive ? 'pending' : 'paused') as EndpointStatus,
        statusSince: now,
        nextCheckAt: firstSlotAfter(id, draft.intervalS, now),
      };
    });
    await tx.insert(EndpointEntity, rows as Array<Partial<EndpointEntity>> as never);
    const byId = new Map((await tx.findBy(EndpointEntity, { id: In(rows.map((r) => r.id)) })).map((r) => [r.id, r]));
    return rows.map((r) => byId.get(r.id)!);
  }

  /**
   * Writes a checked draft over a locked row. Pausing makes it `paused`; resuming makes it `pending` with
   * a new slot; a new interval moves the schedule to the new anchor. Returns the row as stored and the
   * status change, if any.
   */
  async overwrite(
    tx: EntityManager,
    row: EndpointEntity,
    draft: EndpointDraft,
    now = new Date(),
  ): Promise<{ endpoint: EndpointEntity; change: StatusChange | null }> {
    // Any change gives the endpoint back to the pool: its owner drops its copy (the fence in lockOwned no
    // longer matches, and its reconcile finds it gone) and the next adoption reads the new definition.
    const set: Record<string, unknown> = { ...draft, updatedAt: () => 'now()', leaseOwner: null };
    let newStatus: EndpointStatus | null = null;
    if (row.isActive && !draft.isActive) newStatus = 'paused';
    if (!row.isActive && draft.isActive) newStatus = 'pending';
    if (newStatus) Object.assign(set, { status: newStatus, statusSince: now, consecutiveFailures: 0, consecutiveSuccesses: 0 });
    if (draft.isActive && (newStatus === 'pending' || draft.intervalS !== row.intervalS)) {
      Object.assign(set, { nextCheckAt: firstSlotAfter(row.id, draft.intervalS, now) });
    }
    await tx.update(EndpointEntity, { id: row.id }, set as never);
    const endpoint = (await tx.findOneBy(EndpointEntity, { id: row.id }))!;
    const change = newStatus && newStatus !== row.status ? { endpoint, oldStatus: row.status, newStatus, at: now } : null;
    return { endpoint, change };
  }

  /**
   * Deletes endpoints with their results and rollups (those tables have no foreign key, see the migration
   * HotTablesWithoutForeignKeys). The endpoint rows go first: that waits for a batch being stored for them (it
   * holds their row locks), and a batch that comes later finds them gone and stores nothing. Rollup compaction
   * takes no endpoint lock (it would stall batches), but it holds the uptime_compaction row FOR UPDATE for its
   * whole transaction: sharing that lock waits for a compaction in flight to commit the hour and day rows it
   * built (the deletes below then see them), and a compaction that comes later waits for this transaction and
   * reads the minute rows after they are gone. So the deletes that follow see every row there will ever be.
   * Taken after the endpoint rows, never before: a batch holding those rows may be waiting for the compaction.
   */
  async delete(ids: string[], tx?: EntityManager): Promise<number> {
    if (ids.length === 0) return 0;
    const work = async (m: EntityManager) => {
      const deleted = (await m.delete(EndpointEntity, { id: In(ids) })).affected ?? 0;
      await m.query('SELECT 1 FROM uptime_compaction FOR SHARE');
      for (const table of ENDPOINT_DATA_TABLES) await m.query(`DELETE FROM ${table} WHERE endpoint_id = ANY($1::uuid[])`, [ids]);
      return deleted;
    };
    return tx ? work(tx) : this.transaction(work);
  }

  /** The list filters of v1 and v2, as a query on alias `e`. */
  filtered(filters: EndpointFilterDto): SelectQueryBuilder<EndpointEntity> {
    const qb = this.endpoints.createQueryBuilder('e');
    if (filters.tag) qb.andWhere('e.tags @> ARRAY[:tag]::text[]', { tag: filters.tag });
    if (filters.active !== undefined) qb.andWhere('e.is_active = :active', { active: filters.active });
    if (filters.status) qb.andWhere('e.status = :status', { status: filters.status });
    if (filters.search) {
      qb.andWhere('(e.name ILIKE :search OR e.url ILIKE :search)', { search: `%${filters.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` });
    }
    return qb;
  }

  /** SQL expression of each sort field (see STATUS_RANK for `status`). */
  sortColumn(field: string): string {
    return field === 'status' ? STATUS_RANK_SQL : `e.${field}`;
  }

  async countByStatus(): Promise<StatusCounts> {
    const rows: StatusCounts[] = await this.endpoints.query(`SELECT ${countsSql('*')} FROM endpoints e`);
    return rows[0];
  }

  /**
   * Counts by status overall and per tag in one statement: GROUPING SETS gives the overall row (()) and
   * one row per tag ((tag)) from a single scan; count(DISTINCT e.id) keeps an endpoint with several tags
   * from counting more than once overall. With `tag`, only endpoints carrying it, and only its group.
   */
  async summary(tag?: string): Promise<{ overall: StatusCounts; tags: Array<StatusCounts & { tag: string }> }> {
    const rows: Array<StatusCounts & { tag: string | null; overall: number }> = await this.endpoints.query(
      `SELECT GROUPING(t.tag) AS overall, t.tag, ${countsSql('DISTINCT e.id')}
       FROM endpoints e
       LEFT JOIN LATERAL unnest(e.tags) AS t(tag) ON true
       WHERE $1::text IS NULL OR e.tags @> ARRAY[$1::text]
       GROUP BY GROUPING SETS ((), (t.tag))
       HAVING GROUPING(t.tag) = 1 OR (t.tag IS NOT NULL AND ($1::text IS NULL OR t.tag = $1::text))
       ORDER BY GROUPING(t.tag) DESC, t.tag COLLATE "C"`,
      [tag ?? null],
    );
    const counts = ({ total, up, down, degraded, paused, pending }: StatusCounts): StatusCounts => ({ total, up, down, degraded, paused, pending });
    const overallRow = rows.find((r) => Number(r.overall) === 1);
    return {
      overall: overallRow ? counts(overallRow) : { total: 0, up: 0, down: 0, degraded: 0, paused: 0, pending: 0 },
      tags: rows.filter((r) => Number(r.overall) === 0).map((r) => ({ tag: r.tag!, ...counts(r) })),
    };
  }
}
