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
 * Nothing coarser than `coarsest` is used (a series by hour must not read day rows). At most one day
 * range, two hour ranges and two minute ranges.
 */
export function planRollups(from: number, to: number, coarsest: RollupUnit = 'day'): RollupPlan {
  if (from % 60_000 !== 0 || to % 60_000 !== 0) throw new RangeError('a rollup window starts and ends on whole minutes');
  const plan: RollupPlan = { minute: [], hour: [], day: [] };
  const units = ROLLUP_UNITS.slice(0, ROLLUP_UNITS.indexOf(coarsest) + 1).reverse();
  const cover = (a: number, b: number, level: number): void => {
    if (a >= b) return;
    const unit = units[level];
    if (unit === 'minute') {
      plan.minute.push({ from: a, to: b });
      return;
    }
    const inner = { from: ceilTo(a, unit), to: floorTo(b, unit) };
    if (inner.from >= inner.to) return cover(a, b, level + 1);
    cover(a, inner.from, level + 1);
    plan[unit].push(inner);
    cover(inner.to, b, level + 1);
  };
  cover(from, to, 0);
  return plan;
}
