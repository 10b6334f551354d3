import type { Reply, ScriptName } from './scripts.js';

const BATCH = 200;

/**
 * The engine's sweep on a timer: rooms and participants past their lifetime (sweepRooms in
 * lua/rooms.ts, sweepParticipants in lua/participants.ts), by the wall clock of the instance. Every instance sweeps; each script is atomic and a second sweeper finds
 * nothing left to do. A failure (Redis away) waits for the next round.
 */
export class RedisHousekeeping {
  private readonly timer: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly run: (name: ScriptName, args: (string | number)[]) => Promise<Reply>,
    everyMs: number,
  ) {
    this.timer = setInterval(() => void this.sweep(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async sweep(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while ((await this.run('sweepRooms', [Date.now(), BATCH])) === BATCH) {}
      while ((await this.run('sweepParticipants', [Date.now(), BATCH])) === BATCH) {}
    } catch {
      // Redis away: the next round catches up.
    } finally {
      this.running = false;
    }
  }
}
