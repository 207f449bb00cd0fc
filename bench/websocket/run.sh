#!/usr/bin/env bash
# bench/websocket/run.sh: WebSocket APIs through apigw. One apigw serving
# bench/websocket/template.yaml; bench/websocket/client holds IDLE idle
# connections (apigw's resident memory before and after, per connection),
# then measures messages/s through the custom two-way route "whoami" to a
# local Go function (CLIENTS connections sending in a loop) and
# @connections posts/s (POSTERS HTTP clients posting to those connections).
#
#   bash bench/websocket/run.sh
#   IDLE=20000 DURATION=20 bash bench/websocket/run.sh
#
# Environment: IDLE=10000, CLIENTS=16, POSTERS=16, DURATION=10 (s per
# measurement), APIGW_BIN= (a built apigw instead of building ./cmd/apigw).
# Needs an open-files limit above IDLE (it raises its own soft limit).
set -euo pipefail
IDLE=${IDLE:-10000}
CLIENTS=${CLIENTS:-16}
POSTERS=${POSTERS:-16}
DURATION=${DURATION:-10}
APIGW_BIN=${APIGW_BIN:-}
HOST=127.0.0.1
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
log() { printf '%s\n' "$*" >&2; }
die() { log "websocket/run.sh: $*"; exit 1; }
# shellcheck source=../lib.sh
. "$REPO/bench/lib.sh"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
(($(ulimit -n) > IDLE + 100)) || die "the open-files limit ($(ulimit -n)) is below IDLE+100: raise it (ulimit -n)"

TMP=$(mktemp -d)
PIDS=()
cleanup() { stop_pids "${PIDS[@]}"; rm -rf "$TMP"; }
trap cleanup EXIT
if [[ -z $APIGW_BIN ]]; then
	log "building apigw"
	(cd "$REPO" && go build -o "$TMP/apigw" ./cmd/apigw)
	APIGW_BIN=$TMP/apigw
fi
(cd "$REPO" && CGO_ENABLED=0 go build -tags lambda.norpc -o "$TMP/fn/bootstrap" ./bench/websocket/fn)
(cd "$REPO" && go build -o "$TMP/client" ./bench/websocket/client)
free_port; ADDR=$HOST:$PORT
free_port; ADMIN=$HOST:$PORT
"$APIGW_BIN" serve --addr "$ADDR" --admin-addr "$ADMIN" --data "$TMP/data" --no-watch --log-level warn \
	--param "GoCodeDir=$TMP/fn" "$REPO/bench/websocket/template.yaml" >"$TMP/apigw.log" 2>&1 &
PIDS+=($!)
wait_http apigw "${PIDS[0]}" "http://$ADDR/bench" "$TMP/apigw.log" || die "apigw did not start"
log "apigw pid ${PIDS[0]}: $IDLE idle connections, then $CLIENTS senders and $POSTERS posters for ${DURATION}s each"
"$TMP/client" -addr "$ADDR" -pid "${PIDS[0]}" -idle "$IDLE" -clients "$CLIENTS" -posters "$POSTERS" -duration "${DURATION}s"
