-- Pokes one member (needs the prelude): due now if not claimed (never before its TAT), flagged if claimed (the
-- claimer's next report makes it due). Returns 'due', 'flagged', 'settled', or, for a member nobody registered,
-- 'remembered' (for memory ms, so that its registration makes it due at once) or 'unknown' when memory is nil.
-- Every poke also marks its taskId 'a callback came' for CALLBACK_SEEN_MS: the process whose scheduled poll found
-- the end reads it to tell a lost callback from one that reached another process.
local CALLBACK_SEEN_MS = 60000
local function callback_key(task_id) return base .. 'cb:' .. task_id end
local function poke_member(m, now, memory)
  redis.call('SET', callback_key(string.sub(m, string.find(m, ':', 1, true) + 1)), '1', 'PX', CALLBACK_SEEN_MS)
  local k = task_key(m)
  local h = redis.call('HMGET', k, 'w', 'o', 'r')
  if h[3] then return 'settled' end
  if not h[1] then
    if memory == nil then return 'unknown' end
    redis.call('SET', poke_key(m), '1', 'PX', memory)
    return 'remembered'
  end
  local score = redis.call('ZSCORE', due, m)
  if h[2] and h[2] ~= '' and score and tonumber(score) > now then
    redis.call('HSET', k, 'p', '1')
    return 'flagged'
  end
  local at = now
  local tat = get_tat(m)
  if tat and tat > at then at = tat end
  redis.call('ZADD', due, f3(at), m)
  return 'due'
end
