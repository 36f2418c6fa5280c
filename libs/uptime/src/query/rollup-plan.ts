import { ceilTo, floorTo, ROLLUP_UNITS, type RollupUnit } from '../rollups/rollup-units';

/** A half-open range [from, to) of bucket starts, epoch ms. */
export interface BucketRange {
  from: number;
  to: number;
}

/** Which rows of each rollup table answer a window: their bucket starts fall in these ranges. */
export type RollupPlan = Record<RollupUnit, BucketRange[]>;

/**
 * Covers a minute-aligned window [from, to) with the fewest rollup rows, exactly: day rows for the whole
 * UTC days inside it, hour rows for the whole hours at its edges, minute rows for the minutes left over.
 * Nothing coarser than `coarsest` is used (a series by hour must not read day rows).
 *
 * Hour and day rows are complete only before the compaction watermark `compactedUntil` (epoch ms): an hour
 * or day bucket is used only if it ends at or before it, and the part of the window after it is read from
 * minute rows, which are always complete. A window is therefore exact whatever the compaction lag. At most
 * one day range, two hour ranges and two minute ranges.
 */
export function planRollups(from: number, to: number, coarsest: RollupUnit = 'day', compactedUntil = Number.POSITIVE_INFINITY): RollupPlan {
  if (from % 60_000 !== 0 || to % 60_000 !== 0) throw new RangeError('a rollup window starts and ends on whole minutes');
  const plan: RollupPlan = { minute: [], hour: [], day: [] };
  const units = ROLLUP_UNITS.slice(0, ROLLUP_UNITS.indexOf(coarsest) + 1).reverse();
  const minutes = (a: number, b: number): void => {
    const last = plan.minute[plan.minute.length - 1];
    if (last?.to === a) last.to = b;
    else plan.minute.push({ from: a, to: b });
  };
  const cover = (a: number, b: number, level: number): void => {
    if (a >= b) return;
    const unit = units[level];
    if (unit === 'minute') return minutes(a, b);
    const inner = { from: ceilTo(a, unit), to: floorTo(b, unit) };
    if (inner.from >= inner.to) return cover(a, b, level + 1);
    cover(a, inner.from, level + 1);
    plan[unit].push(inner);
    cover(inner.to, b, level + 1);
  };
  // Every bucket cover() picks lies inside [from, compacted), so it ends at or before the watermark.
  const compacted = Math.min(to, Math.max(from, floorTo(compactedUntil, 'minute')));
  cover(from, compacted, 0);
  if (compacted < to) minutes(compacted, to);
  return plan;
}
