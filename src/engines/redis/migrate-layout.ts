import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Moves a deployment's data from the key layout before hash tags (`room:ID`, `participant:U`,
 * `queue`, ...) to the hash-tagged one of lua/common.ts, once, when a Redis engine starts on a
 * single Redis. Without it an upgrade would silently lose every participant (their client_ids
 * stop working), every room and its history.
 *
 * - A marker, `{control}:layout` = 2, says the data is in the new layout: a start that finds it
 *   does nothing more (one GET). It is set last, so a migration cut short runs again.
 * - Renames: SCAN over the prefix (never KEYS: the Redis may be shared and large), RENAMENX of
 *   each old key to its new name. RENAME keeps a key's TTL (credentials, idempotency records,
 *   buckets expire as before) and moves the value without copying it. Re-running after a crash is
 *   safe: a key already renamed is not found under its old name again, and new names are skipped.
 * - Derived copies the new scripts read instead of looking across slots: each membership's
 *   `name` and `hides`, `{control}:directory:info`, a participant's `queueRoom`. They are
 *   recomputed from the migrated data, which is idempotent, so they run on every migration pass
 *   (also after a crash between the renames and the marker, when no old key is left to tell).
 * - Several instances starting at once: one takes a lock (SET NX PX, renewed while it works), the
 *   others wait for the marker, and take the lock themselves if its holder died (it expires).
 *   Should two ever work at once (a holder stalled past its lock), renames still cannot clash:
 *   each key moves once, the other sees "no such key"; the fills compute the same values.
 * - `session:{id}`, `session:{id}:events` and `sessions-of:{owner}` were hash-tagged already and
 *   did not change; `matches:pending` starts empty (the old matching made the room in one step).
 * - Never on a cluster (the engine does not call this there): the old layout could not run on one.
 *
 * Old and new instances must not run side by side: an old instance still serving after the
 * migration writes old-layout keys nobody reads. An upgrade stops the old instances, then starts
 * the new ones (docs/redis.md, "Upgrading").
 */

export const LAYOUT_VERSION = '2';
/** Long enough for a slow SCAN batch; renewed after every batch. */
const LOCK_MS = 30_000;
/** How often a waiting instance looks for the marker. */
const POLL_MS = 100;
const SCAN_COUNT = 1000;

export interface LayoutMigration {
  /** True when this call did the work (false: the marker was there, or another instance did it). */
  migrated: boolean;
  /** Old keys renamed to their new names. */
  renamed: number;
  /**
   * Old keys left in place because their new name already held a key (written by a new-layout
   * instance while an old one still ran): the new key is kept, never overwritten.
   */
  conflicts: string[];
}

/** Keys of the control slot that kept their name and only moved under `{control}:`. */
const CONTROL_NAMES =
  /^(queue|queue:tickets|queue:since|queue:tag:.*|reported|present|directory|rooms:expiring|participants:expiring|credential:.+)$/s;

/**
 * The new name (after the prefix) of an old-layout key, or undefined for a key that is already
 * in the new layout or is not the engine's. Room and user ids never hold `:`, `{` or `}`
 * (ROOM_ID_PATTERN, identity.ts), so the first `:` after the id ends it; what follows (a
 * member's id, an idempotency key that may hold anything) is kept as it is.
 */
export function newKeyName(rest: string): string | undefined {
  if (rest.startsWith('{')) return undefined; // {control}:..., already moved
  if (CONTROL_NAMES.test(rest)) return `{control}:${rest}`;
  const [head, id, tail] = splitId(rest);
  if (id === undefined || id === '' || id.startsWith('{')) return undefined;
  if (head === 'room') return `room:{${id}}${tail}`;
  if (head === 'participant') {
    // The per-call keys went to the participant's own slot; the rest to the control slot.
    if (tail === ':bucket' || tail === ':waits') return `participant:{${id}}${tail}`;
    return `{control}:${rest}`;
  }
  // A limit key is a subject or a client address (an IPv6 one holds colons): all of it.
  if (head === 'creations') return `creations:{${rest.slice('creations:'.length)}}`;
  return undefined;
}

function splitId(rest: string): [string, string | undefined, string] {
  const colon = rest.indexOf(':');
  if (colon < 0) return [rest, undefined, ''];
  const head = rest.slice(0, colon);
  const next = rest.indexOf(':', colon + 1);
  if (next < 0) return [head, rest.slice(colon + 1), ''];
  return [head, rest.slice(colon + 1, next), rest.slice(next)];
}

/**
 * Resolves once the data under the prefix is in the new layout, migrating it if this instance
 * gets the lock. Fails (and may be called again) when Redis fails; `closed` ends a wait.
 */
