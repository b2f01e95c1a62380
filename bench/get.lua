-- atspace: ISC licence, see README.md.
-- A GET query (getRecord, listRecords) with one token.  Args: TOKENFILE PATH
package.path = "bench/?.lua;" .. package.path
local c = require("common")

function init(args)
	wrk.method = "GET"
	wrk.path = args[2]
	wrk.headers["Authorization"] = "Bearer " .. c.slurp(args[1])
end

done = c.done
