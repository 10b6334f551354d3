import type { JoinOutcome, JoinRequest, LeaveOutcome } from '../../chat/engine.js';
import type { RoomSummary, UnreadRoom } from '../../chat/types.js';
import {
  draftArgs,
  integer,
  list,
  refusal,
  text,
  toMembers,
  toMessage,
  toMessages,
  toRoom,
  unexpected,
} from './decode.js';
import { listingText } from './finding.js';
import type { Slot } from './keys.js';
import type { Reply, ScriptName } from './scripts.js';

/**
 * Engine steps that touch a room and the control slot (keys.ts): the room slot first, as the
 * truth, then the control slot's lists, presence, directory and indexes. Each script is
 * idempotent, and each step is safe to repeat after a crash between the two: a repeated join
 * finds `already_member` and runs the control step again; a repeated leave is refused with
 * `not_in_room` and repairs the control slot the same way; readers drop list entries the room
 * slot no longer confirms (closeRooms). docs/redis.md, "Steps across slots".
 */
export type SlotRun = (name: ScriptName, slot: Slot, args: (string | number)[]) => Promise<Reply>;

const CONTROL: Slot = { control: true };

export async function joinRoom(run: SlotRun, request: JoinRequest): Promise<JoinOutcome> {
  const { roomId, userId, capacity, now, notice, recentLimit, topic = '' } = request;
  const [name, hides] = list(await run('joiner', CONTROL, [userId]));
  const reply = list(
    await run('joinRoom', { room: roomId }, [
      roomId,
      userId,
      capacity,
      now,
      recentLimit,
      ...draftArgs(notice),
      request.createIfMissing === false ? '0' : '1',
      request.visibility ?? 'public',
      request.newInvite ?? '',
      request.invite ?? '',
      topic,
      listingText(roomId, topic),
      text(name),
      text(hides),
    ]),
  );
  const [kind, room, members] = reply;
  if (kind === 'created' || kind === 'joined' || kind === 'already_member') {
    const listing = reply[reply.length - 1];
    const again = kind === 'already_member' ? '1' : '0';
    await run('joined', CONTROL, [userId, roomId, now, typeof listing === 'string' ? listing : '', again]);
  }
  switch (kind) {
    case 'created':
      return { kind, room: toRoom(roomId, room), members: toMembers(members) };
    case 'joined':
    case 'already_member': {
      const entered = {
        room: toRoom(roomId, room),
        members: toMembers(members),
        recent: toMessages(roomId, reply[3]),
      };
      // Only a first join announces itself in the room.
      return kind === 'joined'
        ? { kind, ...entered, notice: toMessage(roomId, reply[4]) }
        : { kind, ...entered };
    }
    case 'room_full':
    case 'chat_ended':
    case 'room_not_found':
      return { kind };
    default:
      throw unexpected('joinRoom', kind);
  }
}

export interface LeaveSteps {
  roomId: string;
  userId: string;
  now: number;
  endRoom: boolean;
  farewell: Parameters<typeof draftArgs>[0];
  /** Deadlines (wall-clock ms, '' for none) of a room this leave ends, and of one it leaves empty. */
  endedDeadline: number | '';
  idleDeadline: number | '';
}

export async function leaveRoom(run: SlotRun, steps: LeaveSteps): Promise<LeaveOutcome> {
  const { roomId, userId, now, endRoom, farewell, endedDeadline, idleDeadline } = steps;
  // The index entry first: the sweep drops an entry whose room has no deadline, while a deadline
  // without its entry would keep the room for ever.
  const deadline = endRoom ? endedDeadline : idleDeadline;
  if (deadline !== '') await run('expireAt', CONTROL, [roomId, deadline]);
  const [kind, stored, remaining, ended, listing] = list(
    await run('leaveRoom', { room: roomId }, [
      roomId,
      userId,
      now,
      endRoom ? '1' : '0',
      ...draftArgs(farewell),
      endedDeadline,
      idleDeadline,
    ]),
  );
  if (kind === 'left') {
    const others = list(remaining)
      .filter((_, i) => i % 2 === 0)
      .map(text);
    const shown = typeof listing === 'string' ? listing : '';
    await run('left', CONTROL, [userId, roomId, integer(ended), shown, ...others]);
    return {
      kind,
      farewell: stored === null ? null : toMessage(roomId, stored),
      remaining: toMembers(remaining),
    };
  }
  // No longer in the room (maybe a leave that stopped before its control step): repair the lists.
  if (kind === 'not_in_room' || kind === 'chat_ended') await run('closeRooms', CONTROL, [userId, roomId]);
  return refusal('leaveRoom', kind);
}

/**
 * The user's open rooms as the room slots confirm them; stale entries leave the control slot's
 * list. `except` is not read at all (the unread summary of a call about that room skips it).
 */
async function confirmedRooms(run: SlotRun, userId: string, withMembers: boolean, except?: string) {
  const rooms = list(await run('openRooms', CONTROL, [userId]))
    .map(text)
    .filter((roomId) => roomId !== except);
  const replies = await Promise.all(
    rooms.map((roomId) => run('roomOfMember', { room: roomId }, [roomId, userId, withMembers ? '1' : '0'])),
  );
  const stale = rooms.filter((_, i) => replies[i] === null);
  if (stale.length > 0) await run('closeRooms', CONTROL, [userId, ...stale]);
  return rooms.flatMap((roomId, i) => {
    const reply = replies[i];
    if (reply === null || reply === undefined) return [];
    const [count, newest, members] = list(reply);
    return [{ roomId, count: integer(count), newest, members }];
  });
}

export async function unreadSummary(
  run: SlotRun,
  userId: string,
  exceptRoomId?: string,
): Promise<UnreadRoom[]> {
  const rooms = await confirmedRooms(run, userId, false, exceptRoomId);
  return rooms
    .filter(({ count }) => count > 0)
    .map(({ roomId, count, newest }) => ({ roomId, count, latest: toMessage(roomId, newest) }));
}

export async function roomsOf(run: SlotRun, userId: string): Promise<RoomSummary[]> {
  const rooms = await confirmedRooms(run, userId, true);
  return rooms.map(({ roomId, count, members }) => ({ roomId, unread: count, members: toMembers(members) }));
}

/** After the control slot changed a participant's name or blocks: the copies in its open memberships. */
export async function copyToMemberships(
  run: SlotRun,
  userId: string,
  rooms: Reply,
  field: 'name' | 'hides',
  value: string,
): Promise<void> {
  await Promise.all(
    list(rooms)
      .map(text)
      .map((roomId) => run('copyToMember', { room: roomId }, [roomId, userId, field, value])),
  );
}
