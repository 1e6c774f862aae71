-- GET of the RFC 9728 protected resource metadata: 200 with the document's `resource`.
dofile("bench/wrk/checked.lua")(200, '"resource"')
