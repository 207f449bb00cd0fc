#!/usr/bin/env bash
# bench/run.sh: apigw's HTTP_PROXY hot path (a REST API route, and an HTTP API route
# as httpapi) against nginx and against the backend called directly, side by side in
# one run on this machine. See bench/README.md.
#
#   bash bench/run.sh                      # 3 rounds x 10 s at -c64, 3 rounds x 5 s at -c1
#   DURATION=30 ROUNDS=5 bash bench/run.sh
#   VERBOSE=1 bash bench/run.sh | tee bench/results/$(date -u +%F)-$(hostname).txt
#
# Environment (all optional):
#   DURATION=10        seconds per measured throughput run (wrk -d)
#   ROUNDS=3           throughput rounds; each round runs direct, nginx, apigw in turn
#   CONNS=64           wrk connections for the throughput runs (wrk -c)
#   THREADS=2          wrk threads (wrk -t); clamped to CONNS
#   LAT_DURATION=5     seconds per -c1 latency run
#   LAT_ROUNDS=ROUNDS  -c1 latency rounds (0 skips them)
#   WARMUP=2           seconds of unrecorded load on each target before the rounds
#   NGINX_WORKERS=auto nginx worker_processes (auto = one per core; see README)
#   APIGW_FLAGS=       extra flags for `apigw serve`, split on spaces
#   APIGW_BIN=         use this apigw binary instead of building ./cmd/apigw
#   IDLE_MAX=10        before each run, wait until the host is at most this % busy
#   IDLE_TIMEOUT=600   ... but no longer than this many seconds per run (then measure anyway)
#   NOISE_MAX=5        a run during which other processes used >= this % of the host ...
#   NOISE_RETRIES=2    ... is measured again, up to this many times (the last one is kept)
#   VERBOSE=0          1 prints every wrk output in full
#   KEEP_TMP=0         1 keeps the temp dir (binaries, configs, logs, wrk outputs)
#
# Everything listens on 127.0.0.1 only and is stopped on exit.
set -euo pipefail

DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
LAT_DURATION=${LAT_DURATION:-5}
LAT_ROUNDS=${LAT_ROUNDS:-$ROUNDS}
WARMUP=${WARMUP:-2}
NGINX_WORKERS=${NGINX_WORKERS:-auto}
APIGW_FLAGS=${APIGW_FLAGS:-}
APIGW_BIN=${APIGW_BIN:-}
IDLE_MAX=${IDLE_MAX:-10}
IDLE_TIMEOUT=${IDLE_TIMEOUT:-600}
NOISE_MAX=${NOISE_MAX:-5}
NOISE_RETRIES=${NOISE_RETRIES:-2}
VERBOSE=${VERBOSE:-0}
KEEP_TMP=${KEEP_TMP:-0}

DURATION=${DURATION%s}
LAT_DURATION=${LAT_DURATION%s}
WARMUP=${WARMUP%s}

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TEMPLATE=$REPO/bench/template.yaml
HOST=127.0.0.1
TARGETS=(direct nginx apigw httpapi)

log() { printf '%s\n' "$*" >&2; }
die() { log "run.sh: $*"; exit 1; }

for v in DURATION ROUNDS CONNS THREADS LAT_DURATION LAT_ROUNDS WARMUP IDLE_MAX IDLE_TIMEOUT NOISE_MAX NOISE_RETRIES; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number (got '${!v}')"
done
((DURATION > 0 && ROUNDS > 0 && CONNS > 0 && THREADS > 0)) || die "DURATION, ROUNDS, CONNS and THREADS must be > 0"
((THREADS <= CONNS)) || THREADS=$CONNS
[[ $NGINX_WORKERS == auto || $NGINX_WORKERS =~ ^[1-9][0-9]*$ ]] || die "NGINX_WORKERS must be auto or a number"

# ---------------------------------------------------------------- dependencies
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
	command -v sudo >/dev/null && SUDO=(sudo)
