/** One step of a path: a property name or an array index. */
export type JsonPathSegment = string | number;

export type JsonPathResult = { found: true; value: unknown } | { found: false; missing: string };

/**
 * Parses the small JSONPath subset assertions use: `$`, `.name`, `[0]`, `[-1]` (from the end), `['any key']`
 * and `["any key"]`, e.g. `$.data.items[0]['display name']`. Throws an Error whose message says what is wrong.
 */
export function parseJsonPath(path: string): JsonPathSegment[] {
  const text = path.trim();
  if (!text.startsWith('$')) throw new Error(`JSON path "${path}" must start with $`);
  const segments: JsonPathSegment[] = [];
  let i = 1;
  while (i < text.length) {
    if (text[i] === '.') {
      const name = /^[^.[\]\s]+/.exec(text.slice(i + 1))?.[0];
      if (!name) throw new Error(`JSON path "${path}": a name must follow "." at position ${i}`);
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
        throw new Error(`JSON path "${path}": expected [number] or ['name'] at position ${i}`);
      }
    } else {
      throw new Error(`JSON path "${path}": unexpected "${text[i]}" at position ${i}`);
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
