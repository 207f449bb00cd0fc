#!/usr/bin/env bash
# bench/sam/run.sh: a SAM application (bench/sam/template.yaml: a python3.12 and a
# nodejs20.x function on SAM's implicit API) served by `apigw serve`, against an
# HTTP_PROXY route to a plain Go backend through the same apigw, in one run on this
# machine: the time from starting apigw to the first answered request of each
# route (start-up plus cold start), then warm requests/s and p50/p99 latency.
# See bench/sam/README.md.
#
#   bash bench/sam/run.sh                          # about 2 minutes
#   DURATION=10 ROUNDS=5 COLD_RUNS=10 bash bench/sam/run.sh
#   VERBOSE=1 bash bench/sam/run.sh | tee /tmp/sam-bench-$(date -u +%F).txt
#
# Environment (all optional):
#   DURATION=5     seconds per measured wrk run
#   ROUNDS=3       warm rounds; each runs /py, /node, /proxy at -t2 -c8, then at -t1 -c1 (0 skips)
#   COLD_RUNS=5    fresh starts of apigw for the start-up measurement (0 skips it)
#   WARMUP=2       seconds of unrecorded wrk -t2 -c8 on each route before the warm rounds
#   APIGW_FLAGS=   extra flags for `apigw serve`, split on spaces
#   APIGW_BIN=     use this apigw binary instead of building ./cmd/apigw
#   VERBOSE=0      1 prints every wrk output in full
#   KEEP_TMP=0     1 keeps the temp dir (binaries, logs, data dirs, wrk outputs)
#
# Everything listens on 127.0.0.1 only and is stopped on exit.
set -euo pipefail

DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
COLD_RUNS=${COLD_RUNS:-5}
WARMUP=${WARMUP:-2}
APIGW_FLAGS=${APIGW_FLAGS:-}
APIGW_BIN=${APIGW_BIN:-}
VERBOSE=${VERBOSE:-0}
KEEP_TMP=${KEEP_TMP:-0}

DURATION=${DURATION%s}
WARMUP=${WARMUP%s}

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TEMPLATE=$REPO/bench/sam/template.yaml
HOST=127.0.0.1
STACK=sam-bench                  # --stack-name: functions are named STACK-LogicalId
ROUTES=(py node proxy)           # every wrk round, in this order
FN_ROUTES=(py node)              # the function routes
declare -A PATHS=([py]=/Prod/py [node]=/Prod/node [proxy]=/proxy/http)
declare -A FN_NAME=([py]=$STACK-PyFunction [node]=$STACK-NodeFunction)
declare -A FN_RUNTIME=([py]=python3.12 [node]=nodejs20.x)
WANT='{"ok":true}'
COLD_DEADLINE_S=60               # a start whose routes do not all answer 200 within this fails
POLL_SLEEP=0.01                  # pause between two polls of a route during a start

log() { printf '%s\n' "$*" >&2; }
die() { log "run.sh: $*"; exit 1; }

for v in DURATION ROUNDS COLD_RUNS WARMUP; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number (got '${!v}')"
done
((DURATION > 0)) || die "DURATION must be > 0"
((ROUNDS > 0 || COLD_RUNS > 0)) || die "ROUNDS=0 and COLD_RUNS=0 leave nothing to measure"
((BASH_VERSINFO[0] >= 5)) || die "needs bash 5 (EPOCHREALTIME)"

# ---------------------------------------------------------------- dependencies
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
	command -v sudo >/dev/null && SUDO=(sudo)
