-- Authenticated MCP tools/call echo; TOKEN comes from the environment. Counts wrong answers.
local token = os.getenv("TOKEN")
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}'
dofile("bench/wrk/checked.lua")(200, '"text":"hello"')
