import { ensureInteropInstalled } from '../../scripts/interop-tools.js';

/**
 * Runs once before any test file: the interop tests drive tools we did not write (the MCP
 * Inspector, Node 22), installed from interop/package-lock.json. Doing it here rather than in an
 * npm script means `npm test` and a bare `npx vitest run` both work on a fresh clone.
 */
export default function setup(): void {
  ensureInteropInstalled();
}
