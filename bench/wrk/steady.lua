-- Any route script at a steady pace: each connection waits DELAY_MS after each answer, so
-- CONNECTIONS / (DELAY_MS + latency) requests a second arrive (the benchmark calibrates the
-- connection count to the rate it wants and reports the rate it got).
local pause = tonumber(os.getenv("DELAY_MS"))
dofile(os.getenv("ROUTE_SCRIPT"))
function delay()
    return pause
end
