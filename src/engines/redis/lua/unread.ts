/**
 * Unread counts in O(1) per room: the messages from others past a member's cursor are
 * lastSeq - cursor - ownAfter, where the membership's ownAfter counts the member's own messages
 * past its cursor (raised by each of its sends, lowered as the cursor passes them). The newest of
 * them is found from the room's lastSender and runStart (where the latest run of one sender's
 * messages began). When retention removed messages past the cursor, or a membership predates
 * ownAfter, the count falls back to reading the log (count_unread), as before.
 *
 * Blocks: messages from senders the member blocked (hidden_senders) are not unread for it. The
 * O(1) count cannot tell them apart, so a member who blocked anybody falls back to the counting
 * scan that skips them; a member who blocked nobody keeps the O(1) count.
 *
 * Lua helpers for the scripts that read or move cursors; they need PREAMBLE (common.ts).
 */
export const UNREAD = `
-- Reads the log past the cursor: the count of entries from others (but those the member
-- blocked), and the newest of them.
local function count_unread(room, user, cursor)
  local key = log_key(room)
  local count, newest = 0, nil
  local upper = '+'
  local hidden = hidden_senders(room, user)
  while true do
    local batch = redis.call('XREVRANGE', key, upper, (cursor + 1) .. '-0', 'COUNT', 200)
    if #batch == 0 then break end
    for _, entry in ipairs(batch) do
      local sender = field(entry, 'sender')
      if sender ~= user and not hidden[sender] then
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

-- Whether the member blocked anybody: then counts read the log, skipping hidden senders.
local function blocks_anybody(room, user) return next(hidden_senders(room, user)) ~= nil end

-- The member's own messages with lo < seq <= hi: what a cursor moving over that range passes.
local function own_between(room, user, lo, hi)
  local n, from = 0, lo + 1
  while from <= hi do
    local batch = redis.call('XRANGE', log_key(room), from .. '-0', hi .. '-0', 'COUNT', 200)
    if #batch == 0 then break end
    for _, entry in ipairs(batch) do
      if field(entry, 'sender') == user then n = n + 1 end
    end
    from = seq_of(batch[#batch]) + 1
  end
  return n
end

-- Whether retention removed messages after seq (up to last): then ownAfter cannot be kept exact.
local function trimmed_after(room, seq, last)
  if last <= seq then return false end
  local first = redis.call('XRANGE', log_key(room), '-', '+', 'COUNT', 1)
  return #first == 0 or seq_of(first[1]) > seq + 1
end

local function unread_count(room, user, cursor, last)
  if last <= cursor then return 0 end
  local own = redis.call('HGET', member_key(room, user), 'ownAfter')
  if blocks_anybody(room, user) then own = nil end
  if own and not trimmed_after(room, cursor, last) then return last - cursor - tonumber(own) end
  local count = count_unread(room, user, cursor)
  return count
end

-- The newest entry past the cursor that another sent, or nil. The latest run's sender may be
-- one the member blocked: then only the log can say.
local function newest_unread(room, user, cursor)
  local last, sender, run = unpack(redis.call('HMGET', room_key(room), 'lastSeq', 'lastSender', 'runStart'))
  if sender and run and not blocks_anybody(room, user) then
    local seq = tonumber(last)
    if sender == user then seq = tonumber(run) - 1 end
    if seq <= cursor then return nil end
    local entry = redis.call('XRANGE', log_key(room), seq .. '-0', seq .. '-0')
    if #entry == 1 then return entry[1] end
  end
  local _, newest = count_unread(room, user, cursor)
  return newest
end

-- After the member's cursor moved from \`from\` to \`to\` (either way): keeps ownAfter exact, or
-- drops it when retention removed part of the range (the count then reads the log).
local function cursor_moved(room, user, from, to)
  if from == to then return end
  local member = member_key(room, user)
  local last = tonumber(redis.call('HGET', room_key(room), 'lastSeq'))
  if to >= last then
    redis.call('HSET', member, 'ownAfter', 0)
    return
  end
  if trimmed_after(room, math.min(from, to), last) then
    redis.call('HDEL', member, 'ownAfter')
    return
  end
  local own = redis.call('HGET', member, 'ownAfter')
  if not own then
    own = own_between(room, user, to, last)
  elseif to > from then
    own = tonumber(own) - own_between(room, user, from, to)
  else
    own = tonumber(own) + own_between(room, user, to, from)
  end
  redis.call('HSET', member, 'ownAfter', own)
end
`;
