--[[
  GCRA on one stored TAT ("theoretical arrival time"). Returns true and the new TAT, or false and the time the
  request would be allowed. With burst 1, requests are at least `interval` apart in Redis time.
]]
local function gcra(tat, now, interval, burst)
  local t = tat
  if t == nil or t < now then t = now end
  local allow_at = t - (burst - 1) * interval
  if now < allow_at then return false, allow_at end
  return true, t + interval
end
