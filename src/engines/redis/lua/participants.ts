import { readScript, writeScript } from './common.js';

/**
 * Participants and presence. Identity keys (the participant hash and its credential) expire
 * IDENTITY_TTL after the last touch: identities unused for 30 days may be forgotten.
 */

/** ARGV: user, credential digest, display name, now, identity ttl (s), owner ('' for none). */
export const createParticipant = writeScript(`
local user, digest, name, now, ttl, owner = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local key = participant_key(user)
redis.call('HSET', key, 'displayName', name, 'createdAt', now, 'lastSeenAt', now, 'credential', digest)
if owner ~= '' then redis.call('HSET', key, 'owner', owner) end
redis.call('EXPIRE', key, ttl)
redis.call('SET', credential_key(digest), user, 'EX', ttl)
return 1
`);

/** ARGV: credential digest. Reply: false, or {user, displayName, createdAt, lastSeenAt, owner or false}. */
export const findParticipant = readScript(`
local user = redis.call('GET', credential_key(ARGV[1]))
if not user then return false end
local fields = redis.call('HMGET', participant_key(user), 'displayName', 'createdAt', 'lastSeenAt', 'owner')
if not fields[1] then return false end
return {user, fields[1], fields[2], fields[3], fields[4]}
`);

/**
 * ARGV: user, now, identity ttl (s), [display name]. Records activity, clears an idle claim, and
 * puts the participant back in the presence index with the new score if it is queued or in an
 * open room (out of it otherwise).
 */
export const touchParticipant = writeScript(`
local user, now, ttl, name = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local key = participant_key(user)
if redis.call('EXISTS', key) == 0 then return 0 end
redis.call('HSET', key, 'lastSeenAt', now)
if name then redis.call('HSET', key, 'displayName', name) end
redis.call('HDEL', key, 'claimed')
redis.call('EXPIRE', key, ttl)
local digest = redis.call('HGET', key, 'credential')
if digest then redis.call('EXPIRE', credential_key(digest), ttl) end
if is_present(user) then
  redis.call('ZADD', PRESENT, now, user)
else
  redis.call('ZREM', PRESENT, user)
end
return 1
`);

/**
 * ARGV: cutoff, limit. Reply: up to limit user ids whose last activity is before cutoff and who
 * are queued or in an open room. Each one leaves the presence index as it is handed out, so no
 * other caller gets it until a touch puts it back. Entries that are no longer present are dropped
 * on the way; every entry looked at leaves the index, so the loop ends.
 */
export const claimIdle = writeScript(`
local cutoff, limit = ARGV[1], tonumber(ARGV[2])
local claimed = {}
while #claimed < limit do
  local batch = redis.call('ZRANGEBYSCORE', PRESENT, '-inf', '(' .. cutoff, 'LIMIT', 0, limit)
  if #batch == 0 then break end
  for _, user in ipairs(batch) do
    if #claimed == limit then break end
    redis.call('ZREM', PRESENT, user)
    if is_present(user) then
      if redis.call('EXISTS', participant_key(user)) == 1 then
        redis.call('HSET', participant_key(user), 'claimed', '1')
      end
      claimed[#claimed + 1] = user
    end
  end
end
return claimed
`);
