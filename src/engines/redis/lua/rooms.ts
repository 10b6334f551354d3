import { readScript, writeScript } from './common.js';
import { UNREAD } from './unread.js';

/** Named rooms, membership and leaving. */

/**
 * Room slot. ARGV: room, user, capacity, now, recent limit, notice (7 draft fields), create if
 * missing ('1' or '0'), visibility, the new room's invite ('' for none), the invite presented
 * ('' for none), then for a room this call creates: topic, listing text (id and topic folded);
 * then the joiner's display name and whom it blocked (JSON), read from the control slot just
 * before (lua/directory.ts joiner). Reply: {'created', room hash, members, listing} | {'joined',
 * room hash, members, recent, notice entry, listing} | {'already_member', room hash, members,
 * recent, listing} | {'room_full'} | {'chat_ended'} | {'room_not_found'}; listing is what the
 * directory shows (listing_of), for the control step that follows (lua/directory.ts joined).
 */
export const joinRoom = writeScript(`
local room, user, capacity, now, recent_limit = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
local create, visibility, new_invite, invite = ARGV[13] == '1', ARGV[14], ARGV[15], ARGV[16]
local topic, listing = ARGV[17], ARGV[18]
local name, hides = ARGV[19], ARGV[20]
local key = room_key(room)
if redis.call('EXISTS', key) == 0 then
  if not create then return {'room_not_found'} end
  redis.call('HSET', key, 'kind', 'named', 'capacity', capacity, 'createdAt', now, 'lastSeq', 0,
    'topic', topic, 'listing', listing)
  if visibility == 'private' then redis.call('HSET', key, 'visibility', 'private', 'invite', new_invite) end
  add_member(room, user, now, 0, name, hides)
  return {'created', redis.call('HGETALL', key), active_members(room), listing_of(room)}
end
if redis.call('HEXISTS', key, 'endedAt') == 1 then return {'chat_ended'} end
if is_active_member(room, user) then
  local last_seq = tonumber(redis.call('HGET', key, 'lastSeq'))
  return {'already_member', redis.call('HGETALL', key), active_members(room),
    entries_before(room, last_seq + 1, recent_limit), listing_of(room)}
end
if redis.call('HGET', key, 'visibility') == 'private' then
  local expected = redis.call('HGET', key, 'invite')
  if not expected or invite == '' or invite ~= expected then return {'room_not_found'} end
end
local room_capacity = tonumber(redis.call('HGET', key, 'capacity'))
if redis.call('ZCARD', members_key(room)) >= room_capacity then return {'room_full'} end
local notice = append(room, read_draft(6))
local seq = seq_of(notice)
add_member(room, user, now, seq, name, hides)
return {'joined', redis.call('HGETALL', key), active_members(room), entries_before(room, seq, recent_limit), notice,
  listing_of(room)}
`);

/** Room slot. ARGV: room, user. Reply: {room hash (empty when none), membership hash (empty when none)}. */
export const roomAccess = readScript(`
local room, user = ARGV[1], ARGV[2]
return {redis.call('HGETALL', room_key(room)), redis.call('HGETALL', member_key(room, user))}
`);

/**
 * The refusals of leaving and appending, checked in this order: no such room; the room has ended
 * (chat_ended for anyone who was ever a member, not_in_room for strangers); not an active member.
 * Returns nil when the participant may act. appendMessage (log.ts) makes the same checks from the
 * one read of the room and its members it needs anyway.
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
 * Room slot. ARGV: room, user, now, end room ('1' or '0'), farewell (7 draft fields), the
 * deadline of a room this leave ends, and of a named room it leaves empty (wall-clock ms, '' for
 * none; the engine put them in the control slot's index first). Reply: {'left', farewell entry or
 * false, remaining members, ended (1/0), listing} | {refusal}. The control step (lua/directory.ts
 * left) follows.
 */
