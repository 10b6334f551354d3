import { readScript, writeScript } from './common.js';

/**
 * The control slot's side of rooms: the participants' lists of rooms, presence, the directory
 * and the expiry index. Each runs before or after a room-slot script (lua/rooms.ts, log.ts) and
 * is idempotent, so a step repeated after a crash between the two leaves the same state
 * (docs/redis.md, "Steps across slots").
 */

/** ARGV: user. Reply: {display name ('' when forgotten), whom it blocked as JSON}, for a join. */
export const joiner = readScript(`
local user = ARGV[1]
local name = redis.call('HGET', participant_key(user), 'displayName') or ''
local blocks = redis.call('SMEMBERS', blocks_key(user))
if #blocks == 0 then return {name, '[]'} end
return {name, cjson.encode(blocks)}
`);

/**
 * ARGV: user, room, now, listing (JSON or ''), '1' when the user was a member already (a
 * retried join: repairs without moving the join time). After a join's room step: the room is in
 * the user's open and joined rooms, the user present, the room's deadline entry gone, the
 * directory up to date.
 */
export const joined = writeScript(`
local user, room, now, listing, again = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5] == '1'
local nx = again and 'NX' or 'GT'
redis.call('ZADD', open_rooms_key(user), nx, now, room)
redis.call('ZADD', joined_rooms_key(user), nx, now, room)
mark_present(user)
redis.call('ZREM', ROOMS_EXPIRING, room)
if listing ~= '' then
  redis.call('ZADD', DIRECTORY, again and 'NX' or 'GT', now, room)
  redis.call('HSET', DIRECTORY_INFO, room, listing)
end
return 1
`);

/** ARGV: room, deadline (wall-clock ms). Put in the index before the room step sets expiresAt. */
export const expireAt = writeScript(`
redis.call('ZADD', ROOMS_EXPIRING, ARGV[2], ARGV[1])
return 1
`);

/**
 * ARGV: user, room, ended ('1'/'0'), listing (JSON, or '' when no longer listed), then the
 * remaining members' ids. After a leave's room step, or as the repair of a leave refused because
 * the user is no longer in the room.
 */
export const left = writeScript(`
local user, room, ended, listing = ARGV[1], ARGV[2], ARGV[3] == '1', ARGV[4]
close_for(user, room)
if ended then
  for i = 5, #ARGV do close_for(ARGV[i], room) end
end
if listing == '' then
  redis.call('ZREM', DIRECTORY, room)
  redis.call('HDEL', DIRECTORY_INFO, room)
elseif redis.call('ZSCORE', DIRECTORY, room) then
  redis.call('HSET', DIRECTORY_INFO, room, listing)
end
return 1
`);

/** ARGV: room, activity (ms), listing JSON. After a message in a listed room: newest first. */
export const listRoom = writeScript(`
redis.call('ZADD', DIRECTORY, 'GT', ARGV[2], ARGV[1])
redis.call('HSET', DIRECTORY_INFO, ARGV[1], ARGV[3])
return 1
`);

/** ARGV: user. Reply: the user's open rooms in the order joined. */
export const openRooms = readScript(`
return redis.call('ZRANGE', open_rooms_key(ARGV[1]), 0, -1)
`);

/** ARGV: user, then room ids the room slot no longer confirms as open for the user: dropped. */
export const closeRooms = writeScript(`
local user = ARGV[1]
for i = 2, #ARGV do close_for(user, ARGV[i]) end
return 1
`);

/** ARGV: now (wall-clock ms), limit. Reply: rooms whose deadline passed (the sweep's first step). */
export const dueRooms = readScript(`
return redis.call('ZRANGEBYSCORE', ROOMS_EXPIRING, '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
`);

/**
 * ARGV: room, outcome of dropRoom ('kept' or 'dropped'), its deadline when kept ('' for none),
 * then the people of a dropped room. Kept: the index entry follows the room's deadline. Dropped:
 * the room leaves everyone's lists, the directory, and last the index (so until then the sweep
 * comes back to it).
 */
export const forgetRoom = writeScript(`
local room, outcome, at = ARGV[1], ARGV[2], ARGV[3]
if outcome == 'kept' then
  if at == '' then redis.call('ZREM', ROOMS_EXPIRING, room) else redis.call('ZADD', ROOMS_EXPIRING, at, room) end
  return 1
end
redis.call('HDEL', MATCHES_PENDING, room)
for i = 4, #ARGV do
  redis.call('ZREM', joined_rooms_key(ARGV[i]), room)
  close_for(ARGV[i], room)
end
redis.call('ZREM', DIRECTORY, room)
redis.call('HDEL', DIRECTORY_INFO, room)
redis.call('ZREM', ROOMS_EXPIRING, room)
return 1
`);
