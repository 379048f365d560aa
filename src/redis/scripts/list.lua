--[[
  list: one page of the pending set.

  KEYS  the account's fixed keys (SCRIPT_KEYS)
  ARGV  cursor, count
  returns {cursor, (member, watchedAt, deadlineAt)...} of pending tasks
]]
--- @include "prelude"
local r = redis.call('ZSCAN', due, ARGV[1], 'COUNT', ARGV[2])
local out = { r[1] }
local items = r[2]
for i = 1, #items, 2 do
  local m = items[i]
  local h = redis.call('HMGET', task_key(m), 'w', 'd')
  if h[1] then
    out[#out + 1] = m
    out[#out + 1] = h[1]
    out[#out + 1] = f0(tonumber(h[1]) + tonumber(h[2]))
  end
end
return out
