#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# carbon-nodemeter against a Redfish double (tests/fixtures/redfish_double.py)
# at a known power, over HTTPS with a certificate made here and over plain
# HTTP: the published energy is power x time within 1 %, from
# EnvironmentMetrics' energy counter, its power, and the deprecated Power
# resource. A BMC that answers slowly or not at all holds no reading past
# the timeout, the state file shows the staleness, and no energy is counted
# for the outage (the count starts again); garbage and HTTP 500 are logged
# once, clearly, and the daemon goes on. No Slurm needed. Run as root (the
# daemon trusts a root-owned carbon.conf only). Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

nodemeter=$builddir/plugin/carbon-nodemeter
double=$top/tests/fixtures/redfish_double.py
watts=350
dir=$(mktemp -d "${TMPDIR:-/tmp}/carbon-nodemeter.XXXXXX")
state=$dir/run/node_energy
double_pid=
daemon_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2> /dev/null
	[ -n "$double_pid" ] && kill "$double_pid" 2> /dev/null
	wait 2> /dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

# start_double [--tls CERT KEY]: the double on a free port, in $port.
start_double() {
	rm -f "$dir/port"
	python3 "$double" --port-file "$dir/port" --mode-file "$dir/mode" \
		--watts "$watts" "$@" 2>> "$dir/double.log" &
	double_pid=$!
	for _ in $(seq 50); do [ -s "$dir/port" ] && break; sleep 0.1; done
	port=$(cat "$dir/port")
}
stop_double() { kill "$double_pid"; wait "$double_pid" 2> /dev/null; double_pid=; }
mode() { echo "$1" > "$dir/mode"; }

