import 'reflect-metadata';
import { loadConfig, loadDotEnv } from '@vigil/config';
import { runCli } from './cli';

runCli(
  process.argv.slice(2),
  () => {
    loadDotEnv();
    return loadConfig();
  },
  { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) },
).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
