-- tools/call echo with a different token on each request, in turn, from TOKENS_FILE (one per
-- line): distinct callers (token cache misses), or a storm of tokens whose kid nobody knows.
-- STATUS and NEEDLE say what every answer must be.
local tokens = {}
for line in io.lines(os.getenv("TOKENS_FILE")) do
    if #line > 0 then tokens[#tokens + 1] = line end
end
local body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}'
local next_token = 1
function init(args)
    -- Threads start at different places, so they do not send the same token at once.
    next_token = (math.random(#tokens) - 1) % #tokens + 1
end
function request()
    local token = tokens[next_token]
    next_token = next_token % #tokens + 1
    return wrk.format("POST", nil, {
        ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json",
        ["Accept"] = "application/json, text/event-stream"}, body)
end
local needle = os.getenv("NEEDLE")
if needle == "" then needle = nil end
dofile("bench/wrk/checked.lua")(tonumber(os.getenv("STATUS")), needle)
