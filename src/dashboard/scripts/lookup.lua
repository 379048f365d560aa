--[[
  lookup: tasks by member, pending or settled, for the dashboard's search. Read-only.

  KEYS  the account's due set
  ARGV  members
  returns {(member, dueScore or '', watchedAt, state, owner, result)...} for each task found
]]
local due = KEYS[1]
local base = string.sub(due, 1, -4)
local function task_key(m) return base .. 't:' .. m end
local out = {}
for i = 1, #ARGV do
  local m = ARGV[i]
  local h = redis.call('HMGET', task_key(m), 'w', 's', 'o', 'r')
  if h[1] or h[4] then
    out[#out + 1] = m
    out[#out + 1] = redis.call('ZSCORE', due, m) or ''
    out[#out + 1] = h[1] or ''
    out[#out + 1] = h[2] or ''
    out[#out + 1] = h[3] or ''
    out[#out + 1] = h[4] or ''
  end
end
return out
