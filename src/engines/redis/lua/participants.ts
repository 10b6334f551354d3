import { readScript, writeScript } from './common.js';

/**
 * Participants and presence. Identity keys (the participant hash and its credential) expire
 * the identity lifetime (30 days) after the last touch; sweepParticipants removes the rest.
 */

/**
 * ARGV: user, credential digest, display name, now, identity ttl (s), owner ('' for none), when
 * the participant is forgotten (wall-clock ms).
 */
export const createParticipant = writeScript(`
local user, digest, name, now, ttl, owner = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local key = participant_key(user)
redis.call('HSET', key, 'displayName', name, 'createdAt', now, 'lastSeenAt', now, 'credential', digest)
if owner ~= '' then redis.call('HSET', key, 'owner', owner) end
redis.call('EXPIRE', key, ttl)
redis.call('SET', credential_key(digest), user, 'EX', ttl)
redis.call('ZADD', PARTICIPANTS_EXPIRING, ARGV[7], user)
return 1
`);

/**
 * Control slot, the participant sweep's first step. ARGV: now (wall-clock ms), limit. Of up to
 * limit participants past their deadline, one whose hash still exists called meanwhile and gets
 * its new deadline; the others are answered with the rooms they joined, whose memberships the
 * room steps forget (forgetMember) before forgetParticipant removes the rest. Reply: {number
 * looked at, {user, {rooms}}, ...}.
 */
export const dueParticipants = writeScript(`
local now, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local due = redis.call('ZRANGEBYSCORE', PARTICIPANTS_EXPIRING, '-inf', now, 'LIMIT', 0, limit)
local gone = {}
for _, user in ipairs(due) do
  local left = redis.call('PTTL', participant_key(user))
  if left > 0 then
    redis.call('ZADD', PARTICIPANTS_EXPIRING, now + left, user)
  else
    gone[#gone + 1] = {user, redis.call('ZRANGE', joined_rooms_key(user), 0, -1)}
  end
end
return {#due, gone}
`);

/**
 * Control slot. ARGV: user. The participant sweep's last step, once its memberships are gone:
 * its room lists, queue place, presence, blocks both ways and index entry (last, so an interrupted sweep comes
 * back). Its bucket and waits, in its own slot, the engine deletes after this.
 */
export const forgetParticipant = writeScript(`
local user = ARGV[1]
if redis.call('EXISTS', participant_key(user)) == 1 then return 0 end
redis.call('DEL', joined_rooms_key(user), open_rooms_key(user))
unqueue(user)
redis.call('ZREM', PRESENT, user)
-- Nobody can act as a forgotten participant again: blocks of or by it protect nobody.
for _, other in ipairs(redis.call('SMEMBERS', blocks_key(user))) do redis.call('SREM', blocked_by_key(other), user) end
for _, other in ipairs(redis.call('SMEMBERS', blocked_by_key(user))) do redis.call('SREM', blocks_key(other), user) end
redis.call('DEL', blocks_key(user), blocked_by_key(user))
redis.call('ZREM', PARTICIPANTS_EXPIRING, user)
return 1
`);

/** ARGV: credential digest. Reply: false, or {user, displayName, createdAt, lastSeenAt, owner or false, banned 0/1}. */
export const findParticipant = readScript(`
local user = redis.call('GET', credential_key(ARGV[1]))
if not user then return false end
local fields = redis.call('HMGET', participant_key(user), 'displayName', 'createdAt', 'lastSeenAt', 'owner')
if not fields[1] then return false end
return {user, fields[1], fields[2], fields[3], fields[4], redis.call('EXISTS', ban_key(user))}
`);

/**
 * ARGV: user, now, identity ttl (s), when it is forgotten (wall-clock ms), [display name].
 * Records activity, clears an idle claim, and puts the participant back in the presence index
 * with the new score if it is queued or in an open room (out of it otherwise). Reply: 0 for an
 * unknown participant, else {open rooms}: after a rename the engine copies the name into those
 * memberships (copyToMember).
 */
export const touchParticipant = writeScript(`
local user, now, ttl, forget_at, name = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local key = participant_key(user)
if redis.call('EXISTS', key) == 0 then return 0 end
redis.call('ZADD', PARTICIPANTS_EXPIRING, forget_at, user)
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
return {redis.call('ZRANGE', open_rooms_key(user), 0, -1)}
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
