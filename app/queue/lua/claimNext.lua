--[[
  claimNext: atomically pops the best ready task a claimer may take.

  KEYS[1]  set of "<project id>/<route>" names that have a ready set (e.g. "7/any", "7/pool:gpu", "7/caps:node,web")
  KEYS[2]  sentinel key written by the last rebuild; missing means Redis lost its data
  KEYS[3]  set of project ids some of whose tasks name files (projects.footprint_tasks > 0)
  ARGV[1]  key prefix; the ready set of member M of KEYS[1] is ARGV[1] .. "ready:" .. M
  ARGV[2]  the claimer's pool
  ARGV[3]  the claimer's capabilities, comma-separated (may be empty)
  ARGV[4]  project id to restrict to, or "" for any project
  ARGV[5]  "1": pop nothing when the claimer's project (any project, with ARGV[4] "") is in KEYS[3]

  Returns the task member (zero-padded id), false when no set has a task this claimer may take,
  -1 when the sentinel is missing, so the caller rebuilds from Postgres before trusting an empty answer,
  or -2 when ARGV[5] asked and files are named there: the caller then chooses from readyWindow.lua.
  The Postgres claim refuses a plain pop of a task that names files, so a stale KEYS[3] costs a retry,
  never a task handed out without the conflict-aware choice.
  The route rule is includes/routeAllows.lua (the same as routeAllows() in app/core/queueOrder.ts).
]]
if redis.call('EXISTS', KEYS[2]) == 0 then
  return -1
end

if ARGV[5] == '1' then
  if ARGV[4] == '' then
    if redis.call('SCARD', KEYS[3]) > 0 then return -2 end
  elseif redis.call('SISMEMBER', KEYS[3], ARGV[4]) == 1 then
    return -2
  end
end

local pool = ARGV[2]
local caps = {}
for c in string.gmatch(ARGV[3], '[^,]+') do caps[c] = true end

--- @include "routeAllows"

local bestKey, bestMember, bestScore = nil, nil, nil
local project = ARGV[4]
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local slash = string.find(member, '/', 1, true)
  local pid, route = string.sub(member, 1, slash - 1), string.sub(member, slash + 1)
  if (project == '' or project == pid) and routeAllows(route, pool, caps) then
    local key = ARGV[1] .. 'ready:' .. member
    local top = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    if top[1] then
      local score = tonumber(top[2])
      if bestScore == nil or score < bestScore or (score == bestScore and top[1] < bestMember) then
        bestKey, bestMember, bestScore = key, top[1], score
      end
    end
  end
end

if bestKey == nil then return false end
redis.call('ZREM', bestKey, bestMember)
return bestMember
