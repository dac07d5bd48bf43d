--[[
  readyWindow: the first ARGV[5] ready tasks a claimer may take, across its allowed sets, in queue
  order, without removing them. The conflict-aware claim chooses among them (app/queue/
  chooseAvoidingConflicts.ts) and then takes the chosen one out with ZREM on the key returned.

  KEYS[1]  set of "<project id>/<route>" names that have a ready set (as claimNext.lua)
  KEYS[2]  sentinel key written by the last rebuild; missing means Redis lost its data
  ARGV[1]  key prefix; the ready set of member M of KEYS[1] is ARGV[1] .. "ready:" .. M
  ARGV[2]  the claimer's pool
  ARGV[3]  the claimer's capabilities, comma-separated (may be empty)
  ARGV[4]  project id to restrict to, or "" for any project
  ARGV[5]  how many to return at most

  Returns a flat list {key1, member1, key2, member2, ...} best first (empty when nothing fits), or -1
  when the sentinel is missing. The route rule is includes/routeAllows.lua; ties in score go to
  the smaller member, as in claimNext.lua.
]]
if redis.call('EXISTS', KEYS[2]) == 0 then
  return -1
end

local pool = ARGV[2]
local caps = {}
for c in string.gmatch(ARGV[3], '[^,]+') do caps[c] = true end
local limit = tonumber(ARGV[5])

--- @include "routeAllows"

local found = {}
local project = ARGV[4]
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local slash = string.find(member, '/', 1, true)
  local pid, route = string.sub(member, 1, slash - 1), string.sub(member, slash + 1)
  if (project == '' or project == pid) and routeAllows(route, pool, caps) then
    local key = ARGV[1] .. 'ready:' .. member
    local top = redis.call('ZRANGE', key, 0, limit - 1, 'WITHSCORES')
    for i = 1, #top, 2 do
      found[#found + 1] = { key, top[i], tonumber(top[i + 1]) }
    end
  end
end

table.sort(found, function(a, b)
  if a[3] ~= b[3] then return a[3] < b[3] end
  return a[2] < b[2]
end)

local out = {}
for i = 1, math.min(limit, #found) do
  out[#out + 1] = found[i][1]
  out[#out + 1] = found[i][2]
end
return out
