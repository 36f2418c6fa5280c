/**
 * PostgreSQL advisory lock keys of the rollups. Keys in use elsewhere (one-key form): 727001 migrations,
 * 727002 bootstrap keys, 727003 retention, 727101 monitors file. The two-key form used for hours is a key
 * space of its own (PostgreSQL never confuses it with the one-key form).
 */

/** Held (session, try-lock) by the compaction run, so only one process compacts at a time. */
export const COMPACTION_LOCK = 727_004;

/**
 * First key of the per-hour locks `(HOUR_LOCK_CLASS, hourNumber(H))`: check batches take them shared for
 * the hours they write into, compaction takes them exclusive (see UptimeRollupsRepository).
 */
export const HOUR_LOCK_CLASS = 727_005;

/** The UTC hour holding `ms`, counted from the epoch (the second key of an hour lock; fits int4 until year 246,000). */
export function hourNumber(ms: number): number {
  return Math.floor(ms / 3_600_000);
}
