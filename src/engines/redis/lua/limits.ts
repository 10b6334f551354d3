import { writeScript } from './common.js';

/**
 * ARGV: user, now, rate per second, burst. Reply: 1 when a token was taken, 0 otherwise.
 * The same rule as engines/token-bucket.ts, kept in Redis so the limit holds across instances.
 * A bucket expires once it would have refilled completely: a missing bucket is a full one.
 */
export const takeSendToken = writeScript(`
local user, now, rate, burst = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local key = bucket_key(user)
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
redis.call('HSET', key, 'tokens', string.format('%.17g', available), 'at', ARGV[2])
redis.call('PEXPIRE', key, math.ceil((burst - available) * 1000 / rate) + 1000)
return taken
`);
