#!/usr/bin/env bash
# bench/lambda/run.sh: apigw's local Lambda runtime (AWS_PROXY to a Go
# bootstrap, a python handler and a nodejs handler) against an HTTP_PROXY route
# to a plain Go backend, side by side in one run on this machine: warm latency,
# throughput of a pool of 2 instances, and cold starts. See bench/lambda/README.md.
#
#   bash bench/lambda/run.sh                         # about 4 minutes
#   DURATION=10 ROUNDS=5 COLD_RUNS=10 bash bench/lambda/run.sh
#   VERBOSE=1 bash bench/lambda/run.sh | tee bench/lambda/results/$(date -u +%F)-run.txt
#
# Environment (all optional):
#   DURATION=5         seconds per measured wrk run (latency and throughput)
#   ROUNDS=3           rounds; each round runs /http, /go, /py, /node in turn
#   COLD_RUNS=5        apigw restarts for the cold-start measurement (0 skips it)
#   TPUT_CONNS="2 8"   wrk connections of the throughput runs (wrk -t2 -cN), one phase each
#   WARMUP=2           seconds of unrecorded wrk -t2 -c2 load on each route first
#   APIGW_FLAGS=       extra flags for `apigw serve`, split on spaces
#   APIGW_BIN=         use this apigw binary instead of building ./cmd/apigw
#   VERBOSE=0          1 prints every wrk output in full
#   KEEP_TMP=0         1 keeps the temp dir (binaries, logs, wrk outputs)
#
# Everything listens on 127.0.0.1 only and is stopped on exit.
set -euo pipefail

DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
COLD_RUNS=${COLD_RUNS:-5}
TPUT_CONNS=${TPUT_CONNS:-2 8}
WARMUP=${WARMUP:-2}
APIGW_FLAGS=${APIGW_FLAGS:-}
APIGW_BIN=${APIGW_BIN:-}
VERBOSE=${VERBOSE:-0}
KEEP_TMP=${KEEP_TMP:-0}

DURATION=${DURATION%s}
WARMUP=${WARMUP%s}

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TEMPLATE=$REPO/bench/lambda/template.yaml
HOST=127.0.0.1
STAGE=bench
ROUTES=(http go py node)          # every wrk round, in this order
FN_ROUTES=(go py node)            # the function routes
declare -A FN_NAME=([go]=bench-go [py]=bench-py [node]=bench-node)
declare -A FN_RUNTIME=([go]=provided.al2023 [py]=python3.12 [node]=nodejs20.x)
WANT='{"ok":true}'

log() { printf '%s\n' "$*" >&2; }
die() { log "run.sh: $*"; exit 1; }

for v in DURATION ROUNDS COLD_RUNS WARMUP; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number (got '${!v}')"
done
((DURATION > 0)) || die "DURATION must be > 0"
((ROUNDS > 0 || COLD_RUNS > 0)) || die "ROUNDS=0 and COLD_RUNS=0 leave nothing to measure"
read -r -a CONN_LIST <<<"$TPUT_CONNS"
for c in "${CONN_LIST[@]}"; do
	[[ $c =~ ^[1-9][0-9]*$ ]] || die "TPUT_CONNS must list whole numbers > 0 (got '$TPUT_CONNS')"
done

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
# really runs, else python3; node, else nodejs).
PYTHON=$(command -v python3.12 || true)
if [[ -z $PYTHON ]] || ! "$PYTHON" -c pass >/dev/null 2>&1; then PYTHON=$(command -v python3); fi
NODE=$(command -v node || command -v nodejs)

# ---------------------------------------------------------------- processes
TMP=$(mktemp -d "${TMPDIR:-/tmp}/apigw-lambda-bench.XXXXXX")
PIDS=()
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
	local -a all=("${PIDS[@]}")
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

# Free loopback ports and waiting for servers: bench/lib.sh, shared by both benchmarks.
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh"

if [[ -n $APIGW_BIN ]]; then
	log "building the backend and the Go function into $TMP (apigw: $APIGW_BIN)"
else
	log "building apigw, the backend and the Go function into $TMP"
fi
(cd "$REPO" && go build -o "$TMP/backend" ./bench/backend) || die "backend build failed"
(cd "$REPO" && CGO_ENABLED=0 go build -tags lambda.norpc -o "$TMP/gofn/bootstrap" ./bench/lambda/gofn) ||
	die "Go function build failed"
