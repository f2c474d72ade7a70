#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark, inside the QEMU guest (bench/run.sh starts it through
# tests/vm/run-vm.sh; never run it on a host: it loads kftp.ko, mounts
# tmpfs and ext4, creates a network namespace and starts vsftpd).
#
# Clients, all in active mode, against vsftpd 3.0 on loopback:
#   kftp     user/kftp-get (one-copy receive path, the default)
#   kftp2    user/kftp-get with kftp.one_copy=N (the two-copy path)
#   curl     curl -P -
#   wget     wget --no-passive-ftp
#   lftp     lftp with ftp:passive-mode off
#   aria2    aria2c --ftp-pasv=false, one connection
#   discard  bench/ftp-discard: receives and throws away (the ceiling)
#   discardP the same with SIZE, PORT and RETR in one send (multi and
#            mirror only; in mirror, both are given the tree's paths)
#   kftpev   kftp while `kftpstat -w` listens to every event (events on;
#            the big tmpfs file and multi only)
# and, for the sha256 workload only:
#   kftpsum  user/kftp-get --checksum sha-256=HEX (the kernel's digest)
#   curlsum  curl -P - -o FILE, then sha256sum FILE
#
# Workloads (BIG is 256 MiB, 16 MiB with QUICK):
#   tmpfs-SIZE     one file into tmpfs, for each of SIZES
#   ext4-BIG       one file into ext4 on the virtio disk (/dev/vda)
#   copysend-BIG   vsftpd with use_sendfile=NO: the sender copies
#   veth-BIG       server in a network namespace behind veth, GRO on
#   loop-NxSMALL   N small files, one process per file, in a shell loop
#   multi-NxSMALL  the same files in one invocation (kftp-get URL..., curl)
#   par-PxPAR      P concurrent downloads, aggregate
#   sha256-BIG     one file into tmpfs, verified: kftpsum, kftp, curlsum
#   mirror-NxSMALL a tree of NTREE small files in 10 directories, fetched
#                  whole: kftp-get -r, wget -m, lftp's mirror (issue 22)
# Each round runs every workload with the clients in a rotated order;
# every downloaded file is checked against its SHA-256 after the timing.
# With the mirror workload, one more kftp-get -r, traced (-v) and untimed,
# says where one file's time goes (bench/timeline.py: breakdown.txt).
#
# Environment: BENCH_QUICK=1 (one small round), BENCH_ROUNDS (default 3),
# BENCH_DROP_CACHES=1 (drop the page cache before each timed run).
# Output in /results: raw.csv (one row per timed run), mem.txt (Slab and
# the pages kftp holds, around the concurrent downloads), info.txt, and
# breakdown.txt.
# Progress goes to stdout as "# " lines.
set -u -o pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(cd "$BENCH/.." && pwd -P)
RESULTS=${BENCH_RESULTS:-/results}
export LC_ALL=C

W=/tmp/bench
SRC=$W/src		# tmpfs: served files
DST=$W/dst		# tmpfs: downloads
EXT=$W/ext4		# ext4 on /dev/vda
PORT=2131		# vsftpd, sendfile
PORT_COPY=2132		# vsftpd, use_sendfile=NO
NS=kftpbench
NS_SRV=10.99.0.1 NS_CLI=10.99.0.2
KGET=$W/bin/kftp-get
DISCARD=$W/bin/ftp-discard
TIMER=$W/bin/bench-time
KSTAT=$W/bin/kftpstat

if [ -n "${BENCH_QUICK:-}" ]; then
	ROUNDS=1 SIZES=(16) BIG=16 NSMALL=20 PAR=4 PARSZ=4 NTREE=20
else
	ROUNDS=${BENCH_ROUNDS:-3} SIZES=(16 64 256 1024) BIG=256 NSMALL=200 PAR=16 PARSZ=16
	NTREE=1000
