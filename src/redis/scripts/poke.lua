--[[
  poke: asks for a poll soon (a callback arrived), for one or more members: a callback that names no family
  pokes its taskId under every family in this one call.

  KEYS  the account's fixed keys (SCRIPT_KEYS)
  ARGV  pokeMemoryMs, then the members to poke
  returns per member, in order: 'due' (made due now), 'flagged' (claimed: the claimer's next report makes it
          due), 'settled', 'remembered' (unknown task: the next register makes it due at once), or 'ignored'
          (unknown task, past the cap of keys for unknown taskIds)
]]
--- @include "prelude"
--- @include "poke"
local now = ms_now()
local out = {}
for i = 2, #ARGV do out[#out + 1] = poke_member(ARGV[i], now, ARGV[1]) end
return out
