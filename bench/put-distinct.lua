-- atspace: ISC licence, see README.md.
-- putRecord with a fresh token per request, so every request pays for a
-- signature check.  Args: POOLFILE (one token a line) BODYFILE
package.path = "bench/?.lua;" .. package.path
local c = require("common")
local tokens, body, i

function init(args)
	tokens = {}
	for line in io.lines(args[1]) do
		tokens[#tokens + 1] = line
	end
	body = c.slurp(args[2])
	-- setup() gave each thread a global "first": threads take
	-- interleaved tokens, so none is used twice.
	i = first or 0
end

local counter = 0
function setup(thread)
	thread:set("first", counter)
	counter = counter + 1
end

function request()
	i = i + 2
	local tok = tokens[(i % #tokens) + 1]
	return wrk.format("POST", "/xrpc/rsvp.atmo.space.putRecord",
	    { ["Content-Type"] = "application/json",
	      ["Authorization"] = "Bearer " .. tok }, body)
end

done = c.done