fi
# BENCH_SIZES="16 256" and BENCH_CLIENTS="kftp curl discard" narrow a run,
# and so does BENCH_WORKLOADS="sha256 par" (the kinds above: tmpfs, sha256,
# ext4, copysend, veth, loop, multi, par, mirror; default all);
# BENCH_BIG, BENCH_NSMALL and BENCH_PARSZ shrink the other workloads (on a
# loaded machine, the full run takes hours under TCG).
[ -z "${BENCH_SIZES:-}" ] || read -r -a SIZES <<<"$BENCH_SIZES"
BIG=${BENCH_BIG:-$BIG} NSMALL=${BENCH_NSMALL:-$NSMALL} PARSZ=${BENCH_PARSZ:-$PARSZ}
NTREE=${BENCH_NTREE:-$NTREE}
CLIENTS=(kftp kftp2 curl wget lftp aria2 discard)
[ -z "${BENCH_CLIENTS:-}" ] || read -r -a CLIENTS <<<"$BENCH_CLIENTS"
# The one-process-per-file loop leaves out lftp and aria2: their start-up
# under TCG (4-5 s a file for aria2) would make it the whole run, and
# they are not tools one runs per file.
LOOP_CLIENTS=(kftp curl wget discard)
WORKLOADS=" ${BENCH_WORKLOADS:-tmpfs sha256 ext4 copysend veth loop multi par mirror} "

# wants KIND: the run measures workloads of KIND (BENCH_WORKLOADS).
wants() { [[ $WORKLOADS == *" $1 "* ]]; }

say() { printf '# %s\n' "$*"; }
fail() { say "FATAL: $*"; exit 1; }

# ------------------------------------------------------------ clients

# fetch CLIENT HOST PORT NAME DEST: one download of NAME (in the served
# root) to DEST. discard writes nothing and checks the byte count itself.
fetch() {
	local c=$1 h=$2 p=$3 n=$4 d=$5 url="ftp://$2:$3/$4"
	case $c in
	kftp|kftp2|kftpev) "$KGET" -q -o "$d" "$url" ;;
	curl) curl -sS -P - -o "$d" "$url" ;;
	wget) wget -q --no-passive-ftp -O "$d" "$url" ;;
	lftp) lftp -c "set ftp:passive-mode off; set net:max-retries 1; set cmd:fail-exit yes; set xfer:clobber on; open -p $p $h; get $n -o $d" ;;
	aria2) aria2c -q --ftp-pasv=false -x1 -s1 --max-tries=1 --file-allocation=none \
		--allow-overwrite=true --auto-file-renaming=false \
		-d "$(dirname "$d")" -o "$(basename "$d")" "$url" ;;
	discard) "$DISCARD" "$h" "$p" "$n" >/dev/null ;;
	kftpsum) "$KGET" -q --checksum "sha-256=$BENCH_SUM" -o "$d" "$url" ;;
	curlsum) curl -sS -P - -o "$d" "$url" && sha256sum "$d" >/dev/null ;;
	*) return 2 ;;
	esac
}

# loop CLIENT HOST PORT DIR LIST: one process per file, paths from LIST,
# each saved in DIR under its base name.
loop() {
	local c=$1 h=$2 p=$3 d=$4 n rc=0
	while read -r n; do
		fetch "$c" "$h" "$p" "$n" "$d/${n##*/}" || rc=1
	done <"$5"
	return $rc
}

# multi CLIENT HOST PORT DIR LIST: every file in one invocation (one
# login; the discarding client's on one login too).
multi() {
	local c=$1 h=$2 p=$3 d=$4 n
	local -a urls=() paths=()
	while read -r n; do
		urls+=("ftp://$h:$p/$n")
		paths+=("$n")
	done <"$5"
	cd "$d" || return 1
	case $c in
	kftp|kftpev) "$KGET" -q "${urls[@]}" ;;
	curl) curl -sS -P - --remote-name-all "${urls[@]}" ;;
	discard) "$DISCARD" "$h" "$p" "${paths[@]}" >/dev/null ;;
	discardP) "$DISCARD" -p "$h" "$p" "${paths[@]}" >/dev/null ;;
	*) return 2 ;;
	esac
}

