import { readScript, writeScript } from './common.js';
import { UNREAD } from './unread.js';

/** The room log: appending, handing over unread messages, and history. */

/**
 * ARGV: room, user, idempotency key ('' for none), idempotency ttl (s), the room's bus channel,
 * what every participant's bus channel starts with, draft (7 fields), then optional entry fields
 * as name, value pairs (reply, mentions, the words search reads). Reply: {'duplicate', entry} |
 * {'stored', entry, recipient ids, listing} | {refusal}. A stored message is announced by the
 * script itself, on the room's and each recipient's bus channel (bus.ts); a listing (listing_from)
 * goes on to the directory in the control slot (lua/directory.ts listRoom).
 * The first message sent with a key is kept whole beside the log, so a retry is answered with it
 * even after retention trimmed the log.
 */
export const appendMessage = writeScript(`
local room, user, idem, idem_ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local room_channel, user_channels = ARGV[5], ARGV[6]
local idem_key = idem ~= '' and idempotency_key(room, user, idem) or nil
if idem_key then
  local first = redis.call('HGETALL', idem_key)
  if #first > 0 then
    local seq = redis.call('HGET', idem_key, 'seq')
    return {'duplicate', {seq .. '-0', first}}
  end
end
-- The refusals of refuse_unless_active (rooms.ts), in its order, from one read of the room and
-- its members: this runs on every send, and each redis.call costs more than the command itself.
-- Every room is created with its kind.
local kind, ended_at, last_sender, visibility, topic, capacity, listing = unpack(redis.call('HMGET',
  room_key(room), 'kind', 'endedAt', 'lastSender', 'visibility', 'topic', 'capacity', 'listing'))
if not kind then return {'room_not_found'} end
if ended_at then
  if redis.call('EXISTS', member_key(room, user)) == 1 then return {'chat_ended'} end
  return {'not_in_room'}
end
local members = redis.call('ZRANGE', members_key(room), 0, -1)
local active = false
for _, member in ipairs(members) do
  if member == user then active = true break end
end
if not active then return {'not_in_room'} end
local fields = read_draft(7)
for i = 14, #ARGV do fields[#fields + 1] = ARGV[i] end
local entry = append(room, fields, last_sender)
if idem_key then
  redis.call('HSET', idem_key, 'seq', seq_of(entry), unpack(entry[2]))
  redis.call('EXPIRE', idem_key, idem_ttl)
end
-- Those who blocked the sender are not told (their waits skip its messages too).
local recipients = {}
for _, member in ipairs(members) do
  if member ~= user and not hidden_senders(room, member)[user] then
    recipients[#recipients + 1] = member
  end
end
-- Announced from here, not by the caller: two PUBLISH commands fewer per send on the server's
-- connection. The payload is the entry itself (bus.ts decodes it as the caller would its reply).
local announcement = cjson.encode({'message', room, entry})
redis.call('PUBLISH', room_channel, announcement)
for _, member in ipairs(recipients) do
  redis.call('PUBLISH', user_channels .. member, announcement)
end
return {'stored', entry, recipients, listing_from(room, kind, visibility, topic, capacity, listing, #members)}
`);

/**
 * ARGV: room, user, after ('' for the cursor), limit. Reply: {state, cursor before, cursor after,
 * entries}, state being 'open', 'ended' or 'gone'. The cursor moves to the newest seq handed
 * over, never backwards; being one script, two concurrent takes cannot hand out the same message.
 */
export const takeUnread = writeScript(`
${UNREAD}
local room, user, after, limit = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
if redis.call('EXISTS', room_key(room)) == 0 or not is_active_member(room, user) then
  return {'gone', 0, 0, {}}
end
local member = member_key(room, user)
local cursor = tonumber(redis.call('HGET', member, 'cursor'))
local from = cursor
if after ~= '' then from = tonumber(after) end
local entries = others_after(room, user, from, limit)
local cursor_after = cursor
if #entries > 0 then cursor_after = math.max(cursor, seq_of(entries[#entries])) end
if cursor_after ~= cursor then
  redis.call('HSET', member, 'cursor', cursor_after)
  cursor_moved(room, user, cursor, cursor_after)
end
local state = 'open'
if redis.call('HEXISTS', room_key(room), 'endedAt') == 1 then state = 'ended' end
return {state, cursor, cursor_after, entries}
`);

/** ARGV: room, user, from, to. Moves the cursor from \`from\` back to \`to\`, only if it is still at \`from\`. */
export const rewindCursor = writeScript(`
${UNREAD}
local room, user, from, to = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local member = member_key(room, user)
local cursor = redis.call('HGET', member, 'cursor')
if cursor and tonumber(cursor) == from then
  redis.call('HSET', member, 'cursor', to)
  cursor_moved(room, user, from, to)
end
return 1
`);

/**
 * ARGV: room, limit, before ('' for none), after ('' for none). Reply: {latest seq, has more,
 * entries, cursors (user id, cursor, ... of the active members)}. One more entry than asked is
 * read to learn whether more lie beyond the page.
 */
export const readHistory = readScript(`
local room, limit = ARGV[1], tonumber(ARGV[2])
local before = ARGV[3] ~= '' and tonumber(ARGV[3]) or nil
local after = ARGV[4] ~= '' and tonumber(ARGV[4]) or nil
local latest = tonumber(redis.call('HGET', room_key(room), 'lastSeq') or '0')
local entries
if after ~= nil then
  entries = entries_after(room, after, before, limit + 1)
else
  entries = entries_before(room, before, limit + 1)
end
local has_more = #entries > limit
if has_more then
  -- The extra entry lies beyond the page in the paging direction.
  if after ~= nil then table.remove(entries) else table.remove(entries, 1) end
end
local cursors = {}
for _, member in ipairs(redis.call('ZRANGE', members_key(room), 0, -1)) do
  cursors[#cursors + 1] = member
  cursors[#cursors + 1] = redis.call('HGET', member_key(room, member), 'cursor') or '0'
end
return {latest, has_more and 1 or 0, entries, cursors}
`);
