import { deadline, type Lifetimes } from '../../chat/lifetimes.js';
import type { Statements } from './statements.js';

const SWEEP_BATCH = 500;

/**
 * Lifetimes (chat/lifetimes.ts) on SQLite: rooms get a wall-clock deadline when they end or
 * empty, lose it when joined again; participants get one at every call. The background sweep
 * removes what is past its deadline. Each
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

  /** When a participant seen now is forgotten (null: never). */
  forgetAfter(): number | null {
    return deadline(Date.now(), this.lifetimes.identitySeconds);
  }

  /** One round of the background sweep. */
  sweep(now: number): void {
    while (this.dropExpiredRooms(now) === SWEEP_BATCH) {}
    while (this.forgetParticipants(now) === SWEEP_BATCH) {}
  }

  /** Forgets up to `limit` participants past their lifetime, with their memberships, limits and blocks. */
  private forgetParticipants(now: number, limit = SWEEP_BATCH): number {
    const users = this.sql.forgottenParticipants.all(now, limit) as { user_id: string }[];
    for (const { user_id } of users) {
      this.sql.forgetMemberships.run(user_id);
      this.sql.forgetQueued.run(user_id);
      this.sql.forgetWaits.run(user_id);
      // Nobody can act as a forgotten participant again: blocks of or by it protect nobody.
      this.sql.forgetBlocks.run(user_id, user_id);
      this.sql.forgetBucket.run(`send:${user_id}`);
      this.sql.forgetParticipant.run(user_id);
    }
    return users.length;
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