# par CLIENT HOST PORT NAME DIR P: P downloads of NAME at once.
par() {
	local c=$1 h=$2 p=$3 n=$4 d=$5 i rc=0
	local -a pids=()
	for i in $(seq "$6"); do
		fetch "$c" "$h" "$p" "$n" "$d/$i" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || rc=1
	done
	return $rc
}

# mirror CLIENT HOST PORT DIR: the served tree t/ into DIR/t, whole, on
# one login each (wget -m and lftp's mirror keep theirs open too); kftpZ
# and lftpP, the two that can, on 4 logins at once (-Z, mirror -P 4).
# The discarding clients get the tree's paths instead of listing it: the
# least one login can spend on those files, what bounds the 2x target.
mirror() {
	local c=$1 h=$2 p=$3 d=$4
	local -a paths=()
	if [[ $c == discard* ]]; then
		mapfile -t paths <"$W/tree.list"
	fi
	case $c in
	discard) "$DISCARD" "$h" "$p" "${paths[@]}" >/dev/null ;;
	discardP) "$DISCARD" -p "$h" "$p" "${paths[@]}" >/dev/null ;;
	kftp) "$KGET" -q -r --output-dir "$d/t" "ftp://$h:$p/t/" ;;
	kftpZ) "$KGET" -q -r -Z --parallel-max 4 --output-dir "$d/t" "ftp://$h:$p/t/" ;;
	wget) wget -q -m -nH --no-passive-ftp -P "$d" "ftp://$h:$p/t/" ;;
	lftp) lftp -c "set ftp:passive-mode off; set net:max-retries 1; set cmd:fail-exit yes; open -p $p $h; mirror t $d/t" ;;
	lftpP) lftp -c "set ftp:passive-mode off; set net:max-retries 1; set cmd:fail-exit yes; open -p $p $h; mirror -P 4 t $d/t" ;;
	*) return 2 ;;
	esac
}

# Subcommands, for bench-time to run in a fresh process.
case ${1:-} in
fetch|loop|multi|par|mirror) cmd=$1; shift; "$cmd" "$@"; exit $? ;;
esac

# ------------------------------------------------------------ setup

# kftp-multi: does this kftp-get take several URLs? Try two into an empty
# directory: both files must arrive.
kftp_multi() {
	local d=$W/multi-probe
	rm -rf "$d"
	mkdir -p "$d"
	(cd "$d" && timeout 60 "$KGET" -q "ftp://127.0.0.1:$PORT/s/f1" \
		"ftp://127.0.0.1:$PORT/s/f2") >/dev/null 2>&1 &&
		cmp -s "$d/f1" "$SRC/s/f1" && cmp -s "$d/f2" "$SRC/s/f2"
	local rc=$?
	rm -rf "$d"
	return $rc
}

vsftpd_conf() { # PORT ADDRESS LOG [EXTRA]
	sed -e "s|/tmp/kftp-suite/root|$SRC|g" \
	    -e "s|/tmp/kftp-suite/vsftpd.log|$3|" \
	    -e "s|^listen_port=.*|listen_port=$1|" \
	    -e "s|^listen_address=.*|listen_address=$2|" \
	    -e 's|^log_ftp_protocol=.*|log_ftp_protocol=NO|' \
	    "$REPO/tests/vsftpd.conf"
	# Many quick logins in a row (the loop case): no per-IP cap.
	printf 'max_per_ip=0\nmax_clients=0\n%s\n' "${4:-}"
}

SERVER_PIDS=()
start_vsftpd() { # NAME PORT ADDRESS [EXTRA] [NETNS]
	local conf=$W/vsftpd-$1.conf i
	local -a pre=()
	vsftpd_conf "$2" "$3" "$W/vsftpd-$1.log" "${4:-}" >"$conf"
	chmod 0600 "$conf"
	[ -z "${5:-}" ] || pre=(ip netns exec "$5")
	"${pre[@]}" vsftpd "$conf" >"$W/vsftpd-$1.out" 2>&1 </dev/null &
	SERVER_PIDS+=($!)
	for i in $(seq 100); do
		if "${pre[@]}" bash -c "exec 3<>/dev/tcp/$3/$2" 2>/dev/null; then
			return 0
		fi
		sleep 0.2
	done
	fail "vsftpd $1 did not start: $(cat "$W/vsftpd-$1.out")"
}

