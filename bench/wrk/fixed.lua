-- GET of a fixed body (the NIO baseline, or a Gatehouse public route).
local bad = 0
function response(status, headers, body)
    if status ~= 200 then bad = bad + 1 end
end
local report = dofile("bench/wrk/report.lua")
function done(summary, latency, requests)
    report(summary, latency, bad)
end
