import { readScript, writeScript } from './common.js';

/**
 * Pairing by interests, with blocks and the last partner honoured (the rule is `MatchRequest` in
 * chat/safety-port.ts). One script per step, so two instances can never pair the same participant.
 */

/** Queued participants one look examines: per tag among those who share it, and among anyone. */
const CANDIDATES_PER_LOOK = 50;

/**
 * ARGV: user, now, match room id, interest wait (ms), only if queued ('1' for rematch), then the
 * tags of a new arrival. Reply: {'already_in_chat', room} | {'already_waiting' | 'waiting',
 * position, length} | {'not_queued'} | {'matched', room, room hash, partner id, partner name}.
 * The room hash carries sharedInterests (tags joined by commas, which tags never contain).
 */
export const enqueue = writeScript(`
local user, now, match_room, wait_ms, only_if_queued = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), ARGV[5]
local current = open_queue_room(user)
if current then return {'already_in_chat', current} end
if redis.call('EXISTS', room_key(match_room)) == 1 then
  return redis.error_reply('match room id ' .. match_room .. ' is taken')
end
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
redis.call('HSET', room_key(match_room), 'kind', 'queue', 'capacity', 2, 'createdAt', now, 'lastSeq', 0,
  'sharedInterests', table.concat(shared, ','))
add_member(match_room, partner, now, 0)
add_member(match_room, user, now, 0)
redis.call('HSET', participant_key(user), 'lastPartner', partner)
redis.call('HSET', participant_key(partner), 'lastPartner', user)
return {'matched', match_room, redis.call('HGETALL', room_key(match_room)), partner, partner_name}
`);

/** ARGV: cutoff (ms), limit. Reply: queued user ids who arrived at or before cutoff, oldest first. */
export const overdueInQueue = readScript(`
return redis.call('ZRANGEBYSCORE', QUEUE_SINCE, '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
`);
