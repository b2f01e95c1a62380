-- atspace: ISC licence, see README.md.
-- Alternating putRecord and getRecord, for the memory run.
-- Args: PUTTOKEN PUTBODY GETTOKEN GETPATH
package.path = "bench/?.lua;" .. package.path
local c = require("common")
local put, get, n = nil, nil, 0

function init(args)
	put = wrk.format("POST", "/xrpc/rsvp.atmo.space.putRecord",
	    { ["Content-Type"] = "application/json",
	      ["Authorization"] = "Bearer " .. c.slurp(args[1]) },
	    c.slurp(args[2]))
	get = wrk.format("GET", args[4],
	    { ["Authorization"] = "Bearer " .. c.slurp(args[3]) })
end

function request()
	n = n + 1
	if n % 2 == 0 then
		return put
	end
	return get
end

done = c.done
