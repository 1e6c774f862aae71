-- GET /readyz: 200 with a body that says ready.
dofile("bench/wrk/checked.lua")(200, "ready")
