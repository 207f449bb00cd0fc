#!/usr/bin/env bash
# bench/access/run.sh: what access control costs. The same MOCK method
# through one apigw, open (/prod/open) and behind an API key of a usage plan
# with throttle and quota plus a Cognito authorizer (/prod/guarded), measured
# in alternating rounds of one run: requests/s and p99 of each, and their
# ratio (the target is at least 0.85).
#
#   bash bench/access/run.sh
#   DURATION=10 ROUNDS=5 bash bench/access/run.sh
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
die() { log "access/run.sh: $*"; exit 1; }
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
free_port; ADDR=$HOST:$PORT
free_port; ADMIN=$HOST:$PORT
"$APIGW_BIN" serve --addr "$ADDR" --admin-addr "$ADMIN" --data "$TMP/data" --no-watch --log-level warn \
	"$REPO/bench/access/template.yaml" >"$TMP/apigw.log" 2>&1 &
PIDS+=($!)
wait_http apigw "${PIDS[0]}" "http://$ADDR/prod/open" "$TMP/apigw.log" || die "apigw did not start"
TOKEN=$(curl -s -X POST -d '{"username": "bench"}' "http://$ADMIN/userpools/Pool/tokens" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["id_token"])')
KEY=benchkeybenchkeybenchkey0123456789
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: $TOKEN" -H "x-api-key: $KEY" "http://$ADDR/prod/guarded")
[[ $code == 200 ]] || die "/prod/guarded answered $code with the token and key"

# run PATH -> "req/s p99_us non2xx"
run() {
	local out
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -H "Authorization: $TOKEN" -H "x-api-key: $KEY" "http://$ADDR$1")
	wrk_summary "$out"
}
wrk -t2 -c8 -d2s "http://$ADDR/prod/open" >/dev/null
declare -a OPEN GUARD
for ((r = 1; r <= ROUNDS; r++)); do
	o=$(run /prod/open); g=$(run /prod/guarded)
	log "round $r  open: $o   guarded: $g   (req/s p99_us non-2xx)"
	OPEN+=("$o"); GUARD+=("$g")
done
python3 - "${OPEN[*]}" "${GUARD[*]}" <<'PY'
import statistics, sys
def parse(s):
    v = list(map(float, s.split()))
    return [v[i:i+3] for i in range(0, len(v), 3)]
o, g = parse(sys.argv[1]), parse(sys.argv[2])
med = lambda rows, i: statistics.median(r[i] for r in rows)
print(f"open     median {med(o,0):.0f} req/s  p99 {med(o,1):.0f} us  non-2xx {sum(r[2] for r in o):.0f}")
print(f"guarded  median {med(g,0):.0f} req/s  p99 {med(g,1):.0f} us  non-2xx {sum(r[2] for r in g):.0f}")
print(f"guarded/open requests/s {med(g,0)/med(o,0):.2f}   p99 guarded/open {med(g,1)/med(o,1):.2f}")
PY
