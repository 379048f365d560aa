--[[
  poke: asks for a poll soon (a callback arrived).

  KEYS  the account's fixed keys (SCRIPT_KEYS)
  ARGV  member, pokeMemoryMs
  returns 'due' (made due now), 'flagged' (claimed: the claimer's next report makes it due), 'settled', or
          'remembered' (unknown task: the next register makes it due at once)
]]
--- @include "prelude"
local m = ARGV[1]
local now = ms_now()
local k = task_key(m)
local h = redis.call('HMGET', k, 'w', 'o', 'T', 'r')
if h[4] then return 'settled' end
if not h[1] then
  redis.call('SET', poke_key(m), '1', 'PX', ARGV[2])
  return 'remembered'
end
local score = redis.call('ZSCORE', due, m)
if h[2] and h[2] ~= '' and score and tonumber(score) > now then
  redis.call('HSET', k, 'p', '1')
  return 'flagged'
end
local at = now
local tat = abs_of(h[3], tonumber(h[1]))
if tat and tat > at then at = tat end
redis.call('ZADD', due, f3(at), m)
return 'due'
