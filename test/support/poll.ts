/**
 * Waits until `probe` returns something other than undefined, checking every 50 ms. The deadline
 * only bounds a hung test; it is not an assertion about speed.
 */
export async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  describe: () => string,
  deadlineMs = 15_000,
): Promise<T> {
  const stop = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > stop) throw new Error(`Gave up waiting: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
