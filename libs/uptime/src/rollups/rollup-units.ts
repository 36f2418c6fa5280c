/** The rollup granularities, finest first; each has its table `uptime_<unit>` keyed by UTC bucket start. */
export const ROLLUP_UNITS = ['minute', 'hour', 'day'] as const;
export type RollupUnit = (typeof ROLLUP_UNITS)[number];

export const UNIT_MS: Record<RollupUnit, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Start of the UTC unit holding `ms` (epoch milliseconds; UTC days and hours are whole multiples). */
export function floorTo(ms: number, unit: RollupUnit): number {
  return Math.floor(ms / UNIT_MS[unit]) * UNIT_MS[unit];
}

export function ceilTo(ms: number, unit: RollupUnit): number {
  return Math.ceil(ms / UNIT_MS[unit]) * UNIT_MS[unit];
}
