import { readScript, writeScript } from './common.js';
import { UNREAD } from './unread.js';

/** Named rooms, membership and leaving. */

/**
 * ARGV: room, user, capacity, now, recent limit, notice (7 draft fields), create if missing
 * ('1' or '0'), visibility, the new room's invite ('' for none), the invite presented ('' for
 * none), then for a room this call creates: topic, listing text (id and topic folded). Reply:
 * {'created', room hash, members} | {'joined', room hash, members, recent, notice entry} |
 * {'already_member', room hash, members, recent} | {'room_full'} | {'chat_ended'} |
 * {'room_not_found'}.
 */
export const joinRoom = writeScript(`
local room, user, capacity, now, recent_limit = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
local create, visibility, new_invite, invite = ARGV[13] == '1', ARGV[14], ARGV[15], ARGV[16]
local topic, listing = ARGV[17], ARGV[18]
local key = room_key(room)
if redis.call('EXISTS', key) == 0 then
  if not create then return {'room_not_found'} end
  redis.call('HSET', key, 'kind', 'named', 'capacity', capacity, 'createdAt', now, 'lastSeq', 0,
    'topic', topic, 'listing', listing)
  if visibility == 'private' then redis.call('HSET', key, 'visibility', 'private', 'invite', new_invite) end
  add_member(room, user, now, 0)
  return {'created', redis.call('HGETALL', key), active_members(room)}
end
if redis.call('HEXISTS', key, 'endedAt') == 1 then return {'chat_ended'} end
if is_active_member(room, user) then
  local last_seq = tonumber(redis.call('HGET', key, 'lastSeq'))
  return {'already_member', redis.call('HGETALL', key), active_members(room),
    entries_before(room, last_seq + 1, recent_limit)}
end
if redis.call('HGET', key, 'visibility') == 'private' then
  local expected = redis.call('HGET', key, 'invite')
  if not expected or invite == '' or invite ~= expected then return {'room_not_found'} end
end
local room_capacity = tonumber(redis.call('HGET', key, 'capacity'))
if redis.call('ZCARD', members_key(room)) >= room_capacity then return {'room_full'} end
local notice = append(room, read_draft(6))
local seq = seq_of(notice)
add_member(room, user, now, seq)
return {'joined', redis.call('HGETALL', key), active_members(room), entries_before(room, seq, recent_limit), notice}
`);

/** ARGV: room, user. Reply: {room hash (empty when none), membership hash (empty when none)}. */
export const roomAccess = readScript(`
local room, user = ARGV[1], ARGV[2]
return {redis.call('HGETALL', room_key(room)), redis.call('HGETALL', member_key(room, user))}
`);

/**
 * The refusals shared by leaving and appending, checked in this order: no such room; the room has
 * ended (chat_ended for anyone who was ever a member, not_in_room for strangers); not an active
 * member. Returns nil when the participant may act.
 */
export const REFUSE_UNLESS_ACTIVE = `
local function refuse_unless_active(room, user)
  local key = room_key(room)
  if redis.call('EXISTS', key) == 0 then return 'room_not_found' end
  local was_member = redis.call('EXISTS', member_key(room, user)) == 1
  if redis.call('HEXISTS', key, 'endedAt') == 1 then
    if was_member then return 'chat_ended' end
    return 'not_in_room'
  end
  if not is_active_member(room, user) then return 'not_in_room' end
  return nil
end
`;

/**
 * ARGV: room, user, now, end room ('1' or '0'), farewell (7 draft fields), the deadline of a room
 * this leave ends, and of a named room it leaves empty (wall-clock ms, '' for none). Reply:
 * {'left', farewell entry or false, remaining members} | {refusal}.
 */
export const leaveRoom = writeScript(`
${REFUSE_UNLESS_ACTIVE}
local room, user, now, end_room = ARGV[1], ARGV[2], ARGV[3], ARGV[4] == '1'
local refused = refuse_unless_active(room, user)
if refused then return {refused} end
redis.call('HSET', member_key(room, user), 'leftAt', now, 'leftSeq', redis.call('HGET', room_key(room), 'lastSeq'))
redis.call('ZREM', members_key(room), user)
redis.call('ZREM', open_rooms_key(user), room)
refresh_presence(user)
local remaining = active_members(room)
if #remaining == 0 then redis.call('ZREM', DIRECTORY, room) end
local farewell = false
if #remaining > 0 then farewell = append(room, read_draft(5)) end
if end_room then
  -- The room is no longer open for those who remain: it leaves their open rooms, and maybe
  -- their presence.
  redis.call('HSET', room_key(room), 'endedAt', now)
  schedule_drop(room, ARGV[12])
  for i = 1, #remaining, 2 do
    redis.call('ZREM', open_rooms_key(remaining[i]), room)
    refresh_presence(remaining[i])
  end
end
if not end_room and #remaining == 0 and redis.call('HGET', room_key(room), 'kind') == 'named' then
  schedule_drop(room, ARGV[13])
end
return {'left', farewell, remaining}
`);

