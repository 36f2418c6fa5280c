/** A reader of whole-number settings from `env`: the fallback when unset or empty, an error naming the variable when not a whole number ≥ min. */
export function intReader(env: NodeJS.ProcessEnv): (name: string, fallback: number, min: number) => number {
  return (name, fallback, min) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name}=${raw}: expected a whole number ≥ ${min}`);
    return n;
  };
}
