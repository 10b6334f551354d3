import { readScript, writeScript } from './common.js';

/** Blocks, reports and bans (chat/safety-port.ts). Keys: the participant's, in lua/common.ts. */

/** What the engine copies into the blocker's open memberships ('hides'): {whom it blocks as JSON, open rooms}. */
const HIDES = `
local function hides_reply(user, changed)
  local blocks = redis.call('SMEMBERS', blocks_key(user))
  local json = '[]'
  if #blocks > 0 then json = cjson.encode(blocks) end
  return {changed, json, redis.call('ZRANGE', open_rooms_key(user), 0, -1)}
end
`;

/**
 * ARGV: blocker, blocked. Both directions are kept: matching and pushes look from either side.
 * Reply: {1, hides} (see HIDES): the engine copies them into the blocker's open rooms, so a
 * repeated block (after a crash between the steps) finishes the copy.
 */
export const block = writeScript(`
${HIDES}
redis.call('SADD', blocks_key(ARGV[1]), ARGV[2])
redis.call('SADD', blocked_by_key(ARGV[2]), ARGV[1])
return hides_reply(ARGV[1], 1)
`);

/** ARGV: blocker, blocked. Reply: {1 when there was a block, hides}, as for block. */
export const unblock = writeScript(`
${HIDES}
redis.call('SREM', blocked_by_key(ARGV[2]), ARGV[1])
return hides_reply(ARGV[1], redis.call('SREM', blocks_key(ARGV[1]), ARGV[2]))
`);

/** ARGV: user. Reply: whom it blocked. */
export const blockedBy = readScript(`
return redis.call('SMEMBERS', blocks_key(ARGV[1]))
`);

/** Reports kept per reported participant; the oldest beyond this go. */
const REPORTS_KEPT = 1000;

/** ARGV: reported user, report as JSON, created at (ms). */
export const fileReport = writeScript(`
redis.call('LPUSH', reports_key(ARGV[1]), ARGV[2])
redis.call('LTRIM', reports_key(ARGV[1]), 0, ${REPORTS_KEPT - 1})
redis.call('ZADD', REPORTED, ARGV[3], ARGV[1])
return 1
`);

/** ARGV: limit. Reply: report JSON strings of the most recently reported participants, up to limit. */
export const listReports = readScript(`
local limit = tonumber(ARGV[1])
local found = {}
for _, user in ipairs(redis.call('ZREVRANGE', REPORTED, 0, limit - 1)) do
  for _, report in ipairs(redis.call('LRANGE', reports_key(user), 0, limit - 1)) do
    found[#found + 1] = report
  end
end
return found
`);

/** ARGV: user, reason, now. Takes it out of the queue. Reply: 1 when newly banned. */
export const ban = writeScript(`
local user = ARGV[1]
unqueue(user)
refresh_presence(user)
if redis.call('EXISTS', ban_key(user)) == 1 then return 0 end
redis.call('HSET', ban_key(user), 'reason', ARGV[2], 'at', ARGV[3])
return 1
`);

/** ARGV: user. Reply: 1 when there was a ban. */
export const unban = writeScript(`
return redis.call('DEL', ban_key(ARGV[1]))
`);

/** ARGV: user. Reply: {reason, at} or false. */
export const banOf = readScript(`
local ban = redis.call('HMGET', ban_key(ARGV[1]), 'reason', 'at')
if not ban[1] then return false end
return ban
`);
