import type { EventBus } from '../../chat/engine.js';
import {
  type NewSessionRecord,
  type ReplayBounds,
  type ReplayEvent,
  type SessionRecord,
  type SessionRecords,
  type SessionSignal,
  type StoredReplayEvent,
  sessionTopic,
} from '../../chat/session-records.js';
import { isCluster, type RedisClient } from './scripts.js';

/** Runs Redis commands the way the engine does (after the bus settled, failures as unavailable). */
export type RedisRunner = <T>(command: (redis: RedisClient) => Promise<T>) => Promise<T>;

/** The cap: drops the owner's expired entries, counts the rest, adds the session when there is room. */
const OPEN = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[3], 'GT')
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIREAT', KEYS[1], ARGV[3]) end
return 1
`;

/** Adds a user id to the session's JSON list (once, at most ARGV[2] of them). */
const BIND = `
local users = redis.call('HGET', KEYS[1], 'users')
if not users then return 0 end
local list = cjson.decode(users)
if #list >= tonumber(ARGV[2]) then return 0 end
for _, user in ipairs(list) do if user == ARGV[1] then return 0 end end
table.insert(list, ARGV[1])
redis.call('HSET', KEYS[1], 'users', cjson.encode(list))
return 1
`;

/** Numbers and appends one replay event, trims the log to its bounds, expires it with the session. */
const APPEND_EVENT = `
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then return 0 end
local seq = redis.call('HINCRBY', KEYS[1], 'events', 1)
redis.call('RPUSH', KEYS[2], cjson.encode({ seq = seq, streamId = ARGV[1], message = ARGV[2], at = tonumber(ARGV[3]) }))
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[4]), -1)
local oldest = tonumber(ARGV[3]) - tonumber(ARGV[5])
while true do
  local head = redis.call('LINDEX', KEYS[2], 0)
  if not head or cjson.decode(head).at >= oldest then break end
  redis.call('LPOP', KEYS[2])
