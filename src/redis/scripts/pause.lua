--[[
  pause: pauses claiming fleet-wide (an account-wide 429); never shortens a longer pause.

  KEYS  the account's fixed keys (SCRIPT_KEYS)
  ARGV  ms
  returns the pause left, in ms
]]
--- @include "prelude"
local ms = tonumber(ARGV[1])
local left = redis.call('PTTL', KEYS[5])
if left < ms then
  redis.call('SET', KEYS[5], f0(ms_now() + ms), 'PX', ARGV[1])
  return ms
end
return left
