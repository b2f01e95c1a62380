#!/bin/sh
# atspace: ISC licence, see README.md.
#
# The test runner behind "make check": every build/tests/test_* binary
# (each ends with "NAME: N passed, N failed"), then the integration
# suite (tests/integration/run.py, which ends the same way). Prints the
# sum as the last line, "N passed, N failed" plus ", N skipped" when
# some were, and exits 1 when anything failed. A binary that crashes,
# exits non-zero with no failures counted, or prints no summary counts
# as one failure more, so a crash can never read as a pass.

cd "$(dirname "$0")/.." || exit 1
: "${ATSPACE_SHARED:=$(cd .. && pwd)/shared}"
export ATSPACE_SHARED
[ -d "$ATSPACE_SHARED" ] ||
	echo "skip: no shared dir at $ATSPACE_SHARED; cases needing it skip"

passed=0
failed=0
skipped=0
out=$(mktemp "${TMPDIR:-/tmp}/atspace-check.XXXXXX") || exit 1
trap 'rm -f "$out" "$out.rc"' EXIT
trap 'exit 130' INT TERM

# Runs "$@" with its output shown as it comes and kept in $out, then
# adds the counts of its last summary line to the totals. The exit
# status travels through a file because a pipeline loses it.
count()
{
	name=$1
	shift
	{ "$@" 2>&1; echo $? >"$out.rc"; } | tee "$out"
	rc=$(cat "$out.rc")
	line=$(grep -E '^[^ ]+: [0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "FAIL $name: no summary line (exit status $rc)"
		failed=$((failed + 1))
		return
	fi
	p=$(echo "$line" | sed -E 's/^[^ ]+: ([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + ${s:-0}))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# Killed by a signal (status > 128) or exited non-zero
		# after a clean summary: either way not a pass.
		echo "FAIL $name: exit status $rc with no failure counted"
		failed=$((failed + 1))
	fi
}

for t in build/tests/test_*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	count "$t" "./$t"
done

if command -v python3 >/dev/null 2>&1; then
	count integration python3 tests/integration/run.py
else
	echo "FAIL integration: python3 not found"
	failed=$((failed + 1))
fi

# The libFuzzer smoke run, a few seconds per target (make fuzz-smoke,
# which ends "fuzz: N passed, N failed"); tests/check.sh asks for it
# when clang is installed.
if [ -n "${ATSPACE_FUZZ_SMOKE:-}" ]; then
	count fuzz make -s fuzz-smoke
fi

# The whole suite once more from a sanitizer build (make check-asan:
# ASan and UBSan, build/asan); tests/check.sh asks for it when clang is
# installed. Its closing line is renamed "asan: ..." so that count()
# takes it as this group's totals.
if [ -n "${ATSPACE_ASAN:-}" ]; then
	count asan sh -c 'out=$(ATSPACE_ASAN= ATSPACE_FUZZ_SMOKE= \
	    make -s check-asan 2>&1); rc=$?; printf "%s\n" "$out" |
	    sed -E "s/^([0-9]+ passed, [0-9]+ failed.*)$/asan: \1/"; exit $rc'
fi

summary="$passed passed, $failed failed"
[ "$skipped" -eq 0 ] || summary="$summary, $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ]