end
redis.call('PEXPIRE', KEYS[2], ttl)
return seq
`;

/**
 * Sessions in Redis. Each session's keys share the hash tag `{session id}` (its hash and its
 * replay log), so a session lives in one slot; the per-owner index `sessions-of:{owner}` is a
 * sorted set of session ids scored by when they expire, which is what the cap counts. Expiry is
 * Redis's own (PEXPIRE, renewed by `touch`); the replay log is a list trimmed to its count on
 * every append. Signals travel on the engine's bus.
 */
export class RedisSessionRecords implements SessionRecords {
  constructor(
    private readonly run: RedisRunner,
    private readonly bus: EventBus,
    private readonly prefix: string,
  ) {}

  async open(record: NewSessionRecord, { maxPerOwner, ttlMs }: { maxPerOwner: number; ttlMs: number }) {
    const { sessionId, ownerKey, subject, initialize, now } = record;
    const expires = now + ttlMs;
    const admitted = await this.run((redis) =>
      redis.eval(OPEN, 1, this.ownerKey(ownerKey), sessionId, now, expires, maxPerOwner),
    );
    if (admitted !== 1) return false;
    await this.run((redis) =>
      redis
        .multi()
        .hset(this.key(sessionId), {
          owner: ownerKey,
          ...(subject === undefined ? {} : { subject }),
          init: initialize,
          users: '[]',
          created: now,
          active: now,
          events: 0,
        })
        .pexpire(this.key(sessionId), ttlMs)
        .exec(),
    );
    return true;
  }

  async touch(sessionId: string, now: number, ttlMs: number): Promise<SessionRecord | null> {
    const key = this.key(sessionId);
    const replies = await this.run((redis) =>
      redis.multi().hgetall(key).pexpire(key, ttlMs, 'XX').pexpire(this.eventsKey(sessionId), ttlMs).exec(),
    );
    const hash = (replies?.[0]?.[1] ?? {}) as Record<string, string>;
    if (hash.owner === undefined) return null;
    // The session's slot, then the owner's (two slots on a cluster); both steps only renew.
    await this.run((redis) => redis.hset(key, 'active', now));
    await this.run((redis) =>
      redis
        .multi()
        // Only an entry that is still there: an ended session must not come back into the count.
        .zadd(this.ownerKey(hash.owner as string), 'XX', now + ttlMs, sessionId)
        .pexpire(this.ownerKey(hash.owner as string), ttlMs, 'GT')
        .exec(),
    );
    return {
      sessionId,
      ownerKey: hash.owner,
      subject: hash.subject,
      initialize: hash.init ?? '{}',
      logLevel: hash.level,
      userIds: JSON.parse(hash.users ?? '[]') as string[],
      now: Number(hash.created),
      lastActiveAt: now,
    };
  }

  async bind(sessionId: string, userId: string, maxUsers: number): Promise<void> {
    await this.run((redis) => redis.eval(BIND, 1, this.key(sessionId), userId, maxUsers));
  }

  async setLogLevel(sessionId: string, level: string): Promise<void> {
    // HSET on a missing key would create a hash without expiry: only set it on a live session.
    await this.run(async (redis) => {
      if ((await redis.exists(this.key(sessionId))) === 1)
        await redis.hset(this.key(sessionId), 'level', level);
    });
  }

  async end(sessionId: string): Promise<boolean> {
    const owner = await this.run((redis) => redis.hget(this.key(sessionId), 'owner'));
    // The session's slot, then the owner's: ending twice is harmless, so a retry finishes it.
    const deleted = await this.run((redis) => redis.del(this.key(sessionId), this.eventsKey(sessionId)));
    if (owner !== null) await this.run((redis) => redis.zrem(this.ownerKey(owner), sessionId));
    return owner !== null && deleted > 0;
  }

  /**
   * Walks the session keys (SCAN, on every primary of a cluster: each holds its own slots): for
   * metrics and tests, not for a request path.
   */
  async count(_now: number): Promise<number> {
    return this.run(async (client) => {
      const nodes = isCluster(client) ? client.nodes('master') : [client];
      let found = 0;
      for (const redis of nodes) {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.prefix}session:{*}`, 'COUNT', 1000);
          cursor = next;
          found += keys.filter((key) => key.endsWith('}')).length;
        } while (cursor !== '0');
      }
      return found;
    });
  }

  async appendEvent(sessionId: string, event: ReplayEvent, window: ReplayBounds): Promise<number> {
    const seq = await this.run((redis) =>
      redis.eval(
        APPEND_EVENT,
        2,
        this.key(sessionId),
        this.eventsKey(sessionId),
        event.streamId,
        event.message,
        event.at,
        window.maxEvents,
        window.maxAgeMs,
      ),
    );
    return Number(seq);
  }

  async eventsAfter(sessionId: string, streamId: string, after: number): Promise<StoredReplayEvent[]> {
    const items = await this.run((redis) => redis.lrange(this.eventsKey(sessionId), 0, -1));
    return items
      .map((item) => JSON.parse(item) as StoredReplayEvent)
      .filter((event) => event.streamId === streamId && event.seq > after);
  }

  async signal(sessionId: string, signal: SessionSignal): Promise<void> {
    await this.bus.publish(sessionTopic(sessionId), { type: 'session', signal });
  }

  onSignal(sessionId: string, listener: (signal: SessionSignal) => void): () => void {
    return this.bus.subscribe(sessionTopic(sessionId), (event) => {
      if (event.type === 'session') listener(event.signal);
    });
  }

  private key(sessionId: string): string {
    return `${this.prefix}session:{${sessionId}}`;
  }

  private eventsKey(sessionId: string): string {
    return `${this.prefix}session:{${sessionId}}:events`;
  }

  private ownerKey(ownerKey: string): string {
    return `${this.prefix}sessions-of:{${ownerKey}}`;
  }
}
