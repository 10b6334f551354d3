/**
 * Deepest nesting of arrays and objects accepted in a request body. MCP messages nest a few
 * levels; the SDK validates bodies recursively, and a few thousand levels exhaust its stack (a
 * 500 for a malformed request). Checked without recursion, so the check cannot overflow itself.
 */
export const MAX_JSON_DEPTH = 100;

/** True when `value` nests arrays or objects more than `max` levels deep. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, depth] = next;
    if (item === null || typeof item !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return false;
}
