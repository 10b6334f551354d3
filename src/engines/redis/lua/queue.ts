import { readScript, writeScript } from './common.js';

/** Random pairing. One script per step, so two instances can never pair the same participant. */

const STANDING = `
local function standing(user)
  return {redis.call('ZRANK', QUEUE, user) + 1, redis.call('ZCARD', QUEUE)}
end
`;

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
local removed = unqueue(user)
refresh_presence(user)
return removed
`);
