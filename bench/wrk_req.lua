-- wrk request generator, copied unchanged (but for this line) from /work/shared/peers/lib/wrk_req.lua so
-- that bench/ does not depend on the peer harness for our own measurements.
-- Env: WRK_METHOD (GET|POST), WRK_PATH (may contain {rand}), WRK_BODY (may contain {rand}),
--      WRK_RAND_MAX (upper bound for {rand}, 1..N), WRK_AUTH (full Authorization header value, optional)
local method = os.getenv("WRK_METHOD") or "GET"
local path_t = os.getenv("WRK_PATH") or "/"
local body_t = os.getenv("WRK_BODY")
local rmax = tonumber(os.getenv("WRK_RAND_MAX") or "1")
local auth = os.getenv("WRK_AUTH")
local hdrs = {}
if auth and auth ~= "" then hdrs["Authorization"] = auth end
if body_t then hdrs["Content-Type"] = "application/json" end
local templated = string.find(path_t, "{rand}", 1, true) or (body_t and string.find(body_t, "{rand}", 1, true))

local static_req = nil
function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
  if not templated then
    static_req = wrk.format(method, path_t, hdrs, body_t)
  end
end

function request()
  if static_req then return static_req end
  local r = tostring(math.random(1, rmax))
  local p = string.gsub(path_t, "{rand}", r)
  local b = body_t and string.gsub(body_t, "{rand}", r) or nil
  return wrk.format(method, p, hdrs, b)
end