cleanup() {
	local p
	for p in "${SERVER_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	umount "$EXT" "$DST" "$SRC" 2>/dev/null
}
trap cleanup EXIT

setup() {
	ip link set lo up
	# The guest sees the host's /lib/modules; on 6.12 these may be built in.
	modprobe -q virtio_blk 2>/dev/null
	modprobe -q veth 2>/dev/null
	modprobe -q ext4 2>/dev/null
	udevadm settle 2>/dev/null
	for _ in $(seq 20); do [ -b /dev/vda ] && break; sleep 0.1; done
	grep -q '^kftp ' /proc/modules || insmod "$REPO/kftp.ko" || fail "insmod kftp.ko"
	rm -rf "$W"
	mkdir -p "$SRC" "$DST" "$EXT" "$W/bin" /var/run/vsftpd/empty
	# Copies of the binaries: the checkout is the host's live tree.
	install -m 0755 "$REPO/user/kftp-get" "$REPO/user/kftpstat" "$BENCH/ftp-discard" \
		"$BENCH/bench-time" "$W/bin/" || fail "binaries not built"
	# vsftpd refuses a chroot root that is writable: 0755, like the suite's.
	mount -t tmpfs -o size=90%,mode=0755 tmpfs "$SRC"
	mount -t tmpfs -o size=90% tmpfs "$DST"
	if [ -b /dev/vda ]; then
		if ! mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 /dev/vda ||
		   ! mount /dev/vda "$EXT"; then
			fail "ext4 on /dev/vda"
		fi
		EXT_OK=1
	else
		say "no /dev/vda: the ext4 case is skipped"
		EXT_OK=
	fi
	local s
	for s in "${SIZES[@]}" "$BIG" "$PARSZ"; do
		[ -f "$SRC/f$s" ] || head -c "${s}M" /dev/urandom >"$SRC/f$s"
	done
	mkdir -p "$SRC/s"
	for s in $(seq "$NSMALL"); do
		head -c 4096 /dev/urandom >"$SRC/s/f$s"
		echo "s/f$s"
	done >"$W/small.list"
	# The mirror's tree: NTREE files of 4 KiB in 10 directories.
	for s in $(seq 0 9); do mkdir -p "$SRC/t/d$s"; done
	for s in $(seq "$NTREE"); do
		head -c 4096 /dev/urandom >"$SRC/t/d$((s % 10))/f$s"
	done
	chmod -R a+rX "$SRC"
	(cd "$SRC" && sha256sum f* >"$W/sums")
	(cd "$SRC/t" && find . -type f -print0 | sort -z | xargs -0 sha256sum >"$W/tree.sums")
	(cd "$SRC" && find t -type f | sort >"$W/tree.list")
	(cd "$SRC/s" && sha256sum f* >"$W/small.sums")

	start_vsftpd main "$PORT" 127.0.0.1
	start_vsftpd copy "$PORT_COPY" 127.0.0.1 use_sendfile=NO
	# The veth pair: the server's namespace sends, ours receives with GRO.
	ip netns add "$NS"
	ip link add vb-cli type veth peer name vb-srv
	ip link set vb-srv netns "$NS"
	ip addr add "$NS_CLI/24" dev vb-cli
	ip link set vb-cli up
	ip -n "$NS" addr add "$NS_SRV/24" dev vb-srv
	ip -n "$NS" link set vb-srv up
	ip -n "$NS" link set lo up
	ethtool -K vb-cli gro on >/dev/null 2>&1 || say "ethtool -K vb-cli gro on failed"
	start_vsftpd veth "$PORT" "$NS_SRV" "" "$NS"

	if kftp_multi; then
		KFTP_MULTI=1
	else
		KFTP_MULTI=
		say "SKIP multi-URL kftp-get: this kftp-get takes one URL only (kftp-get URL... not there yet)"
	fi
	{
		echo "kernel=$(uname -r)"
		echo "cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
		echo "ncpu=$(nproc)"
		echo "mem_kb=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)"
		# init_on_alloc=1 (Debian's default) zeroes every page cache page
		# a file-writing client is given; the discarding client gets none.
		echo "init_on_alloc=$(sed -n 's/.*init_on_alloc=\([01]\).*/\1/p' /proc/cmdline | grep . || echo default)"
		# norandmaps: exec maps at the same addresses, and TCG keeps their
		# translations (bench/run.sh, BENCH_ASLR).
		echo "aslr=$(grep -qw norandmaps /proc/cmdline && echo 0 || echo 1)"
		echo "drop_caches=${BENCH_DROP_CACHES:-0}"
		echo "quick=${BENCH_QUICK:-0} rounds=$ROUNDS"
		echo "kftp_multi=${KFTP_MULTI:-0}"
		echo "gro=$(ethtool -k vb-cli 2>/dev/null | awk '/^generic-receive-offload/ { print $2 }')"
		# The kernel's SHA-256, as kftp-get -v names it (sha256 workload).
		echo "sha256=$("$KGET" -v --sha256 -o "$DST/probe" "ftp://127.0.0.1:$PORT/f16" 2>&1 >/dev/null |
			sed -n 's/^\* SHA-256 by //p')"
		rm -f "$DST/probe"
		echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
		for c in curl wget lftp aria2c vsftpd; do
			echo "$c=$(dpkg-query -W -f='${Version}' "$(case $c in aria2c) echo aria2;; *) echo $c;; esac)" 2>/dev/null)"
		done
	} >"$RESULTS/info.txt"
}

