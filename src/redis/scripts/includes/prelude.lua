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
-- A pending task's deadline 'd' is whole ms relative to its watchedAt 'w': a listpack keeps a small integer in
-- 5 or 6 bytes, an epoch time in 10.
local function rel(x, w) return string.format('%.0f', math.ceil(x - w)) end
local function task_key(m) return base .. 't:' .. m end
local function task_id_of(m) return string.sub(m, string.find(m, ':', 1, true) + 1) end
-- One key per taskId for callbacks, whatever family path they name: '1', a callback came (the callback-miss rate
-- reads it); 'p<until>', it came before any process registered the task, whose registration until then (Redis
-- time, ms) polls at once.
local function callback_key(task_id) return base .. 'cb:' .. task_id end
-- The per-task rate limit is the provider's: per taskId, whatever family path a request takes. So its TAT
-- lives in a key of the taskId alone (the member is '<family>:<taskId>'), and only while it lies ahead: it
-- expires when the next request is allowed anyway, so an idle or settled task keeps no TAT at all.
local function tat_key(m) return base .. 'g:' .. task_id_of(m) end
local function get_tat(m)
  local v = redis.call('GET', tat_key(m))
  if v then return tonumber(v) end
  return nil
end
local function set_tat(m, tat, now)
  if tat > now then redis.call('SET', tat_key(m), f3(tat), 'PX', math.ceil(tat - now) + 1) end
end
-- The epoch names this copy of the fleet's data (its value: Redis time of its creation, in µs): it changes when
-- Redis lost everything (FLUSHALL, a restart without persistence), which tells each process to register its
-- waiters again. Every TAT went with the data, and a claim made just before the loss may be sent just after
-- it: when the caller knew an older epoch (`known`), the loss is recorded in `lost`, and no task is claimed
-- within one interval of it (tick.lua).
local function epoch(now, known)
  local e = redis.call('GET', KEYS[7])
  if not e then
    e = f0(now * 1000)
    redis.call('SET', KEYS[7], e)
    if known ~= '' then redis.call('SET', base .. 'lost', f3(now), 'PX', 60000) end
  end
  return e
end
-- Which processes hold an interest in a task: the hash's 'i', ',<n>,<n>,' of process numbers (from `procn`);
-- a process is alive while its `live:<n>` key is (refreshed by its ticks and registrations).
local LIVE_MS = 5000
local function live_key(n) return base .. 'live:' .. n end
local function mark_live(n) redis.call('SET', live_key(n), '1', 'PX', LIVE_MS) end
