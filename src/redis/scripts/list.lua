--[[
  list: one page of the pending set.

  KEYS  the account's fixed keys (SCRIPT_KEYS)
  ARGV  cursor, count, all (1: every pending task; 0: only those no live process holds an interest in)
  returns {cursor, (member, watchedAt, deadlineAt)...} of pending tasks
]]
--- @include "prelude"
local r = redis.call('ZSCAN', due, ARGV[1], 'COUNT', ARGV[2])
local out = { r[1] }
local items = r[2]
local all = ARGV[3] == '1'
local alive = {}
local function held(list)
  if all or not list then return false end
  for p in string.gmatch(list, '[^,]+') do
    if alive[p] == nil then alive[p] = redis.call('EXISTS', live_key(p)) == 1 end
    if alive[p] then return true end
  end
  return false
end
for i = 1, #items, 2 do
  local m = items[i]
  local h = redis.call('HMGET', task_key(m), 'w', 'd', 'i')
  if h[1] and not held(h[3]) then
    out[#out + 1] = m
    out[#out + 1] = h[1]
    out[#out + 1] = f0(tonumber(h[1]) + tonumber(h[2]))
  end
end
return out
