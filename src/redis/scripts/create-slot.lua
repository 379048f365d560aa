--[[
  create-slot: the account's creation limit, shared by every process (src/redis/create-store.ts). Each create
  holds a slot in one sorted set, scored by the latest Redis time its request can have arrived at the provider:
  while out, the take plus the longest a request may be out; once ended, the end (plus the margin for bytes
  still on the wire when the client gave up). A slot counts until `windowMs` after that score, so no window of
  `windowMs` at the provider holds more arrivals than `requests`, whichever process sent them.

  KEYS  the account's creation-slot sorted set (<prefix>:{<account>}:cs)
  ARGV  op ('take' | 'end' | 'back'), slot id, requests, windowMs, maxOutMs, marginMs (end: added to the end)
  returns take: {1, 0} slot held, or {0, retryInMs} full; end / back: {1, 0}
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function f0(x) return string.format('%.0f', x) end
local op, slot = ARGV[1], ARGV[2]
local requests, window, maxOut, margin = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
-- Outlives every slot's count: the latest score is a take's (now + maxOut) or an end's (now + margin).
local ttl = window + math.max(maxOut, margin) + 1000
if op == 'back' then
  redis.call('ZREM', KEYS[1], slot)
  return { 1, 0 }
end
if op == 'end' then
  -- The end is Redis time after the answer came: the request arrived before it. Set even when the slot had
  -- expired (a request out longer than its bound, a stalled process): the arrival still counts from its end.
  redis.call('ZADD', KEYS[1], f0(now + margin), slot)
  redis.call('PEXPIRE', KEYS[1], ttl)
  return { 1, 0 }
end
local cutoff = now - window
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutoff)
if redis.call('ZCARD', KEYS[1]) >= requests then
  -- The first slot to free is the earliest end; a slot still out (scored past now) may end at any moment, and
  -- is counted from then: ask again one window from now, not at its bound.
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return { 0, math.max(1, math.ceil(math.min(tonumber(first[2]), now) - cutoff)) }
end
redis.call('ZADD', KEYS[1], f0(now + maxOut), slot)
redis.call('PEXPIRE', KEYS[1], ttl)
return { 1, 0 }