export const leaveRoom = writeScript(`
${REFUSE_UNLESS_ACTIVE}
local room, user, now, end_room = ARGV[1], ARGV[2], ARGV[3], ARGV[4] == '1'
local refused = refuse_unless_active(room, user)
if refused then return {refused} end
redis.call('HSET', member_key(room, user), 'leftAt', now, 'leftSeq', redis.call('HGET', room_key(room), 'lastSeq'))
redis.call('ZREM', members_key(room), user)
local remaining = active_members(room)
local farewell = false
if #remaining > 0 then farewell = append(room, read_draft(5)) end
if end_room then
  redis.call('HSET', room_key(room), 'endedAt', now)
  schedule_drop(room, ARGV[12])
end
if not end_room and #remaining == 0 and redis.call('HGET', room_key(room), 'kind') == 'named' then
  schedule_drop(room, ARGV[13])
end
return {'left', farewell, remaining, end_room and 1 or 0, listing_of(room)}
`);

/**
 * Room slot, the sweep's first step for a room the index says is due. ARGV: room, now (wall-clock
 * ms). Reply: {'kept', deadline or ''} for a room joined again (no deadline) or not due yet;
 * {'dropped', people} once the room is removed with its log, members and memberships. The people
 * set stays a day, so a sweep cut short before the control step (lua/directory.ts forgetRoom)
 * finds them again; dropPeople removes it after that step.
 */
export const dropRoom = writeScript(`
local room, now = ARGV[1], tonumber(ARGV[2])
local people = redis.call('SMEMBERS', people_key(room))
if redis.call('EXISTS', room_key(room)) == 1 then
  local at = redis.call('HGET', room_key(room), 'expiresAt')
  if not at then return {'kept', ''} end
  if tonumber(at) > now then return {'kept', at} end
  for _, user in ipairs(people) do redis.call('DEL', member_key(room, user)) end
  redis.call('DEL', members_key(room), log_key(room), room_key(room))
  if #people > 0 then redis.call('PEXPIRE', people_key(room), 86400000) end
end
return {'dropped', people}
`);

/** Room slot. ARGV: room. The last step of dropping a room: its people set, unless it was created again. */
export const dropPeople = writeScript(`
if redis.call('EXISTS', room_key(ARGV[1])) == 0 then redis.call('DEL', people_key(ARGV[1])) end
return 1
`);

/**
 * Room slot. ARGV: room, user. Forgets a participant's membership (sweepParticipants' room step;
 * idempotent).
 */
export const forgetMember = writeScript(`
local room, user = ARGV[1], ARGV[2]
redis.call('DEL', member_key(room, user))
redis.call('SREM', people_key(room), user)
redis.call('ZREM', members_key(room), user)
return 1
`);

/**
 * Room slot. ARGV: room, user, field, value. Copies what the control slot changed into an open
 * membership: the display name ('name') after a rename, whom the member blocked ('hides', JSON).
 */
export const copyToMember = writeScript(`
local key = member_key(ARGV[1], ARGV[2])
if redis.call('EXISTS', key) == 1 then redis.call('HSET', key, ARGV[3], ARGV[4]) end
return 1
`);

/**
 * Room slot. ARGV: room, user, '1' to add the members. Reply: false when the room is not open
 * for the user (gone, ended, or not an active member: the control slot's list of open rooms is
 * then stale), else {unread count, newest unread entry or false, members (when asked)}.
 */
export const roomOfMember = readScript(`
${UNREAD}
local room, user, with_members = ARGV[1], ARGV[2], ARGV[3] == '1'
local key = room_key(room)
if redis.call('EXISTS', key) == 0 or redis.call('HEXISTS', key, 'endedAt') == 1 then return false end
if not is_active_member(room, user) then return false end
local cursor = tonumber(redis.call('HGET', member_key(room, user), 'cursor') or '0')
local last = tonumber(redis.call('HGET', key, 'lastSeq') or '0')
local count = unread_count(room, user, cursor, last)
local newest = false
if count > 0 and not with_members then newest = newest_unread(room, user, cursor) or false end
local members = {}
if with_members then members = active_members(room) end
return {count, newest, members}
`);

/** Room slot. ARGV: room. Reply: the active members in join order (user id, display name, ...). */
export const membersOf = readScript(`
return active_members(ARGV[1])
`);

/**
 * Control slot. ARGV: query (folded, '' for none), limit, budget, after activity ('' for the start), after
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
      local info = redis.call('HGET', DIRECTORY_INFO, room)
      if info then
        info = cjson.decode(info)
        if info.members > 0 and (query == '' or string.find(info.listing, query, 1, true)) then
          found[#found + 1] = {room, info.topic, info.members, info.capacity, tostring(at)}
        end
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
