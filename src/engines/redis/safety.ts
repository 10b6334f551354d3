import type { Ban, EnqueueOutcome, MatchRequest, MatchState, Report } from '../../chat/engine.js';
import { fields, integer, list, text, time, toRoom } from './decode.js';
import type { Reply, ScriptName } from './scripts.js';

/**
 * Matching by interests, blocks, reports and bans on Redis (chat/safety-port.ts): the scripts of
 * lua/matching.ts and lua/safety.ts, and what their replies mean.
 */

type RunScript = (name: ScriptName, args: (string | number)[]) => Promise<Reply>;

export async function enqueue(
  script: RunScript,
  userId: string,
  request: MatchRequest,
  onlyIfQueued: boolean,
): Promise<EnqueueOutcome | { kind: 'not_queued' }> {
  const { now, matchRoomId, interests = [], interestWaitMs = 0 } = request;
  const args = [userId, now, matchRoomId, interestWaitMs, onlyIfQueued ? '1' : '0', ...interests];
  const [kind, ...rest] = list(await script('enqueue', args));
  switch (kind) {
    case 'already_in_chat':
      return { kind, roomId: text(rest[0]) };
    case 'already_waiting':
    case 'waiting':
      return { kind, position: integer(rest[0]), queueLength: integer(rest[1]) };
    case 'not_queued':
      return { kind };
    case 'matched':
      return { kind, ...matched(rest) };
    default:
      throw new Error(`Redis script enqueue answered ${JSON.stringify(kind)}`);
  }
}

export async function matchState(script: RunScript, userId: string): Promise<MatchState> {
  const [kind, ...rest] = list(await script('matchState', [userId]));
  switch (kind) {
    case 'matched':
      return { kind, ...matched(rest) };
    case 'waiting':
      return { kind, position: integer(rest[0]), queueLength: integer(rest[1]) };
    case 'idle':
      return { kind };
    default:
      throw new Error(`Redis script matchState answered ${JSON.stringify(kind)}`);
  }
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

export async function block(
  script: RunScript,
  { blockerId, blockedId }: { blockerId: string; blockedId: string; now: number },
): Promise<void> {
  await script('block', [blockerId, blockedId]);
}

export async function unblock(script: RunScript, blockerId: string, blockedId: string): Promise<boolean> {
  return integer(await script('unblock', [blockerId, blockedId])) === 1;
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
