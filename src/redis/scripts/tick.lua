--[[
  tick: applies fence-checked reports, then claims due tasks under the per-task GCRA, the account budget and
  the account pause.

  KEYS  the account's fixed keys (SCRIPT_KEYS: due, results, events, budget, pause, fence, epoch)
  ARGV  owner, leaseMs, maxClaims, intervalMs, budgetIntervalMs (0: none), budgetBurst, resultTtlMs,
        resultsMaxLen, eventsMaxLen, scanLimit, knownEpoch ('' for none), liveProc (this process's number, marked
        alive; '' for not this time), nReports, then per report: kind ('n' | 'f' | 'r'), member,
        fence, delayMs, text1 (state | result), text2 (event)
  returns {epoch, now, nextDueAt (-1: nothing pending), nClaims, (member, fence, state, watchedAt,
          deadlineAt)..., nExpired, member...}
]]
--- @include "prelude"
--- @include "gcra"
local owner = ARGV[1]
local lease = tonumber(ARGV[2])
local max_claims = tonumber(ARGV[3])
local interval = tonumber(ARGV[4])
local b_interval = tonumber(ARGV[5])
local b_burst = tonumber(ARGV[6])
local result_ttl = tonumber(ARGV[7])
local results_len = ARGV[8]
local events_len = ARGV[9]
local scan_limit = tonumber(ARGV[10])
local n_reports = tonumber(ARGV[13])
local now = ms_now()
local ep = epoch(now, ARGV[11])
if ARGV[12] ~= '' then mark_live(ARGV[12]) end
-- Within one interval of the data's loss a task may have been claimed just before it: no claim before then.
local floor = nil
local expired = {}