# ------------------------------------------------------------ measuring

ROW_FAIL=0
ONE_COPY=/sys/module/kftp/parameters/one_copy
set_one_copy() { [ ! -w "$ONE_COPY" ] || echo "$1" >"$ONE_COPY"; }

# The events-on row (kftpev): a `kftpstat -w` subscribed to the kftp
# multicast group for the run, so the kernel builds and sends every event.
LISTENER=
listener_start() {
	"$KSTAT" -w >/dev/null 2>"$W/kftpstat.err" &
	LISTENER=$!
	sleep 0.3	# subscribed before the timing starts
	kill -0 "$LISTENER" 2>/dev/null || fail "kftpstat -w: $(cat "$W/kftpstat.err")"
}
# The listener's own CPU time is the events' cost the timed client does not
# pay: read it (ns on a CPU, /proc/PID/schedstat) before stopping it.
LISTENER_CPU=
listener_stop() {
	local ns _
	read -r ns _ <"/proc/$LISTENER/schedstat" 2>/dev/null || ns=
	LISTENER_CPU=${ns:+$(awk -v n="$ns" 'BEGIN { printf "%.4f", n / 1e9 }')}
	kill "$LISTENER" 2>/dev/null
	wait "$LISTENER" 2>/dev/null
	LISTENER=
}
# timed ROUND WORKLOAD CLIENT BYTES FILES VERIFY-FUNC -- CMD...: run CMD
# under bench-time, then VERIFY-FUNC (outside the timing), one CSV row.
timed() {
	local r=$1 w=$2 c=$3 bytes=$4 files=$5 verify=$6 rc wall user sys v start
	shift 7
	# kftp and kftp2 are one module with its receive path switched.
	case $c in
	kftp) set_one_copy Y ;;
	kftp2) set_one_copy N ;;
	kftpev) set_one_copy Y; listener_start ;;
	esac
	sync
	# Not by default: the served files are on tmpfs, so a drop only freed
	# the programs' pages, and TCG then invalidated their stale
	# translations in whichever run reused those pages first: up to 250,000
	# a run, kftp's 16 streams 7.1 s against 1.8-2.1 s (costs.md).
	[ "${BENCH_DROP_CACHES:-0}" = 0 ] || echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
	LISTENER_CPU=
	# The guest's clock, read without a fork: the host's jit.csv (QEMU's
	# code-cache flushes) is set beside the run by it (the guest clock
	# starts from the host's at boot and follows it under TCG).
	start=$EPOCHREALTIME
	"$TIMER" "$W/t" "$@" >/dev/null 2>"$W/err"
	[ -z "$LISTENER" ] || listener_stop
	read -r rc wall user sys <"$W/t"
	if [ "$rc" = 0 ]; then
		if "$verify"; then v=ok; else v=BAD; fi
	else
		v=failed
		say "$w $c exited $rc: $(head -c 300 "$W/err")"
	fi
	[ "$v" = ok ] || ROW_FAIL=$((ROW_FAIL + 1))
	printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$r" "$w" "$c" "$bytes" "$files" \
		"$wall" "$user" "$sys" "$rc" "$v" "$LISTENER_CPU" "$start" >>"$RESULTS/raw.csv"
	printf '# %-14s %-8s %8.3f s wall %7.3f s cpu  %s\n' "$w" "$c" "$wall" \
		"$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$v"
}

