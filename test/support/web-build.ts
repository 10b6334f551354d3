import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';

/** Newest modification time of any file under `dir`. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * Vitest global setup: the tests serve the built web client (dist/web, made by `npm run build`,
 * which `npm install` runs). Rebuilds it once per run when web/ changed since, so a test never
 * checks a stale page; a no-op otherwise.
 */
export default function setup(): void {
  const outputs = ['dist/web/index.html', 'dist/web/app/mcp-app.html'].map((file) => join(ROOT, file));
  const builtAt = Math.min(...outputs.map((file) => (existsSync(file) ? statSync(file).mtimeMs : 0)));
  if (builtAt > newest(join(ROOT, 'web'))) return;
  execFileSync('npm', ['run', '--silent', 'build:web'], { cwd: ROOT, stdio: 'inherit' });
}
