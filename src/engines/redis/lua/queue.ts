import { readScript, writeScript } from './common.js';

/** Random pairing. One script per step, so two instances can never pair the same participant. */

const STANDING = `
local function standing(user)
  return {redis.call('ZRANK', QUEUE, user) + 1, redis.call('ZCARD', QUEUE)}
end
`;

/**
 * ARGV: user, now, match room id. Reply: {'already_in_chat', room} | {'already_waiting', position,
 * length} | {'waiting', position, length} | {'matched', room, room hash, partner id, partner name}.
 */
export const enqueue = writeScript(`
${STANDING}
local user, now, match_room = ARGV[1], ARGV[2], ARGV[3]
local current = open_queue_room(user)
if current then return {'already_in_chat', current} end
if is_queued(user) then
  local s = standing(user)
  return {'already_waiting', s[1], s[2]}
end
if redis.call('EXISTS', room_key(match_room)) == 1 then
  return redis.error_reply('match room id ' .. match_room .. ' is taken')
end
-- The oldest arrival is the partner (the caller is not queued, so it cannot be its own partner).
-- An arrival whose identity has been forgotten cannot chat: it leaves the queue and the next one
-- is tried.
while true do
  local oldest = redis.call('ZRANGE', QUEUE, 0, 0)
  if #oldest == 0 then break end
  local partner = oldest[1]
  redis.call('ZREM', QUEUE, partner)
  local partner_name = redis.call('HGET', participant_key(partner), 'displayName')
  if partner_name then
    redis.call('HSET', room_key(match_room), 'kind', 'queue', 'capacity', 2, 'createdAt', now, 'lastSeq', 0)
    add_member(match_room, partner, now, 0)
    add_member(match_room, user, now, 0)
    return {'matched', match_room, redis.call('HGETALL', room_key(match_room)), partner, partner_name}
  end
  redis.call('ZREM', PRESENT, partner)
end
redis.call('ZADD', QUEUE, redis.call('INCR', QUEUE_TICKETS), user)
mark_present(user)
local s = standing(user)
return {'waiting', s[1], s[2]}
`);

/**
 * ARGV: user. Reply: {'matched', room, room hash, partner id, partner name} | {'waiting',
 * position, length} | {'idle'}.
 */
export const matchState = readScript(`
${STANDING}
local user = ARGV[1]
local room = open_queue_room(user)
if room then
  for _, member in ipairs(redis.call('ZRANGE', members_key(room), 0, -1)) do
    if member ~= user then
      return {'matched', room, redis.call('HGETALL', room_key(room)), member, display_name(room, member)}
    end
  end
end
if is_queued(user) then
  local s = standing(user)
  return {'waiting', s[1], s[2]}
end
return {'idle'}
`);

/** ARGV: user. Reply: 1 when it was queued, 0 otherwise. */
export const leaveQueue = writeScript(`
local user = ARGV[1]
local removed = redis.call('ZREM', QUEUE, user)
refresh_presence(user)
return removed
`);
