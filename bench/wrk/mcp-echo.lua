-- Authenticated MCP tools/call echo; TOKEN comes from the environment. Counts wrong answers.
local token = os.getenv("TOKEN")
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}'

local bad = 0
function response(status, headers, body)
    if status ~= 200 or not string.find(body, '"text":"hello"', 1, true) then bad = bad + 1 end
end
local report = dofile("bench/wrk/report.lua")
function done(summary, latency, requests)
    report(summary, latency, bad)
end
