import { preludeFor } from './prelude.js';

/**
 * The start of every script: engine settings, the key layout (the one place keys are named) and
 * the helpers several scripts share.
 *
 * Every script is called with one KEY, a key of the slot it runs in (keys.ts `routingKey`: where
 * Redis Cluster sends it), and ARGV = key prefix, retention max messages, retention max age in
 * ms, then its own arguments; the preamble takes the first three off ARGV. Scripts name every key
 * they touch from the prefix, below.
 *
 * Redis Cluster: every key carries a hash tag, and every script touches one slot (docs/redis.md):
 * - a room's keys share `{room id}`: `room:{r}`, `room:{r}:log`, `:members`, `:people`,
 *   `:member:u`, `:sent:u:k`. Room scripts see nothing else: a member's display name and whom it
 *   blocked are copied into its membership (`name`, `hides`).
 * - the control slot `{control}` holds participants, credentials, the queue, presence, the
 *   directory and the expiry indexes: what matching (queue, both participants, presence) must
 *   change in one step.
 * - a participant's hot per-call keys share `{user id}`: its send bucket and parked waits; the
 *   creation buckets have `{limit key}`.
 * Steps that touch a room and the control slot are two scripts run one after the other by the
 * engine (room-steps.ts), each idempotent. Keys named from data a script reads (a candidate's
 * blocks, another member's membership) are built here in the slot of the declared keys.
 *
 * Redis does not roll a script back when it fails halfway, so every script checks everything it
 * can refuse before its first write.
 */
