--[[
  breakdown: one ZSCAN step over the pending set, counted by family code and state (the provider's status text
  from the stored poll state, 'new' before the first poll), aggregated here so the reply stays a few entries
  long. Read-only.

  KEYS  the account's due set
  ARGV  cursor, count
  returns {nextCursor, ("<family>\t<state>", n)...}
]]
local due = KEYS[1]
local base = string.sub(due, 1, -4)
local function task_key(m) return base .. 't:' .. m end
local r = redis.call('ZSCAN', due, ARGV[1], 'COUNT', ARGV[2])
local counts = {}
local items = r[2]
for i = 1, #items, 2 do
  local m = items[i]
  local family = string.match(m, '^([^:]*)')
  local s = redis.call('HGET', task_key(m), 's')
  local state = 'new'
  if s then
    -- The poll state is [polls, flags, lastAnswerAt, status, ...] (src/fleet/codec.ts).
    state = string.match(s, '^%[[^,%]]*,[^,%]]*,[^,%]]*,"([^"]*)"') or 'polled'
  end
  local k = family .. '\t' .. state
  counts[k] = (counts[k] or 0) + 1
end
local out = { r[1] }
for k, n in pairs(counts) do
  out[#out + 1] = k
  out[#out + 1] = n
end
return out
