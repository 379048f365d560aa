--[[
  Shared by every script. Runs on Redis TIME (client clocks are not trusted); every key shares the account's
  hash tag, `<prefix>:{<account>}:`, so scripts run unchanged on Redis Cluster. Per-task keys are built from
  KEYS[1], the way BullMQ builds job keys. Numbers go back to Redis through string.format: Lua's tostring keeps
  only 14 significant digits, which would cut the sub-millisecond part of a due time and a fence's last digits.
]]
local due = KEYS[1]
local base = string.sub(due, 1, -4)
local function ms_now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
local function f0(x) return string.format('%.0f', x) end
local function f3(x) return string.format('%.3f', x) end
-- A pending task's deadline 'd' and TAT 'T' are whole ms relative to its watchedAt 'w': a listpack keeps a
-- small integer in 5 or 6 bytes, an epoch time in 10. Rounded up, a TAT only spaces claims further apart.
-- Once the task is no longer pending (settled or dropped: no 'w'), its TAT is kept absolute, in µs, as 'A'.
local function rel(x, w) return string.format('%.0f', math.ceil(x - w)) end
local function abs_of(v, w) if v then return w + tonumber(v) end return nil end
local function kept_tat(x) return string.format('%.0f', math.ceil(x * 1000)) end
local function task_key(m) return base .. 't:' .. m end
local function poke_key(m) return base .. 'poke:' .. m end
-- The epoch names this copy of the fleet's data: it changes when Redis lost everything (restart without
-- persistence), which tells each process to register its waiters again.
local function epoch(now)
  local e = redis.call('GET', KEYS[7])
  if not e then
    e = f0(now * 1000)
    redis.call('SET', KEYS[7], e)
  end
  return e
end
