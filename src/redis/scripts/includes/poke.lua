-- Pokes one member (needs the prelude): due now if not claimed (never before its TAT), flagged if claimed (the
-- claimer's next report makes it due). Returns 'due', 'flagged', 'settled', or, for a member nobody registered,
-- 'remembered' (for memory ms, so that its registration makes it due at once), 'unknown' when memory is nil, or
-- 'ignored' past the cap of keys for unknown taskIds.
-- Every poke also marks its taskId 'a callback came' for CALLBACK_SEEN_MS: the process whose scheduled poll found
-- the end reads it to tell a lost callback from one that reached another process.
local CALLBACK_SEEN_MS = 60000
-- A callback for a taskId no process registered (stray, forged, or early) leaves one key, `cb:<taskId>`, and at
-- most this many such keys are made per window: a flood of them cannot fill Redis.
local UNKNOWN_CAP = 10000
local function poke_member(m, now, memory)
  local ck = callback_key(task_id_of(m))
  local k = task_key(m)
  local h = redis.call('HMGET', k, 'w', 'o', 'r')
  if not h[1] and not h[3] then
    local window = CALLBACK_SEEN_MS
    if memory ~= nil and tonumber(memory) > window then window = tonumber(memory) end
    local seen = redis.call('GET', ck)
    if not seen then
      local n = redis.call('INCR', base .. 'cbn')
      if n == 1 then redis.call('PEXPIRE', base .. 'cbn', window) end
      if n > UNKNOWN_CAP then return 'ignored' end
    end
    if memory == nil then
      if not seen or string.sub(seen, 1, 1) ~= 'p' then redis.call('SET', ck, '1', 'PX', CALLBACK_SEEN_MS) end
      return 'unknown'
    end
    -- The mark outlives the memory when that is shorter: the memory's end is in the value.
    redis.call('SET', ck, 'p' .. f0(now + tonumber(memory)), 'PX', window)
    return 'remembered'
  end
  redis.call('SET', ck, '1', 'PX', CALLBACK_SEEN_MS)
  if h[3] then return 'settled' end
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