# Verifiers read V_* set by the caller; each also frees the space.
V_FILE='' V_SUM='' V_DIR='' V_N='' V_CLIENT=''
v_one() {
	[[ $V_CLIENT == discard* ]] && return 0	# it checked its byte count
	local got
	got=$(sha256sum <"$V_FILE" 2>/dev/null | cut -d' ' -f1)
	rm -f "$V_FILE"
	[ "$got" = "$V_SUM" ]
}
v_dir() { # every file of the list in V_DIR, or V_N copies of one file
	local rc=0 i got
	if [[ $V_CLIENT != discard* ]]; then
		if [ -n "$V_N" ]; then
			for i in $(seq "$V_N"); do
				got=$(sha256sum <"$V_DIR/$i" 2>/dev/null | cut -d' ' -f1)
				[ "$got" = "$V_SUM" ] || rc=1
			done
		else
			(cd "$V_DIR" && sha256sum --quiet -c "$W/small.sums" >/dev/null 2>&1) || rc=1
		fi
	fi
	rm -rf "$V_DIR"
	return $rc
}

v_tree() { # the whole tree in V_DIR/t, and nothing else but wget's .listing
	local rc=0
	if [[ $V_CLIENT != discard* ]]; then
		(cd "$V_DIR/t" 2>/dev/null && sha256sum --quiet -c "$W/tree.sums" >/dev/null 2>&1 &&
			[ "$(find . -type f ! -name .listing | wc -l)" = "$NTREE" ]) || rc=1
	fi
	rm -rf "$V_DIR"
	return $rc
}

sum_of() { awk -v f="$1" '$2 == f { print $1 }' "$W/sums"; }

# read_mem: SLAB_KB (Slab of /proc/meminfo) and KFTP_PAGES (the pages
# kftp holds now; n/a without the parameter), with builtins only: the
# sampler below runs it beside timed downloads.
RECV_PAGES=/sys/module/kftp/parameters/recv_pages
read_mem() {
	local k v
	SLAB_KB=0 KFTP_PAGES=n/a
	while read -r k v _; do
		[ "$k" != Slab: ] || { SLAB_KB=$v; break; }
	done </proc/meminfo
	[ ! -r "$RECV_PAGES" ] || read -r KFTP_PAGES <"$RECV_PAGES"
}
mem_line() {
	read_mem
	printf '%s slab_kb=%s kftp_pages=%s\n' "$1" "$SLAB_KB" "$KFTP_PAGES"
}

one() { # ROUND WORKLOAD CLIENT HOST PORT NAME DESTDIR
	V_CLIENT=$3 V_FILE=$7/got V_SUM=$(sum_of "$6")
	export BENCH_SUM=$V_SUM	# kftpsum's --checksum
	timed "$1" "$2" "$3" "$(stat -c %s "$SRC/$6")" 1 v_one -- \
		"$BENCH/guest.sh" fetch "$3" "$4" "$5" "$6" "$7/got"
}

