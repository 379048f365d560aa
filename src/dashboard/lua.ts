/*
 * The dashboard's read-only scripts. Like the fleet's, each gets the account's `due` key in KEYS and derives the
 * per-task keys from it (same hash tag, same Cluster slot). They never write.
 */

const BASE = `
local due = KEYS[1]
local base = string.sub(due, 1, -4)
local function task_key(m) return base .. 't:' .. m end
`;

/** top: ARGV = n. The n tasks due soonest: {(member, dueScore, watchedAt, state, owner)...}. */
export const TOP_LUA = `${BASE}
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
`;

/**
 * lookup: ARGV = members. For each task found, pending or settled:
 * {(member, dueScore or '', watchedAt, state, owner, result)...}.
 */
export const LOOKUP_LUA = `${BASE}
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
`;

/**
 * breakdown: ARGV = cursor, count. One ZSCAN step over the pending set, counted by family code and state (the
 * provider's status text from the stored poll state, 'new' before the first poll):
 * {nextCursor, ("<family>\\t<state>", n)...}. Aggregated here so the reply stays a few entries long.
 */
export const BREAKDOWN_LUA = `${BASE}
local r = redis.call('ZSCAN', due, ARGV[1], 'COUNT', ARGV[2])
local counts = {}
local items = r[2]
for i = 1, #items, 2 do
  local m = items[i]
  local family = string.match(m, '^([^:]*)')
  local s = redis.call('HGET', task_key(m), 's')
  local state = 'new'
  if s then
    -- The poll state is [polls, flags, lastAnswerAt, status, ...] (src/engine/fleet-codec.ts).
    state = string.match(s, '^%[[^,%]]*,[^,%]]*,[^,%]]*,"([^"]*)"') or 'polled'
  end
  local k = family .. '\\t' .. state
  counts[k] = (counts[k] or 0) + 1
end
local out = { r[1] }
for k, n in pairs(counts) do
  out[#out + 1] = k
  out[#out + 1] = n
end
return out
`;
