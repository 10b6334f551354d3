import type { Ban, EnqueueOutcome, MatchRequest, MatchState, Report } from '../../chat/engine.js';
import { fields, integer, list, text, time, toRoom } from './decode.js';
import type { Slot } from './keys.js';
import { copyToMemberships, type SlotRun } from './room-steps.js';
import type { Reply } from './scripts.js';

/**
 * Matching by interests, blocks, reports and bans on Redis (chat/safety-port.ts): the scripts of
 * lua/matching.ts and lua/safety.ts, and what their replies mean. All in the control slot but
 * the match's room: enqueue pairs two participants in one control-slot script and records the
 * pair as pending; createMatchRoom then makes the room in its own slot (idempotent), and
 * matchCreated clears the pending pair. Whoever finds a pending pair (either participant's next
 * enqueue or matchState) creates the room first, so a crash between the steps delays the room
 * until the next call, never loses it.
 */

const CONTROL: Slot = { control: true };
type RunScript = (name: Parameters<SlotRun>[0], args: (string | number)[]) => Promise<Reply>;

/** Creates the match's room from its pending pair (or finds it made) and clears the pair. */
async function ensureMatchRoom(run: SlotRun, roomId: string, pair: string): Promise<Reply> {
  const room = await run('createMatchRoom', { room: roomId }, [roomId, pair]);
  await run('matchCreated', CONTROL, [roomId]);
  return room;
}

export async function enqueue(
  run: SlotRun,
  userId: string,
  request: MatchRequest,
  onlyIfQueued: boolean,
): Promise<EnqueueOutcome | { kind: 'not_queued' }> {
  const { now, matchRoomId, interests = [], interestWaitMs = 0 } = request;
  const args = [userId, now, matchRoomId, interestWaitMs, onlyIfQueued ? '1' : '0', ...interests];
  const [kind, ...rest] = list(await run('enqueue', { control: true }, args));
  switch (kind) {
    case 'already_in_chat': {
      const roomId = text(rest[0]);
      if (typeof rest[1] === 'string') await ensureMatchRoom(run, roomId, rest[1]);
      return { kind, roomId };
    }
    case 'already_waiting':
    case 'waiting':
      return { kind, position: integer(rest[0]), queueLength: integer(rest[1]) };
    case 'not_queued':
      return { kind };
    case 'matched': {
      const roomId = text(rest[0]);
      const pair = JSON.parse(text(rest[1])) as { partner: string; partnerName: string };
      const room = await ensureMatchRoom(run, roomId, text(rest[1]));
      return { kind, ...matched([roomId, room, pair.partner, pair.partnerName]) };
    }
    default:
      throw new Error(`Redis script enqueue answered ${JSON.stringify(kind)}`);
  }
}

export async function matchState(run: SlotRun, userId: string): Promise<MatchState> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const [kind, ...rest] = list(await run('matchState', { control: true }, [userId]));
    switch (kind) {
      case 'room': {
        const roomId = text(rest[0]);
        if (typeof rest[1] === 'string') await ensureMatchRoom(run, roomId, rest[1]);
        const [state, ...room] = list(await run('queueRoomState', { room: roomId }, [roomId, userId]));
        if (state === 'matched') return { kind: 'matched', ...matched([roomId, ...room]) };
        // The room ended (or was swept) and the control slot had not caught up: it does now.
        await run('closeRooms', { control: true }, [userId, roomId]);
        break;
      }
      case 'waiting':
        return { kind, position: integer(rest[0]), queueLength: integer(rest[1]) };
      case 'idle':
        return { kind };
      default:
        throw new Error(`Redis script matchState answered ${JSON.stringify(kind)}`);
    }
  }
  return { kind: 'idle' };
}

/** A `matched` reply after its kind: room id, room hash, partner id, partner name. */
function matched([roomId, room, partnerId, partnerName]: Reply[]) {
  const shared = fields(room).get('sharedInterests') ?? '';
  return {
    room: toRoom(text(roomId), room),
    partner: { userId: text(partnerId), displayName: text(partnerName) },
    sharedInterests: shared === '' ? [] : shared.split(','),
  };
}

export async function overdueInQueue(script: RunScript, cutoff: number, limit: number): Promise<string[]> {
  return list(await script('overdueInQueue', [cutoff, limit])).map(text);
}

/**
 * A block in the control slot, then copied into the blocker's open memberships (whose messages
 * it sees, room by room). A block repeated after a crash between the two copies again.
 */
export async function block(
  run: SlotRun,
  { blockerId, blockedId }: { blockerId: string; blockedId: string; now: number },
): Promise<void> {
  const [, hides, rooms] = list(await run('block', CONTROL, [blockerId, blockedId]));
  await copyToMemberships(run, blockerId, rooms ?? [], 'hides', text(hides));
}

export async function unblock(run: SlotRun, blockerId: string, blockedId: string): Promise<boolean> {
  const [removed, hides, rooms] = list(await run('unblock', CONTROL, [blockerId, blockedId]));
  await copyToMemberships(run, blockerId, rooms ?? [], 'hides', text(hides));
  return integer(removed) === 1;
}

export async function blockedBy(script: RunScript, userId: string): Promise<string[]> {
  return list(await script('blockedBy', [userId])).map(text);
}

export async function fileReport(script: RunScript, report: Report): Promise<void> {
  await script('fileReport', [report.reportedId, JSON.stringify(report), report.createdAt]);
}

export async function listReports(script: RunScript, limit: number): Promise<Report[]> {
  const reports = list(await script('listReports', [limit])).map((json) => JSON.parse(text(json)) as Report);
  return reports.sort((a, b) => b.createdAt - a.createdAt).slice(0, limit);
}

export async function ban(
  script: RunScript,
  { userId, reason, now }: { userId: string; reason: string; now: number },
): Promise<boolean> {
  return integer(await script('ban', [userId, reason, now])) === 1;
}

export async function unban(script: RunScript, userId: string): Promise<boolean> {
  return integer(await script('unban', [userId])) === 1;
}

export async function banOf(script: RunScript, userId: string): Promise<Ban | null> {
  const reply = await script('banOf', [userId]);
  if (reply === null) return null;
  const [reason, at] = list(reply);
  return { userId, reason: text(reason), bannedAt: time(at) };
}
