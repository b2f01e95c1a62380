-- atspace: ISC licence, see README.md.
-- The transport yardstick: a 300-byte POST to PATH.  Args: PATH BODYFILE
package.path = "bench/?.lua;" .. package.path
local c = require("common")

function init(args)
	wrk.method = "POST"
	wrk.path = args[1]
	wrk.body = c.slurp(args[2])
	wrk.headers["Content-Type"] = "application/json"
end

done = c.done
