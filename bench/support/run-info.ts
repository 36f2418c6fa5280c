import { execFileSync } from 'node:child_process';

/** The commit measured, marked when the working tree differs from it. */
export function currentCommit(repoRoot: string): string | null {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? ' (modified)' : ''}`;
  } catch {
    return null;
  }
}
