/** One step of a path: a property name or an array index. */
export type JsonPathSegment = string | number;

export type JsonPathResult = { found: true; value: unknown } | { found: false; missing: string };

/** A path the grammar refuses; `reason` says what is wrong and where, without repeating the path. */
export class JsonPathError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`JSON path "${path}": ${reason}`);
    this.name = 'JsonPathError';
  }
}

/**
 * Parses the small JSONPath subset assertions use: `$`, `.name`, `[0]`, `[-1]` (from the end), `['any key']`
 * and `["any key"]`, e.g. `$.data.items[0]['display name']`. A `.name` is any characters but `.`, `[`, `]` and
 * white space; quoted keys take `\'` and `\"`. Wildcards, `..`, filters and slices are not supported, and are
 * refused rather than read as keys. The one grammar for both sides: endpoint validation refuses exactly what
 * this throws on. Throws a JsonPathError whose reason says what is wrong.
 */
export function parseJsonPath(path: string): JsonPathSegment[] {
  const text = path.trim();
  // Positions count in the path as written, leading spaces included.
  const at = (i: number) => `at position ${i + path.length - path.trimStart().length}`;
  if (!text.startsWith('$')) throw new JsonPathError(path, 'must start with $');
  const segments: JsonPathSegment[] = [];
  let i = 1;
  while (i < text.length) {
    if (text[i] === '.') {
      if (text[i + 1] === '.') throw new JsonPathError(path, `recursive descent ("..") is not supported, ${at(i)}`);
      const name = /^[^.[\]\s]+/.exec(text.slice(i + 1))?.[0];
      if (!name) throw new JsonPathError(path, `a name must follow "." ${at(i)}`);
      if (name === '*') throw new JsonPathError(path, `wildcards are not supported, ${at(i + 1)}; write ['*'] for a key named *`);
      segments.push(name);
      i += 1 + name.length;
    } else if (text[i] === '[') {
      const index = /^\[\s*(-?\d+)\s*\]/.exec(text.slice(i));
      const quoted = /^\[\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]/.exec(text.slice(i));
      if (index) {
        segments.push(Number(index[1]));
        i += index[0].length;
      } else if (quoted) {
        segments.push((quoted[1] ?? quoted[2]).replace(/\\(.)/g, '$1'));
        i += quoted[0].length;
      } else {
        throw new JsonPathError(path, `expected [number] or ['name'] ${at(i)}`);
      }
    } else {
      throw new JsonPathError(path, `unexpected "${text[i]}" ${at(i)}`);
    }
  }
  return segments;
}

/**
 * Follows a parsed path through a JSON value. `length` of an array or a string is its length (unless an
 * object has a real "length" key); a missing step answers `{ found: false }` with the path up to it.
 */
export function evaluateJsonPath(root: unknown, segments: readonly JsonPathSegment[]): JsonPathResult {
  let value = root;
  let walked = '$';
  for (const segment of segments) {
    const step = typeof segment === 'number' ? `[${segment}]` : /^[A-Za-z_$][\w$]*$/.test(segment) ? `.${segment}` : `['${segment}']`;
    const next = stepInto(value, segment);
    if (!next.found) return { found: false, missing: walked + step };
    value = next.value;
    walked += step;
  }
  return { found: true, value };
}

function stepInto(value: unknown, segment: JsonPathSegment): JsonPathResult {
  if (Array.isArray(value)) {
    if (segment === 'length') return { found: true, value: value.length };
    const index = typeof segment === 'number' ? segment : /^-?\d+$/.test(segment) ? Number(segment) : NaN;
    const at = index < 0 ? value.length + index : index;
    return Number.isInteger(at) && at >= 0 && at < value.length ? { found: true, value: value[at] } : { found: false, missing: '' };
  }
  if (typeof value === 'string') {
    return segment === 'length' ? { found: true, value: value.length } : { found: false, missing: '' };
  }
  if (value !== null && typeof value === 'object') {
    const key = String(segment);
    return Object.prototype.hasOwnProperty.call(value, key) ? { found: true, value: (value as Record<string, unknown>)[key] } : { found: false, missing: '' };
  }
  return { found: false, missing: '' };
}
