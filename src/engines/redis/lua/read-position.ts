import { readScript, writeScript } from './common.js';
import { UNREAD } from './unread.js';

/** Read position: the unread summary every answer carries, and moving a cursor forward. */

/**
 * ARGV: user, room to leave out ('' for none). Reply: for each open room of the participant with
 * unread messages from others: {room, count, newest entry}, in O(1) per room (unread.ts).
 */
export const unreadSummary = readScript(`
${UNREAD}
local user, except = ARGV[1], ARGV[2]
local rooms = {}
for _, room in ipairs(redis.call('ZRANGE', open_rooms_key(user), 0, -1)) do
  if room ~= except then
    local cursor = tonumber(redis.call('HGET', member_key(room, user), 'cursor') or '0')
    local last = tonumber(redis.call('HGET', room_key(room), 'lastSeq') or '0')
    local count = unread_count(room, user, cursor, last)
    if count > 0 then rooms[#rooms + 1] = {room, count, newest_unread(room, user, cursor)} end
  end
end
return rooms
`);

/**
 * ARGV: room, user, seq. Reply: {'marked', cursor, remaining unread} | {'beyond_end', lastSeq} |
 * {refusal}. The cursor only moves forward; an active member of an ended room may still move it.
 */
export const markRead = writeScript(`
${UNREAD}
local room, user, seq = ARGV[1], ARGV[2], tonumber(ARGV[3])
local key = room_key(room)
if redis.call('EXISTS', key) == 0 then return {'room_not_found'} end
if not is_active_member(room, user) then
  if redis.call('HEXISTS', key, 'endedAt') == 1 and redis.call('EXISTS', member_key(room, user)) == 1 then
    return {'chat_ended'}
  end
  return {'not_in_room'}
end
local last = tonumber(redis.call('HGET', key, 'lastSeq'))
if seq > last then return {'beyond_end', last} end
local member = member_key(room, user)
local cursor = tonumber(redis.call('HGET', member, 'cursor'))
if seq > cursor then
  redis.call('HSET', member, 'cursor', seq)
  cursor_moved(room, user, cursor, seq)
  cursor = seq
end
local remaining = unread_count(room, user, cursor, last)
return {'marked', cursor, remaining}
`);