if [[ -n $APIGW_BIN ]]; then
	[[ -x $APIGW_BIN ]] || die "APIGW_BIN=$APIGW_BIN is not an executable"
	cp "$APIGW_BIN" "$TMP/apigw"
else
	(cd "$REPO" && go build -o "$TMP/apigw" ./cmd/apigw) || die "apigw build failed"
fi

free_port; BACKEND_PORT=$PORT
BACKEND_URL=http://$HOST:$BACKEND_PORT
"$TMP/backend" -host "$HOST" -port "$BACKEND_PORT" -body '{"ok":true}' >"$TMP/backend.log" 2>&1 &
BACKEND_PID=$!
PIDS+=("$BACKEND_PID")
wait_http backend "$BACKEND_PID" "$BACKEND_URL/ok" "$TMP/backend.log" || die "backend did not start"

read -r -a EXTRA_FLAGS <<<"$APIGW_FLAGS"
declare -A URL
# start_apigw LOGFILE: starts apigw on fresh ports (sets APIGW_PID, URL[route]),
# waits until /http answers. Touches no function route: their pools stay empty.
start_apigw() {
	local logf=$1 r
	free_port; APIGW_PORT=$PORT
	free_port; ADMIN_PORT=$PORT
	# apigw's own temp dir (the runtime's work folder) inside ours, to see what it leaves.
	mkdir -p "$TMP/apigw-tmp"
	TMPDIR=$TMP/apigw-tmp "$TMP/apigw" serve --addr "$HOST:$APIGW_PORT" --admin-addr "$HOST:$ADMIN_PORT" \
		--param "BackendUrl=$BACKEND_URL" --param "GoCodeDir=$TMP/gofn" "${EXTRA_FLAGS[@]}" "$TEMPLATE" >"$logf" 2>&1 &
	APIGW_PID=$!
	PIDS+=("$APIGW_PID")
	for r in "${ROUTES[@]}"; do URL[$r]="http://$HOST:$APIGW_PORT/$STAGE/$r"; done
	wait_http apigw "$APIGW_PID" "${URL[http]}" "$logf" || die "apigw did not start"
}
# stop_apigw: SIGTERM (apigw drains, then ends its runtime processes), then
# makes sure that none of them is left; notes what did not end or was left behind.
STOP_PROBLEMS=()
stop_apigw() {
	local -a kids left
	local t0 t1
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
	local -a keep=()
	local pid
	for pid in "${PIDS[@]}"; do [[ $pid != "$APIGW_PID" ]] && keep+=("$pid"); done
	PIDS=("${keep[@]}")
	APIGW_PID=""
}

start_apigw "$TMP/apigw.log"
for r in "${ROUTES[@]}"; do
	[[ ${URL[$r]} == "http://$HOST:"* ]] || die "refusing non-loopback target ${URL[$r]}"
done

# ---------------------------------------------------------------- checks
CHECK_FAILED=0
CHECK_LINES=()
for r in "${ROUTES[@]}"; do
	: >"$TMP/check-$r.headers"
	: >"$TMP/check-$r.body"
	curl -s -D "$TMP/check-$r.headers" -o "$TMP/check-$r.body" "${URL[$r]}" || true
	status=$(head -n 1 "$TMP/check-$r.headers" | tr -d '\r') || true
	if [[ $status == *" 200"* && $(<"$TMP/check-$r.body") == "$WANT" ]]; then
		CHECK_LINES+=("check /$r: $status, body $WANT")
	else
		CHECK_FAILED=1
		CHECK_LINES+=("check /$r: WRONG ANSWER: $status; body: $(head -c 300 "$TMP/check-$r.body")")
	fi
done

# ---------------------------------------------------------------- measuring
CLK_TCK=$(getconf CLK_TCK)

