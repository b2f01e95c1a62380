-- atspace: ISC licence, see README.md.
-- putRecord with one token reused (what clients do).  Args: TOKENFILE BODYFILE
package.path = "bench/?.lua;" .. package.path
local c = require("common")

function init(args)
	wrk.method = "POST"
	wrk.path = "/xrpc/rsvp.atmo.space.putRecord"
	wrk.body = c.slurp(args[2])
	wrk.headers["Content-Type"] = "application/json"
	wrk.headers["Authorization"] = "Bearer " .. c.slurp(args[1])
end

done = c.done