round() {
	local r=$1 rot=$2 i c s
	local -a order=()
	for i in "${!CLIENTS[@]}"; do
		order+=("${CLIENTS[$(((i + rot) % ${#CLIENTS[@]}))]}")
	done
	say "round $r: ${order[*]}"
	local -a sizes=()
	! wants tmpfs || sizes=("${SIZES[@]}")
	for s in "${sizes[@]}"; do
		for c in "${order[@]}"; do
			# Events on, beside kftp at the big size: before it in odd
			# rounds, after it in even ones.
			[ "$c:$s:$((rot % 2))" != "kftp:$BIG:1" ] ||
				one "$r" "tmpfs-${s}M" kftpev 127.0.0.1 "$PORT" "f$s" "$DST"
			one "$r" "tmpfs-${s}M" "$c" 127.0.0.1 "$PORT" "f$s" "$DST"
			[ "$c:$s:$((rot % 2))" != "kftp:$BIG:0" ] ||
				one "$r" "tmpfs-${s}M" kftpev 127.0.0.1 "$PORT" "f$s" "$DST"
		done
	done
	# Verified downloads (issue 23): the kernel's digest while it writes,
	# against no digest and against curl followed by sha256sum.
	if wants sha256 && [[ " ${CLIENTS[*]} " == *" kftp "* ]]; then
		local -a sum_clients=(kftpsum kftp curlsum)
		for i in 0 1 2; do
			c=${sum_clients[$(((i + rot) % 3))]}
			one "$r" "sha256-${BIG}M" "$c" 127.0.0.1 "$PORT" "f$BIG" "$DST"
		done
	fi
	for c in "${order[@]}"; do
		[ -z "$EXT_OK" ] || ! wants ext4 ||
			one "$r" "ext4-${BIG}M" "$c" 127.0.0.1 "$PORT" "f$BIG" "$EXT"
		! wants copysend || one "$r" "copysend-${BIG}M" "$c" 127.0.0.1 "$PORT_COPY" "f$BIG" "$DST"
		! wants veth || one "$r" "veth-${BIG}M" "$c" "$NS_SRV" "$PORT" "f$BIG" "$DST"
	done
	for c in "${order[@]}"; do
		wants loop || break
		[[ " ${LOOP_CLIENTS[*]} " == *" $c "* ]] || continue
		V_CLIENT=$c V_DIR=$DST/loop V_N=
		mkdir -p "$V_DIR"
		timed "$r" "loop-${NSMALL}x4K" "$c" $((NSMALL * 4096)) "$NSMALL" v_dir -- \
			"$BENCH/guest.sh" loop "$c" 127.0.0.1 "$PORT" "$V_DIR" "$W/small.list"
	done
	# One login for every file: kftp with events off and on, curl, and
	# the discarding ceiling plain and pipelined.
	local -a multi_clients=(kftp kftpev curl discard discardP)
	for i in 0 1 2 3 4; do
		wants multi || break
		c=${multi_clients[$(((i + rot) % 5))]}
		[[ " ${CLIENTS[*]} " == *" ${c%%[eP]*} "* ]] || continue
		[[ $c != kftp* ]] || [ -n "$KFTP_MULTI" ] || continue
		V_CLIENT=$c V_DIR=$DST/multi V_N=
		mkdir -p "$V_DIR"
		timed "$r" "multi-${NSMALL}x4K" "$c" $((NSMALL * 4096)) "$NSMALL" v_dir -- \
			"$BENCH/guest.sh" multi "$c" 127.0.0.1 "$PORT" "$V_DIR" "$W/small.list"
	done
	# A tree (issue 22): kftp-get -r against the two mirroring clients,
	# one login each, then kftp and lftp on 4 logins, and the discarding
	# ceiling plain and pipelined.
	local -a mirror_clients=(kftp wget lftp kftpZ lftpP discard discardP)
	for i in 0 1 2 3 4 5 6; do
		wants mirror || break
		c=${mirror_clients[$(((i + rot) % 7))]}
		[[ " ${CLIENTS[*]} " == *" ${c%[ZP]} "* ]] || continue
		V_CLIENT=$c V_DIR=$DST/mirror
		mkdir -p "$V_DIR"
		timed "$r" "mirror-${NTREE}x4K" "$c" $((NTREE * 4096)) "$NTREE" v_tree -- \
			"$BENCH/guest.sh" mirror "$c" 127.0.0.1 "$PORT" "$V_DIR"
	done
	for c in "${order[@]}"; do
		wants par || break
		V_CLIENT=$c V_DIR=$DST/par V_N=$PAR V_SUM=$(sum_of "f$PARSZ")
		mkdir -p "$V_DIR"
		if [ "$c" = kftp ]; then
			mem_line "round=$r before" >>"$RESULTS/mem.txt"
			sample_mem "round=$r during" &
			SAMPLER=$!
		fi
		timed "$r" "par-${PAR}x${PARSZ}M" "$c" $((PAR * PARSZ * 1048576)) "$PAR" v_dir -- \
			"$BENCH/guest.sh" par "$c" 127.0.0.1 "$PORT" "f$PARSZ" "$V_DIR" "$PAR"
		if [ "$c" = kftp ]; then
			kill "$SAMPLER" 2>/dev/null
			wait "$SAMPLER" 2>/dev/null
			sleep 1
			mem_line "round=$r after" >>"$RESULTS/mem.txt"
		fi
	done
}