snapshot() { # -> "pid role ticks" of the backend, apigw and apigw's descendants (role fn)
	local pid role stat rest
	local -a fl
	for pid in "$BACKEND_PID" "$APIGW_PID" $(pids_of_descendants "$APIGW_PID"); do
		{ stat=$(<"/proc/$pid/stat"); } 2>/dev/null || continue
		rest=${stat##*) }
		read -r -a fl <<<"$rest"
		case $pid in "$BACKEND_PID") role=backend ;; "$APIGW_PID") role=apigw ;; *) role=fn ;; esac
		echo "$pid $role $((fl[11] + fl[12]))"
	done
}
# cpu_delta BEFORE AFTER -> "apigw fn all gone": clock ticks used between the two
# snapshots by apigw, by the function processes, by all of them; and how many
# processes of the first snapshot are gone from the second (their last ticks are
# lost; none should end during a run). A process new in AFTER counts in full.
cpu_delta() {
	awk 'NR == FNR { b[$1] = $3; next }
		{ d = $3 - (($1 in b) ? b[$1] : 0); if (d < 0) d = 0; t[$2] += d; all += d; seen[$1] = 1 }
		END { gone = 0; for (p in b) if (!(p in seen)) gone++; printf "%d %d %d %d\n", t["apigw"], t["fn"], all, gone }' "$1" "$2"
}
host_stat() { # -> "proc irq idle" jiffies of all cores from /proc/stat
	# proc: user+nice+system+steal; irq: irq+softirq; idle: idle+iowait
	local -a c
	read -r -a c </proc/stat
	echo "$((c[1] + c[2] + c[3] + c[8])) $((c[6] + c[7])) $((c[4] + c[5]))"
}
children_ticks() { # sets CT: CPU of this shell's waited-for children (wrk, curl), in clock ticks
	# Not through $(...): `times` in a subshell reports the subshell's children (none).
	{ times; } >"$TMP/times"
	CT=$(awk -v hz="$CLK_TCK" 'function s(v) { split(v, a, "m"); sub(/s$/, "", a[2]); return a[1] * 60 + a[2] }
		NR == 2 { printf "%d\n", (s($1) + s($2)) * hz + 0.5 }' "$TMP/times")
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

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
NOISY_RUNS=()
GONE_RUNS=()

# measure PHASE ROUTE ROUND THREADS CONNS
measure() {
	local phase=$1 rt=$2 round=$3 threads=$4 conns=$5
	local out w_before w_after log_off
	local -a parsed hb ha cpu
	RUN_SEQ=$((RUN_SEQ + 1))
	out=$TMP/wrk-$(printf '%03d' "$RUN_SEQ")-$phase-$rt-r$round.txt
	log_off=$(stat -c %s "$TMP/apigw.log")
	snapshot >"$TMP/cpu-before"
	read -r -a hb < <(host_stat)
	children_ticks; w_before=$CT
	wrk --latency -t"$threads" -c"$conns" -d"${DURATION}s" "${URL[$rt]}" >"$out" 2>&1 || {
		log "wrk failed against /$rt:"; cat "$out" >&2; exit 1
	}
	children_ticks; w_after=$CT
	read -r -a ha < <(host_stat)
	snapshot >"$TMP/cpu-after"
	read -r -a cpu < <(cpu_delta "$TMP/cpu-before" "$TMP/cpu-after")
	read -r -a parsed < <(parse_wrk "$out")
	local k=$phase:$rt:$round
	R[$k:rps]=${parsed[0]}
	R[$k:p50]=${parsed[1]}
	R[$k:p99]=${parsed[2]}
	R[$k:req]=${parsed[3]}
	R[$k:non2xx]=${parsed[5]}
	R[$k:serr]=${parsed[6]}
	R[$k:okps]=$(awk -v n="${parsed[3]}" -v e="${parsed[5]}" -v s="${parsed[4]}" \
		'BEGIN { if (s == "nan" || s == 0) print "nan"; else printf "%.2f", (n - e) / s }')
	# apigw logs "request failed ... Rate Exceeded." for each invocation that a
	# full pool refused (ReservedConcurrentExecutions is a hard limit: 500).
	R[$k:throttled]=$(tail -c +$((log_off + 1)) "$TMP/apigw.log" | grep -ci 'rate exceeded' || true)
	# CPU microseconds per request: apigw's process, and the function's
	# runtime processes and their supervisors; /http has no function.
	R[$k:gone]=${cpu[3]}
	R[$k:acpu]=$(awk -v d="${cpu[0]}" -v hz="$CLK_TCK" -v n="${parsed[3]}" \
		'BEGIN { if (n == 0) print "nan"; else printf "%.1f", d * 1e6 / hz / n }')
	R[$k:fcpu]=$(awk -v d="${cpu[1]}" -v hz="$CLK_TCK" -v n="${parsed[3]}" -v r="$rt" \
		'BEGIN { if (r == "http" || n == 0) print "nan"; else printf "%.1f", d * 1e6 / hz / n }')
	# host busy: all cores, % of the run; other: CPU used by processes other than
	# wrk, the backend, apigw and its runtimes (and steal), % of all cores.
	local dp=$((ha[0] - hb[0])) dq=$((ha[1] - hb[1])) di=$((ha[2] - hb[2]))
	local ours=$((cpu[2] + w_after - w_before))
	R[$k:busy]=$(awk -v p=$dp -v q=$dq -v i=$di 'BEGIN { if (p + q + i == 0) print "nan"; else printf "%.0f", 100 * (p + q) / (p + q + i) }')
	R[$k:other]=$(awk -v p=$dp -v q=$dq -v i=$di -v o="$ours" \
		'BEGIN { x = p - o; if (x < 0) x = 0; if (p + q + i == 0) print "nan"; else printf "%.0f", 100 * x / (p + q + i) }')
	if [[ $VERBOSE == 1 ]]; then
		echo "---- $phase round $round: /$rt ($out)"
		cat "$out"
	fi
	printf '%-6s round %d  /%-5s %9s req/s  2xx %9s/s  p50 %7s us  p99 %7s us  non-2xx %s (throttled %s)  sock-err %s  apigw %s us/req  fn %s us/req  host busy %s%%  other %s%%  load %s\n' \
		"$phase" "$round" "$rt" "${R[$k:rps]}" "${R[$k:okps]}" "${R[$k:p50]}" "${R[$k:p99]}" "${R[$k:non2xx]}" \
		"${R[$k:throttled]}" "${R[$k:serr]}" "${R[$k:acpu]}" "${R[$k:fcpu]/#nan/-}" "${R[$k:busy]}" "${R[$k:other]}" "$(loadavg)"
	local other=${R[$k:other]}
	if [[ $other != nan ]] && ((other >= 5)); then NOISY_RUNS+=("$phase round $round /$rt: other $other%"); fi
	if ((cpu[3] > 0)); then
		GONE_RUNS+=("$phase round $round /$rt: $(awk 'NR == FNR { a[$1] = 1; next } !($1 in a) { printf "%s pid %s (%s ticks) ", $2, $1, $3 }' \
			"$TMP/cpu-after" "$TMP/cpu-before")ended or could not be read; their CPU in this run is not counted")
	fi
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

# ---------------------------------------------------------------- the run
git_rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo "no commit")
git_dirty=$(git -C "$REPO" status --porcelain 2>/dev/null | wc -l || echo "?")
wrk_version=$(wrk -v 2>&1 | head -n 1 | awk '{ print $1, $2 }') || true
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo) || true
py_version=$("$PYTHON" --version 2>&1) || true
node_version=$("$NODE" --version 2>&1) || true
py_note=""
py_exe=$("$PYTHON" -c 'import sys; print(sys.executable)' 2>/dev/null) || true
[[ -n $py_exe && $py_exe != "$PYTHON" ]] && py_note=" (sys.executable $py_exe)"
[[ $PYTHON == */shims/* ]] && py_note=" (a pyenv shim for $py_exe)"
LOAD_START=$(loadavg)

echo "apigw Lambda runtime benchmark, bench/lambda/run.sh"
echo "date:      $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "host:      nproc=$(nproc), $cpu_model, Linux $(uname -r), $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
echo "load:      $LOAD_START (1, 5, 15 min) at the start"
echo "software:  $(go version | awk '{ print $3 }'), $wrk_version, $py_version at $PYTHON$py_note, node $node_version at $NODE"
if [[ -n $APIGW_BIN ]]; then apigw_what="APIGW_BIN=$APIGW_BIN (repository at $git_rev, not used for apigw)"; else
	apigw_what="$git_rev ($git_dirty uncommitted paths)"; fi
echo "apigw:     $apigw_what, flags: ${APIGW_FLAGS:-none}; env GOGC=${GOGC:-unset} GOMAXPROCS=${GOMAXPROCS:-unset}"
echo "routes:    /http  ${URL[http]} -> HTTP_PROXY $BACKEND_URL/ok (the baseline)"
for r in "${FN_ROUTES[@]}"; do
	echo "           /$(printf '%-5s' "$r") ${URL[$r]} -> AWS_PROXY ${FN_NAME[$r]} (${FN_RUNTIME[$r]}, ReservedConcurrentExecutions 2)"
done
if ((ROUNDS > 0)); then
	echo "plan:      warm-up ${WARMUP}s each at -t2 -c2; $ROUNDS rounds x ${DURATION}s of wrk --latency -t1 -c1, then for each of -c${TPUT_CONNS// /, -c}: $ROUNDS rounds x ${DURATION}s of wrk --latency -t2 -cN; order http, go, py, node in every round; then $COLD_RUNS apigw restarts for cold starts"
else
	echo "plan:      cold starts only (ROUNDS=0): $COLD_RUNS apigw restarts"
fi
printf '%s\n' "${CHECK_LINES[@]}"
((CHECK_FAILED)) && echo "WARNING:   a route answered the check request wrongly (see above); its figures are not comparable"
echo

if ((WARMUP > 0 && ROUNDS > 0)); then
	# -c2 also starts the second instance of each pool.
	for r in "${ROUTES[@]}"; do
		wrk -t2 -c2 -d"${WARMUP}s" "${URL[$r]}" >"$TMP/warmup-$r.txt" 2>&1 || true
	done
fi

for ((r = 1; r <= ROUNDS; r++)); do
	for rt in "${ROUTES[@]}"; do measure lat "$rt" "$r" 1 1; done
done
TPUT_PHASES=()
if ((ROUNDS > 0)); then
	for c in "${CONN_LIST[@]}"; do
		TPUT_PHASES+=("c$c")
		for ((r = 1; r <= ROUNDS; r++)); do
			for rt in "${ROUTES[@]}"; do measure "c$c" "$rt" "$r" "$((c < 2 ? c : 2))" "$c"; done
		done
	done
fi
LOAD_WARM_END=$(loadavg)
WARM_LOG_LINES=$(wc -l <"$TMP/apigw.log")
WARM_LOG_BYTES=$(wc -c <"$TMP/apigw.log")
grep -v -e 'msg="START RequestId' -e 'msg="END RequestId' -e 'msg="REPORT RequestId' -e 'rate exceeded' \
	"$TMP/apigw.log" >"$TMP/apigw-other.log" || true
THROTTLE_LINE=$(grep -i -m 1 'rate exceeded' "$TMP/apigw.log" || true)
stop_apigw

# ---------------------------------------------------------------- cold starts
declare -A C # C[route:run:field]
if ((COLD_RUNS > 0)); then
	echo
	log "cold starts: $COLD_RUNS restarts of apigw"
	for ((i = 1; i <= COLD_RUNS; i++)); do
		clog=$TMP/cold-$i.log
		start_apigw "$clog"
		# Rotate the order of the routes from run to run.
		order=()
		for ((j = 0; j < ${#FN_ROUTES[@]}; j++)); do order+=("${FN_ROUTES[(i - 1 + j) % ${#FN_ROUTES[@]}]}"); done
		line="cold   run $i  order ${order[*]}:"
		for rt in "${order[@]}"; do
			res=$(curl -s -o "$TMP/cold-$i-$rt.body" -w '%{http_code} %{time_total}' --max-time 30 "${URL[$rt]}" || true)
			[[ $res =~ ^[0-9]{3}\ [0-9.]+$ && $res != 000* ]] || res="000 nan"
			C[$rt:$i:code]=${res% *}
			C[$rt:$i:first]=$(awk -v t="${res#* }" 'BEGIN { if (t == "nan") print "nan"; else printf "%.1f", t * 1000 }')
			[[ ${C[$rt:$i:code]} == 200 && $(<"$TMP/cold-$i-$rt.body") == "$WANT" ]] || C[$rt:$i:code]="${C[$rt:$i:code]}!"
		done
		for rt in "${order[@]}"; do
			res=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 30 "${URL[$rt]}" || true)
			[[ $res =~ ^[0-9]{3}\ [0-9.]+$ && $res != 000* ]] || res="000 nan"
			C[$rt:$i:second]=$(awk -v t="${res#* }" 'BEGIN { if (t == "nan") print "nan"; else printf "%.1f", t * 1000 }')
			[[ ${res% *} == 200 ]] || C[$rt:$i:code]="${C[$rt:$i:code]}/${res% *}!"
		done
		stop_apigw
		# The REPORT line of the function's first invocation carries Init Duration.
		for rt in "${order[@]}"; do
			rep=$(grep -F 'msg="REPORT RequestId' "$clog" | grep -F "function=${FN_NAME[$rt]} " | head -n 1 || true)
			C[$rt:$i:init]=$(sed -n 's/.*Init Duration: \([0-9.]*\) ms.*/\1/p' <<<"$rep")
			C[$rt:$i:dur]=$(sed -n 's/.*\\tDuration: \([0-9.]*\) ms.*/\1/p' <<<"$rep")
			[[ -n ${C[$rt:$i:init]} ]] || C[$rt:$i:init]=nan
			[[ -n ${C[$rt:$i:dur]} ]] || C[$rt:$i:dur]=nan
			line+=$(printf '  /%s %s first %s ms (init %s, duration %s) second %s ms' "$rt" "${C[$rt:$i:code]}" \
				"${C[$rt:$i:first]}" "${C[$rt:$i:init]}" "${C[$rt:$i:dur]}" "${C[$rt:$i:second]}")
		done
		echo "$line"
	done
	# The floor under an interpreter's Init Duration: starting it with nothing to do.
	declare -A FLOOR
	floor_ms() { # CMD... -> median ms of COLD_RUNS starts
		local -a v=()
		local k t0 t1
		for ((k = 0; k < COLD_RUNS; k++)); do
			t0=$(date +%s%N)
			"$@" >/dev/null 2>&1 || true
			t1=$(date +%s%N)
			v+=("$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.1f", d / 1e6 }')")
		done
		median "${v[@]}"
	}
	FLOOR[py]=$(floor_ms "$PYTHON" -c pass)
	FLOOR[node]=$(floor_ms "$NODE" -e 0)
	REAL_PYTHON=""
	if [[ $PYTHON == */shims/* ]] && command -v pyenv >/dev/null; then
		REAL_PYTHON=$(pyenv which "$(basename "$PYTHON")" 2>/dev/null || true)
		[[ -x $REAL_PYTHON ]] && FLOOR[pyreal]=$(floor_ms "$REAL_PYTHON" -c pass)
	fi
fi
LOAD_END=$(loadavg)

# ---------------------------------------------------------------- summary
declare -A M
if ((ROUNDS > 0)); then
	echo
	echo "== Warm latency: wrk --latency -t1 -c1 -d${DURATION}s, median of $ROUNDS rounds (load at the end of the warm runs: $LOAD_WARM_END) =="
	printf '%-6s %8s %8s %8s %11s %11s %8s %14s %11s %8s %6s\n' route req/s "p50 us" "p99 us" "+p50 us" "+p99 us" non-2xx "apigw CPU/req" "fn CPU/req" busy other
	for rt in "${ROUTES[@]}"; do
		for f in rps p50 p99 acpu fcpu busy other; do M[lat:$rt:$f]=$(med lat "$rt" "$f"); done
		if [[ $rt == http ]]; then a50="(baseline)"; a99="(baseline)"; else
			a50=$(diff_us "${M[lat:$rt:p50]}" "${M[lat:http:p50]}"); a99=$(diff_us "${M[lat:$rt:p99]}" "${M[lat:http:p99]}"); fi
		printf '/%-5s %8s %8s %8s %11s %11s %8s %14s %11s %7s%% %5s%%\n' "$rt" "$(num "${M[lat:$rt:rps]}" %.0f)" \
			"$(num "${M[lat:$rt:p50]}" %.0f)" "$(num "${M[lat:$rt:p99]}" %.0f)" "$a50" "$a99" "$(total lat "$rt" non2xx)" \
			"$(num "${M[lat:$rt:acpu]}" '%.1f us')" "$(num "${M[lat:$rt:fcpu]}" '%.1f us')" "${M[lat:$rt:busy]}" "${M[lat:$rt:other]}"
	done
	echo "(+p50/+p99: the median p50/p99 of the route minus that of /http, the latency the runtime path adds;"
	echo " CPU: utime+stime from /proc per request; fn = the function's runtime processes and their supervisors; non-2xx: total over all rounds)"
fi

for ph in "${TPUT_PHASES[@]}"; do
	c=${ph#c}
	echo
	echo "== Throughput, pool of 2 instances: wrk --latency -t$((c < 2 ? c : 2)) -c$c -d${DURATION}s, median of $ROUNDS rounds =="
	printf '%-6s %9s %9s %8s %8s %9s %9s %10s %9s %14s %11s %5s %6s\n' route req/s "2xx/s" "2xx/http" "p50 us" "p99 us" non-2xx throttled sock-err "apigw CPU/req" "fn CPU/req" busy other
	for rt in "${ROUTES[@]}"; do
		for f in rps okps p50 p99 acpu fcpu busy other; do M[$ph:$rt:$f]=$(med "$ph" "$rt" "$f"); done
		printf '/%-5s %9s %9s %8s %8s %8s %9s %10s %9s %14s %11s %4s%% %5s%%\n' "$rt" "$(num "${M[$ph:$rt:rps]}" %.0f)" \
			"$(num "${M[$ph:$rt:okps]}" %.0f)" "$(ratio "${M[$ph:$rt:okps]}" "${M[$ph:http:okps]}")" \
			"$(num "${M[$ph:$rt:p50]}" %.0f)" "$(num "${M[$ph:$rt:p99]}" %.0f)" "$(total "$ph" "$rt" non2xx)" \
			"$(total "$ph" "$rt" throttled)" "$(total "$ph" "$rt" serr)" \
			"$(num "${M[$ph:$rt:acpu]}" '%.1f us')" "$(num "${M[$ph:$rt:fcpu]}" '%.1f us')" "${M[$ph:$rt:busy]}" "${M[$ph:$rt:other]}"
	done
	echo "(req/s: all answers; 2xx/s: successful answers per second; 2xx/http: ratio of the 2xx/s medians to /http's;"
	echo " non-2xx, throttled (apigw's \"Rate Exceeded.\" log lines: a full pool refused the invocation) and sock-err: totals over all rounds)"
done

if ((COLD_RUNS > 0)); then
	echo
	echo "== Cold start: first request after an apigw start, median (min-max) of $COLD_RUNS restarts =="
	printf '%-6s %-16s %22s %22s %22s %16s %8s\n' route runtime "first request ms" "Init Duration ms" "first Duration ms" "second req ms" statuses
	for rt in "${FN_ROUTES[@]}"; do
		declare -a fv=() iv=() dv=() sv=() cv=()
		for ((i = 1; i <= COLD_RUNS; i++)); do
			fv+=("${C[$rt:$i:first]}"); iv+=("${C[$rt:$i:init]}"); dv+=("${C[$rt:$i:dur]}"); sv+=("${C[$rt:$i:second]}"); cv+=("${C[$rt:$i:code]}")
		done
		M[cold:$rt:first]=$(median "${fv[@]}")
		M[cold:$rt:init]=$(median "${iv[@]}")
		printf '/%-5s %-16s %22s %22s %22s %16s %8s\n' "$rt" "${FN_RUNTIME[$rt]}" \
			"$(num "${M[cold:$rt:first]}" %.1f) ($(minmax "${fv[@]}"))" \
			"$(num "${M[cold:$rt:init]}" %.1f) ($(minmax "${iv[@]}"))" \
			"$(num "$(median "${dv[@]}")" %.2f) ($(minmax "${dv[@]}"))" \
			"$(num "$(median "${sv[@]}")" %.1f)" "$(printf '%s\n' "${cv[@]}" | sort | uniq -c | awk '{ printf "%s%sx%s", (NR > 1 ? "," : ""), $1, $2 }')"
	done
	echo "(first request: curl time_total of the first request to the route, a new process included; Init Duration: from"
	echo " apigw's REPORT line, process start to the runtime's first /next call; first Duration: that invocation itself;"
	echo " second req: the next request, warm. The OS file cache is warm: this is a developer's restart, not a first boot)"
	printf 'interpreter start with nothing to do (median of %d): %s -c pass %s ms' "$COLD_RUNS" "$PYTHON" "$(num "${FLOOR[py]}" %.1f)"
	[[ -n ${FLOOR[pyreal]:-} ]] && printf ' (without the pyenv shim, %s: %s ms)' "$REAL_PYTHON" "$(num "${FLOOR[pyreal]}" %.1f)"
	printf '; %s -e 0 %s ms\n' "$NODE" "$(num "${FLOOR[node]}" %.1f)"
fi

echo
echo "== Summary (medians) =="
for rt in "${FN_ROUTES[@]}"; do
	s="/$(printf '%-5s' "$rt")"
	((ROUNDS > 0)) && s+=" adds p50 $(diff_us "${M[lat:$rt:p50]}" "${M[lat:http:p50]}") us, p99 $(diff_us "${M[lat:$rt:p99]}" "${M[lat:http:p99]}") us over /http at -c1"
	for ph in "${TPUT_PHASES[@]}"; do
		s+="; $ph 2xx/s $(num "${M[$ph:$rt:okps]}" %.0f) = $(ratio "${M[$ph:$rt:okps]}" "${M[$ph:http:okps]}") x /http"
	done
	((COLD_RUNS > 0)) && s+="; cold first request $(num "${M[cold:$rt:first]}" %.1f) ms (init $(num "${M[cold:$rt:init]}" %.1f) ms)"
	echo "$s"
done
if ((ROUNDS > 0)); then
	echo "load average: $LOAD_START at the start, $LOAD_WARM_END after the warm runs, $LOAD_END at the end (nproc=$(nproc))"
else
	echo "load average: $LOAD_START at the start, $LOAD_END at the end (nproc=$(nproc))"
fi

echo
bad=0
for rt in "${ROUTES[@]}"; do
	for ph in lat "${TPUT_PHASES[@]}"; do
		n=$(total "$ph" "$rt" non2xx); e=$(total "$ph" "$rt" serr); t=$(total "$ph" "$rt" throttled)
		if ((n + e > 0)); then
			bad=1
			echo "ERRORS: /$rt in $ph: $n non-2xx responses ($t of them throttled by the full pool) and $e socket errors"
		fi
	done
done
if ((COLD_RUNS > 0)); then
	for rt in "${FN_ROUTES[@]}"; do
		for ((i = 1; i <= COLD_RUNS; i++)); do
			[[ ${C[$rt:$i:code]} == 200 ]] || { bad=1; echo "ERRORS: cold run $i /$rt answered ${C[$rt:$i:code]} (! = not 200 $WANT)"; }
			[[ ${C[$rt:$i:init]} != nan ]] || { bad=1; echo "ERRORS: cold run $i /$rt: no Init Duration in apigw's REPORT lines"; }
		done
	done
fi
((bad)) || echo "errors: none (every response was 2xx with the expected body, no socket errors)"
[[ -n $THROTTLE_LINE ]] && echo "a throttled request in apigw's log: $(cut -c1-300 <<<"$THROTTLE_LINE")"
if ((${#NOISY_RUNS[@]} > 0)); then
	echo "NOISE: other work used >= 5% of the host during ${#NOISY_RUNS[@]} of $RUN_SEQ run(s):"
	printf '  %s\n' "${NOISY_RUNS[@]}"
else
	echo "noise: other work used < 5% of the host in every run"
fi
if ((${#STOP_PROBLEMS[@]} > 0)); then
	echo "STOPPING apigw (${#STOP_PROBLEMS[@]} problem(s) over $((COLD_RUNS + 1)) stops):"
	printf '  %s\n' "${STOP_PROBLEMS[@]}"
else
	echo "stopping apigw: $((COLD_RUNS + 1)) SIGTERMs, each ended apigw and its runtimes and left nothing in its temp dir"
fi
if ((${#GONE_RUNS[@]} > 0)); then
	echo "PROCESSES: ${#GONE_RUNS[@]} run(s) lost a process of apigw's tree between the CPU snapshots:"
	printf '  %s\n' "${GONE_RUNS[@]}"
fi
echo "apigw output during the warm runs: $WARM_LOG_LINES lines, $WARM_LOG_BYTES bytes (START/END/REPORT per invocation)"
if [[ -s $TMP/apigw-other.log ]]; then
	echo "  its other lines (not START/END/REPORT, not throttles), last ones:"
	tail -n 8 "$TMP/apigw-other.log" | cut -c1-300 | sed 's/^/    /'
fi
