--[[
  claimNext: atomically pops the best ready task a claimer may take.

  KEYS[1]  set of "<project id>/<route>" names that have a ready set (e.g. "7/any", "7/pool:gpu", "7/caps:node,web")
  KEYS[2]  sentinel key written by the last rebuild; missing means Redis lost its data
  ARGV[1]  key prefix; the ready set of member M of KEYS[1] is ARGV[1] .. "ready:" .. M
  ARGV[2]  the claimer's pool
  ARGV[3]  the claimer's capabilities, comma-separated (may be empty)
  ARGV[4]  project id to restrict to, or "" for any project

  Returns the task member (zero-padded id), false when no set has a task this claimer may take,
  or -1 when the sentinel is missing, so the caller rebuilds from Postgres before trusting an empty answer.
  The route rules mirror routeAllows() in app/core/queueOrder.ts.
]]
if redis.call('EXISTS', KEYS[2]) == 0 then
  return -1
end

local pool = ARGV[2]
local caps = {}
for c in string.gmatch(ARGV[3], '[^,]+') do caps[c] = true end

local function allows(route)
  if route == 'any' then return true end
  for part in string.gmatch(route, '[^|]+') do
    if string.sub(part, 1, 5) == 'pool:' then
      if string.sub(part, 6) ~= pool then return false end
    elseif string.sub(part, 1, 5) == 'caps:' then
      for c in string.gmatch(string.sub(part, 6), '[^,]+') do
        if not caps[c] then return false end
      end
    else
      return false
    end
  end
  return true
end

local bestKey, bestMember, bestScore = nil, nil, nil
local project = ARGV[4]
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local slash = string.find(member, '/', 1, true)
  local pid, route = string.sub(member, 1, slash - 1), string.sub(member, slash + 1)
  if (project == '' or project == pid) and allows(route) then
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
