import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { ERROR_CATALOGUE, catalogueEntry, helpUrl } from './error-catalogue';
import { ErrorCode } from './error-codes';

const ROOT = resolve(__dirname, '../../../..');
const CODE = /\b(AUTH|PERM|VAL|RES|BIZ|EXT|RATE|SYS)_[A-Z_]+\b/g;

/**
 * HTTP statuses each family may use: a copy of the "Code families" table of API-CONTRACT.md. Do not widen it
 * here for a new code (431 and 405 once were): a status the contract does not list is a contract change first.
 */
const FAMILY_STATUSES: Record<string, number[]> = {
  AUTH: [401],
  PERM: [403],
  VAL: [400, 413, 415, 422],
  RES: [404, 409, 410],
  BIZ: [409, 422],
  EXT: [502, 503, 504],
  RATE: [429],
  SYS: [500, 503],
};
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.int-spec.ts') && !entry.name.endsWith('.d.ts')
      ? [path]
      : [];
  });
}

/** Error-code-shaped words in the string literals of a file and `ErrorCode.X` references, each with its line. */
function codesIn(fileName: string, text: string): Array<{ code: string; where: string }> {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: Array<{ code: string; where: string }> = [];
  const where = (node: ts.Node) => `${fileName}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
  const visit = (node: ts.Node): void => {
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node)
    ) {
      for (const m of node.text.matchAll(CODE)) found.push({ code: m[0], where: where(node) });
    } else if (ts.isPropertyAccessExpression(node) && node.expression.getText(source) === 'ErrorCode') {
      found.push({ code: node.name.text, where: where(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Environment variable names (AUTH_CACHE_TTL_MS, RATE_LIMIT_DEFAULT...) share the prefixes but are not error codes. */
function configVariableNames(): Set<string> {
  const file = join(ROOT, 'libs/config/src/environment.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isClassDeclaration(node) && node.name?.text === 'Environment') {
      for (const member of node.members) if (ts.isPropertyDeclaration(member) && ts.isIdentifier(member.name)) names.add(member.name.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return names;
}

describe('error catalogue', () => {
  const members = Object.values(ErrorCode);

  it('lists every ErrorCode member exactly once, under its own code', () => {
    expect(members.length).toBeGreaterThan(0);
    for (const code of members) {
      expect({ code, entry: ERROR_CATALOGUE.get(code)?.code }).toEqual({ code, entry: code });
    }
    expect([...ERROR_CATALOGUE.keys()].sort()).toEqual([...members].sort());
  });

  it('gives every catalogue entry a status allowed for its family by the contract', () => {
    const outside = [...ERROR_CATALOGUE.values()].flatMap(({ code, status }) => {
      const allowed = FAMILY_STATUSES[code.split('_')[0]];
      return allowed?.includes(status) ? [] : [`${code} is ${status}; its family allows ${allowed?.join('/') ?? 'nothing (no such family)'}`];
    });
    expect(outside).toEqual([]);
  });

  it('pins the statuses the contract names explicitly', () => {
    const expected: Partial<Record<ErrorCode, number>> = {
      [ErrorCode.VAL_MALFORMED_JSON]: 400,
      [ErrorCode.VAL_PAYLOAD_TOO_LARGE]: 413,
      [ErrorCode.VAL_UNSUPPORTED_MEDIA_TYPE]: 415,
      [ErrorCode.VAL_ERROR]: 422,
      [ErrorCode.VAL_MULTIPLE_ERRORS]: 422,
      [ErrorCode.VAL_INVALID_QUERY]: 400,
      [ErrorCode.VAL_UNSUPPORTED_API_VERSION]: 400,
      [ErrorCode.RES_NOT_FOUND]: 404,
      [ErrorCode.RES_VERSION_REMOVED]: 410,
      [ErrorCode.RES_IDEMPOTENCY_CONFLICT]: 409,
      [ErrorCode.RATE_LIMIT_EXCEEDED]: 429,
      [ErrorCode.SYS_INTERNAL_ERROR]: 500,
    };
    for (const [code, status] of Object.entries(expected)) expect({ code, status: catalogueEntry(code as ErrorCode).status }).toEqual({ code, status });
  });

  it('gives every code a default message and a description', () => {
    for (const entry of ERROR_CATALOGUE.values()) {
      expect(entry.message.trim()).not.toBe('');
      expect(entry.description.trim()).not.toBe('');
    }
  });

  it('builds help_url anchors from the code', () => {
    expect(helpUrl('VAL_MULTIPLE_ERRORS')).toBe('/docs/errors#val-multiple-errors');
  });

  it('refuses to look up a code the catalogue does not list', () => {
    expect(() => catalogueEntry('VAL_NOT_A_CODE' as ErrorCode)).toThrow(/VAL_NOT_A_CODE is missing from the catalogue/);
  });

  describe('source scan', () => {
    it('finds codes in string literals, template literals and ErrorCode references, but not in comments', () => {
      const sample = [
        '// AUTH_IN_A_COMMENT is not a use',
        "throw new AppError(ErrorCode.BIZ_FROM_ENUM, 'see RES_IN_MESSAGE');",
        'const t = `x ${y} SYS_IN_TEMPLATE`;',
        "const re = /isn't RATE_IN_REGEX/;",
        'const s = "EXT_DOUBLE_QUOTED";',
      ].join('\n');
      expect(codesIn('sample.ts', sample).map((c) => c.code)).toEqual(['BIZ_FROM_ENUM', 'RES_IN_MESSAGE', 'SYS_IN_TEMPLATE', 'EXT_DOUBLE_QUOTED']);
    });

    it('lists every code used in apps/ and libs/ (a code thrown but not catalogued fails here)', () => {
      const ignored = configVariableNames();
      expect(ignored).toContain('AUTH_CACHE_TTL_MS');
      const files = [...sourceFiles(join(ROOT, 'apps')), ...sourceFiles(join(ROOT, 'libs'))];
      const used = files.flatMap((file) => codesIn(relative(ROOT, file), readFileSync(file, 'utf8'))).filter((c) => !ignored.has(c.code));

      // The scan really sees the codes thrown across the codebase.
      const seen = new Set(used.map((c) => c.code));
      for (const code of ['AUTH_MISSING_API_KEY', 'AUTH_REVOKED_API_KEY', 'PERM_DENIED', 'VAL_INVALID_CURSOR', 'RES_VERSION_REMOVED', 'SYS_NOT_READY']) {
        expect(seen).toContain(code);
      }
      const uncatalogued = used.filter((c) => !ERROR_CATALOGUE.has(c.code as ErrorCode)).map((c) => `${c.code} (${c.where})`);
      expect(uncatalogued).toEqual([]);
    });
  });
});
