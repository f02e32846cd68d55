-- The request of request.lua (method, Authorization, body from the environment), sent with a distinct
-- X-Forwarded-For on every call: 10.<thread>.<n / 256>.<n % 256>, n counting the thread's requests.
-- Used by loadtests/bench.py for the password sign-in path only, against a platform started with
-- BST_TRUSTED_PROXIES=1, so that the per-client-address limit (30 attempts per 5 minutes) is bypassed on purpose
-- and what is measured is the cost of a sign-in (argon2id, the token, the database writes).
-- This script defines request(), so wrk calls into Lua on every request; request.lua stays the zero-cost default.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "request.lua")

local threads = 0

-- runs in the main Lua state, once per wrk thread, before the threads start
function setup(thread)
  thread:set("thread_number", threads)
  threads = threads + 1
end

local sent = 0

function request()
  local n = sent % 65536
  sent = sent + 1
  wrk.headers["X-Forwarded-For"] =
    string.format("10.%d.%d.%d", (thread_number or 0) % 256, math.floor(n / 256), n % 256)
  return wrk.format()
end
