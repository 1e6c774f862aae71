-- GET of a fixed body (the NIO baseline, or a Gatehouse public route).
dofile("bench/wrk/checked.lua")(200)
