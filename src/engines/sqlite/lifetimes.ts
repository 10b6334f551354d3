import { deadline, type Lifetimes } from '../../chat/lifetimes.js';
import type { Statements } from './statements.js';

const SWEEP_BATCH = 500;

/**
 * Lifetimes (chat/lifetimes.ts) on SQLite: rooms get a wall-clock deadline when they end or
 * empty, lose it when joined again, and the background sweep removes what is past it. Each
 * function runs inside the caller's transaction.
 */
export class SqliteLifetimes {
  constructor(
    private readonly sql: Statements,
    readonly lifetimes: Lifetimes,
  ) {}

  /** The room has ended: readable by its former members until the ended-room lifetime passes. */
  ended(roomId: string, endedAt: number): void {
    this.sql.endRoom.run(endedAt, deadline(Date.now(), this.lifetimes.endedRoomSeconds), roomId);
  }

  /** A named room's last member left. */
  emptied(roomId: string): void {
    this.sql.setRoomExpiry.run(deadline(Date.now(), this.lifetimes.idleRoomSeconds), roomId);
  }

  /** Somebody joined: the room is in use again. */
  joined(roomId: string): void {
    this.sql.setRoomExpiry.run(null, roomId);
  }

  /** One round of the background sweep. */
  sweep(now: number): void {
    while (this.dropExpiredRooms(now) === SWEEP_BATCH) {}
  }

  /** Removes up to `limit` rooms past their deadline, with everything in them; returns how many. */
  private dropExpiredRooms(now: number, limit = SWEEP_BATCH): number {
    const rooms = this.sql.expiredRooms.all(now, limit) as { room_id: string }[];
    for (const { room_id } of rooms) {
      // Children first: messages (the search triggers follow), idempotency keys, memberships.
      this.sql.dropRoomMessages.run(room_id);
      this.sql.dropRoomSentKeys.run(room_id);
      this.sql.dropRoomMembers.run(room_id);
      this.sql.dropRoom.run(room_id);
    }
    return rooms.length;
  }
}
