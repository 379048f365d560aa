--[[
  submit-key: a submit key's record, seen by every process of the fleet (src/redis/create-store.ts). A hash with
  s (state: sending | created | unknown), f (family), at (Redis ms when sent), u (Redis ms by which a `sending`
  create has surely ended), id (taskId), r (reason), k (the claimer's token: only it settles or releases).
  A `sending` record past `u` belongs to a process that stopped before its answer came: an unknown outcome.

  KEYS  the key's hash (<prefix>:{<account>}:sk:<key>)
  ARGV  op ('get' | 'claim' | 'created' | 'unknown' | 'release'), token, ttlMs, then
        claim: family, maxOutMs, resubmit ('1' | '0'); created: taskId; unknown: reason
  returns get / claim: {now, state, family, sentAt, until, taskId, reason}; state '' when free (get) or
          'claimed' (claim: the record is now this caller's); created / unknown / release: 1 when applied,
          0 when the record is another claimer's
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function f0(x) return string.format('%.0f', x) end
local op, token, ttl = ARGV[1], ARGV[2], ARGV[3]
local h = redis.call('HMGET', KEYS[1], 's', 'f', 'at', 'u', 'id', 'r', 'k')
local function record() return { f0(now), h[1] or '', h[2] or '', h[3] or '', h[4] or '', h[5] or '', h[6] or '' } end
if op == 'get' then return record() end
if op == 'claim' then
  local state = h[1]
  local stale = state == 'sending' and tonumber(h[4] or '0') < now
  if state and not (ARGV[6] == '1' and (state == 'unknown' or stale)) then return record() end
  redis.call('DEL', KEYS[1])
  local untilMs = f0(now + tonumber(ARGV[5]))
  redis.call('HSET', KEYS[1], 's', 'sending', 'f', ARGV[4], 'at', f0(now), 'u', untilMs, 'k', token)
  redis.call('PEXPIRE', KEYS[1], ttl)
  return { f0(now), 'claimed', ARGV[4], f0(now), untilMs, '', '' }
end
if h[7] ~= token then return 0 end
if op == 'release' then
  redis.call('DEL', KEYS[1])
elseif op == 'created' then
  redis.call('HSET', KEYS[1], 's', 'created', 'id', ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  redis.call('HSET', KEYS[1], 's', 'unknown', 'r', ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return 1
