import type { LoadSpec } from './load.js';

/** A phase's figures, as the report prints them. */
export type Result = Record<string, unknown>;

/**
 * Runs one scenario in a fresh load-generator process (run.ts); `on` answers its progress events,
 * `send` writes a command to its stdin.
 */
export type Load = (
  spec: LoadSpec,
  on?: (event: Result, send: (line: string) => void) => Promise<void>,
) => Promise<Result>;
