/**
 * Parked waits per participant, kept in this process's memory (for single-process engines): the
 * registry behind `ChatEngine.holdWait`, oldest first.
 */
export class WaitTable {
  private readonly waits = new Map<string, { waitId: string; at: number }[]>();

  hold({
    userId,
    waitId,
    now,
    max,
    maxAgeMs,
  }: {
    userId: string;
    waitId: string;
    now: number;
    max: number;
    maxAgeMs: number;
  }): string[] {
    const held = (this.waits.get(userId) ?? []).filter((wait) => wait.at > now - maxAgeMs);
    held.push({ waitId, at: now });
    const superseded = held.splice(0, Math.max(0, held.length - max)).map((wait) => wait.waitId);
    this.waits.set(userId, held);
    return superseded;
  }

  release(userId: string, waitId: string): void {
    const held = this.waits.get(userId);
    if (!held) return;
    const left = held.filter((wait) => wait.waitId !== waitId);
    if (left.length > 0) this.waits.set(userId, left);
    else this.waits.delete(userId);
  }
}