fi
APT_UPDATED=0
POLICY_RC_CREATED=0
apt_install() {
	command -v apt-get >/dev/null || die "missing $*, and no apt-get to install it; install it yourself"
	if [[ $(id -u) -ne 0 && ${#SUDO[@]} -eq 0 ]]; then
		die "missing $*; run as root or install it yourself"
	fi
	# Keep the package's own service (nginx on :80) from being started by its
	# postinst: this script runs its own nginx. Only if no policy exists yet.
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
		"${SUDO[@]}" chmod 755 /usr/sbin/policy-rc.d
		POLICY_RC_CREATED=1
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
NGINX=$(command -v nginx || true)
[[ -n $NGINX ]] || { [[ -x /usr/sbin/nginx ]] && NGINX=/usr/sbin/nginx; }
if [[ -z $NGINX ]]; then
	apt_install nginx-light || apt_install nginx
	NGINX=$(command -v nginx || echo /usr/sbin/nginx)
fi
[[ -x $NGINX ]] || die "nginx not found after install"

# ---------------------------------------------------------------- processes
TMP=$(mktemp -d "${TMPDIR:-/tmp}/apigw-bench.XXXXXX")
PIDS=()

pids_of_children() { # PARENT_PID -> child pids, one a line
	local f stat rest
	local -a fl
	for f in /proc/[0-9]*/stat; do
		{ stat=$(<"$f"); } 2>/dev/null || continue
		rest=${stat##*) }
		read -r -a fl <<<"$rest"
		[[ ${fl[1]} == "$1" ]] && { f=${f#/proc/}; echo "${f%/stat}"; }
	done
	return 0
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	local -a all=("${PIDS[@]}")
	[[ -n ${NGINX_PID:-} ]] && mapfile -t -O "${#all[@]}" all < <(pids_of_children "$NGINX_PID")
	((${#all[@]} > 0)) && stop_pids "${all[@]}"
	if ((POLICY_RC_CREATED)); then "${SUDO[@]}" rm -f /usr/sbin/policy-rc.d || true; fi
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
free_port; NGINX_PORT=$PORT
free_port; APIGW_PORT=$PORT
free_port; ADMIN_PORT=$PORT
BACKEND_URL=http://$HOST:$BACKEND_PORT

"$TMP/backend" -host "$HOST" -port "$BACKEND_PORT" >"$TMP/backend.log" 2>&1 &
BACKEND_PID=$!
PIDS+=("$BACKEND_PID")
wait_http backend "$BACKEND_PID" "$BACKEND_URL/items/abc" "$TMP/backend.log" || die "backend did not start"

mkdir -p "$TMP/nginx"
NGINX_USER=""
[[ $(id -u) -eq 0 ]] && NGINX_USER="user root;"
cat >"$TMP/nginx/nginx.conf" <<EOF
# generated by bench/run.sh
$NGINX_USER
worker_processes $NGINX_WORKERS;
daemon off;
master_process on;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events {
    worker_connections 4096;
}
http {
    access_log off;
    client_body_temp_path $TMP/nginx/client_body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    keepalive_requests 1000000;
    keepalive_timeout 75s;

    upstream backend {
        server $HOST:$BACKEND_PORT;
        keepalive 256;
        keepalive_requests 1000000;
        keepalive_timeout 75s;
    }
    server {
        listen $HOST:$NGINX_PORT;
        # The same work as apigw's stage mapping: /prod/items/X -> backend /items/X.
        location /prod/items/ {
            proxy_pass http://backend/items/;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
"$NGINX" -t -q -p "$TMP/nginx/" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf" || die "nginx config test failed"
"$NGINX" -p "$TMP/nginx/" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf" >"$TMP/nginx/stdout.log" 2>&1 &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
wait_http nginx "$NGINX_PID" "http://$HOST:$NGINX_PORT/prod/items/abc" "$TMP/nginx/error.log" || die "nginx did not start"

read -r -a EXTRA_FLAGS <<<"$APIGW_FLAGS"
"$TMP/apigw" serve --addr "$HOST:$APIGW_PORT" --admin-addr "$HOST:$ADMIN_PORT" \
	--param "BackendUrl=$BACKEND_URL" "${EXTRA_FLAGS[@]}" "$TEMPLATE" >"$TMP/apigw.log" 2>&1 &
APIGW_PID=$!
PIDS+=("$APIGW_PID")
wait_http apigw "$APIGW_PID" "http://$HOST:$APIGW_PORT/prod/items/abc" "$TMP/apigw.log" || die "apigw did not start"
wait_http httpapi "$APIGW_PID" "http://$HOST:$APIGW_PORT/items/abc" "$TMP/apigw.log" || die "apigw's HTTP API did not start"

declare -A URL=(
	[direct]="http://$HOST:$BACKEND_PORT/items/abc"
	[nginx]="http://$HOST:$NGINX_PORT/prod/items/abc"
	[apigw]="http://$HOST:$APIGW_PORT/prod/items/abc"
	[httpapi]="http://$HOST:$APIGW_PORT/items/abc"
)
for t in "${TARGETS[@]}"; do
	[[ ${URL[$t]} == "http://$HOST:"* ]] || die "refusing non-loopback target ${URL[$t]}"
done

# ---------------------------------------------------------------- checks
WANT=$(curl -s "${URL[direct]}")
CHECK_FAILED=0
for t in "${TARGETS[@]}"; do
	: >"$TMP/check-$t.headers"
	: >"$TMP/check-$t.body"
	curl -s -D "$TMP/check-$t.headers" -o "$TMP/check-$t.body" "${URL[$t]}" || true
	status=$(head -n 1 "$TMP/check-$t.headers" | tr -d '\r') || true
	if [[ $status == *" 200"* && $(<"$TMP/check-$t.body") == "$WANT" ]]; then
		log "check $t: $status, body matches the backend's"
	else
		CHECK_FAILED=1
		log "check $t: WRONG ANSWER: $status; body: $(head -c 300 "$TMP/check-$t.body")"
	fi
done

# ---------------------------------------------------------------- measuring
CLK_TCK=$(getconf CLK_TCK)

ticks_of() { # PID... -> utime+stime summed, in clock ticks
	local total=0 pid stat rest
	local -a fl
	for pid in "$@"; do
		{ stat=$(<"/proc/$pid/stat"); } 2>/dev/null || continue
		rest=${stat##*) }
		read -r -a fl <<<"$rest"
		total=$((total + fl[11] + fl[12]))
	done
	echo "$total"
}
proxy_pids() { # TARGET -> pids whose CPU counts as the proxy's
	case $1 in
	nginx) echo "$NGINX_PID"; pids_of_children "$NGINX_PID" ;;
	apigw | httpapi) echo "$APIGW_PID" ;;
	esac
}
host_stat() { # -> "proc irq idle" jiffies of all cores from /proc/stat
	# proc: user+nice+system+steal; irq: irq+softirq; idle: idle+iowait
	local -a c
	read -r -a c </proc/stat
	echo "$((c[1] + c[2] + c[3] + c[8])) $((c[6] + c[7])) $((c[4] + c[5]))"
}
children_ticks() { # VAR: set VAR to the CPU of this shell's waited-for children (wrk), in clock ticks
	# `times` must run in this shell, not in a $(...) subshell, whose counters start at zero.
	{ times; } >"$TMP/times"
	printf -v "$1" '%s' "$(awk -v hz="$CLK_TCK" 'function s(v) { split(v, a, "m"); sub(/s$/, "", a[2]); return a[1] * 60 + a[2] }
		NR == 2 { printf "%d\n", (s($1) + s($2)) * hz + 0.5 }' "$TMP/times")"
}
# The kernel's softirq threads do part of the loopback network work of a run:
# counted with our processes, not as other work.
mapfile -t KSOFTIRQD_PIDS < <(for f in /proc/[0-9]*/comm; do
	[[ $(<"$f") == ksoftirqd/* ]] 2>/dev/null && { f=${f#/proc/}; echo "${f%/comm}"; }
done; true)
all_server_pids() { # backend, apigw, nginx master and workers, ksoftirqd
	printf '%s\n' "${KSOFTIRQD_PIDS[@]}"
	echo "$BACKEND_PID"
	echo "$APIGW_PID"
	echo "$NGINX_PID"
	pids_of_children "$NGINX_PID"
}
# wait_idle: before each run, wait until the host (our servers idle) is quiet, so
# that other work on the machine does not share the cores with the measurement.
IDLE_WAITED_TOTAL=0
wait_idle() {
	local -a a b
	local busy waited=0
	while :; do
		read -r -a a < <(host_stat)
		sleep 1
		read -r -a b < <(host_stat)
		busy=$(awk -v p=$((b[0] - a[0] + b[1] - a[1])) -v i=$((b[2] - a[2])) \
			'BEGIN { if (p + i == 0) print 0; else printf "%.0f", 100 * p / (p + i) }')
		((busy <= IDLE_MAX)) && break
		if ((waited >= IDLE_TIMEOUT)); then
			log "host still ${busy}% busy after waiting ${waited}s; measuring anyway (see the 'other' column)"
			break
		fi
		((waited % 30 == 0)) && log "host ${busy}% busy with other work; waiting for it to settle (IDLE_MAX=$IDLE_MAX%)"
		sleep 2
		waited=$((waited + 3))
	done
	IDLE_WAITED_TOTAL=$((IDLE_WAITED_TOTAL + waited))
}

# parse_wrk FILE -> "rps p50_us p99_us requests non2xx socket_errors"
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
	BEGIN { rps = "nan"; p50 = "nan"; p99 = "nan"; req = 0; non2xx = 0; serr = 0 }
	/^ +50%/ { p50 = us($2) }
	/^ +99%/ { p99 = us($2) }
	/ requests in / { req = $1 }
	/^Requests\/sec:/ { rps = $2 }
	/Non-2xx or 3xx responses:/ { non2xx = $NF }
	/Socket errors:/ { gsub(/,/, ""); serr = $4 + $6 + $8 + $10 }
	END { printf "%s %s %s %s %d %d\n", rps, p50, p99, req, non2xx, serr }' "$1"
}

declare -A R # R[phase:target:round:field]
RUN_SEQ=0

# measure PHASE TARGET ROUND THREADS CONNS SECONDS: one run, repeated (up to
# NOISE_RETRIES times) while other work on the host took >= NOISE_MAX % of it.
declare -A DISCARDED_ERRORS
measure() {
	local attempt k=$1:$2:$3 other
	for ((attempt = 0; ; attempt++)); do
		measure_once "$@"
		other=${R[$k:other]}
		[[ $other == nan ]] && break
		((other < NOISE_MAX || attempt >= NOISE_RETRIES)) && break
		echo "         ^ discarded: other work took $other% of the host (NOISE_MAX=$NOISE_MAX%); measuring again"
		local prev=${DISCARDED_ERRORS[$2]:-0} n2=${R[$k:non2xx]} se=${R[$k:serr]}
		DISCARDED_ERRORS[$2]=$((prev + n2 + se))
	done
	if [[ $other != nan ]] && ((other >= NOISE_MAX)); then NOISY_RUNS+=("$1 round $3 $2: other $other%"); fi
	return 0
}
measure_once() {
	local phase=$1 t=$2 round=$3 threads=$4 conns=$5 secs=$6
	local out b_before p_before b_after p_after s_before s_after w_before w_after
	local -a pp sp parsed hb ha
	wait_idle
	RUN_SEQ=$((RUN_SEQ + 1))
	out=$TMP/wrk-$(printf '%03d' "$RUN_SEQ")-$phase-$t-r$round.txt
	mapfile -t pp < <(proxy_pids "$t")
	mapfile -t sp < <(all_server_pids)
	b_before=$(ticks_of "$BACKEND_PID")
	p_before=$(ticks_of "${pp[@]}")
	s_before=$(ticks_of "${sp[@]}")
	read -r -a hb < <(host_stat)
	children_ticks w_before
	wrk --latency -t"$threads" -c"$conns" -d"${secs}s" "${URL[$t]}" >"$out" 2>&1 || {
		log "wrk failed against $t:"; cat "$out" >&2; exit 1
	}
	children_ticks w_after
	read -r -a ha < <(host_stat)
	b_after=$(ticks_of "$BACKEND_PID")
	p_after=$(ticks_of "${pp[@]}")
	s_after=$(ticks_of "${sp[@]}")
	read -r -a parsed < <(parse_wrk "$out")
	local k=$phase:$t:$round
	R[$k:rps]=${parsed[0]}
	R[$k:p50]=${parsed[1]}
	R[$k:p99]=${parsed[2]}
	R[$k:req]=${parsed[3]}
	R[$k:non2xx]=${parsed[4]}
	R[$k:serr]=${parsed[5]}
	# CPU microseconds per request; the direct target has no proxy.
	R[$k:pcpu]=$(awk -v d=$((p_after - p_before)) -v hz="$CLK_TCK" -v n="${parsed[3]}" -v t="$t" \
		'BEGIN { if (t == "direct" || n == 0) print "nan"; else printf "%.1f", d * 1e6 / hz / n }')
	R[$k:bcpu]=$(awk -v d=$((b_after - b_before)) -v hz="$CLK_TCK" -v n="${parsed[3]}" \
		'BEGIN { if (n == 0) print "nan"; else printf "%.1f", d * 1e6 / hz / n }')
	# host busy: all cores, % of the run; other: CPU used by processes other than
	# wrk, our servers and ksoftirqd (and steal), % of all cores: the noise in this run.
	# Per-process times include the softirq work done in their context, which
	# /proc/stat counts apart, hence p + q.
	local dp=$((ha[0] - hb[0])) dq=$((ha[1] - hb[1])) di=$((ha[2] - hb[2]))
	local ours=$((s_after - s_before + w_after - w_before))
	R[$k:busy]=$(awk -v p=$dp -v q=$dq -v i=$di 'BEGIN { if (p + q + i == 0) print "nan"; else printf "%.0f", 100 * (p + q) / (p + q + i) }')
	R[$k:other]=$(awk -v p=$dp -v q=$dq -v i=$di -v o="$ours" \
		'BEGIN { x = p + q - o; if (x < 0) x = 0; if (p + q + i == 0) print "nan"; else printf "%.0f", 100 * x / (p + q + i) }')
	if [[ $VERBOSE == 1 ]]; then
		echo "---- $phase round $round: $t ($out)"
		cat "$out"
	fi
	printf '%-8s round %d  %-6s %9s req/s  p50 %6s us  p99 %6s us  non-2xx %s  sock-err %s  proxy %s us/req  backend %s us/req  host busy %s%%  other %s%%\n' \
		"$phase" "$round" "$t" "${R[$k:rps]}" "${R[$k:p50]}" "${R[$k:p99]}" "${R[$k:non2xx]}" "${R[$k:serr]}" \
		"${R[$k:pcpu]}" "${R[$k:bcpu]}" "${R[$k:busy]}" "${R[$k:other]}"
	return 0
}
NOISY_RUNS=()

median() { # numbers... -> median ("nan" ignored)
	printf '%s\n' "$@" | sort -g | awk '$1 != "nan" && $1 != "" { v[++n] = $1 }
		END { if (n == 0) print "nan"; else if (n % 2) print v[(n + 1) / 2]; else print (v[n / 2] + v[n / 2 + 1]) / 2 }'
}
med() { # PHASE TARGET FIELD ROUNDS
	local -a vals=()
	local r
	for ((r = 1; r <= $4; r++)); do vals+=("${R[$1:$2:$r:$3]}"); done
	median "${vals[@]}"
}
total() { # PHASE TARGET FIELD ROUNDS
	local r s=0
	for ((r = 1; r <= $4; r++)); do s=$((s + ${R[$1:$2:$r:$3]})); done
	echo "$s"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }
diff_us() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan") print "n/a"; else printf "%+.0f us", a - b }'; }

# ---------------------------------------------------------------- the run
git_rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo "no commit")
git_dirty=$(git -C "$REPO" status --porcelain 2>/dev/null | wc -l || echo "?")
wrk_version=$(wrk -v 2>&1 | head -n 1 | awk '{ print $1, $2 }') || true
nginx_version=$("$NGINX" -v 2>&1 | sed 's/^nginx version: //') || true
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo) || true
nginx_workers_running=$(pids_of_children "$NGINX_PID" | wc -l)

echo "apigw benchmark, bench/run.sh"
echo "date:      $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "host:      nproc=$(nproc), $cpu_model, Linux $(uname -r), $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
echo "software:  $(go version | awk '{ print $3 }'), $nginx_version ($nginx_workers_running worker(s), worker_processes $NGINX_WORKERS), $wrk_version"
echo "apigw:     $git_rev ($git_dirty uncommitted paths), flags: ${APIGW_FLAGS:-none}; env GOGC=${GOGC:-unset} GOMAXPROCS=${GOMAXPROCS:-unset} GOMEMLIMIT=${GOMEMLIMIT:-unset}"
echo "targets:   direct ${URL[direct]}"
echo "           nginx  ${URL[nginx]}"
echo "           apigw  ${URL[apigw]} (REST API)"
echo "           httpapi ${URL[httpapi]} (HTTP API, the same apigw)"
echo "plan:      warm-up ${WARMUP}s each; $ROUNDS x ${DURATION}s at wrk -t$THREADS -c$CONNS; $LAT_ROUNDS x ${LAT_DURATION}s at -t1 -c1; order direct, nginx, apigw, httpapi in every round"
echo "body:      $(printf '%s' "$WANT" | wc -c) bytes + newline: $WANT"
((CHECK_FAILED)) && echo "WARNING:   a target answered the check request wrongly (see above); its figures are not a pass-through"
echo

if ((WARMUP > 0)); then
	wait_idle
	for t in "${TARGETS[@]}"; do
		wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" "${URL[$t]}" >"$TMP/warmup-$t.txt" 2>&1 || true
	done
fi

for ((r = 1; r <= ROUNDS; r++)); do
	for t in "${TARGETS[@]}"; do measure tput "$t" "$r" "$THREADS" "$CONNS" "$DURATION"; done
done
for ((r = 1; r <= LAT_ROUNDS; r++)); do
	for t in "${TARGETS[@]}"; do measure latency "$t" "$r" 1 1 "$LAT_DURATION"; done
done

# ---------------------------------------------------------------- summary
echo
echo "== Throughput: wrk --latency -t$THREADS -c$CONNS -d${DURATION}s, median of $ROUNDS rounds =="
printf '%-7s %10s %9s %9s %9s %9s %15s %17s %10s %6s\n' target req/s "p50 us" "p99 us" non-2xx sock-err "proxy CPU/req" "backend CPU/req" "host busy" other
declare -A M
for t in "${TARGETS[@]}"; do
	for f in rps p50 p99 pcpu bcpu busy other; do M[$t:$f]=$(med tput "$t" "$f" "$ROUNDS"); done
	M[$t:non2xx]=$(total tput "$t" non2xx "$ROUNDS")
	M[$t:serr]=$(total tput "$t" serr "$ROUNDS")
	M[$t:req]=$(total tput "$t" req "$ROUNDS")
	pc=${M[$t:pcpu]}
	if [[ $pc == nan ]]; then pc=-; else pc="$pc us"; fi
	printf '%-7s %10.0f %9.0f %9.0f %9s %9s %15s %17s %9s%% %5s%%\n' "$t" "${M[$t:rps]}" "${M[$t:p50]}" "${M[$t:p99]}" \
		"${M[$t:non2xx]}" "${M[$t:serr]}" "$pc" "${M[$t:bcpu]} us" "${M[$t:busy]}" "${M[$t:other]}"
done
echo "(non-2xx and sock-err: totals over all rounds; CPU: utime+stime from /proc per request, nginx = master + workers;"
echo " other: CPU of processes other than wrk, these servers and ksoftirqd, % of all cores: the noise in the run)"
echo
echo "req/s ratios:  apigw/direct $(ratio "${M[apigw:rps]}" "${M[direct:rps]}")   apigw/nginx $(ratio "${M[apigw:rps]}" "${M[nginx:rps]}")   nginx/direct $(ratio "${M[nginx:rps]}" "${M[direct:rps]}")"
echo "               httpapi/nginx $(ratio "${M[httpapi:rps]}" "${M[nginx:rps]}")   httpapi/apigw $(ratio "${M[httpapi:rps]}" "${M[apigw:rps]}")"
echo "p99 added:     apigw over direct $(diff_us "${M[apigw:p99]}" "${M[direct:p99]}")   apigw over nginx $(diff_us "${M[apigw:p99]}" "${M[nginx:p99]}")   nginx over direct $(diff_us "${M[nginx:p99]}" "${M[direct:p99]}")"
echo "CPU/request:   apigw ${M[apigw:pcpu]} us   httpapi ${M[httpapi:pcpu]} us   nginx ${M[nginx:pcpu]} us   apigw/nginx $(ratio "${M[apigw:pcpu]}" "${M[nginx:pcpu]}")"

if ((LAT_ROUNDS > 0)); then
	echo
	echo "== Latency: wrk --latency -t1 -c1 -d${LAT_DURATION}s, median of $LAT_ROUNDS rounds =="
	printf '%-7s %10s %9s %9s %9s %9s\n' target req/s "p50 us" "p99 us" non-2xx sock-err
	for t in "${TARGETS[@]}"; do
		for f in rps p50 p99; do M[l:$t:$f]=$(med latency "$t" "$f" "$LAT_ROUNDS"); done
		printf '%-7s %10.0f %9.0f %9.0f %9s %9s\n' "$t" "${M[l:$t:rps]}" "${M[l:$t:p50]}" "${M[l:$t:p99]}" \
			"$(total latency "$t" non2xx "$LAT_ROUNDS")" "$(total latency "$t" serr "$LAT_ROUNDS")"
	done
	echo
	echo "added per request (p50 / p99):"
	echo "  apigw over direct  $(diff_us "${M[l:apigw:p50]}" "${M[l:direct:p50]}") / $(diff_us "${M[l:apigw:p99]}" "${M[l:direct:p99]}")"
	echo "  nginx over direct  $(diff_us "${M[l:nginx:p50]}" "${M[l:direct:p50]}") / $(diff_us "${M[l:nginx:p99]}" "${M[l:direct:p99]}")"
	echo "  apigw over nginx   $(diff_us "${M[l:apigw:p50]}" "${M[l:nginx:p50]}") / $(diff_us "${M[l:apigw:p99]}" "${M[l:nginx:p99]}")"
	echo "  httpapi over nginx $(diff_us "${M[l:httpapi:p50]}" "${M[l:nginx:p50]}") / $(diff_us "${M[l:httpapi:p99]}" "${M[l:nginx:p99]}")"
fi

echo
bad=0
for t in "${TARGETS[@]}"; do
	n=$(($(total tput "$t" non2xx "$ROUNDS") + $(total latency "$t" non2xx "$LAT_ROUNDS")))
	e=$(($(total tput "$t" serr "$ROUNDS") + $(total latency "$t" serr "$LAT_ROUNDS")))
	if ((n + e > 0)); then
		bad=1
		echo "ERRORS: $t answered $n non-2xx/3xx responses and had $e socket errors"
	fi
	if ((${DISCARDED_ERRORS[$t]:-0} > 0)); then
		bad=1
		echo "ERRORS: $t had ${DISCARDED_ERRORS[$t]} non-2xx/3xx responses and socket errors in discarded (noisy) runs"
	fi
done
((bad)) || echo "errors: none (every response was 2xx/3xx, no socket errors)"
if ((${#NOISY_RUNS[@]} > 0)); then
	echo "NOISE: other work used >= $NOISE_MAX% of the host during ${#NOISY_RUNS[@]} kept run(s):"
	printf '  %s\n' "${NOISY_RUNS[@]}"
else
	echo "noise: other work used < $NOISE_MAX% of the host in every kept run"
fi
if ((IDLE_WAITED_TOTAL > 0)); then echo "waited ${IDLE_WAITED_TOTAL}s in all for other work on the host to settle"; fi
echo "apigw output during the run: $(wc -l <"$TMP/apigw.log") lines, $(wc -c <"$TMP/apigw.log") bytes"
if [[ -s $TMP/apigw.log ]]; then
	echo "  last lines:"
	tail -n 5 "$TMP/apigw.log" | cut -c1-300 | sed 's/^/    /'
fi
if [[ -s $TMP/nginx/error.log ]]; then
	echo "nginx error.log (last lines):"
	tail -n 5 "$TMP/nginx/error.log" | cut -c1-300 | sed 's/^/    /'
fi
