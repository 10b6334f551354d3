import { readScript, writeScript } from './common.js';

/** Read position: the unread summary every answer carries, and moving a cursor forward. */

/**
 * Counts the entries past a cursor that others sent, newest first, and keeps the newest of them.
 * Reads in batches from the end of the log, so the newest unread entry is found in the first
 * batch and a member's own long run of messages is skipped without a huge reply.
 */
const COUNT_UNREAD = `
local function count_unread(room, user, cursor)
  local key = log_key(room)
  local count, newest = 0, nil
  local upper = '+'
  while true do
    local batch = redis.call('XREVRANGE', key, upper, (cursor + 1) .. '-0', 'COUNT', 200)
    if #batch == 0 then break end
    for _, entry in ipairs(batch) do
      if field(entry, 'sender') ~= user then
        count = count + 1
        if newest == nil then newest = entry end
      end
    end
    local oldest = seq_of(batch[#batch])
    if oldest - 1 <= cursor then break end
    upper = (oldest - 1) .. '-0'
  end
  return count, newest
end
`;

/**
 * ARGV: user, room to leave out ('' for none). Reply: for each open room of the participant with
 * unread messages from others: {room, count, newest entry}. A room whose lastSeq is at the
 * cursor is skipped without reading its log.
 */
export const unreadSummary = readScript(`
${COUNT_UNREAD}
local user, except = ARGV[1], ARGV[2]
local rooms = {}
for _, room in ipairs(redis.call('ZRANGE', open_rooms_key(user), 0, -1)) do
  if room ~= except then
    local cursor = tonumber(redis.call('HGET', member_key(room, user), 'cursor') or '0')
    local last = tonumber(redis.call('HGET', room_key(room), 'lastSeq') or '0')
    if last > cursor then
      local count, newest = count_unread(room, user, cursor)
      if count > 0 then rooms[#rooms + 1] = {room, count, newest} end
    end
  end
end
return rooms
`);

/**
 * ARGV: room, user, seq. Reply: {'marked', cursor, remaining unread} | {'beyond_end', lastSeq} |
 * {refusal}. The cursor only moves forward; an active member of an ended room may still move it.
 */
export const markRead = writeScript(`
${COUNT_UNREAD}
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
  cursor = seq
end
local remaining = count_unread(room, user, cursor)
return {'marked', cursor, remaining}
`);
