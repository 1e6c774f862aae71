-- Shared by the wrk scripts: counts every answer that does not have `status`, `needle` in its
-- body (when given) and `header` (when given), and prints one RESULT line (report.lua).
-- wrk runs `response` in each thread's Lua state and `done` in the main one, so the counts
-- are globals read back from the threads.
local function has_header(headers, name)
    -- Header names are case-insensitive; servers differ in how they write them.
    local wanted = string.lower(name)
    for key, _ in pairs(headers) do
        if string.lower(key) == wanted then return true end
    end
    return false
end

return function(status, needle, header)
    local threads = {}
    wrong = 0
    function setup(thread)
        table.insert(threads, thread)
    end
    function response(code, headers, body)
        if code ~= status or (needle and not string.find(body, needle, 1, true)) or (header and not has_header(headers, header)) then
            wrong = wrong + 1
        end
    end
    local report = dofile("bench/wrk/report.lua")
    function done(summary, latency, requests)
        local bad = 0
        for _, thread in ipairs(threads) do
            bad = bad + thread:get("wrong")
        end
        report(summary, latency, bad)
    end
end
