--[[
  register: makes each task pending in the fleet unless it already is (then its deadline is extended), or
  returns its stored result when it already settled. A remembered poke makes a new task due at once.

  KEYS  the account's fixed keys (SCRIPT_KEYS: due, results, events, budget, pause, fence, epoch)
  ARGV  knownEpoch ('' for none), proc (this process's number, recorded as interested in each task; '': take
        a new one), n, then per task: member, timeoutMs (-1: none), delayMs, watchedAt (-1: Redis now)
  returns {epoch, now, proc, (status, result)...}: status 'n' (made pending), 'p' (was pending),
          'r' (settled: result follows; '' otherwise)
]]
--- @include "prelude"
local NO_DEADLINE = 8640000000000000
-- A task's keys end with its last waiter's deadline (plus this, for a poll out at that moment to report into),
-- whether or not a process is left to drop it; the due set with the latest deadline of its tasks, unless a
-- task with no deadline holds it open.
local KEEP_MS = 1000
local now = ms_now()
local due_fresh = redis.call('EXISTS', due) == 0
local due_ttl = redis.call('PTTL', due)
local function keep_until(k, dl)
  if dl == NO_DEADLINE then
    redis.call('PERSIST', k)
    due_ttl = -1
    return
  end
  local ttl = math.ceil(dl - now) + KEEP_MS
  redis.call('PEXPIRE', k, ttl)
  if due_fresh or (due_ttl >= 0 and due_ttl < ttl) then due_ttl = ttl end
  due_fresh = false
end
local out = { epoch(now, ARGV[1]), f0(now) }
local proc = ARGV[2]
if proc == '' then proc = f0(redis.call('INCR', base .. 'procn')) end
out[3] = proc
mark_live(proc)
-- Adds this process to the task's interested ones; the list stays short (a hash keeps its compact encoding
-- only with values of at most 64 bytes): processes no longer alive leave it first, then the oldest.
local function interested(k, i)
  local list = i or ','
  if string.find(list, ',' .. proc .. ',', 1, true) then return end
  list = list .. proc .. ','
  if #list > 48 then
    local kept = ','
    for p in string.gmatch(list, '[^,]+') do
      if redis.call('EXISTS', live_key(p)) == 1 then kept = kept .. p .. ',' end
    end
    list = kept
    while #list > 48 do list = string.sub(list, string.find(list, ',', 2, true)) end
  end
  redis.call('HSET', k, 'i', list)
end
local n = tonumber(ARGV[3])
for i = 0, n - 1 do
  local m = ARGV[4 + i * 4]
  local timeout = tonumber(ARGV[5 + i * 4])
  local delay = tonumber(ARGV[6 + i * 4])
  local watched = tonumber(ARGV[7 + i * 4])
  local k = task_key(m)
  local h = redis.call('HMGET', k, 'r', 'w', 'd', 'i')
  local dl = NO_DEADLINE
  if timeout >= 0 then dl = now + timeout end
  if h[1] then
    out[#out + 1] = 'r'
    out[#out + 1] = h[1]
  elseif h[2] then
    local w = tonumber(h[2])
    if w + tonumber(h[3]) < dl then
      redis.call('HSET', k, 'd', rel(dl, w))
      keep_until(k, dl)
    end
    interested(k, h[4])
    out[#out + 1] = 'p'
    out[#out + 1] = ''
  else
    local at = now + delay
    local ck = callback_key(task_id_of(m))
    local mark = redis.call('GET', ck)
    if mark and string.sub(mark, 1, 1) == 'p' and tonumber(string.sub(mark, 2)) >= now then
      at = now
      redis.call('SET', ck, '1', 'KEEPTTL')
    end
    if watched < 0 then watched = now end
    watched = tonumber(f0(watched))
    redis.call('HSET', k, 'w', f0(watched), 'd', rel(dl, watched))
    interested(k, nil)
    keep_until(k, dl)
    redis.call('ZADD', due, f3(at), m)
    out[#out + 1] = 'n'
    out[#out + 1] = ''
  end
end
if due_ttl >= 0 and redis.call('EXISTS', due) == 1 then redis.call('PEXPIRE', due, due_ttl)
elseif due_ttl == -1 then redis.call('PERSIST', due) end
return out
