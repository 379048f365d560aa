--[[
  top: the tasks due soonest, for the dashboard's table. Read-only.

  KEYS  the account's due set
  ARGV  n
  returns {(member, dueScore, watchedAt, state, owner)...}
]]
local due = KEYS[1]
local base = string.sub(due, 1, -4)
local function task_key(m) return base .. 't:' .. m end
local r = redis.call('ZRANGE', due, 0, tonumber(ARGV[1]) - 1, 'WITHSCORES')
local out = {}
for i = 1, #r, 2 do
  local h = redis.call('HMGET', task_key(r[i]), 'w', 's', 'o')
  out[#out + 1] = r[i]
  out[#out + 1] = r[i + 1]
  out[#out + 1] = h[1] or ''
  out[#out + 1] = h[2] or ''
  out[#out + 1] = h[3] or ''
end
return out