# conf URL [LINE...]: carbon.conf for the daemon, interval 1 s, timeout 0.5 s.
conf() {
	local url=$1
	shift
	{
		printf '[node]\nmeter = redfish\ninterval = 1\nredfish_timeout = 0.5\n'
		printf 'redfish_url = %s\nstate_file = %s\n' "$url" "$state"
		(($#)) && printf '%s\n' "$@"
	} > "$dir/carbon.conf"
	chmod 0644 "$dir/carbon.conf"
}

start_daemon() {
	rm -f "$state"
	: > "$dir/daemon.log"
	"$nodemeter" --config "$dir/carbon.conf" --no-syslog 2>> "$dir/daemon.log" &
	daemon_pid=$!
}
# stop_daemon: SIGTERM; true when it was running and stopped within 2 s
# with status 0.
stop_daemon() {
	local i
	kill "$daemon_pid" 2> /dev/null || { daemon_pid=; return 1; }
	for i in $(seq 20); do
		kill -0 "$daemon_pid" 2> /dev/null || break
		sleep 0.1
	done
	kill -0 "$daemon_pid" 2> /dev/null && return 1
	wait "$daemon_pid"
	local rc=$?
	daemon_pid=
	return $rc
}
# st NAME [FIELD]: a field of the state file's line NAME (default the value).
st() { awk -v k="$1" -v f="${2:-2}" '$1 == k { print $f; exit }' "$state" 2> /dev/null; }
now_us() { date +%s%6N; }
# energy_matches: the count since startup is watts x (time - startup), 1 %.
energy_matches() {
	local e t s want
	e=$(st energy) t=$(st energy 4) s=$(st startup)
	want=$(awk -v w="$watts" -v t="$t" -v s="$s" 'BEGIN { printf "%.3f", w * (t - s) / 1e6 }')
	echo "# energy $e J over $(((t - s) / 1000)) ms; $watts W x time = $want J"
	within 1 "$e" "$want"
}
log_has() { grep -q -- "$1" "$dir/daemon.log"; }
log_count() { grep -c -- "$1" "$dir/daemon.log"; }

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP carbon-nodemeter trusts a root-owned carbon.conf: run as root"
	exit 0
fi
echo "1..24"

# --- HTTPS: a self-signed certificate for 127.0.0.1, given as the CA -------
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$dir/key.pem" -out "$dir/cert.pem" \
	> /dev/null 2>&1
mode normal
start_double --tls "$dir/cert.pem" "$dir/key.pem"
conf "https://127.0.0.1:$port"
"$nodemeter" --config "$dir/carbon.conf" --no-syslog --once > "$dir/once.out" 2> "$dir/once.err"
check "https without the certificate's CA: refused, and the log says why ($(cat "$dir/once.err"))" \
	grep -q -i "certificate" "$dir/once.err"
conf "https://127.0.0.1:$port" "redfish_ca_file = $dir/cert.pem"
start_daemon
sleep 5.5
check "https: a state file, status ok, meter redfish" \
	test "$(st status)" = ok -a "$(st meter)" = redfish
check "https: read from EnvironmentMetrics' energy counter (EnergykWh)" \
	log_has "(EnvironmentMetrics EnergykWh)"
check "https: energy = $watts W x time since startup, within 1 %" energy_matches
check "the state file is replaced whole, root's, mode 0644" \
	test "$(stat -c '%u %a' "$state")" = "0 644" -a ! -e "$state.tmp"
check "SIGTERM stops it at once, with status 0" stop_daemon
stop_double

# --- plain HTTP: PowerWatts only, then the deprecated Power resource --------
start_double
conf "http://127.0.0.1:$port"
for m in power legacy; do
	mode "$m"
	start_daemon
	sleep 4.5
	check "http, $m: energy = $watts W x time since startup, within 1 % ($(st status))" energy_matches
	check "http, $m: read by power alone, the state file's method word is redfish_power ($(st meter))" \
		test "$(st meter)" = redfish_power
	stop_daemon
done
check "the legacy chassis was read through its Power resource" \
	grep -q "Chassis/1/Power legacy" "$dir/double.log"

# --- a BMC that answers slowly, then not at all, then again -----------------
mode normal
start_daemon
sleep 3.5
e0=$(st energy) t0=$(st energy 4) s0=$(st startup) f0=$(st freshness)
mode slow:5
sleep 3.5
check "slow: the reading's timeout holds (status: $(st status | cut -c1-60)...)" \
	log_has "no answer within the timeout"
check "slow: no reading is published and no energy counted while it lasts" \
	test "$(st energy)" = "$e0" -a "$(st energy 4)" = "$t0" -a "$(st freshness)" = "$f0"
stale=$(($(now_us) - $(st energy 4)))
check "slow: the state file shows it is stale (last reading $((stale / 1000)) ms ago, interval 1 s)" \
	test "$stale" -gt 2000000
mode silent
sleep 3
check "silent: still no energy counted, still stale" \
	test "$(st energy)" = "$e0" -a $(($(now_us) - $(st energy 4))) -gt 2000000
age=$(($(date +%s) - $(stat -c %Y "$state")))
check "silent: the daemon keeps its schedule (state rewritten ${age} s ago) and logs the error once" \
	test "$age" -le 1 -a "$(log_count "no answer within the timeout")" = 1
mode normal
sleep 3.5
check "after the outage: a new count (startup $s0 -> $(st startup)), status $(st status)" \
	test "$(st startup)" -gt "$s0" -a "$(st status)" = ok
check "after the outage: nothing invented, the new count is $watts W x time since its startup" \
	energy_matches
check "the restart is logged" log_has "starts again from 0"
check "SIGTERM after the outage stops it at once" stop_daemon

# --- garbage and HTTP 500 ----------------------------------------------------
for m in garbage error; do
	mode "$m"
	start_daemon
	sleep 3.5
	case $m in
	garbage) what="is not JSON" ;;
	error) what="HTTP 500" ;;
	esac
	check "$m: a clear log line, once for $(grep -c "Chassis $m" "$dir/double.log") answers ($(head -n 1 "$dir/daemon.log"))" \
		test "$(log_count "$what")" = 1
	check "$m: no crash; stops with status 0 and publishes nothing" \
		eval 'stop_daemon && test ! -e "$state"'
done
