import { list, text } from './decode.js';
import type { SlotRun } from './room-steps.js';

const BATCH = 200;

/**
 * The engine's sweep on a timer: rooms and participants past their lifetime, by the wall clock of
 * the instance. Every instance sweeps; each step is idempotent and a second sweeper finds nothing
 * left to do. A failure (Redis away) waits for the next round.
 *
 * Each removal crosses slots, so it runs in steps whose index entry goes last: a sweep cut short
 * (a crash, Redis away) leaves the entry, and the next round repeats the steps.
 * - a room: dropRoom in its slot (the log, members, memberships and room hash go; the people set
 *   stays), forgetRoom in the control slot (everyone's lists, the directory, then the index
 *   entry), dropPeople in its slot.
 * - a participant whose hash expired: forgetMember in each room it joined, forgetOwnKeys in its
 *   own slot, forgetParticipant in the control slot (its lists, queue place, presence, then the
 *   index entry).
 */
export class RedisHousekeeping {
  private readonly timer: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly run: SlotRun,
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
      while ((await this.sweepRooms(Date.now())) === BATCH) {}
      while ((await this.sweepParticipants(Date.now())) === BATCH) {}
    } catch {
      // Redis away: the next round catches up.
    } finally {
      this.running = false;
    }
  }

  /** Removes rooms past their deadline; answers how many index entries it looked at. */
  private async sweepRooms(now: number): Promise<number> {
    const due = list(await this.run('dueRooms', { control: true }, [now, BATCH])).map(text);
    for (const room of due) {
      const [outcome, detail] = list(await this.run('dropRoom', { room }, [room, now]));
      const people = outcome === 'dropped' ? list(detail).map(text) : [];
      const at = outcome === 'kept' ? text(detail) : '';
      await this.run('forgetRoom', { control: true }, [room, text(outcome), at, ...people]);
      if (outcome === 'dropped') await this.run('dropPeople', { room }, [room]);
    }
    return due.length;
  }

  /** Forgets participants past their lifetime; answers how many index entries it looked at. */
  private async sweepParticipants(now: number): Promise<number> {
    const [looked, gone] = list(await this.run('dueParticipants', { control: true }, [now, BATCH]));
    for (const entry of list(gone)) {
      const [user, rooms] = list(entry);
      const userId = text(user);
      await Promise.all(
        list(rooms)
          .map(text)
          .map((room) => this.run('forgetMember', { room }, [room, userId])),
      );
      await this.run('forgetOwnKeys', { user: userId }, [userId]);
      await this.run('forgetParticipant', { control: true }, [userId]);
    }
    return Number(looked);
  }
}
