import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/**
 * `npm start` runs its script through `sh -c`, and on SIGTERM (Ctrl-C, a process manager, `docker stop`) npm
 * signals that shell. A shell that forks node and waits dies of the signal and leaves node running, orphaned:
 * the service never shuts down gracefully (seen with dash, this machine's /bin/sh). Each script replaces the
 * shell with node (`exec`), so the signal reaches node. Checked with the real script text, the entry point
 * swapped for a stand-in that reports the signal.
 */
describe('npm start scripts hand SIGTERM to node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-start-'));
  const standIn = join(dir, 'main.js');
  writeFileSync(
    standIn,
    `process.on('SIGTERM', () => { process.stdout.write('node got SIGTERM\\n'); process.exit(0); });\nprocess.stdout.write('ready ' + process.pid + '\\n');\nsetInterval(() => undefined, 1000);\n`,
  );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['start', 'start:prod', 'start:worker'])('%s', async (name) => {
    const script = scripts[name].replace(/dist\/apps\/(api|worker)\/src\/main\.js/, standIn);
    expect(script).toContain(standIn);
    // As npm runs it: sh -c, with node_modules/.bin (Node 24) first on PATH.
    const shell = spawn('sh', ['-c', script], { cwd: ROOT, env: { ...process.env, PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}` } });
    let output = '';
    shell.stdout.on('data', (c: Buffer) => (output += c.toString()));
    for (let i = 0; i < 200 && !output.includes('ready'); i++) await new Promise((r) => setTimeout(r, 25));
    expect(output).toContain('ready');
    const nodePid = Number(/ready (\d+)/.exec(output)![1]);
    const exited = new Promise<number | null>((resolve) => shell.once('exit', (code) => resolve(code)));
    shell.kill('SIGTERM');
    const code = await exited;
    try {
      expect({ code, output }).toEqual({ code: 0, output: `ready ${nodePid}\nnode got SIGTERM\n` });
    } finally {
      // Without exec the shell dies and node lives on: do not leave it behind.
      try {
        process.kill(nodePid, 'SIGKILL');
      } catch {
        // gone already, as it should be
      }
    }
  });
});
