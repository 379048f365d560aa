--[[
  callback-poke: one callback delivery received without a watcher (a serverless handler): pokes the task unless
  the delivery was seen already, by any process.

  KEYS  the account's fixed keys (SCRIPT_KEYS)
  ARGV  deliveryKey, rememberMs (how long the delivery counts as seen), pokeMemoryMs (0: do not remember a poke
        for an unregistered task), then the members to poke (one when the family is known; else one per family)
  returns 'duplicate' (seen already: nothing poked) or 'poked'
]]
--- @include "prelude"
--- @include "poke"
if not redis.call('SET', base .. 'cbd:' .. ARGV[1], '1', 'PX', ARGV[2], 'NX') then return 'duplicate' end
local now = ms_now()
local memory = nil
if tonumber(ARGV[3]) > 0 then memory = ARGV[3] end
for i = 4, #ARGV do poke_member(ARGV[i], now, memory) end
return 'poked'
