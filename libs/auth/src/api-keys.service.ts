import { Injectable, Logger, type OnApplicationShutdown, type OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { AppError, CursorCodec, ErrorCode, keysetPage, offsetPagination, Page, parseSort, type Principal, type Role } from '@vigil/common';
import { VigilConfig } from '@vigil/config';
import { InstallationSecret } from '@vigil/database';
import { type ApiKeyRevokedEvent, EventBus, VigilEvents } from '@vigil/events';
import type { Request } from 'express';
import { LRUCache } from 'lru-cache';
import { Repository, type SelectQueryBuilder } from 'typeorm';
import { ApiKeyEntity } from './api-key.entity';
import { displayPrefix, generateApiKey, hashApiKey } from './api-key-secret';
import type { ApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';
import type { CreateApiKeyDto } from './dto/create-api-key.dto';
import { API_KEY_SORT_FIELDS, type ApiKeyFilterDto } from './dto/list-api-keys.dto';

const BOOTSTRAP_LOCK = 727_002;
const LAST_USED_WRITE_INTERVAL_MS = 60_000;

interface CachedKey {
  principal: Principal;
  expiresAt: number | null;
  revoked: boolean;
}
type CacheEntry = CachedKey | 'unknown';

@Injectable()
export class ApiKeysService implements OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('ApiKeys');
  /** hash -> key; short-lived so revocation elsewhere takes effect within AUTH_CACHE_TTL_MS at most. */
  private readonly cache: LRUCache<string, { entry: CacheEntry }>;
  private readonly lastUsedWritten = new Map<string, number>();
  /** last_used_at writes on their way: shutdown waits for them before the database pool closes. */
  private readonly touching = new Set<Promise<unknown>>();
  private readonly unsubscribe: () => void;

  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    private readonly config: VigilConfig,
    private readonly events: EventBus,
    private readonly secret: InstallationSecret,
  ) {
    this.cache = new LRUCache({ max: 10_000, ttl: Math.max(1, config.auth.cacheTtlMs) });
    this.unsubscribe = events.subscribe<ApiKeyRevokedEvent>(VigilEvents.ApiKeyRevoked, ({ key_hash }) => this.cache.delete(key_hash));
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /**
   * After the HTTP server has closed (requests in flight are done, so no more writes start) and before the
   * database pool closes (TypeORM's own shutdown hook runs after those of the modules that use it).
   */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.touching);
  }

  /** Resolves a presented key to its principal, or throws the precise AUTH_ error. `hash` saves hashing it again. */
  async authenticate(rawKey: string, hash = hashApiKey(rawKey)): Promise<Principal> {
    return (await this.authenticateWithExpiry(rawKey, hash)).principal;
  }

  /**
   * As authenticate, with the instant the key expires (epoch ms; null: never), for a connection that
   * outlives the check: a /ws/live stream has to end when its key expires.
   */
  async authenticateWithExpiry(rawKey: string, hash = hashApiKey(rawKey)): Promise<{ principal: Principal; expiresAt: number | null }> {
    return this.authenticateCached(hash) ?? this.admit(await this.lookUp(hash));
  }

  /**
   * authenticateWithExpiry for a key whose lookup is cached, without a promise (the guard's path on every
   * request): the principal, or the same AUTH_ error thrown; undefined when the key must be read from the
   * database first.
   */
  authenticateCached(hash: string): { principal: Principal; expiresAt: number | null } | undefined {
    const cached = this.config.auth.cacheTtlMs > 0 ? this.cache.get(hash)?.entry : undefined;
    return cached === undefined ? undefined : this.admit(cached);
  }

  private async lookUp(hash: string): Promise<CacheEntry> {
    const row = await this.keys.createQueryBuilder('k').where('k.key_hash = :hash', { hash }).getOne();
    const entry: CacheEntry = row
      ? {
          principal: { keyId: row.id, name: row.name, role: row.role, prefix: row.prefix },
          expiresAt: row.expiresAt?.getTime() ?? null,
          revoked: row.revokedAt !== null,
        }
      : 'unknown';
    if (this.config.auth.cacheTtlMs > 0) this.cache.set(hash, { entry });
    return entry;
  }

  private admit(entry: CacheEntry): { principal: Principal; expiresAt: number | null } {
    if (entry === 'unknown') throw new AppError(ErrorCode.AUTH_INVALID_API_KEY);
    if (entry.revoked) throw new AppError(ErrorCode.AUTH_REVOKED_API_KEY);
    if (entry.expiresAt !== null && entry.expiresAt <= Date.now()) throw new AppError(ErrorCode.AUTH_EXPIRED_API_KEY);
    this.touch(entry.principal.keyId);
    return { principal: entry.principal, expiresAt: entry.expiresAt };
  }

  async create(dto: CreateApiKeyDto, createdBy: string | null): Promise<CreatedApiKeyDto> {
    const expiresAt = dto.expires_at ? new Date(dto.expires_at) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw new AppError(ErrorCode.VAL_ERROR, 'expires_at must be in the future', [
        { field: 'expires_at', message: 'must be in the future', value: dto.expires_at },
      ]);
    }
    const { key, prefix } = generateApiKey();
    const row = await this.keys.save(this.keys.create({ name: dto.name, role: dto.role, prefix, keyHash: hashApiKey(key), createdBy, expiresAt }));
    return { ...toApiKeyDto(row), key };
  }

  async get(id: string): Promise<ApiKeyDto> {
    return toApiKeyDto(await this.find(id));
  }

  /** Revoking twice is not an error: the key stays revoked. Takes effect on every instance at once. */
  async revoke(id: string): Promise<void> {
    const row = await this.keys.createQueryBuilder('k').addSelect('k.keyHash').where('k.id = :id', { id }).getOne();
    if (!row) throw new AppError(ErrorCode.RES_NOT_FOUND, `API key ${id} not found`);
    if (!row.revokedAt) await this.keys.update({ id }, { revokedAt: () => 'now()' });
    this.cache.delete(row.keyHash);
    await this.events.publish<ApiKeyRevokedEvent>(VigilEvents.ApiKeyRevoked, { key_hash: row.keyHash });
  }

  async listByOffset(filters: ApiKeyFilterDto, limit: number, offset: number, sort: string | undefined, req: Request): Promise<Page<ApiKeyDto>> {
    const terms = parseSort(sort, API_KEY_SORT_FIELDS, [{ field: 'created_at', direction: 'desc' }]);
    const qb = this.filtered(filters);
    terms.forEach((t, i) =>
      i === 0
        ? qb.orderBy(column(t.field), t.direction === 'asc' ? 'ASC' : 'DESC', 'NULLS LAST')
        : qb.addOrderBy(column(t.field), t.direction === 'asc' ? 'ASC' : 'DESC', 'NULLS LAST'),
    );
    qb.addOrderBy('k.id', 'ASC');
    const [rows, total] = await qb.skip(offset).take(limit).getManyAndCount();
    return new Page(rows.map(toApiKeyDto), offsetPagination(req, total, limit, offset));
  }

  async listByCursor(filters: ApiKeyFilterDto, limit: number, cursor: string | undefined, sort: string | undefined, req: Request): Promise<Page<ApiKeyDto>> {
    // last_used_at is nullable: keyset comparisons need a total order, so v2 sorts on non-null fields only.
    const terms = parseSort(sort, ['created_at', 'name', 'id'], [{ field: 'created_at', direction: 'desc' }]);
    return keysetPage(
      {
        qb: this.filtered(filters),
        sort: terms,
        columns: {
          created_at: { sql: 'k.created_at', read: (r: ApiKeyEntity) => r.createdAt },
          name: { sql: 'k.name', read: (r: ApiKeyEntity) => r.name },
          id: { sql: 'k.id', read: (r: ApiKeyEntity) => r.id },
        },
        limit,
        cursor,
        filters: { role: filters.role, active: filters.active },
        codec: new CursorCodec(await this.secret.get()),
        req,
      },
      toApiKeyDto,
    );
  }

  /** First start: an admin key so someone can get in. VIGIL_BOOTSTRAP_API_KEY pins that key instead. */
  async ensureBootstrapKey(): Promise<void> {
    await this.keys.manager.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
      const repo = tx.getRepository(ApiKeyEntity);
      const pinned = this.config.auth.bootstrapKey;
      if (pinned) {
        const hash = hashApiKey(pinned);
        const existing = await repo.createQueryBuilder('k').where('k.key_hash = :hash', { hash }).getOne();
        if (!existing) {
          await repo.save(repo.create({ name: 'bootstrap', role: 'admin', prefix: displayPrefix(pinned), keyHash: hash, createdBy: null, expiresAt: null }));
          this.logger.log('VIGIL_BOOTSTRAP_API_KEY is now an admin key');
        } else if (existing.role !== 'admin' || existing.revokedAt || existing.expiresAt) {
          await repo.update({ id: existing.id }, { role: 'admin', revokedAt: null, expiresAt: null });
          this.cache.delete(hash);
          this.logger.log('VIGIL_BOOTSTRAP_API_KEY restored as an active admin key');
        }
        return;
      }
      if ((await repo.count()) > 0) return;
      const { key, prefix } = generateApiKey();
      await repo.save(repo.create({ name: 'initial-admin', role: 'admin', prefix, keyHash: hashApiKey(key), createdBy: null, expiresAt: null }));
      this.logger.warn(`No API keys existed, so an admin key was created. It is shown this once; store it now: ${key}`);
    });
  }

  private filtered(filters: ApiKeyFilterDto): SelectQueryBuilder<ApiKeyEntity> {
    const qb = this.keys.createQueryBuilder('k');
    if (filters.role) qb.andWhere('k.role = :role', { role: filters.role });
    if (filters.active === true) qb.andWhere('k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())');
    if (filters.active === false) qb.andWhere('(k.revoked_at IS NOT NULL OR k.expires_at <= now())');
    return qb;
  }

  private async find(id: string): Promise<ApiKeyEntity> {
    const row = await this.keys.findOneBy({ id });
    if (!row) throw new AppError(ErrorCode.RES_NOT_FOUND, `API key ${id} not found`);
    return row;
  }

  /** last_used_at is written at most once a minute per key and never delays the request. */
  private touch(id: string): void {
    const now = Date.now();
    if (now - (this.lastUsedWritten.get(id) ?? 0) < LAST_USED_WRITE_INTERVAL_MS) return;
    this.lastUsedWritten.set(id, now);
    if (this.lastUsedWritten.size > 10_000) this.lastUsedWritten.clear();
    const write = this.keys
      .update({ id }, { lastUsedAt: () => 'now()' })
      .catch((err: unknown) => this.logger.warn({ err, msg: 'could not record last_used_at' }))
      .finally(() => this.touching.delete(write));
    this.touching.add(write);
  }
}

function column(field: string): string {
  return `k.${field}`;
}

export function toApiKeyDto(row: ApiKeyEntity): ApiKeyDto {
  const expired = row.expiresAt !== null && row.expiresAt.getTime() <= Date.now();
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    prefix: row.prefix,
    created_at: row.createdAt.toISOString(),
    expires_at: row.expiresAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    state: row.revokedAt ? 'revoked' : expired ? 'expired' : 'active',
  };
}
