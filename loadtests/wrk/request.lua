-- The request every wrk connection sends, set from the environment by loadtests/bench.py.
-- No request() function is defined, so wrk builds the request once and replays it: the Lua costs nothing per call.
--   BENCH_METHOD         GET (default), POST, ...
--   BENCH_AUTHORIZATION  the whole Authorization header value, e.g. "Bearer eyJ..."; unset: anonymous
--   BENCH_BODY           a JSON body; unset: none
wrk.method = os.getenv("BENCH_METHOD") or "GET"

local authorization = os.getenv("BENCH_AUTHORIZATION")
if authorization and authorization ~= "" then
  wrk.headers["Authorization"] = authorization
end

local body = os.getenv("BENCH_BODY")
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
