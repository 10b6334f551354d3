import { readScript, writeScript } from './common.js';

/** Random pairing. One script per step, so two instances can never pair the same participant. */

const STANDING = `
local function standing(user)
  return {redis.call('ZRANK', QUEUE, user) + 1, redis.call('ZCARD', QUEUE)}
end
`;

/**
 * Control slot. ARGV: user. Reply: {'room', queue room, pending pair or false} | {'waiting',
 * position, length} | {'idle'}. For a room, queueRoomState tells the rest from the room slot.
 */
export const matchState = readScript(`
${STANDING}
local user = ARGV[1]
local room = redis.call('HGET', participant_key(user), 'queueRoom')
if room then return {'room', room, redis.call('HGET', MATCHES_PENDING, room)} end
if is_queued(user) then
  local s = standing(user)
  return {'waiting', s[1], s[2]}
end
return {'idle'}
`);

/**
 * Room slot. ARGV: room, user. Reply: {'matched', room hash, partner id, partner name} while the
 * room is open with the user in it, {'missing'} before it was created, {'closed'} otherwise.
 */
export const queueRoomState = readScript(`
local room, user = ARGV[1], ARGV[2]
local key = room_key(room)
if redis.call('EXISTS', key) == 0 then return {'missing'} end
if redis.call('HEXISTS', key, 'endedAt') == 1 or not is_active_member(room, user) then return {'closed'} end
for _, member in ipairs(redis.call('ZRANGE', members_key(room), 0, -1)) do
  if member ~= user then
    return {'matched', redis.call('HGETALL', key), member, display_name(room, member)}
  end
end
return {'closed'}
`);

/** ARGV: user. Reply: 1 when it was queued, 0 otherwise. */
export const leaveQueue = writeScript(`
local user = ARGV[1]
local removed = unqueue(user)
refresh_presence(user)
return removed
`);
