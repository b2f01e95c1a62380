#!/bin/sh
# atspace: ISC licence, see README.md.
#
# Runs the libFuzzer targets built by "make fuzz-build":
#
#   sh tests/fuzz/run.sh SECONDS [TARGET ...]	(default: every target)
#
# For each target: first every input in tests/fuzz/regress/TARGET (the
# crashes found so far, each kept as a regression test), then a fresh
# seed corpus from the shared vectors (tests/fuzz/seed.py) merged into
# build/fuzz/corpus-TARGET, fuzzed for SECONDS. One "ok"/"FAIL" line per
# case and "fuzz: N passed, N failed" last, which tests/run.sh counts.
# A crash leaves its input in build/fuzz/crash-TARGET-*; the FAIL line
# names it.

cd "$(dirname "$0")/../.." || exit 1
secs=${1:-10}
[ $# -gt 0 ] && shift
targets=${*:-$(ls tests/fuzz/fuzz_*.c | sed 's#.*/fuzz_##; s#\.c$##')}
: "${ATSPACE_SHARED:=$(cd .. && pwd)/shared}"
export ATSPACE_SHARED
passed=0
failed=0
n=0

ok()
{
	echo "ok $*"
	passed=$((passed + 1))
}

fail()
{
	echo "FAIL $*"
	failed=$((failed + 1))
}

for t in $targets; do
	n=$((n + 1))
	bin=build/fuzz/fuzz_$t
	log=build/fuzz/log-$t
	if [ ! -x "$bin" ]; then
		fail "fuzz-$n.0 $t: $bin not built (make fuzz-build)"
		continue
	fi
	reg=tests/fuzz/regress/$t
	if [ -d "$reg" ] && [ -n "$(ls "$reg")" ]; then
		if "$bin" -runs=0 "$reg"/* >"$log" 2>&1; then
			ok "fuzz-$n.1 $t: $(ls "$reg" | wc -l) regression inputs"
		else
			fail "fuzz-$n.1 $t: a regression input fails; see $log"
			continue
		fi
	fi
	rm -rf "build/fuzz/seed-$t"
	python3 tests/fuzz/seed.py "$t" "build/fuzz/seed-$t" || {
		fail "fuzz-$n.2 $t: cannot build the seed corpus"
		continue
	}
	mkdir -p "build/fuzz/corpus-$t"
	if "$bin" -max_total_time="$secs" -print_final_stats=1 \
	    -artifact_prefix="build/fuzz/crash-$t-" \
	    "build/fuzz/corpus-$t" "build/fuzz/seed-$t" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		ok "fuzz-$n.2 $t: ${runs:-?} executions in $secs s, no crash"
	else
		grep -E '^(==[0-9]+==ERROR|SUMMARY)|Test unit written' "$log" |
		    head -n 3
		fail "fuzz-$n.2 $t: crashed; see $log"
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