-- ZADDs are batched: one call per few hundred tasks costs far less than one call per task.
local zbuf = {}
local function zadd(score, m)
  zbuf[#zbuf + 1] = f3(score)
  zbuf[#zbuf + 1] = m
  if #zbuf >= 1000 then
    redis.call('ZADD', due, unpack(zbuf))
    zbuf = {}
  end
end
local function zflush()
  if #zbuf > 0 then
    redis.call('ZADD', due, unpack(zbuf))
    zbuf = {}
  end
end

-- Past every waiter's deadline: nobody wants the task any more. Its TAT key outlives it by itself, so a task
-- watched again at once still waits its turn.
local function drop(m, k)
  redis.call('ZREM', due, m)
  redis.call('DEL', k)
  expired[#expired + 1] = m
end

-- The task's final outcome: kept for late waiters, fanned out to every process.
local function settle(m, k, result)
  redis.call('HSET', k, 'r', result)
  redis.call('HDEL', k, 'w', 'd', 's', 'o', 'p')
  redis.call('PEXPIRE', k, math.ceil(result_ttl))
  redis.call('ZREM', due, m)
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', results_len, '*', 'm', m, 'r', result)
end

-- 1. reports: a report counts only if its fence is the task's current one (a newer claimer owns it
-- otherwise) and the task is still pending (a repeated 'final' finds it settled and is ignored).
for i = 0, n_reports - 1 do
  local o = 14 + i * 6
  local kind = ARGV[o]
  local m = ARGV[o + 1]
  local k = task_key(m)
  local h = redis.call('HMGET', k, 'f', 'w', 'p', 'd')
  if kind == 'f' and not (h[1] and h[2] and tonumber(h[1]) == tonumber(ARGV[o + 2])) then
    -- A final answer is the task's, whoever holds the claim now: kept unless the task already settled (a
    -- poll that was out while Redis lost its data reports with a fence from before the loss).
    if h[2] or redis.call('HEXISTS', k, 'r') == 0 then settle(m, k, ARGV[o + 4]) end
  elseif h[1] and h[2] and tonumber(h[1]) == tonumber(ARGV[o + 2]) then
    local w = tonumber(h[2])
    if kind ~= 'f' and w + tonumber(h[4]) < now then
      drop(m, k)
    elseif kind == 'n' then
      local tat = get_tat(m) or now
      local at = now + tonumber(ARGV[o + 3])
      if h[3] then
        at = now
        redis.call('HDEL', k, 'p')
      end
      if at < tat then at = tat end
      -- An empty owner means unclaimed (cheaper than HDEL on every report).
      redis.call('HSET', k, 's', ARGV[o + 4], 'o', '')
      zadd(at, m)
      if ARGV[o + 5] ~= '' then
        redis.call('XADD', KEYS[3], 'MAXLEN', '~', events_len, '*', 'm', m, 'e', ARGV[o + 5])
      end
    elseif kind == 'f' then
      settle(m, k, ARGV[o + 4])
    else
      local at = get_tat(m) or now
      if at < now then at = now end
      if h[3] then redis.call('HDEL', k, 'p') end
      redis.call('HSET', k, 'o', '')
      zadd(at, m)
    end
  end
end

zflush()

-- 2. claims
local claims = {}
local n_claims = 0
local next_due = -1
local blocked_until = nil
local pause_ms = redis.call('PTTL', KEYS[5])
if pause_ms > 0 then
  blocked_until = now + pause_ms
else
  local fence = nil
  local b_tat = nil
  local b_used = false
  if b_interval > 0 then b_tat = tonumber(redis.call('GET', KEYS[4])) end
  local scanned = 0
  while n_claims < max_claims and scanned < scan_limit and blocked_until == nil do
    local want = max_claims - n_claims
    if want > scan_limit - scanned then want = scan_limit - scanned end
    local batch = redis.call('ZRANGEBYSCORE', due, '-inf', f3(now), 'LIMIT', 0, want)
    for _, m in ipairs(batch) do
      scanned = scanned + 1
      local k = task_key(m)
      local h = redis.call('HMGET', k, 'w', 'd', 's')
      local w = tonumber(h[1])
      if not w then
        -- settled or forgotten: nothing to poll
        redis.call('ZREM', due, m)
      elseif w + tonumber(h[2]) < now then
        drop(m, k)
      else
        local stored = get_tat(m)
        if floor == nil then floor = (tonumber(redis.call('GET', base .. 'lost')) or -interval) + interval end
        if now < floor and (stored == nil or stored < floor) then stored = floor end
        local ok, tat = gcra(stored, now, interval, 1)
        if not ok then
          zadd(tat, m)
        else
          local b_ok = true
          if b_interval > 0 then
            local allowed, v = gcra(b_tat, now, b_interval, b_burst)
            if allowed then b_tat = v; b_used = true else b_ok = false; blocked_until = v end
          end
          if not b_ok then break end
          if fence == nil then
            fence = tonumber(redis.call('GET', KEYS[6]))
            -- Seeded from the clock, so fences keep rising even after Redis lost the counter.
            if fence == nil then fence = math.floor(now * 1000) end
          end
          fence = fence + 1
          redis.call('HSET', k, 'f', f0(fence), 'o', owner)
          set_tat(m, tat, now)
          -- The lease is a visibility timeout: unreported, the task is due again after it.
          zadd(now + lease, m)
          claims[#claims + 1] = m
          claims[#claims + 1] = f0(fence)
          claims[#claims + 1] = h[3] or ''
          claims[#claims + 1] = h[1]
          claims[#claims + 1] = f0(w + tonumber(h[2]))
          n_claims = n_claims + 1
          if n_claims >= max_claims then break end
        end
      end
    end
    -- Before the next ZRANGEBYSCORE, which must not see the tasks just claimed or rescheduled.
    zflush()
    if #batch < want then break end
  end
  if fence ~= nil then redis.call('SET', KEYS[6], f0(fence)) end
  if b_used then redis.call('SET', KEYS[4], f3(b_tat), 'PX', math.ceil(b_tat - now) + 1000) end
end
local first = redis.call('ZRANGE', due, 0, 0, 'WITHSCORES')
if first[2] then next_due = tonumber(first[2]) end
if blocked_until ~= nil and next_due >= 0 and next_due < blocked_until then next_due = blocked_until end

local out = { ep, f3(now), f3(next_due), n_claims }
for _, v in ipairs(claims) do out[#out + 1] = v end
out[#out + 1] = #expired
for _, v in ipairs(expired) do out[#out + 1] = v end
return out
