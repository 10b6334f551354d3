import { writeScript } from './common.js';

/**
 * ARGV: user, now, rate per second, burst. Reply: 1 when a token was taken, 0 otherwise.
 * The same rule as engines/token-bucket.ts, kept in Redis so the limit holds across instances.
 * A bucket expires once it would have refilled completely: a missing bucket is a full one.
 */
export const takeSendToken = writeScript(`
return take_token(bucket_key(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]))
`);

/**
 * ARGV: limit key (a subject or a client address), now, rate per second, burst. Reply: 1 when a
 * token was taken. The rule of takeSendToken, in the buckets for creating participants.
 */
export const takeCreationToken = writeScript(`
return take_token(creation_bucket_key(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]))
`);

/**
 * ARGV: user, wait id, now, max, max age (ms). Registers a parked wait; forgets waits older than
 * the max age (their instance died without releasing them); unregisters and returns the oldest
 * beyond max. The set expires with its newest wait.
 */
export const holdWait = writeScript(`
local user, wait, now, max, max_age = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local key = waits_key(user)
redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. (now - max_age))
redis.call('ZADD', key, now, wait)
local extra = redis.call('ZCARD', key) - max
local superseded = {}
if extra > 0 then
  superseded = redis.call('ZRANGE', key, 0, extra - 1)
  redis.call('ZREM', key, unpack(superseded))
end
redis.call('PEXPIRE', key, max_age)
return superseded
`);

/** ARGV: user, wait id. */
export const releaseWait = writeScript(`
redis.call('ZREM', waits_key(ARGV[1]), ARGV[2])
return 1
`);

/** A participant's own slot. ARGV: user. The participant sweep's step for its bucket and waits. */
export const forgetOwnKeys = writeScript(`
redis.call('DEL', bucket_key(ARGV[1]), waits_key(ARGV[1]))
return 1
`);
