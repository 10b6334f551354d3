import { readScript } from './common.js';

/**
 * Full-text search without an index: the logs of the rooms the participant is or was in, read
 * newest first and merged by time (a heap over one cursor per room), until `limit` hits are
 * found or `budget` messages were examined. Each message carries its words, folded, in the
 * `words` field (written by the engine on append), so a phrase is a plain substring test of
 * " word word ". Messages written before that field existed are matched on their text in ASCII
 * lower case.
 *
 * Room slot: one room per call; the engine merges the rooms (finding.ts). ARGV: user, room,
 * limit, budget (messages examined at most), unused, then each phrase as " word word ". Reply: a
 * list of {room id, entry}, newest first.
 */
export const searchMessages = readScript(`
local user, only_room = ARGV[1], ARGV[2]
local limit, budget, max_rooms = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local phrases = {}
for i = 6, #ARGV do phrases[#phrases + 1] = ARGV[i] end

local candidates = {only_room}

local BATCH = 50
-- One cursor per room: the entries read but not yet examined, and where the next read starts.
local function refill(source)
  if source.upper == nil then return false end
  local batch = redis.call('XREVRANGE', log_key(source.room), source.upper, '-', 'COUNT', BATCH)
  if #batch == 0 then source.upper = nil return false end
  source.batch, source.i = batch, 1
  local oldest = seq_of(batch[#batch])
  if oldest <= 1 then source.upper = nil else source.upper = (oldest - 1) .. '-0' end
  return true
end
local function head_at(source) return tonumber(field(source.batch[source.i], 'at')) end

-- A max-heap of cursors by the time of their next entry.
local heap = {}
local function swap(i, j) heap[i], heap[j] = heap[j], heap[i] end
local function push(source)
  source.at = head_at(source)
  heap[#heap + 1] = source
  local i = #heap
  while i > 1 and heap[math.floor(i / 2)].at < heap[i].at do
    swap(i, math.floor(i / 2))
    i = math.floor(i / 2)
  end
end
local function pop()
  local top = heap[1]
  heap[1] = heap[#heap]
  heap[#heap] = nil
  local i = 1
  while true do
    local largest, l, r = i, 2 * i, 2 * i + 1
    if l <= #heap and heap[l].at > heap[largest].at then largest = l end
    if r <= #heap and heap[r].at > heap[largest].at then largest = r end
    if largest == i then break end
    swap(i, largest)
    i = largest
  end
  return top
end

for _, room in ipairs(candidates) do
  -- Only rooms the participant was ever in; in one it left, only what was said before.
  -- (Members who left before leftSeq existed have only leftAt: their part ends by time.)
  local membership = redis.call('HMGET', member_key(room, user), 'joinedAt', 'leftAt', 'leftSeq')
  if membership[1] then
    local source = {room = room, upper = '+', left_at = tonumber(membership[2]), left_seq = tonumber(membership[3])}
    -- Reading starts at the leave: nothing later is the participant's to search.
    if source.left_seq then source.upper = source.left_seq .. '-0' end
    if source.left_seq == 0 then source.upper = nil end
    if refill(source) then push(source) end
  end
end

local function words_of(entry)
  local words = field(entry, 'words')
  if words then return words end
  local folded = string.gsub(string.lower(field(entry, 'text') or ''), '[^%w]+', ' ')
  return ' ' .. folded .. ' '
end

local function matches(entry)
  if field(entry, 'system') == '1' then return false end
  local words = words_of(entry)
  for _, phrase in ipairs(phrases) do
    if not string.find(words, phrase, 1, true) then return false end
  end
  return true
end

local hits, examined = {}, 0
while #heap > 0 and #hits < limit and examined < budget do
  local source = pop()
  local entry = source.batch[source.i]
  examined = examined + 1
  local own = source.left_at == nil or source.left_seq ~= nil or source.at <= source.left_at
  if own and matches(entry) then
    hits[#hits + 1] = {source.room, entry}
  end
  source.i = source.i + 1
  if source.i <= #source.batch or refill(source) then push(source) end
end
return hits
`);

/** Control slot. ARGV: user, most rooms. Reply: the rooms the user joined, most recently joined first. */
export const joinedRooms = readScript(`
return redis.call('ZREVRANGE', joined_rooms_key(ARGV[1]), 0, tonumber(ARGV[2]) - 1)
`);
