-- tools/call echo whose message is ECHO_BYTES long. Echo takes at most 4096 characters, so a
-- longer one is read in full and refused (-32602, in a 200 as the 2025 revisions answer it).
local token = os.getenv("TOKEN")
local size = tonumber(os.getenv("ECHO_BYTES"))
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"'
    .. string.rep("x", size) .. '"}}}'
if size <= 4096 then
    dofile("bench/wrk/checked.lua")(200, '"text":"xxxx')
else
    dofile("bench/wrk/checked.lua")(200, "at most 4096 characters")
end
