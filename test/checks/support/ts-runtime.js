// Runs a TypeScript entry point (an app's main.ts) in a child process without a build: each .ts file is
// transpiled on first require (no type check, so another module's type error elsewhere cannot stop a
// test) and cached on disk by content, and `@vigil/<lib>` resolves as tsconfig's paths say.
// Usage: node test/checks/support/ts-runtime.js apps/worker/src/main.ts
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, writeFileSync, existsSync } = require('node:fs');
const Module = require('node:module');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..', '..', '..');
const CACHE = join(tmpdir(), 'vigil-ts-runtime');
const ALIASES = { migrations: join(ROOT, 'migrations') };
const COMPILER_OPTIONS = {
  module: 'commonjs',
  target: 'es2023',
  esModuleInterop: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  inlineSourceMap: true,
  inlineSources: false,
};
const OPTIONS_KEY = JSON.stringify(COMPILER_OPTIONS);
let ts;

mkdirSync(CACHE, { recursive: true });

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const m = /^@vigil\/([a-z-]+)$/.exec(request);
  if (m) request = ALIASES[m[1]] ?? join(ROOT, 'libs', m[1], 'src');
  return resolveFilename.call(this, request, parent, ...rest);
};

Module._extensions['.ts'] = function (module, filename) {
  const source = readFileSync(filename, 'utf8');
  const key = createHash('sha1').update(OPTIONS_KEY).update(filename).update(source).digest('hex');
  const cached = join(CACHE, `${key}.js`);
  let output;
  if (existsSync(cached)) {
    output = readFileSync(cached, 'utf8');
  } else {
    ts ??= require('typescript');
    output = ts.transpileModule(source, { fileName: filename, compilerOptions: COMPILER_OPTIONS }).outputText;
    writeFileSync(`${cached}.${process.pid}`, output);
    require('node:fs').renameSync(`${cached}.${process.pid}`, cached);
  }
  module._compile(output, filename);
};

const entry = process.argv[2];
if (!entry) {
  process.stderr.write('usage: node test/checks/support/ts-runtime.js <file.ts>\n');
  process.exit(2);
}
process.argv.splice(1, 1);
require(resolve(ROOT, entry));