/**
 * ARGV: now (wall-clock ms), limit. Removes up to limit rooms past their deadline with everything
 * in them: log, members, memberships and cursors, and their place in the participants' lists and
 * the directory. A room joined again since it was scheduled has no deadline and stays. Reply: the
 * number of rooms looked at (limit: there may be more).
 */
export const sweepRooms = writeScript(`
local now, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local due = redis.call('ZRANGEBYSCORE', ROOMS_EXPIRING, '-inf', now, 'LIMIT', 0, limit)
for _, room in ipairs(due) do
  redis.call('ZREM', ROOMS_EXPIRING, room)
  local at = tonumber(redis.call('HGET', room_key(room), 'expiresAt') or '')
  if at and at > now then
    redis.call('ZADD', ROOMS_EXPIRING, at, room)
  elseif at then
    for _, user in ipairs(redis.call('SMEMBERS', people_key(room))) do
      redis.call('DEL', member_key(room, user))
      redis.call('ZREM', joined_rooms_key(user), room)
      redis.call('ZREM', open_rooms_key(user), room)
    end
    redis.call('DEL', people_key(room), members_key(room), log_key(room), room_key(room))
    redis.call('ZREM', DIRECTORY, room)
  end
end
return #due
`);

/**
 * ARGV: user. Reply: for each open room of the participant, in the order joined:
 * {room, unread count, members}.
 */
export const roomsOf = readScript(`
${UNREAD}
local user = ARGV[1]
local rooms = {}
for _, room in ipairs(redis.call('ZRANGE', open_rooms_key(user), 0, -1)) do
  local cursor = tonumber(redis.call('HGET', member_key(room, user), 'cursor') or '0')
  local last = tonumber(redis.call('HGET', room_key(room), 'lastSeq') or '0')
  rooms[#rooms + 1] = {room, unread_count(room, user, cursor, last), active_members(room)}
end
return rooms
`);

/** ARGV: room. Reply: the active members in join order (user id, display name, ...). */
export const membersOf = readScript(`
return active_members(ARGV[1])
`);

/**
 * ARGV: query (folded, '' for none), limit, budget, after activity ('' for the start), after
 * room. Reply: {rooms, next activity ('' when done), next room}, each room {room id, topic,
 * members, capacity, last activity}. Walks the directory newest first from the cursor; ties in
 * activity go by room id descending, the order ZREVRANGEBYSCORE gives them. At most `budget`
 * rooms are looked at, so a query that matches few rooms cannot make one call read them all:
 * the reply then carries a cursor to go on from.
 */
export const listRooms = readScript(`
local query, limit, budget = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local after_at, after_room = tonumber(ARGV[4]), ARGV[5]
local found, examined, offset = {}, 0, 0
local last_at, last_room = nil, nil
local max = after_at and tostring(after_at) or '+inf'
while #found <= limit and examined < budget do
  local batch = redis.call('ZREVRANGEBYSCORE', DIRECTORY, max, '-inf', 'WITHSCORES', 'LIMIT', offset, 100)
  if #batch == 0 then last_at = nil break end
  offset = offset + #batch / 2
  for i = 1, #batch, 2 do
    local room, at = batch[i], tonumber(batch[i + 1])
    -- Rooms at the cursor's activity up to and including the cursor's room were on earlier pages.
    if not after_at or at < after_at or room < after_room then
      if #found == limit then
        -- One more match than the page holds: there is a next page, starting after the last one.
        found[#found + 1] = false
        break
      end
      examined = examined + 1
      last_at, last_room = at, room
      local members = redis.call('ZCARD', members_key(room))
      local topic, capacity, listing = unpack(redis.call('HMGET', room_key(room), 'topic', 'capacity', 'listing'))
      listing = listing or string.lower(room)
      if members > 0 and (query == '' or string.find(listing, query, 1, true)) then
        found[#found + 1] = {room, topic or '', members, tonumber(capacity), tostring(at)}
      end
      if examined >= budget then break end
    end
  end
end
local more = found[#found] == false
if more then table.remove(found) end
if more or (examined >= budget and last_at) then
  local last = found[#found]
  if more then return {found, last[5], last[1]} end
  return {found, tostring(last_at), last_room}
end
return {found, '', ''}
`);
