# shellcheck shell=bash disable=SC2034  # PORT and the port range are for the scripts that source this
# Helpers the benchmarks source (bench/run.sh, bench/lambda, bench/access, bench/cache). They
# expect HOST and the functions log and die to be defined first.

# Free loopback ports below the ephemeral range, so that they cannot collide
# with the local ports of the benchmark's own outgoing connections.
read -r EPH_LO _ </proc/sys/net/ipv4/ip_local_port_range
PORT_LO=10000
PORT_HI=$((EPH_LO > 12000 ? EPH_LO - 1 : 30000))
USED_PORTS=" "
free_port() { # sets PORT
	local p i
	for ((i = 0; i < 500; i++)); do
		p=$((PORT_LO + (RANDOM * 32768 + RANDOM) % (PORT_HI - PORT_LO)))
		[[ $USED_PORTS == *" $p "* ]] && continue
		(exec 3<>"/dev/tcp/$HOST/$p") 2>/dev/null && continue
		if command -v ss >/dev/null && [[ -n $(ss -Htln "sport = :$p" 2>/dev/null) ]]; then continue; fi
		USED_PORTS+="$p "
		PORT=$p
		return 0
	done
	die "found no free loopback port"
}

wait_http() { # NAME PID URL LOGFILE: wait until URL answers with any HTTP status
	local name=$1 pid=$2 url=$3 logf=$4 code i
	for ((i = 0; i < 300; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			log "$name exited before answering; its output:"
			tail -n 40 "$logf" >&2 || true
			return 1
		fi
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)
		[[ $code != 000 ]] && return 0
		sleep 0.1
	done
	log "$name did not answer $url within 30 s; its output:"
	tail -n 40 "$logf" >&2 || true
	return 1
}

stop_pids() { # PID...: TERM, wait up to 5 s, KILL; sets KILLED to the number it had to KILL
	local pid i alive
	KILLED=0
	for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
	for ((i = 0; i < 50; i++)); do
		alive=0
		for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
		((alive)) || break
		sleep 0.1
	done
	for pid in "$@"; do kill -9 "$pid" 2>/dev/null && KILLED=$((KILLED + 1)); done
	for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
	return 0
}

wrk_summary() { # WRK_OUTPUT: prints "req/s p99_us non2xx" of one wrk --latency run
	python3 - "$1" <<'PY'
import re, sys
out = sys.argv[1]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
m = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
p99 = float(m.group(1)) * {"us": 1, "ms": 1000, "s": 1e6}[m.group(2)]
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
print(f"{rps:.0f} {p99:.0f} {bad.group(1) if bad else 0}")
PY
}
