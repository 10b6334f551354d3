import { writeScript } from './common.js';
import { UNREAD } from './unread.js';

/** Read position: moving a cursor forward (the unread summary is room-steps.ts with rooms.ts roomOfMember). */

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