export const PREAMBLE = `
local P = table.remove(ARGV, 1)
local MAX_MESSAGES = tonumber(table.remove(ARGV, 1))
local MAX_AGE_MS = tonumber(table.remove(ARGV, 1))

-- Key layout ----------------------------------------------------------------------------------
-- The control slot.
local C = P .. '{control}:'
-- Queue: user id -> arrival ticket, so ZRANK is the FIFO position.
local QUEUE = C .. 'queue'
local QUEUE_TICKETS = C .. 'queue:tickets'
-- Queue by interest, for matching (lua/matching.ts): tag -> (user id -> arrival ticket); and
-- when each queued participant arrived: user id -> ms.
local function queue_tag_key(tag) return C .. 'queue:tag:' .. tag end
local QUEUE_SINCE = C .. 'queue:since'
-- Matches whose room is not created yet: room id -> JSON of the pair (lua/matching.ts).
local MATCHES_PENDING = C .. 'matches:pending'
-- Reported participants, for operators: user id -> time of its latest report (ms).
local REPORTED = C .. 'reported'
-- Presence: user id -> last activity (ms) of participants who are queued or in an open room and
-- have not been claimed by the idle sweep since their last activity.
local PRESENT = C .. 'present'
-- The room directory: room id -> last activity (ms) of every named public room that has active
-- members, so list_rooms reads rooms most recently active first without looking at the others;
-- beside it what list_rooms shows of each (room id -> JSON of topic, capacity, listing, members),
-- copied from the room slot by the steps that change it.
local DIRECTORY = C .. 'directory'
local DIRECTORY_INFO = C .. 'directory:info'
-- Rooms that ended or were left empty: room id -> wall-clock deadline (ms), after which the
-- sweep removes the room with everything in it (chat/lifetimes.ts). The room hash's expiresAt is
-- the truth; this index only says where to look (an entry for a room without expiresAt is dropped).
local ROOMS_EXPIRING = C .. 'rooms:expiring'
-- Participants by the wall-clock time (ms) they are forgotten unless they call again; their
-- hash and credential expire by themselves then, and the sweep removes the rest.
local PARTICIPANTS_EXPIRING = C .. 'participants:expiring'
-- Participant: displayName, createdAt, lastSeenAt, credential, claimed (set by the idle sweep),
-- owner (the subject that created it, with access control on), queueRoom (its open queue room).
local function participant_key(user) return C .. 'participant:' .. user end
-- Safety, per participant (lua/safety.ts): whom it blocked and who blocked it (sets of user ids),
-- its ban (reason, at), the reports about it (a list of JSON, newest first), its interests while
-- it is queued (a set of tags). Its last queue partner is the participant hash's lastPartner.
local function blocks_key(user) return C .. 'participant:' .. user .. ':blocks' end
local function blocked_by_key(user) return C .. 'participant:' .. user .. ':blocked-by' end
local function ban_key(user) return C .. 'participant:' .. user .. ':ban' end
local function reports_key(user) return C .. 'participant:' .. user .. ':reports' end
local function interests_key(user) return C .. 'participant:' .. user .. ':interests' end
-- Credential digest -> user id.
local function credential_key(digest) return C .. 'credential:' .. digest end
-- Open rooms the participant is an active member of: room id -> joinedAt. A hint kept after the
-- room slot (the truth): readers drop entries the room no longer confirms.
local function open_rooms_key(user) return C .. 'participant:' .. user .. ':rooms' end
-- Every room the participant has joined, left or not: room id -> last join (ms). What
-- search_messages looks through.
local function joined_rooms_key(user) return C .. 'participant:' .. user .. ':joined' end
-- Send-rate token bucket, in the participant's own slot: tokens, at.
local function bucket_key(user) return P .. 'participant:{' .. user .. '}:bucket' end
-- Token bucket for creating participants, per subject or client address: tokens, at.
local function creation_bucket_key(limit_key) return P .. 'creations:{' .. limit_key .. '}' end
-- Parked waits of a participant, in its own slot: wait id -> when it parked (ms).
local function waits_key(user) return P .. 'participant:{' .. user .. '}:waits' end
-- One token bucket (the rule of engines/token-bucket.ts): takes a token when one is there and
-- answers 1, else 0. A bucket expires once it would have refilled: a missing bucket is a full one.
local function take_token(key, now_text, rate, burst)
  local now = tonumber(now_text)
  local bucket = redis.call('HMGET', key, 'tokens', 'at')
  local available = burst
  if bucket[1] then
    local elapsed = math.max(0, now - tonumber(bucket[2]))
    available = math.min(burst, tonumber(bucket[1]) + elapsed * rate / 1000)
  end
  local taken = 0
  if available >= 1 then
    available = available - 1
    taken = 1
  end
  redis.call('HSET', key, 'tokens', string.format('%.17g', available), 'at', now_text)
  redis.call('PEXPIRE', key, math.ceil((burst - available) * 1000 / rate) + 1000)
  return taken
end

-- Room: kind, capacity, createdAt, endedAt (absent while open), lastSeq, joins (join counter),
-- topic and listing (id and topic folded, for directory queries) of named rooms, visibility
-- and invite (set for private rooms only).
local function room_key(room) return P .. 'room:{' .. room .. '}' end
-- The room's log: a stream whose entry ids are seq-0. A stream rather than a sorted set: the ids
-- are the seqs, so "after seq N", "the last 20 before seq N" and history pages are XRANGE and
-- XREVRANGE with no index of our own; an entry keeps every field exactly as written (no encoding
-- into a set member); XADD MAXLEN and XTRIM MINID implement retention.
local function log_key(room) return P .. 'room:{' .. room .. '}' .. ':log' end
-- Active members: user id -> join order.
local function members_key(room) return P .. 'room:{' .. room .. '}' .. ':members' end
-- Everyone who ever joined the room (left or not), whose memberships go with the room.
local function people_key(room) return P .. 'room:{' .. room .. '}' .. ':people' end
-- Membership: joinedAt, joinedSeq, cursor, leftAt and leftSeq (the room's lastSeq at the leave;
-- both absent while in the room), name (the display name, kept current by renames), hides (JSON
-- list of whom the member blocked, copied from the control slot), ownAfter (unread.ts).
local function member_key(room, user) return P .. 'room:{' .. room .. '}' .. ':member:' .. user end
-- A message stored with an idempotency key: the message's fields plus seq, kept 24 hours.
local function idempotency_key(room, user, key) return P .. 'room:{' .. room .. '}' .. ':sent:' .. user .. ':' .. key end

-- Participants (control slot) -----------------------------------------------------------------
-- Takes a participant out of the queue with its interests; 1 when it was queued.
local function unqueue(user)
  for _, tag in ipairs(redis.call('SMEMBERS', interests_key(user))) do
    redis.call('ZREM', queue_tag_key(tag), user)
  end
  redis.call('DEL', interests_key(user))
  redis.call('ZREM', QUEUE_SINCE, user)
  return redis.call('ZREM', QUEUE, user)
end

local function is_queued(user) return redis.call('ZSCORE', QUEUE, user) ~= false end

local function is_present(user)
  return is_queued(user) or redis.call('ZCARD', open_rooms_key(user)) > 0
end

-- Enters the presence index with the last activity as score, unless the idle sweep claimed the
-- participant and it has not been active since (it is on its way out).
local function mark_present(user)
  local fields = redis.call('HMGET', participant_key(user), 'lastSeenAt', 'claimed')
  if fields[1] and fields[2] ~= '1' then redis.call('ZADD', PRESENT, fields[1], user) end
end

-- Leaves the presence index once neither queued nor in an open room.
local function refresh_presence(user)
  if not is_present(user) then redis.call('ZREM', PRESENT, user) end
end

-- The room is no longer open for the participant: out of its open rooms (and its queue room),
-- maybe out of presence. Idempotent: the repair of any step that stopped halfway.
-- (Defined before the room keys it does not use: it keeps to the control slot.)
local function close_for(user, room)
  -- A match whose room is still being made (lua/matching.ts) is not stale.
  if redis.call('HEXISTS', MATCHES_PENDING, room) == 1 then return end
  redis.call('ZREM', open_rooms_key(user), room)
  if redis.call('HGET', participant_key(user), 'queueRoom') == room then
    redis.call('HDEL', participant_key(user), 'queueRoom')
  end
  refresh_presence(user)
end

-- Rooms (room slot) -----------------------------------------------------------------------------
local function is_active_member(room, user) return redis.call('ZSCORE', members_key(room), user) ~= false end

-- The display name kept in the membership (current: renames are copied into open rooms).
local function display_name(room, user)
  return redis.call('HGET', member_key(room, user), 'name') or ''
end

-- Active members in join order, as a flat list: user id, display name, user id, ...
local function active_members(room)
  local flat = {}
  for _, user in ipairs(redis.call('ZRANGE', members_key(room), 0, -1)) do
    flat[#flat + 1] = user
    flat[#flat + 1] = display_name(room, user)
  end
  return flat
end

-- What the directory shows of a room as JSON, or false when it is not listed (not a named public
-- room with members), from the room's fields and its member count. The control slot's copy is
-- set from this (lua/directory.ts).
local function listing_from(room, kind, visibility, topic, capacity, listing, members)
  if kind ~= 'named' or visibility == 'private' or members == 0 then return false end
  return cjson.encode({topic = topic or '', capacity = tonumber(capacity), listing = listing or string.lower(room), members = members})
end

-- The same, read from the room.
local function listing_of(room)
  local kind, visibility, topic, capacity, listing = unpack(redis.call('HMGET', room_key(room),
    'kind', 'visibility', 'topic', 'capacity', 'listing'))
  if kind ~= 'named' or visibility == 'private' then return false end
  return listing_from(room, kind, visibility, topic, capacity, listing, redis.call('ZCARD', members_key(room)))
end

-- Makes the participant an active member with its cursor at seq (a rejoin starts afresh), with
-- its display name and whom it blocked as the control slot had them just before.
local function add_member(room, user, now, seq, name, hides)
  local order = redis.call('HINCRBY', room_key(room), 'joins', 1)
  local key = member_key(room, user)
  redis.call('DEL', key)
  redis.call('HSET', key, 'joinedAt', now, 'joinedSeq', seq, 'cursor', seq, 'name', name, 'ownAfter', 0,
    'hides', hides)
  redis.call('ZADD', members_key(room), order, user)
  redis.call('SADD', people_key(room), user)
  -- In use again: whatever deadline the room had is off (the index entry goes by itself).
  redis.call('HDEL', room_key(room), 'expiresAt')
end

-- Gives the room a deadline (a wall-clock time in ms; '' for none: the room is kept). The
-- engine put it in the control slot's index before this step.
local function schedule_drop(room, at)
  if at == '' then return end
  redis.call('HSET', room_key(room), 'expiresAt', at)
end

-- The senders whose messages a member does not see: those it blocked, as copied into its
-- membership.
local function hidden_senders(room, user)
  local hidden = {}
  local hides = redis.call('HGET', member_key(room, user), 'hides')
  if hides and hides ~= '' and hides ~= '[]' then
    for _, blocked in ipairs(cjson.decode(hides)) do hidden[blocked] = true end
  end
  return hidden
end

-- The log ---------------------------------------------------------------------------------------
-- A message travels as the fields of its stream entry, in this order.
local DRAFT_FIELDS = {'id', 'sender', 'name', 'text', 'at', 'system', 'disconnect'}

-- The draft whose seven fields start at ARGV[i], as stream entry fields.
local function read_draft(i)
  local fields = {}
  for n, name in ipairs(DRAFT_FIELDS) do
    fields[#fields + 1] = name
    fields[#fields + 1] = ARGV[i + n - 1]
  end
  return fields
end

local function seq_of(entry) return tonumber(string.match(entry[1], '^(%d+)')) end

local function field(entry, name)
  local fields = entry[2]
  for i = 1, #fields, 2 do
    if fields[i] == name then return fields[i + 1] end
  end
  return nil
end

-- Age retention: drops entries written more than MAX_AGE_MS before now from the front of the
-- log, and lets the whole log expire once its newest entry is that old (a room gone silent).
-- Seq order follows time up to clock differences between instances; an entry stamped earlier
-- than one before it goes when the front reaches it.
local function trim_by_age(room, now)
  local key = log_key(room)
  local cutoff = now - MAX_AGE_MS
  while true do
    local oldest = redis.call('XRANGE', key, '-', '+', 'COUNT', 1)
    if #oldest == 0 or tonumber(field(oldest[1], 'at')) >= cutoff then break end
    -- Something is too old: look at the front in batches and cut before the first young entry.
    local keep_from = nil
    local batch = redis.call('XRANGE', key, '-', '+', 'COUNT', 100)
    for _, entry in ipairs(batch) do
      if tonumber(field(entry, 'at')) >= cutoff then keep_from = entry[1] break end
    end
    redis.call('XTRIM', key, 'MINID', keep_from or ((seq_of(batch[#batch]) + 1) .. '-0'))
    if keep_from then break end
  end
  redis.call('PEXPIRE', key, MAX_AGE_MS)
end

-- Appends a message: seq = lastSeq + 1, stored as stream entry seq-0, so a range of seqs is a
-- range of entry ids. Returns the entry as read back ({id, fields}). last_sender is the room's
-- lastSender field when the caller read it already (false when unset), nil to read it here.
local function append(room, fields, last_sender)
  local seq = redis.call('HINCRBY', room_key(room), 'lastSeq', 1)
  local id = seq .. '-0'
  if MAX_MESSAGES > 0 then
    redis.call('XADD', log_key(room), 'MAXLEN', '=', MAX_MESSAGES, id, unpack(fields))
  else
    redis.call('XADD', log_key(room), id, unpack(fields))
  end
  -- For unread counts (unread.ts): the latest run of one sender, and the sender's own count.
  local sender = field({id, fields}, 'sender')
  if last_sender == nil then last_sender = redis.call('HGET', room_key(room), 'lastSender') end
  if last_sender ~= sender then
    redis.call('HSET', room_key(room), 'lastSender', sender, 'runStart', seq)
  end
  if redis.call('HEXISTS', member_key(room, sender), 'ownAfter') == 1 then
    redis.call('HINCRBY', member_key(room, sender), 'ownAfter', 1)
  end
  local at = tonumber(field({id, fields}, 'at'))
  if MAX_AGE_MS > 0 then trim_by_age(room, at) end
  return {id, fields}
end

-- Up to count entries with seq > after and seq < before (before may be nil), oldest first.
local function entries_after(room, after, before, count)
  if before ~= nil and before <= after + 1 then return {} end
  local upper = before ~= nil and ((before - 1) .. '-0') or '+'
  return redis.call('XRANGE', log_key(room), (after + 1) .. '-0', upper, 'COUNT', count)
end

-- Up to count entries with seq < before (nil: the end of the log), oldest first.
local function entries_before(room, before, count)
  if count <= 0 or (before ~= nil and before <= 1) then return {} end
  local upper = before ~= nil and ((before - 1) .. '-0') or '+'
  local newest_first = redis.call('XREVRANGE', log_key(room), upper, '-', 'COUNT', count)
  local oldest_first = {}
  for i = #newest_first, 1, -1 do oldest_first[#oldest_first + 1] = newest_first[i] end
  return oldest_first
end

-- Entries with seq > after not sent by user, oldest first, at most limit (limit nil: all of them).
-- Reads in batches, so a member's own long run of messages is skipped without a huge reply.
-- Messages from those the user blocked are skipped too (hidden_senders).
local function others_after(room, user, after, limit)
  local found = {}
  local from = after + 1
  local hidden = hidden_senders(room, user)
  while limit == nil or #found < limit do
    local batch = redis.call('XRANGE', log_key(room), from .. '-0', '+', 'COUNT', 200)
    if #batch == 0 then break end
    for _, entry in ipairs(batch) do
      local sender = field(entry, 'sender')
      if sender ~= user and not hidden[sender] then
        found[#found + 1] = entry
        if limit ~= nil and #found == limit then break end
      end
    end
    from = seq_of(batch[#batch]) + 1
  end
  return found
end
`;

/** What of the preamble a script's body uses (prelude.ts). */
const preambleFor = preludeFor(PREAMBLE);

/** A script that writes: Redis refuses it whole when it cannot write (out of memory, a replica). */
export function writeScript(body: string): string {
  return `#!lua\n${preambleFor(body)}\n${body}`;
}

/** A script that only reads: allowed on replicas and while Redis is out of memory. */
export function readScript(body: string): string {
  return `#!lua flags=no-writes\n${preambleFor(body)}\n${body}`;
}
