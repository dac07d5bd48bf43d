--[[
  routeAllows(route, pool, caps): whether a claimer of `pool` with the capability set `caps`
  ({name = true}) may take tasks from a ready set of `route` ("any", "pool:gpu", "caps:node,web",
  "pool:gpu|caps:node"). The same rule as routeAllows() in app/core/queueOrder.ts. Included by
  claimNext.lua and readyWindow.lua: app/queue/loadLua.ts inlines it in each.
]]
local function routeAllows(route, pool, caps)
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
