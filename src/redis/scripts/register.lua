--[[
  register: makes each task pending in the fleet unless it already is (then its deadline is extended), or
  returns its stored result when it already settled. A remembered poke makes a new task due at once.

  KEYS  the account's fixed keys (SCRIPT_KEYS: due, results, events, budget, pause, fence, epoch)
  ARGV  knownEpoch ('' for none), n, then per task: member, timeoutMs (-1: none), delayMs, watchedAt
        (-1: Redis now)
  returns {epoch, now, (status, result)...}: status 'n' (made pending), 'p' (was pending),
          'r' (settled: result follows; '' otherwise)
]]
--- @include "prelude"
local NO_DEADLINE = 8640000000000000
local now = ms_now()
local out = { epoch(now, ARGV[1]), f0(now) }
local n = tonumber(ARGV[2])
for i = 0, n - 1 do
  local m = ARGV[3 + i * 4]
  local timeout = tonumber(ARGV[4 + i * 4])
  local delay = tonumber(ARGV[5 + i * 4])
  local watched = tonumber(ARGV[6 + i * 4])
  local k = task_key(m)
  local h = redis.call('HMGET', k, 'r', 'w', 'd')
  local dl = NO_DEADLINE
  if timeout >= 0 then dl = now + timeout end
  if h[1] then
    out[#out + 1] = 'r'
    out[#out + 1] = h[1]
  elseif h[2] then
    local w = tonumber(h[2])
    if w + tonumber(h[3]) < dl then redis.call('HSET', k, 'd', rel(dl, w)) end
    out[#out + 1] = 'p'
    out[#out + 1] = ''
  else
    local at = now + delay
    if redis.call('DEL', poke_key(m)) == 1 then at = now end
    if watched < 0 then watched = now end
    watched = tonumber(f0(watched))
    redis.call('HSET', k, 'w', f0(watched), 'd', rel(dl, watched))
    redis.call('ZADD', due, f3(at), m)
    out[#out + 1] = 'n'
    out[#out + 1] = ''
  end
end
return out