export async function ensureLayout(
  redis: Redis,
  prefix: string,
  closed: () => boolean = () => false,
): Promise<LayoutMigration> {
  const marker = `${prefix}{control}:layout`;
  const lock = `${prefix}{control}:layout:lock`;
  for (;;) {
    if ((await redis.get(marker)) === LAYOUT_VERSION) return { migrated: false, renamed: 0, conflicts: [] };
    if (closed()) throw new Error('the engine closed while waiting for the key layout migration');
    const token = randomUUID();
    if ((await redis.set(lock, token, 'PX', LOCK_MS, 'NX')) === 'OK') {
      try {
        const renew = async () => {
          await redis.eval(RENEW, 1, lock, token, LOCK_MS);
        };
        const result = await migrate(redis, prefix, renew);
        await redis.set(marker, LAYOUT_VERSION);
        return result;
      } finally {
        await redis.eval(RELEASE, 1, lock, token).catch(() => {});
      }
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

async function migrate(redis: Redis, prefix: string, renew: () => Promise<void>): Promise<LayoutMigration> {
  let renamed = 0;
  const conflicts: string[] = [];
  await scanKeys(redis, prefix, renew, async (keys) => {
    const moves = keys.flatMap((key) => {
      const target = newKeyName(key.slice(prefix.length));
      return target === undefined ? [] : [[key, prefix + target] as const];
    });
    if (moves.length === 0) return;
    const pipeline = redis.pipeline();
    for (const [from, to] of moves) pipeline.renamenx(from, to);
    const replies = (await pipeline.exec()) ?? [];
    replies.forEach(([error, reply], i) => {
      if (error) {
        // Moved meanwhile by another migrating instance: nothing left to do for it.
        if (/no such key/i.test(error.message)) return;
        throw error;
      }
      if (reply === 1) renamed++;
      else conflicts.push((moves[i] as readonly [string, string])[0]);
    });
  });
  await fillCopies(redis, prefix, renew);
  return { migrated: true, renamed, conflicts };
}

/** Calls `batch` with each SCAN page of the keys under the prefix, renewing the lock between pages. */
async function scanKeys(
  redis: Redis,
  prefix: string,
  renew: () => Promise<void>,
  batch: (keys: string[]) => Promise<void>,
): Promise<void> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
    cursor = next;
    await batch(keys);
    await renew();
  } while (cursor !== '0');
}

/**
 * The copies lua/common.ts keeps beside the data, computed the way the new scripts compute them.
 * Each script checks that its key still exists, so nothing is created for data that is gone.
 * They name keys they did not declare, which a single Redis allows (this never runs on a cluster).
 */

/** KEYS: membership, participant, its blocks. The name now lives in the membership (display_name). */
const FILL_MEMBERSHIP = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local name = redis.call('HGET', KEYS[2], 'displayName')
-- The old display_name preferred the participant's current name, the join-time one once forgotten.
if name then redis.call('HSET', KEYS[1], 'name', name) end
local blocks = redis.call('SMEMBERS', KEYS[3])
local hides = '[]'
if #blocks > 0 then hides = cjson.encode(blocks) end
redis.call('HSET', KEYS[1], 'hides', hides)
return 1
`;

/**
 * KEYS: participant, its open rooms; ARGV: prefix. queueRoom is the old open_queue_room: the
 * first open room of kind queue. An existing queueRoom (a pending match) is kept.
 */
const FILL_QUEUE_ROOM = `
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'queueRoom') == 1 then return 0 end
for _, room in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local key = ARGV[1] .. 'room:{' .. room .. '}'
  if redis.call('HGET', key, 'kind') == 'queue' and redis.call('HEXISTS', key, 'endedAt') == 0 then
    redis.call('HSET', KEYS[1], 'queueRoom', room)
    return 1
  end
end
return 0
`;

/** KEYS: directory info, room hash, room members; ARGV: room id. The JSON of common.ts listing_of. */
const FILL_LISTING = `
local kind, visibility, topic, capacity, listing = unpack(redis.call('HMGET', KEYS[2],
  'kind', 'visibility', 'topic', 'capacity', 'listing'))
if kind ~= 'named' or visibility == 'private' then return 0 end
local members = redis.call('ZCARD', KEYS[3])
if members == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode({topic = topic or '', capacity = tonumber(capacity),
  listing = listing or string.lower(ARGV[1]), members = members}))
return 1
`;

const MEMBERSHIP = /^room:\{([^}]+)\}:member:([^:]+)$/;
const PARTICIPANT = /^\{control\}:participant:([^:]+)$/;

async function fillCopies(redis: Redis, prefix: string, renew: () => Promise<void>): Promise<void> {
  const c = `${prefix}{control}:`;
  await scanKeys(redis, prefix, renew, async (keys) => {
    const pipeline = redis.pipeline();
    for (const key of keys) {
      const rest = key.slice(prefix.length);
      const membership = MEMBERSHIP.exec(rest);
      if (membership) {
        const user = membership[2] as string;
        pipeline.eval(FILL_MEMBERSHIP, 3, key, `${c}participant:${user}`, `${c}participant:${user}:blocks`);
        continue;
      }
      const participant = PARTICIPANT.exec(rest);
      if (participant) pipeline.eval(FILL_QUEUE_ROOM, 2, key, `${key}:rooms`, prefix);
    }
    await execOrThrow(pipeline);
  });
  const rooms = await redis.zrange(`${c}directory`, '0', '-1');
  for (let i = 0; i < rooms.length; i += SCAN_COUNT) {
    const pipeline = redis.pipeline();
    for (const room of rooms.slice(i, i + SCAN_COUNT)) {
      const key = `${prefix}room:{${room}}`;
      pipeline.eval(FILL_LISTING, 3, `${c}directory:info`, key, `${key}:members`, room);
    }
    await execOrThrow(pipeline);
    await renew();
  }
}

async function execOrThrow(pipeline: ReturnType<Redis['pipeline']>): Promise<void> {
  if (pipeline.length === 0) return;
  for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
}
