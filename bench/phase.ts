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

/**
 * Measures each of `items` `rounds` times, the items taking turns and each round starting one
 * item later (round r starts with item r), so that the machine's drift and stalls fall on all of
 * them alike instead of on whichever ran in a bad minute. Each item's figures, in round order.
 */
export async function inTurns<Item, Figures>(
  items: readonly Item[],
  rounds: number,
  measure: (item: Item) => Promise<Figures>,
): Promise<Map<Item, Figures[]>> {
  const figures = new Map<Item, Figures[]>(items.map((item) => [item, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < items.length; i++) {
      const item = items[(i + round) % items.length] as Item;
      figures.get(item)?.push(await measure(item));
    }
  }
  return figures;
}
