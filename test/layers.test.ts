import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layer rules of DESIGN.md, checked on every run: cli/ -> http/ -> mcp/ -> chat/, and
 * engines/ -> chat/. chat/ imports nothing of ours; the protocol face and the server reach the
 * chat only through chat/index.ts; no source file grows past 400 lines.
 */

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');
const MAX_LINES = 400;

/** Which top-level layers each layer must not import. */
const FORBIDDEN: Record<string, readonly string[]> = {
  mcp: ['engines', 'http', 'cli'],
  engines: ['mcp', 'http', 'cli'],
  http: ['cli', 'engines'],
};

/** Layers that may reach the chat only through its index. */
const THROUGH_INDEX = new Set(['mcp', 'http', 'cli']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** Every module specifier a file names: static imports, re-exports, side-effect and dynamic imports. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const match of text.matchAll(pattern)) found.push(match[1] as string);
  }
  return found;
}

/** `chat`, `mcp`, ... for a path under src/, or `.` for a file at the top of src/. */
function layerOf(pathFromSrc: string): string {
  const parts = pathFromSrc.split('/');
  return parts.length > 1 ? (parts[0] as string) : '.';
}

interface Edge {
  from: string;
  to: string;
}

const files = sourceFiles(SRC).map((path) => ({
  name: relative(SRC, path).split('\\').join('/'),
  text: readFileSync(path, 'utf8'),
}));

/** Imports of our own modules, as paths from src/ (`mcp/server.ts` -> `chat/index.js`). */
const edges: Edge[] = files.flatMap(({ name, text }) =>
  specifiers(text)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => ({
      from: name,
      to: relative(SRC, resolve(SRC, dirname(name), specifier))
        .split('\\')
        .join('/'),
    })),
);

function violations(rule: (edge: Edge) => boolean): string[] {
  return edges.filter(rule).map((edge) => `${edge.from} imports ${edge.to}`);
}

describe('layers', () => {
  it('sees the imports it checks', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(edges).toContainEqual({ from: 'mcp/server.ts', to: 'chat/index.js' });
    expect(edges).toContainEqual({ from: 'cli/serve.ts', to: 'chat/index.js' });
  });

  it('chat/ imports nothing of ours outside chat/', () => {
    expect(violations((e) => layerOf(e.from) === 'chat' && layerOf(e.to) !== 'chat')).toEqual([]);
  });

  it('mcp/, engines/ and http/ point only down', () => {
    expect(violations((e) => FORBIDDEN[layerOf(e.from)]?.includes(layerOf(e.to)) ?? false)).toEqual([]);
  });

  it('mcp/, http/ and cli/ reach the chat only through chat/index.ts', () => {
    expect(
      violations(
        (e) => THROUGH_INDEX.has(layerOf(e.from)) && layerOf(e.to) === 'chat' && e.to !== 'chat/index.js',
      ),
    ).toEqual([]);
  });

  it(`keeps every file in src/ at ${MAX_LINES} lines or fewer`, () => {
    const lines = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    const tooLong = files
      .filter(({ text }) => lines(text) > MAX_LINES)
      .map(({ name, text }) => `${name}: ${lines(text)} lines`);
    expect(tooLong).toEqual([]);
  });
});