# sample_mem TAG: the highest Slab and kftp page count seen, every 0.2 s,
# written when the sampler is stopped. Builtins only: it runs beside
# kftp's timed downloads, and a fork under TCG costs about 40 ms (an awk
# and a cat every 0.2 s took a fifth of a vCPU from the run it watched).
sample_mem() {
	local max_slab=0 max_pages=0 tick
	exec {tick}<> <(:)	# a pipe nobody writes: read -t sleeps on it
	trap 'printf "%s slab_kb=%s kftp_pages=%s\n" "$1" "$max_slab" "$max_pages" >>"$RESULTS/mem.txt"; exit 0' TERM
	for (( ; ; )); do
		read_mem
		[ "$SLAB_KB" -le "$max_slab" ] || max_slab=$SLAB_KB
		if [ "$KFTP_PAGES" = n/a ]; then max_pages=n/a
		elif [ "$KFTP_PAGES" -gt "$max_pages" ]; then max_pages=$KFTP_PAGES; fi
		read -r -t 0.2 -u "$tick" _ || :
	done
}

# breakdown: the tree once more with kftp-get -v -r, each trace line
# stamped as it comes: where one file's time goes (issue 24).
breakdown() {
	rm -rf "$DST/mirror" && mkdir -p "$DST/mirror" || return 1
	/usr/bin/python3 "$BENCH/timeline.py" "$RESULTS/breakdown.txt" -- \
		"$KGET" -v -r --output-dir "$DST/mirror/t" "ftp://127.0.0.1:$PORT/t/" ||
		say "the traced kftp-get -r failed: no breakdown ($(head -n 1 "$RESULTS/breakdown.txt" 2>/dev/null))"
	rm -rf "$DST/mirror"
}

main() {
	[ -n "${KFTP_VM:-}" ] || fail "runs only in the test VM (bench/run.sh)"
	echo 'round,workload,client,bytes,files,wall_s,user_s,sys_s,rc,verified,listener_cpu_s,start_s' \
		>"$RESULTS/raw.csv"
	: >"$RESULTS/mem.txt"
	setup
	if [ ! -w "$ONE_COPY" ]; then
		say "this kftp.ko has no one_copy parameter: no kftp2 (two-copy) client"
		local -a keep=()
		for r in "${CLIENTS[@]}"; do [ "$r" = kftp2 ] || keep+=("$r"); done
		CLIENTS=("${keep[@]}")
	fi
	local r
	for r in $(seq "$ROUNDS"); do
		round "$r" $((r - 1))
	done
	! wants mirror || breakdown
	say "$ROW_FAIL runs failed or did not verify"
	[ "$ROW_FAIL" = 0 ]
}

main