fi
APT_UPDATED=0
apt_install() {
	command -v apt-get >/dev/null || die "missing $*, and no apt-get to install it; install it yourself"
	if [[ $(id -u) -ne 0 && ${#SUDO[@]} -eq 0 ]]; then
		die "missing $*; run as root or install it yourself"
	fi
	if ((APT_UPDATED == 0)); then
		log "apt-get update"
		"${SUDO[@]}" apt-get update -qq
		APT_UPDATED=1
	fi
	log "apt-get install -y $*"
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

command -v go >/dev/null || die "go is not on PATH (apigw needs Go $(awk '/^go /{print $2}' "$REPO/go.mod"))"
command -v wrk >/dev/null || apt_install wrk
command -v curl >/dev/null || apt_install curl ca-certificates
command -v python3 >/dev/null || apt_install python3
command -v node >/dev/null || command -v nodejs >/dev/null || apt_install nodejs

# The interpreters apigw will run (internal/lambda/code.go: python3.12 when it
# really runs, else python3; node, else nodejs); for the header only.
PYTHON=$(command -v python3.12 || true)
if [[ -z $PYTHON ]] || ! "$PYTHON" -c pass >/dev/null 2>&1; then PYTHON=$(command -v python3); fi
NODE=$(command -v node || command -v nodejs)

# ---------------------------------------------------------------- processes
TMP=$(mktemp -d "${TMPDIR:-/tmp}/apigw-sam-bench.XXXXXX")
PIDS=()          # long-lived processes: the backend, apigw
POLL_PIDS=()     # the pollers of a cold start while they run
APIGW_PID=""

pids_of_descendants() { # PID -> its children, their children, ..., one a line
	# apigw runs each instance under a supervisor (apigw itself, re-executed),
	# which runs the runtime: the runtimes are apigw's grandchildren.
	local f stat rest p c
	local -a fl queue
	local -A kids=()
	for f in /proc/[0-9]*/stat; do
		{ stat=$(<"$f"); } 2>/dev/null || continue
		rest=${stat##*) }
		read -r -a fl <<<"$rest"
		f=${f#/proc/}
		kids[${fl[1]}]+="${f%/stat} "
	done
	queue=("$1")
	while ((${#queue[@]} > 0)); do
		p=${queue[0]}
		queue=("${queue[@]:1}")
		for c in ${kids[$p]:-}; do
			echo "$c"
			queue+=("$c")
		done
	done
	return 0
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	local -a all=("${POLL_PIDS[@]}" "${PIDS[@]}")
	# apigw's runtime processes (their own process groups) go with it, but
	# are named here in case apigw cannot stop them.
	[[ -n $APIGW_PID ]] && mapfile -t -O "${#all[@]}" all < <(pids_of_descendants "$APIGW_PID")
	((${#all[@]} > 0)) && stop_pids "${all[@]}"
	if [[ $KEEP_TMP == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Free loopback ports, waiting for servers, stopping processes: bench/lib.sh.
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh"

if [[ -n $APIGW_BIN ]]; then
	log "building the backend into $TMP (apigw: $APIGW_BIN)"
else
	log "building apigw and the backend into $TMP"
fi
(cd "$REPO" && go build -o "$TMP/backend" ./bench/backend) || die "backend build failed"
if [[ -n $APIGW_BIN ]]; then
	[[ -x $APIGW_BIN ]] || die "APIGW_BIN=$APIGW_BIN is not an executable"
	cp "$APIGW_BIN" "$TMP/apigw"
else
	(cd "$REPO" && go build -o "$TMP/apigw" ./cmd/apigw) || die "apigw build failed"
fi

free_port; BACKEND_PORT=$PORT
BACKEND_URL=http://$HOST:$BACKEND_PORT
"$TMP/backend" -host "$HOST" -port "$BACKEND_PORT" -body "$WANT" >"$TMP/backend.log" 2>&1 &
BACKEND_PID=$!
PIDS+=("$BACKEND_PID")
wait_http backend "$BACKEND_PID" "$BACKEND_URL/ok" "$TMP/backend.log" || die "backend did not start"

read -r -a EXTRA_FLAGS <<<"$APIGW_FLAGS"
declare -A URL
START_SEQ=0
# launch_apigw LOGFILE: starts apigw on fresh ports with a new --data dir (sets
# APIGW_PID, URL[route], T0_US: the wall clock just before the exec, microseconds).
launch_apigw() {
	local logf=$1 r
	START_SEQ=$((START_SEQ + 1))
	free_port; APIGW_PORT=$PORT
	free_port; ADMIN_PORT=$PORT
	for r in "${ROUTES[@]}"; do URL[$r]="http://$HOST:$APIGW_PORT${PATHS[$r]}"; done
	# apigw's own temp dir (the runtime's work folder) inside ours, to see what it leaves.
	mkdir -p "$TMP/apigw-tmp"
	T0_US=${EPOCHREALTIME/./}
	TMPDIR=$TMP/apigw-tmp "$TMP/apigw" serve --addr "$HOST:$APIGW_PORT" --admin-addr "$HOST:$ADMIN_PORT" \
		--data "$TMP/data-$START_SEQ" --stack-name "$STACK" --param "BackendUrl=$BACKEND_URL" \
		"${EXTRA_FLAGS[@]}" "$TEMPLATE" >"$logf" 2>&1 &
	APIGW_PID=$!
	PIDS+=("$APIGW_PID")
}
# stop_apigw: SIGTERM (apigw drains, then ends its runtime processes), then
# makes sure that none of them is left; notes what did not end or was left behind.
STOP_PROBLEMS=()
STOPS=0
stop_apigw() {
	local -a kids left keep=()
	local t0 t1 pid
	STOPS=$((STOPS + 1))
	mapfile -t kids < <(pids_of_descendants "$APIGW_PID")
	t0=$(date +%s%N)
	stop_pids "$APIGW_PID"
	t1=$(date +%s%N)
	((KILLED > 0)) && STOP_PROBLEMS+=("apigw (pid $APIGW_PID) did not exit within 5 s of SIGTERM: killed")
	if ((${#kids[@]} > 0)); then
		stop_pids "${kids[@]}"
		((KILLED > 0)) && STOP_PROBLEMS+=("$KILLED of apigw's ${#kids[@]} runtime processes outlived it: killed")
	fi
	mapfile -t left < <(compgen -G "$TMP/apigw-tmp/*" || true)
	if ((${#left[@]} > 0)); then
		STOP_PROBLEMS+=("apigw left ${left[*]#"$TMP/apigw-tmp/"} in its temp dir after SIGTERM (it exited after $(((t1 - t0) / 1000000)) ms)")
		rm -rf "${left[@]}"
	fi
	for pid in "${PIDS[@]}"; do [[ $pid != "$APIGW_PID" ]] && keep+=("$pid"); done
	PIDS=("${keep[@]}")
	APIGW_PID=""
}

# poll_first_200 URL T0_US APIGW_PID OUT: curl URL every ~10 ms (a new connection
# each time) until it answers 200; writes "ms tries code body_ok" to OUT, ms from
# T0_US to the end of the answering curl ("nan" if none within the deadline or
# apigw exited).
poll_first_200() {
	local url=$1 t0=$2 apid=$3 out=$4 code now tries=0 ok
	local deadline=$((t0 + COLD_DEADLINE_S * 1000000))
	while :; do
		tries=$((tries + 1))
		code=$(curl -s -o "$out.body" -w '%{http_code}' --max-time 30 "$url" 2>/dev/null || true)
		now=${EPOCHREALTIME/./}
		if [[ $code == 200 ]]; then
			ok=0
			[[ $(<"$out.body") == "$WANT" ]] && ok=1
			echo "$(((now - t0) / 1000)).$(((now - t0) % 1000 / 100)) $tries 200 $ok" >"$out"
			return 0
		fi
		if ((now > deadline)) || ! kill -0 "$apid" 2>/dev/null; then
			echo "nan $tries ${code:-000} 0" >"$out"
			return 0
		fi
		sleep "$POLL_SLEEP"
	done
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# ---------------------------------------------------------------- header
git_rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo "no commit")
git_dirty=$(git -C "$REPO" status --porcelain 2>/dev/null | wc -l || echo "?")
wrk_version=$(wrk -v 2>&1 | head -n 1 | awk '{ print $1, $2 }') || true
curl_version=$(curl --version 2>/dev/null | head -n 1 | awk '{ print $1, $2 }') || true
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo) || true
py_version=$("$PYTHON" --version 2>&1) || true
node_version=$("$NODE" --version 2>&1) || true
LOAD_START=$(loadavg)

echo "apigw SAM application benchmark, bench/sam/run.sh"
echo "date:      $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "host:      $(hostname), nproc=$(nproc), $cpu_model, Linux $(uname -r), $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
echo "load:      $LOAD_START (1, 5, 15 min) at the start"
echo "software:  $(go version | awk '{ print $3 }'), $wrk_version, $curl_version, $py_version at $PYTHON, node $node_version at $NODE"
if [[ -n $APIGW_BIN ]]; then apigw_what="APIGW_BIN=$APIGW_BIN (repository at $git_rev, not used for apigw)"; else
	apigw_what="$git_rev ($git_dirty uncommitted paths)"; fi
echo "apigw:     $apigw_what, flags: ${APIGW_FLAGS:-none}; env GOGC=${GOGC:-unset} GOMAXPROCS=${GOMAXPROCS:-unset}"
echo "template:  bench/sam/template.yaml (Transform: AWS::Serverless-2016-10-31), --stack-name $STACK"
echo "routes:    /Prod/py     -> AWS_PROXY ${FN_NAME[py]} (python3.12, SAM implicit API, stage Prod)"
echo "           /Prod/node   -> AWS_PROXY ${FN_NAME[node]} (nodejs20.x, SAM implicit API, stage Prod)"
echo "           /proxy/http  -> HTTP_PROXY $BACKEND_URL/ok (plain AWS::ApiGateway::RestApi, stage proxy: the baseline)"
plan=""
((COLD_RUNS > 0)) && plan+="$COLD_RUNS fresh starts of apigw (new ports, new --data dir), each route polled with curl every ~10 ms in parallel until its first 200; "
((ROUNDS > 0)) && plan+="then a fresh apigw, warm-up ${WARMUP}s per route at -t2 -c8, $ROUNDS rounds of wrk --latency -t2 -c8 -d${DURATION}s (throughput) and -t1 -c1 -d${DURATION}s (latency) on py, node, proxy in turn"
echo "plan:      $plan"
echo

# ---------------------------------------------------------------- 1. start-up to first answer
declare -A C # C[route:run:field]: ms tries code ok init
COLD_FAILED=0
if ((COLD_RUNS > 0)); then
	log "start-up: $COLD_RUNS fresh starts of apigw"
	for ((i = 1; i <= COLD_RUNS; i++)); do
		clog=$TMP/cold-$i.log
		launch_apigw "$clog"
		POLL_PIDS=()
		for rt in "${ROUTES[@]}"; do
			poll_first_200 "${URL[$rt]}" "$T0_US" "$APIGW_PID" "$TMP/cold-$i-$rt" &
			POLL_PIDS+=($!)
		done
		for pid in "${POLL_PIDS[@]}"; do wait "$pid" || true; done
		POLL_PIDS=()
		alive=1
		kill -0 "$APIGW_PID" 2>/dev/null || alive=0
		stop_apigw
		line="start  run $i:"
		for rt in "${ROUTES[@]}"; do
			read -r ms tries code ok <"$TMP/cold-$i-$rt"
			C[$rt:$i:ms]=$ms
			C[$rt:$i:tries]=$tries
			C[$rt:$i:code]=$code
			[[ $code == 200 && $ok == 1 ]] || { C[$rt:$i:code]="$code!"; COLD_FAILED=1; }
			C[$rt:$i:init]=nan
			if [[ -n ${FN_NAME[$rt]:-} ]]; then
				# The REPORT line of the function's first invocation carries Init Duration.
				rep=$(grep -F 'msg="REPORT RequestId' "$clog" | grep -F "function=${FN_NAME[$rt]}" | head -n 1 || true)
				init=$(sed -n 's/.*Init Duration: \([0-9.]*\) ms.*/\1/p' <<<"$rep")
				[[ -n $init ]] && C[$rt:$i:init]=$init
			fi
			line+=$(printf '  %s %s first 200 at %s ms (%s polls' "${PATHS[$rt]}" "${C[$rt:$i:code]}" "$ms" "$tries")
			if [[ -n ${FN_NAME[$rt]:-} ]]; then line+=", init ${C[$rt:$i:init]} ms)"; else line+=")"; fi
		done
		# When apigw said it was serving (its log line's clock, ms), from the exec.
		C[serve:$i]=nan
		served=$(sed -n 's/^time=\([^ ]*\) .*msg="apigw serving".*/\1/p' "$clog" | head -n 1)
		if [[ -n $served ]] && served_ms=$(date -d "$served" +%s%3N 2>/dev/null); then
			C[serve:$i]=$((served_ms - T0_US / 1000))
		fi
		line+="  (\"apigw serving\" logged at ${C[serve:$i]} ms)"
		((alive)) || { line+="  APIGW EXITED (log: $clog)"; COLD_FAILED=1; }
		echo "$line"
		if [[ $VERBOSE == 1 && $alive == 0 ]]; then tail -n 20 "$clog"; fi
	done
	LOAD_COLD_END=$(loadavg)
fi

# ---------------------------------------------------------------- 2. warm
# parse_wrk FILE -> "rps p50_us p99_us requests seconds non2xx socket_errors"
parse_wrk() {
	awk '
	function us(v) {
		if (v ~ /us$/) { sub(/us$/, "", v); return v + 0 }
		if (v ~ /ms$/) { sub(/ms$/, "", v); return v * 1000 }
		if (v ~ /m$/)  { sub(/m$/, "", v);  return v * 60000000 }
		if (v ~ /h$/)  { sub(/h$/, "", v);  return v * 3600000000 }
		if (v ~ /s$/)  { sub(/s$/, "", v);  return v * 1000000 }
		return v + 0
	}
	BEGIN { rps = "nan"; p50 = "nan"; p99 = "nan"; req = 0; secs = "nan"; non2xx = 0; serr = 0 }
	/^ +50%/ { p50 = us($2) }
	/^ +99%/ { p99 = us($2) }
	/ requests in / { req = $1; s = $4; sub(/,$/, "", s); secs = us(s) / 1e6 }
	/^Requests\/sec:/ { rps = $2 }
	/Non-2xx or 3xx responses:/ { non2xx = $NF }
	/Socket errors:/ { gsub(/,/, ""); serr = $4 + $6 + $8 + $10 }
	END { printf "%s %s %s %s %s %d %d\n", rps, p50, p99, req, secs, non2xx, serr }' "$1"
}

declare -A R # R[phase:route:round:field]
RUN_SEQ=0
# measure PHASE ROUTE ROUND THREADS CONNS
measure() {
	local phase=$1 rt=$2 round=$3 threads=$4 conns=$5 out
	local -a p
	RUN_SEQ=$((RUN_SEQ + 1))
	out=$TMP/wrk-$(printf '%03d' "$RUN_SEQ")-$phase-$rt-r$round.txt
	wrk --latency -t"$threads" -c"$conns" -d"${DURATION}s" "${URL[$rt]}" >"$out" 2>&1 || {
		log "wrk failed against ${PATHS[$rt]}:"; cat "$out" >&2; exit 1
	}
	read -r -a p < <(parse_wrk "$out")
	local k=$phase:$rt:$round
	R[$k:rps]=${p[0]}
	R[$k:p50]=${p[1]}
	R[$k:p99]=${p[2]}
	R[$k:req]=${p[3]}
	R[$k:non2xx]=${p[5]}
	R[$k:serr]=${p[6]}
	R[$k:okps]=$(awk -v n="${p[3]}" -v e="${p[5]}" -v s="${p[4]}" \
		'BEGIN { if (s == "nan" || s == 0) print "nan"; else printf "%.2f", (n - e) / s }')
	if [[ $VERBOSE == 1 ]]; then
		echo "---- $phase round $round: ${PATHS[$rt]} ($out)"
		cat "$out"
	fi
	printf '%-5s round %d  %-12s %9s req/s  2xx %9s/s  p50 %7s us  p99 %7s us  non-2xx %s  sock-err %s  load %s\n' \
		"$phase" "$round" "${PATHS[$rt]}" "${R[$k:rps]}" "${R[$k:okps]}" "${R[$k:p50]}" "${R[$k:p99]}" \
		"${R[$k:non2xx]}" "${R[$k:serr]}" "$(loadavg)"
	return 0
}

median() { # numbers... -> median ("nan" and "" ignored)
	printf '%s\n' "$@" | sort -g | awk '$1 != "nan" && $1 != "" { v[++n] = $1 }
		END { if (n == 0) print "nan"; else if (n % 2) print v[(n + 1) / 2]; else print (v[n / 2] + v[n / 2 + 1]) / 2 }'
}
minmax() { # numbers... -> "min-max" ("nan" and "" ignored)
	printf '%s\n' "$@" | sort -g | awk '$1 != "nan" && $1 != "" { v[++n] = $1 }
		END { if (n == 0) print "n/a"; else printf "%s-%s\n", v[1], v[n] }'
}
med() { # PHASE ROUTE FIELD
	local -a vals=()
	local r
	for ((r = 1; r <= ROUNDS; r++)); do vals+=("${R[$1:$2:$r:$3]}"); done
	median "${vals[@]}"
}
total() { # PHASE ROUTE FIELD
	local r s=0
	for ((r = 1; r <= ROUNDS; r++)); do s=$((s + ${R[$1:$2:$r:$3]})); done
	echo "$s"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }
diff_us() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan") print "n/a"; else printf "%+.0f", a - b }'; }
num() { awk -v a="$1" -v f="$2" 'BEGIN { if (a == "nan" || a == "") print "n/a"; else printf f, a }'; }

CHECK_FAILED=0
if ((ROUNDS > 0)); then
	((COLD_RUNS > 0)) && echo
	log "warm: a fresh apigw, $ROUNDS rounds"
	launch_apigw "$TMP/apigw.log"
	wait_http apigw "$APIGW_PID" "${URL[proxy]}" "$TMP/apigw.log" || die "apigw did not start"
	for rt in "${ROUTES[@]}"; do
		[[ ${URL[$rt]} == "http://$HOST:"* ]] || die "refusing non-loopback target ${URL[$rt]}"
		: >"$TMP/check-$rt.headers"
		: >"$TMP/check-$rt.body"
		curl -s --max-time 30 -D "$TMP/check-$rt.headers" -o "$TMP/check-$rt.body" "${URL[$rt]}" || true
		status=$(head -n 1 "$TMP/check-$rt.headers" | tr -d '\r') || true
		if [[ $status == *" 200"* && $(<"$TMP/check-$rt.body") == "$WANT" ]]; then
			echo "check ${PATHS[$rt]}: $status, body $WANT"
		else
			CHECK_FAILED=1
			echo "check ${PATHS[$rt]}: WRONG ANSWER: $status; body: $(head -c 300 "$TMP/check-$rt.body")"
		fi
	done
	((CHECK_FAILED)) && echo "WARNING: a route answered the check request wrongly (see above); its figures are not comparable"
	if ((WARMUP > 0)); then
		# -c8 also starts the instances that the throughput runs need.
		for rt in "${ROUTES[@]}"; do
			wrk -t2 -c8 -d"${WARMUP}s" "${URL[$rt]}" >"$TMP/warmup-$rt.txt" 2>&1 || true
		done
	fi
	for ((r = 1; r <= ROUNDS; r++)); do
		for rt in "${ROUTES[@]}"; do measure tput "$rt" "$r" 2 8; done
		for rt in "${ROUTES[@]}"; do measure lat "$rt" "$r" 1 1; done
	done
	LOAD_WARM_END=$(loadavg)
	INSTANCES=$(pids_of_descendants "$APIGW_PID" | wc -l)
	WARM_LOG_LINES=$(wc -l <"$TMP/apigw.log")
	grep -v -e 'msg="START RequestId' -e 'msg="END RequestId' -e 'msg="REPORT RequestId' \
		"$TMP/apigw.log" >"$TMP/apigw-other.log" || true
	stop_apigw
fi
LOAD_END=$(loadavg)

# ---------------------------------------------------------------- summary
declare -A M
if ((COLD_RUNS > 0)); then
	echo
	echo "== Start-up to first answer: ms from the exec of apigw serve to the first 200, median (min-max) of $COLD_RUNS starts =="
	printf '%-12s %-12s %26s %8s %26s %10s\n' route runtime "first 200 ms" "x proxy" "Init Duration ms" statuses
	for rt in proxy "${FN_ROUTES[@]}"; do
		declare -a fv=() iv=() cv=()
		for ((i = 1; i <= COLD_RUNS; i++)); do
			fv+=("${C[$rt:$i:ms]}"); iv+=("${C[$rt:$i:init]}"); cv+=("${C[$rt:$i:code]}")
		done
		M[cold:$rt]=$(median "${fv[@]}")
		M[init:$rt]=$(median "${iv[@]}")
		initcol="n/a"
		[[ -n ${FN_NAME[$rt]:-} ]] && initcol="$(num "${M[init:$rt]}" %.1f) ($(minmax "${iv[@]}"))"
		printf '%-12s %-12s %26s %8s %26s %10s\n' "${PATHS[$rt]}" "${FN_RUNTIME[$rt]:-HTTP_PROXY}" \
			"$(num "${M[cold:$rt]}" %.1f) ($(minmax "${fv[@]}"))" "$(ratio "${M[cold:$rt]}" "${M[cold:proxy]}")" \
			"$initcol" "$(printf '%s\n' "${cv[@]}" | sort | uniq -c | awk '{ printf "%s%sx%s", (NR > 1 ? "," : ""), $1, $2 }')"
	done
	sv=()
	for ((i = 1; i <= COLD_RUNS; i++)); do sv+=("${C[serve:$i]}"); done
	echo "apigw's \"apigw serving\" log line: $(num "$(median "${sv[@]}")" %.0f) ms ($(minmax "${sv[@]}")) after the exec (its clock, ms resolution)"
	echo "(first 200: from just before the exec of apigw to the end of the first curl that got 200; the three routes"
	echo " are polled in parallel, each with a new curl process and connection every ~10 ms, so the figure includes"
	echo " apigw's start-up (template, SAM transform, listeners), for a function route its cold start (process start,"
	echo " runtime init, first invocation), and up to one poll interval plus a curl start; Init Duration: apigw's REPORT"
	echo " line, process start to the runtime's first /next call; x proxy: ratio of the medians to /proxy/http's)"
fi

if ((ROUNDS > 0)); then
	echo
	echo "== Warm throughput: wrk --latency -t2 -c8 -d${DURATION}s, median of $ROUNDS rounds (load at the end: $LOAD_WARM_END) =="
	printf '%-12s %9s %9s %8s %8s %8s %9s %9s\n' route req/s "2xx/s" "x proxy" "p50 us" "p99 us" non-2xx sock-err
	for rt in "${ROUTES[@]}"; do
		for ph in tput lat; do
			for f in rps okps p50 p99; do M[$ph:$rt:$f]=$(med "$ph" "$rt" "$f"); done
		done
	done
	for rt in "${ROUTES[@]}"; do
		printf '%-12s %9s %9s %8s %8s %8s %9s %9s\n' "${PATHS[$rt]}" "$(num "${M[tput:$rt:rps]}" %.0f)" \
			"$(num "${M[tput:$rt:okps]}" %.0f)" "$(ratio "${M[tput:$rt:okps]}" "${M[tput:proxy:okps]}")" \
			"$(num "${M[tput:$rt:p50]}" %.0f)" "$(num "${M[tput:$rt:p99]}" %.0f)" "$(total tput "$rt" non2xx)" "$(total tput "$rt" serr)"
	done
	echo
	echo "== Warm latency: wrk --latency -t1 -c1 -d${DURATION}s, median of $ROUNDS rounds =="
	printf '%-12s %9s %8s %8s %8s %9s %8s %9s\n' route req/s "x proxy" "p50 us" "+p50 us" "p99 us" non-2xx sock-err
	for rt in "${ROUTES[@]}"; do
		a50=$(diff_us "${M[lat:$rt:p50]}" "${M[lat:proxy:p50]}")
		[[ $rt == proxy ]] && a50="(base)"
		printf '%-12s %9s %8s %8s %8s %9s %8s %9s\n' "${PATHS[$rt]}" "$(num "${M[lat:$rt:rps]}" %.0f)" \
			"$(ratio "${M[lat:$rt:okps]}" "${M[lat:proxy:okps]}")" "$(num "${M[lat:$rt:p50]}" %.0f)" "$a50" \
			"$(num "${M[lat:$rt:p99]}" %.0f)" "$(total lat "$rt" non2xx)" "$(total lat "$rt" serr)"
	done
	echo "(2xx/s: successful answers per second; x proxy: ratio of the route's median 2xx/s to /proxy/http's in this run;"
	echo " +p50: median p50 minus /proxy/http's; non-2xx and sock-err: totals over all rounds;"
	echo " apigw processes at the end of the warm runs: $INSTANCES (instances' supervisors and runtimes))"
fi

echo
echo "== Summary (medians) =="
printf '%-12s %18s %16s %12s %10s %10s %10s\n' route "start->first 200" "tput 2xx/s" "tput x prx" "c1 p50 us" "c1 p99 us" "c1 x prx"
for rt in "${ROUTES[@]}"; do
	cold=n/a tp=n/a tpr=n/a l50=n/a l99=n/a lr=n/a
	((COLD_RUNS > 0)) && cold="$(num "${M[cold:$rt]}" %.1f) ms"
	if ((ROUNDS > 0)); then
		tp=$(num "${M[tput:$rt:okps]}" %.0f); tpr=$(ratio "${M[tput:$rt:okps]}" "${M[tput:proxy:okps]}")
		l50=$(num "${M[lat:$rt:p50]}" %.0f); l99=$(num "${M[lat:$rt:p99]}" %.0f)
		lr=$(ratio "${M[lat:$rt:okps]}" "${M[lat:proxy:okps]}")
	fi
	printf '%-12s %18s %16s %12s %10s %10s %10s\n' "${PATHS[$rt]}" "$cold" "$tp" "$tpr" "$l50" "$l99" "$lr"
done
s="load average: $LOAD_START at the start"
((COLD_RUNS > 0)) && s+=", $LOAD_COLD_END after the starts"
((ROUNDS > 0)) && s+=", $LOAD_WARM_END after the warm runs"
echo "$s, $LOAD_END at the end (nproc=$(nproc))"

echo
bad=0
if ((ROUNDS > 0)); then
	for rt in "${ROUTES[@]}"; do
		for ph in tput lat; do
			n=$(total "$ph" "$rt" non2xx); e=$(total "$ph" "$rt" serr)
			if ((n + e > 0)); then
				bad=1
				echo "ERRORS: ${PATHS[$rt]} in $ph: $n non-2xx responses and $e socket errors"
			fi
		done
	done
	((CHECK_FAILED)) && { bad=1; echo "ERRORS: a route answered the check request wrongly (above)"; }
fi
if ((COLD_RUNS > 0)); then
	for rt in "${ROUTES[@]}"; do
		for ((i = 1; i <= COLD_RUNS; i++)); do
			[[ ${C[$rt:$i:code]} == 200 ]] ||
				{ bad=1; echo "ERRORS: start $i: ${PATHS[$rt]} never answered 200 $WANT (last status ${C[$rt:$i:code]})"; }
		done
	done
	((COLD_FAILED)) && bad=1
fi
((bad)) || echo "errors: none (every response was 2xx with the expected body, no socket errors)"
if ((${#STOP_PROBLEMS[@]} > 0)); then
	echo "STOPPING apigw (${#STOP_PROBLEMS[@]} problem(s) over $STOPS stops):"
	printf '  %s\n' "${STOP_PROBLEMS[@]}"
else
	echo "stopping apigw: $STOPS SIGTERMs, each ended apigw and its runtimes and left nothing in its temp dir"
fi
if ((ROUNDS > 0)); then
	echo "apigw output during the warm runs: $WARM_LOG_LINES lines"
	if [[ -s $TMP/apigw-other.log ]]; then
		echo "  its lines other than START/END/REPORT, last ones:"
		tail -n 8 "$TMP/apigw-other.log" | cut -c1-300 | sed 's/^/    /'
	fi
fi
