import type { Json } from '../tool-caller.js';
import type { PushNotification } from './connection.js';
import type { PageRoom } from './page-room.js';

export interface UnreadPage {
  rooms: ReadonlyMap<string, PageRoom>;
  /** The room on screen: it has nothing unread. */
  active(): PageRoom | undefined;
  selfId(): string | undefined;
  /** Reads the rooms and their unread counts from the server (get_status), applying them here. */
  refresh(): Promise<void>;
}

/** What each room's `readMark` was when a call went out. */
export type ReadMarks = ReadonlyMap<string, number>;

/**
 * The unread counts of the rooms not on screen. The server's counts are the truth; push only
 * bumps a count at once until the next read of them. Two things make counting pushes alone go
 * wrong: a message that arrives between two waits comes with no push (no response stream is
 * open), and a count read from the server may already have the message a later push brings.
 */
export class UnreadCounts {
  private counting: Promise<void> | undefined;
  private countAgain = false;

  constructor(private readonly page: UnreadPage) {}

  marks(): ReadMarks {
    return new Map([...this.page.rooms.values()].map((room) => [room.id, room.readMark]));
  }

  /** A count the server computed during a call that started at `marks`. */
  apply(room: PageRoom, count: number, marks: ReadMarks): void {
    // Read (put on screen) since the call went out: the count is from before, stale.
    if (room === this.page.active() || (marks.get(room.id) ?? 0) !== room.readMark) return;
    room.setUnread(count);
  }

  /** Servers that put `unread` on every answer say how many wait in the other rooms. */
  fromAnswer(body: Json, marks: ReadMarks): void {
    if (!Array.isArray(body.unread)) return;
    for (const entry of body.unread as Json[]) {
      const room = this.page.rooms.get(String(entry.room_id));
      if (room && typeof entry.count === 'number') this.apply(room, entry.count, marks);
    }
  }

  onPush(push: PushNotification): void {
    if (push.method !== 'message.received') return;
    const room = this.page.rooms.get(String(push.params.room_id));
    const sender = push.params.sender as { user_id?: string } | undefined;
    if (!room || room === this.page.active() || sender?.user_id === this.page.selfId()) return;
    room.setUnread(room.unread + 1);
    this.recount();
  }

  /**
   * Reads the counts from the server, one read at a time; asked again meanwhile, it reads once
   * more after. Called on push, and whenever a wait starts listening (from then on push brings
   * what arrives; what came before it, only the server knows).
   */
  recount(): void {
    if (this.counting) {
      this.countAgain = true;
      return;
    }
    this.counting = this.page
      .refresh()
      .catch(() => {})
      .finally(() => {
        this.counting = undefined;
        if (!this.countAgain) return;
        this.countAgain = false;
        this.recount();
      });
  }
}
