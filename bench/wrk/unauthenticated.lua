-- POST /mcp without a token: every answer must be the 401 challenge.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'

local bad = 0
function response(status, headers, body)
    if status ~= 401 or headers["WWW-Authenticate"] == nil then bad = bad + 1 end
end
local report = dofile("bench/wrk/report.lua")
function done(summary, latency, requests)
    report(summary, latency, bad)
end
