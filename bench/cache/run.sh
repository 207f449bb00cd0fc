#!/usr/bin/env bash
# bench/cache/run.sh: what the stage cache buys. The same routes through one
# apigw, on a stage with a cache cluster (/cached/...) and on one without
# (/plain/...), measured in alternating rounds of one run: requests/s and
# p99 of each, and the ratio cached/plain (the target is at least 2). Two
# routes: HTTP_PROXY to a loopback backend (/items/abc) and a python Lambda
# function (/users). Then the stage's cache metrics.
#
#   bash bench/cache/run.sh
#   DURATION=10 ROUNDS=5 bash bench/cache/run.sh
#
# Environment: DURATION=10 (s per wrk run), ROUNDS=3, CONNS=64, THREADS=2,
# APIGW_BIN= (a built apigw instead of building ./cmd/apigw).
# Everything listens on 127.0.0.1 only and is stopped on exit.
set -euo pipefail
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
APIGW_BIN=${APIGW_BIN:-}
HOST=127.0.0.1
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
log() { printf '%s\n' "$*" >&2; }
die() { log "cache/run.sh: $*"; exit 1; }
# shellcheck source=../lib.sh
. "$REPO/bench/lib.sh"
command -v wrk >/dev/null || die "wrk is missing (apt-get install wrk)"
command -v python3 >/dev/null || die "python3 is missing"

TMP=$(mktemp -d)
PIDS=()
cleanup() { stop_pids "${PIDS[@]}"; rm -rf "$TMP"; }
trap cleanup EXIT
if [[ -z $APIGW_BIN ]]; then
	log "building apigw"
	(cd "$REPO" && go build -o "$TMP/apigw" ./cmd/apigw)
	APIGW_BIN=$TMP/apigw
fi
(cd "$REPO" && go build -o "$TMP/backend" ./bench/backend)
free_port; BACKEND=$HOST:$PORT
"$TMP/backend" -host "$HOST" -port "${BACKEND#*:}" >"$TMP/backend.log" 2>&1 &
PIDS+=($!)
wait_http backend "${PIDS[0]}" "http://$BACKEND/items/abc" "$TMP/backend.log" || die "backend did not start"
free_port; ADDR=$HOST:$PORT
free_port; ADMIN=$HOST:$PORT
"$APIGW_BIN" serve --addr "$ADDR" --admin-addr "$ADMIN" --data "$TMP/data" --no-watch --log-level warn \
	--param "Backend=http://$BACKEND" "$REPO/bench/cache/template.yaml" >"$TMP/apigw.log" 2>&1 &
PIDS+=($!)
wait_http apigw "${PIDS[1]}" "http://$ADDR/plain/items/abc" "$TMP/apigw.log" || die "apigw did not start"
for p in /cached/items/abc /plain/items/abc /cached/users /plain/users; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://$ADDR$p")
	[[ $code == 200 ]] || die "$p answered $code"
done

# run PATH -> "req/s p99_us non2xx"
run() {
	local out
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "http://$ADDR$1")
	wrk_summary "$out"
}
wrk -t2 -c8 -d2s "http://$ADDR/plain/items/abc" >/dev/null
for route in /items/abc /users; do
	CACHED=() PLAIN=()
	for ((r = 1; r <= ROUNDS; r++)); do
		c=$(run "/cached$route"); p=$(run "/plain$route")
		log "$route round $r  cached: $c   plain: $p   (req/s p99_us non-2xx)"
		CACHED+=("$c"); PLAIN+=("$p")
	done
	python3 - "$route" "${CACHED[*]}" "${PLAIN[*]}" <<'PY'
import statistics, sys
def parse(s):
    v = list(map(float, s.split()))
    return [v[i:i+3] for i in range(0, len(v), 3)]
route, c, p = sys.argv[1], parse(sys.argv[2]), parse(sys.argv[3])
med = lambda rows, i: statistics.median(r[i] for r in rows)
print(f"{route:11s} cached median {med(c,0):.0f} req/s p99 {med(c,1):.0f} us non-2xx {sum(r[2] for r in c):.0f}"
      f" | plain median {med(p,0):.0f} req/s p99 {med(p,1):.0f} us non-2xx {sum(r[2] for r in p):.0f}"
      f" | cached/plain requests/s {med(c,0)/med(p,0):.2f}")
PY
done
curl -s "http://$ADMIN/metrics" | grep -E '^apigw_cache_' || die "no cache metrics"
