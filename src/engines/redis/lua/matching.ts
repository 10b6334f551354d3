import { readScript, writeScript } from './common.js';

/**
 * Pairing by interests, with blocks and the last partner honoured (the rule is `MatchRequest` in
 * chat/safety-port.ts). One script per step, so two instances can never pair the same participant.
 */

/** Queued participants one look examines: per tag among those who share it, and among anyone. */
const CANDIDATES_PER_LOOK = 50;

/**
 * Control slot. ARGV: user, now, match room id, interest wait (ms), only if queued ('1' for
 * rematch), then the tags of a new arrival. Reply: {'already_in_chat', room, pending pair or
 * false} | {'already_waiting' | 'waiting', position, length} | {'not_queued'} | {'matched', room,
 * pair}. A pair is the JSON the room is made from (createMatchRoom): partner, partnerName, user,
 * userName, now, shared (tags joined by commas, which tags never contain). It stays in
 * matches:pending until the room exists, so whoever finds the match (either participant's next
 * call) can create the room if the step after this one never ran.
 */
export const enqueue = writeScript(`
local user, now, match_room, wait_ms, only_if_queued = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), ARGV[5]
local current = redis.call('HGET', participant_key(user), 'queueRoom')
if current then return {'already_in_chat', current, redis.call('HGET', MATCHES_PENDING, current)} end
local fresh = false
if not is_queued(user) then
  if only_if_queued == '1' then return {'not_queued'} end
  local ticket = redis.call('INCR', QUEUE_TICKETS)
  redis.call('ZADD', QUEUE, ticket, user)
  redis.call('ZADD', QUEUE_SINCE, now, user)
  for i = 6, #ARGV do
    redis.call('SADD', interests_key(user), ARGV[i])
    redis.call('ZADD', queue_tag_key(ARGV[i]), ticket, user)
  end
  mark_present(user)
  fresh = true
end

local cutoff = now - wait_ms
local function waited(who) return tonumber(redis.call('ZSCORE', QUEUE_SINCE, who) or now) <= cutoff end
local function blocked(other)
  return redis.call('SISMEMBER', blocks_key(user), other) == 1 or redis.call('SISMEMBER', blocks_key(other), user) == 1
end
local my_last = redis.call('HGET', participant_key(user), 'lastPartner')
local function last_pair(other)
  return my_last == other or redis.call('HGET', participant_key(other), 'lastPartner') == user
end
local my_tags = redis.call('SMEMBERS', interests_key(user))
local fallback = nil
-- The first eligible one of these candidates, remembering a last partner for the last resort.
local function consider(candidates, accepts)
  for _, other in ipairs(candidates) do
    if other ~= user and not blocked(other) and accepts(other) then
      if not last_pair(other) then return other end
      if fallback == nil and waited(other) and waited(user) then fallback = other end
    end
  end
  return nil
end

local partner, best_ticket = nil, nil
for _, tag in ipairs(my_tags) do
  local found = consider(redis.call('ZRANGE', queue_tag_key(tag), 0, ${CANDIDATES_PER_LOOK - 1}), function() return true end)
  if found then
    local ticket = tonumber(redis.call('ZSCORE', QUEUE, found))
    if best_ticket == nil or ticket < best_ticket then partner, best_ticket = found, ticket end
  end
end
if partner == nil and (#my_tags == 0 or waited(user)) then
  partner = consider(redis.call('ZRANGE', QUEUE, 0, ${CANDIDATES_PER_LOOK - 1}), function(other)
    return waited(other) or redis.call('SCARD', interests_key(other)) == 0
  end)
end
if partner == nil then partner = fallback end

local partner_name = partner and redis.call('HGET', participant_key(partner), 'displayName')
if partner and not partner_name then
  -- Its identity was forgotten: it cannot chat. It leaves the queue; the next call tries again.
  unqueue(partner)
  redis.call('ZREM', PRESENT, partner)
  partner = nil
end
if partner == nil then
  local kind = 'already_waiting'
  if fresh then kind = 'waiting' end
  return {kind, redis.call('ZRANK', QUEUE, user) + 1, redis.call('ZCARD', QUEUE)}
end
local shared = {}
for _, tag in ipairs(my_tags) do
  if redis.call('SISMEMBER', interests_key(partner), tag) == 1 then shared[#shared + 1] = tag end
end
table.sort(shared)
unqueue(partner)
unqueue(user)
local pair = cjson.encode({partner = partner, partnerName = partner_name, user = user,
  userName = redis.call('HGET', participant_key(user), 'displayName') or '', now = now, shared = table.concat(shared, ',')})
redis.call('HSET', MATCHES_PENDING, match_room, pair)
for _, who in ipairs({partner, user}) do
  redis.call('HSET', participant_key(who), 'queueRoom', match_room)
  redis.call('ZADD', open_rooms_key(who), now, match_room)
  redis.call('ZADD', joined_rooms_key(who), now, match_room)
  mark_present(who)
end
redis.call('HSET', participant_key(user), 'lastPartner', partner)
redis.call('HSET', participant_key(partner), 'lastPartner', user)
return {'matched', match_room, pair}
`);

/** ARGV: cutoff (ms), limit. Reply: queued user ids who arrived at or before cutoff, oldest first. */
export const overdueInQueue = readScript(`
return redis.call('ZRANGEBYSCORE', QUEUE_SINCE, '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
`);

/**
 * Room slot. ARGV: room, pair (the JSON of enqueue). Creates the queue room of a match with both
 * members, or answers the one already there (a second caller, or a retry). Reply: the room hash.
 */
export const createMatchRoom = writeScript(`
local room, pair = ARGV[1], cjson.decode(ARGV[2])
local key = room_key(room)
if redis.call('EXISTS', key) == 1 then
  if redis.call('HGET', key, 'kind') ~= 'queue' then return redis.error_reply('match room id ' .. room .. ' is taken') end
  return redis.call('HGETALL', key)
end
redis.call('HSET', key, 'kind', 'queue', 'capacity', 2, 'createdAt', pair.now, 'lastSeq', 0, 'sharedInterests', pair.shared)
add_member(room, pair.partner, pair.now, 0, pair.partnerName, '[]')
add_member(room, pair.user, pair.now, 0, pair.userName, '[]')
return redis.call('HGETALL', key)
`);

/** Control slot. ARGV: room. The match's room exists: its pair is no longer pending. */
export const matchCreated = writeScript(`
redis.call('HDEL', MATCHES_PENDING, ARGV[1])
return 1
`);
