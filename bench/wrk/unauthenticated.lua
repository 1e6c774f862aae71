-- POST /mcp without a token: every answer must be the 401 challenge.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'
dofile("bench/wrk/checked.lua")(401, nil, "WWW-Authenticate")
