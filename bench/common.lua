-- atspace: ISC licence, see README.md.
-- Shared by the wrk scripts: file reading and the JSON result line
-- that bench.py parses (req/s, p50/p99 in ms, non-2xx and socket errors).
local M = {}

function M.slurp(path)
	local f = assert(io.open(path, "rb"))
	local s = f:read("*a")
	f:close()
	return (s:gsub("%s+$", ""))
end

function M.done(summary, latency, requests)
	local e = summary.errors
	local secs = summary.duration / 1e6
	io.write(string.format('{"rps":%.1f,"requests":%d,"p50":%.3f,' ..
	    '"p99":%.3f,"errors":%d}\n', summary.requests / secs,
	    summary.requests, latency:percentile(50) / 1000,
	    latency:percentile(99) / 1000,
	    e.connect + e.read + e.write + e.timeout + e.status))
end

return M
