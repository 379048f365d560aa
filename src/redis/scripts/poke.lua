--[[
  poke: asks for a poll soon (a callback arrived).

  KEYS  the account's fixed keys (SCRIPT_KEYS)
  ARGV  member, pokeMemoryMs
  returns 'due' (made due now), 'flagged' (claimed: the claimer's next report makes it due), 'settled', or
          'remembered' (unknown task: the next register makes it due at once), or 'ignored' (unknown task, past
          the cap of keys for unknown taskIds)
]]
--- @include "prelude"
--- @include "poke"
return poke_member(ARGV[1], ms_now(), ARGV[2])
