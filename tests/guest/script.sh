#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# script.sh START_N: what a script needs from kftp-get (issue 21):
#   - --retry against a scripted server that resets twice mid-file and
#     then serves the file whole (one complete file, REST on the wire),
#     one that answers 450 once (the retry on the same connection), and
#     the failures that are final (550, 530: never retried);
#   - --json (one object a line per URL, -Z too) and --failed (read back
#     with -i);
#   - the password prompt on the terminal (tmux), and none without one;
#   - errors that say what to do: /dev/kftp missing (the module not
#     loaded, not installed) and root only, each said once with -Z; the
#     active-mode hint on a data connection that never comes; -o -
#     refused without a file named "-";
#
# Part of the in-guest suite (tests/guest/suite.sh runs it inside the QEMU
# guest, as root, with kftp.ko loaded and vsftpd/pyftpdlib serving FTP_ROOT;
# see tests/guest/lib.sh for the environment and the output format). The
# --retry cases each start tests/servers/retry_ftpd.py (hostile_ftpd.py's
# scenarios and two of its own, which count RETRs over the server's life).

set -u
# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
part_init script "$@"

W=$PART_WORK
FRESH_ROOT=$W/run
S=$FTP_ROOT/script		# files of this part, served by vsftpd and pyftpd
KSTAT=${KFTPSTAT:-$REPO/user/kftpstat}
TMUX_SOCK=$W/tmux.sock
RPID=
DEV_MODE_CHANGED=

cleanup() {
	[ -z "$RPID" ] || stop_pid "$RPID" retry_ftpd.py >/dev/null
	[ -z "$DEV_MODE_CHANGED" ] || chmod 0600 /dev/kftp
	tmux -S "$TMUX_SOCK" kill-server 2>/dev/null
	rm -rf "$S"
	return 0
}
on_exit cleanup

umask 022

mkdir -p "$S" "$W/run"
printf 'a file of the script part\n' >"$S/one.txt"
chmod 0755 "$S" && chmod 0644 "$S/one.txt"

# ---------------------------------------------------------------- helpers

# start_retry SCENARIO: a fresh retry_ftpd.py serving SCENARIO on every
# connection; RPID, RPORT, RDIR (log RDIR/hostile.log, its file
# RDIR/hdata/main.bin).
start_retry() {
	[ -z "$RPID" ] || stop_pid "$RPID" retry_ftpd.py >/dev/null
	RDIR=$(fresh "server-$1")
	HOSTILE_SERVER=retry_ftpd.py start_hostile_ftpd "$RDIR" --scenario "$1"
	RPID=$HOSTILE_PID RPORT=$HOSTILE_PORT
	[ -n "$RPORT" ]
}

# rlog_count RE: lines of the retry server's log matching RE.
rlog_count() {
	log_count "$RDIR/hostile.log" "$1"
}

# no_retry_said: the last kget said no retry.
no_retry_said() {
	case $KERR in
	*"retry "*) diag "a retry of a final failure: $KERR"; return 1 ;;
	esac
}

# ---------------------------------------------------------------- --retry

# Reset mid-file twice, then the rest: one complete file, with REST at the
# bytes the data file held each time, and each retry said.
c_retry_resume() {
	local d rc=0 rests sent
	start_retry resettwice || return 1
	d=$(fresh retry-resume)
	kget --retry 3 --retry-delay 0.5 -o "$d/main.bin" "ftp://127.0.0.1:$RPORT/main.bin"
	check_rc 0 || rc=1
	check_sha "$d/main.bin" "$(sha_of "$RDIR/hdata/main.bin")" || rc=1
	check_contains "stderr" "$KERR" "retry 1/3 in 0.5 s (resuming at byte " || rc=1
	check_contains "stderr" "$KERR" "retry 2/3 in 0.5 s (resuming at byte " || rc=1
	case $KERR in *"retry 3/3"*) diag "a third retry"; rc=1 ;; esac
	check_eq "RETR on the wire" 3 "$(rlog_count '< RETR ')" || rc=1
	# REST N where N is what the server had sent by then: 100002, then
	# 100002 + 66668 (a third of the rest each time).
	rests=$(sed -n 's/.*< REST //p' "$RDIR/hostile.log" | tr '\n' ' ')
	sent=$(sed -n 's/.* reset [0-9]*: \([0-9]*\) bytes sent from offset \([0-9]*\).*/\1 \2/p' \
		"$RDIR/hostile.log" | awk '{ printf "%d ", $1 + $2 }')
	check_eq "REST offsets (the bytes each try had written)" "$sent" "$rests" || rc=1
	check_eq "REST offsets" "100002 166670 " "$rests" || rc=1
	only_entries "$d" main.bin || rc=1
	[ $rc = 0 ] || diag "server log: $(grep -E 'REST|RETR|reset' "$RDIR/hostile.log")"
	return $rc
}

# 450 to the first RETR: retried on the same session, whose connection
# survived: one connection, one login, two RETRs.
c_retry_same_session() {
	local d rc=0
	start_retry retr450once || return 1
	d=$(fresh retry-session)
	kget --retry 2 --retry-delay 0.2 -o "$d/f" "ftp://127.0.0.1:$RPORT/main.bin"
	check_rc 0 || rc=1
	check_sha "$d/f" "$(sha_of "$RDIR/hdata/main.bin")" || rc=1
	check_contains "stderr" "$KERR" "retry 1/2 in 0.2 s: " || rc=1
	check_contains "stderr" "$KERR" "450 Requested file action not taken" || rc=1
	check_eq "control connections" 1 "$(rlog_count '\* accepted ')" || rc=1
	check_eq "logins" 1 "$(rlog_count '< USER ')" || rc=1
	check_eq "RETR on the wire" 2 "$(rlog_count '< RETR ')" || rc=1
	return $rc
}

# 550 and 530 are final: one try, no retry said.
c_retry_final() {
	local d rc=0 t0
	start_retry retr550 || return 1
	d=$(fresh retry-final)
	t0=$SECONDS
	kget --retry 3 --retry-delay 2 -o "$d/f" "ftp://127.0.0.1:$RPORT/f"
	check_rc 6 || rc=1
	no_retry_said || rc=1
	check_eq "RETR on the wire (550)" 1 "$(rlog_count '< RETR ')" || rc=1
	[ $((SECONDS - t0)) -lt 30 ] || { diag "took $((SECONDS - t0)) s"; rc=1; }
	start_retry pass530 || return 1
	kget --retry 3 --retry-delay 2 -o "$d/f" "ftp://u:p@127.0.0.1:$RPORT/f"
	check_rc 5 || rc=1
	no_retry_said || rc=1
	check_eq "PASS on the wire (530)" 1 "$(rlog_count '< PASS ')" || rc=1
	only_entries "$d" || rc=1
	return $rc
}

# A refused connection is retried (as curl --retry-connrefused does), and
# --json counts the retries.
c_retry_refused() {
	local d rc=0
	port_refused "$REFUSED_PORT" || return 1
	d=$(fresh retry-refused)
	kget --json --retry 2 --retry-delay 0.3 -o "$d/f" "ftp://127.0.0.1:$REFUSED_PORT/f"
	check_rc 4 || rc=1
	check_contains "stderr" "$KERR" "retry 1/2 in 0.3 s: cannot connect to 127.0.0.1 port $REFUSED_PORT: Connection refused" || rc=1
	check_contains "stderr" "$KERR" "retry 2/2" || rc=1
	printf '%s\n' "$KOUT" >"$d/out.json"
	jcheck "$d/out.json" '
if len(ev) != 1 or ev[0]["retries"] != 2 or ev[0]["exit_status"] != 4:
    fail("expected one line, 2 retries, exit 4: %s" % ev)
if ev[0]["failed_step"] != "CONNECT" or ev[0]["errno"] != "ECONNREFUSED":
    fail("step and errno: %s" % ev[0])
' || rc=1
	return $rc
}

# ---------------------------------------------------------------- --json

# One object a line per URL, in the order they end; the password masked;
# with -Z as well, every line whole.
c_json() {
	local d rc=0
	d=$(fresh json)
	kget --json --output-dir "$d" "$V/script/one.txt" \
		"ftp://$FTP_USER:$FTP_PASS@127.0.0.1:$VSFTPD_PORT/script/missing.bin" \
		"ftp://127.0.0.1:$REFUSED_PORT/x"
	check_rc 6 || rc=1
	printf '%s\n' "$KOUT" >"$d/out.json"
	case $KOUT in *"$FTP_PASS"*) diag "the password is in the JSON"; rc=1 ;; esac
	jcheck "$d/out.json" '
want = {1: (0, None, None), 2: (6, "RETR", "ENOENT"), 3: (4, "CONNECT", "ECONNREFUSED")}
if sorted(e["index"] for e in ev) != [1, 2, 3]:
    fail("indexes: %s" % [e["index"] for e in ev])
keys = {"url", "index", "destination", "exit_status", "bytes", "seconds", "rate",
        "failed_step", "errno", "reply", "retries"}
for e in ev:
    if set(e) != keys:
        fail("keys: %s" % sorted(e))
    if (e["exit_status"], e["failed_step"], e["errno"]) != want[e["index"]]:
        fail("line %d: %s" % (e["index"], e))
one, missing = [e for e in ev if e["index"] == 1][0], [e for e in ev if e["index"] == 2][0]
if one["bytes"] != int(args[0]) or not one["destination"].endswith("/one.txt") or \
   not one["reply"].startswith("226"):
    fail("the good one: %s" % one)
if not missing["reply"].startswith("550 ") or ":*****@" not in missing["url"]:
    fail("the missing one: %s" % missing)
' "$(stat -c %s "$S/one.txt")" || rc=1
	case $KERR in *"$V/script/one.txt"*) diag "the good URL was named: $KERR"; rc=1 ;; esac
	# One URL: its failure names it (a loop's log says which file failed).
	kget -o "$d/x" "$V/script/missing.bin"
	check_rc 6 || rc=1
	check_contains "stderr with one URL" "$KERR" "kftp-get: $V/script/missing.bin: remote file missing" || rc=1
	# -Z: lines of four workers, none mixed.
	mkdir -p "$d/z"
	kget --json -Z --parallel-max 4 --output-dir "$d/z" "$V/script/one.txt" \
		"$V/allbytes.bin" "$V/hello.txt" "$V/a/b/c/deep.bin" "$V/script/missing.bin" \
		"$V/one.bin"
	check_rc 6 || rc=1
	printf '%s\n' "$KOUT" >"$d/z.json"
	jcheck "$d/z.json" '
if sorted(e["index"] for e in ev) != [1, 2, 3, 4, 5, 6]:
    fail("indexes: %s" % [e["index"] for e in ev])
if sum(e["bytes"] for e in ev) != int(args[0]):
    fail("bytes: %s, expected %s in all" % ([e["bytes"] for e in ev], args[0]))
' "$(cat "$S/one.txt" "$FTP_ROOT/allbytes.bin" "$FTP_ROOT/hello.txt" \
	"$FTP_ROOT/a/b/c/deep.bin" "$FTP_ROOT/one.bin" | wc -c)" || rc=1
	return $rc
}

# --failed FILE: the URLs that did not download, as given, mode 0600; -i
# reads it back and fetches them once they are there.
c_failed() {
	local d rc=0 u2 u3
	d=$(fresh failed)
	u2="ftp://$FTP_USER:$FTP_PASS@127.0.0.1:$VSFTPD_PORT/script/later-1.txt"
	u3="$P/script/later-2.txt"
	kget --failed "$d/failed.txt" --output-dir "$d" "$V/script/one.txt" "$u2" "$u3"
	check_rc 6 || rc=1
	check_eq "mode of the --failed file" 600 "$(mode_of "$d/failed.txt")" || rc=1
	check_eq "the URLs in it" "$u2 $u3" "$(grep -v '^#' "$d/failed.txt" | tr '\n' ' ' | sed 's/ $//')" || rc=1
	printf 'one\n' >"$S/later-1.txt"
	printf 'two\n' >"$S/later-2.txt"
	chmod 0644 "$S"/later-*.txt
	kget --failed "$d/failed-2.txt" --output-dir "$d" -i "$d/failed.txt"
	check_rc 0 || rc=1
	check_contains "stderr" "$KERR" "2 of 2 files downloaded" || rc=1
	check_eq "the files" "one two" "$(cat "$d/later-1.txt" "$d/later-2.txt" | tr '\n' ' ' | sed 's/ $//')" || rc=1
	check_eq "URLs in the second --failed file" 0 "$(grep -vc '^#' "$d/failed-2.txt")" || rc=1
	# A --failed file that cannot be written stops the run first.
	kget --failed /nonexistent/f --output-dir "$d" "$V/script/one.txt"
	expect_fail 7 "cannot write the --failed file '/nonexistent/f'" || rc=1
	return $rc
}

# ---------------------------------------------------------------- prompt

# tmux_pane: the pane's text now.
tmux_pane() {
	tmux -S "$TMUX_SOCK" capture-pane -p -t prompt 2>/dev/null
}

# tmux_wait TEXT SECS: until the pane shows TEXT.
tmux_wait() {
	local _
	for _ in $(seq $(($2 * 5))); do
		case $(tmux_pane) in *"$1"*) return 0 ;; esac
		sleep 0.2
	done
	diag "the pane never showed '$1': $(tmux_pane)"
	return 1
}

# -u USER alone on a terminal: asked on it, not echoed, used.
c_prompt() {
	local d rc=0 screen
	d=$(fresh prompt)
	TERM=xterm tmux -S "$TMUX_SOCK" new-session -d -x 120 -y 20 -s prompt \
		"env -u KFTP_PASSWORD '$KFTP_GET' -u $FTP_USER -o '$d/f' '$V/hello.txt'; echo \$? >'$d/rc'; sleep 600" ||
		{ diag "tmux new-session failed"; return 1; }
	tmux_wait "Password for $FTP_USER@127.0.0.1:" 60 || rc=1
	tmux -S "$TMUX_SOCK" send-keys -t prompt "$FTP_PASS"
	sleep 1
	screen=$(tmux_pane)
	tmux -S "$TMUX_SOCK" send-keys -t prompt Enter
	tmux_wait "saved '$d/f'" 60 || rc=1
	screen="$screen $(tmux_pane)"
	tmux -S "$TMUX_SOCK" kill-server 2>/dev/null
	case $screen in *"$FTP_PASS"*) diag "the password was echoed: $screen"; rc=1 ;; esac
	check_eq "exit status" 0 "$(cat "$d/rc" 2>/dev/null)" || rc=1
	check_same_file "$d/f" "$FTP_ROOT/hello.txt" || rc=1
	return $rc
}

# Without a terminal (setsid: no controlling tty), no prompt: the login
# goes without a password, as before, and fails at once.
c_no_prompt() {
	local d rc=0 t0
	d=$(fresh no-prompt)
	t0=$SECONDS
	# shellcheck disable=SC2097,SC2098 # kget runs setsid; the tool is its argument
	KFTP_GET="setsid" kget -w env -u KFTP_PASSWORD "$KFTP_GET" -u "$FTP_USER" -o "$d/f" "$V/hello.txt"
	check_rc 5 || rc=1
	case $KERR in *Password*) diag "a prompt: $KERR"; rc=1 ;; esac
	[ $((SECONDS - t0)) -lt 60 ] || { diag "took $((SECONDS - t0)) s"; rc=1; }
	# $KFTP_PASSWORD set: no prompt either, on a terminal too (checked
	# by the cli part); netrc with the password: none needed.
	return $rc
}

# ---------------------------------------------------------------- errors

# device_case WHAT HINT: kftp-get -Z with four URLs in a mount namespace
# where WHAT (the setup commands) hid things; exit 3, one line about
# /dev/kftp and one hint line holding HINT, no connection made.
device_case() {
	local setup=$1 hint=$2 d before rc=0
	d=$(fresh device)
	before=$(log_count "$VSFTPD_LOG" "$VSFTPD_CONNECT_RE")
	# shellcheck disable=SC2097,SC2098 # kget runs unshare; the tool is its argument
	KFTP_GET=unshare kget -m --propagation private sh -c "$setup && exec \"\$0\" \"\$@\"" \
		"$KFTP_GET" -Z --parallel-max 4 --output-dir "$d" "$V/hello.txt" "$V/one.bin" \
		"$V/allbytes.bin" "$V/empty.bin"
	sleep 0.5
	expect_fail 3 "cannot open /dev/kftp: No such file or directory" || rc=1
	check_eq "lines about /dev/kftp" 1 "$(grep -c 'cannot open /dev/kftp' <<<"$KERR")" || rc=1
	check_eq "hint lines" 1 "$(grep -c 'hint: ' <<<"$KERR")" || rc=1
	check_contains "the hint" "$KERR" "$hint" || rc=1
	check_eq "connections to vsftpd" "$before" "$(log_count "$VSFTPD_LOG" "$VSFTPD_CONNECT_RE")" || rc=1
	only_entries "$d" || rc=1
	return $rc
}

# /dev/kftp missing: the module is loaded (no node), not loaded (modprobe),
# not installed for this kernel (dkms status): said once, with -Z too.
c_device_missing() {
	local rc=0 rel
	rel=$(uname -r)
	device_case "mount -t tmpfs none /dev" "the kftp module is loaded, but /dev/kftp is missing" || rc=1
	device_case "mount -t tmpfs none /dev && mount -t tmpfs none /sys/module" \
		"no kftp module is installed for this kernel ($rel): if kftp-dkms is installed, 'dkms status kftp'" || rc=1
	device_case "mount -t tmpfs none /dev && mount -t tmpfs none /sys/module && mount -t tmpfs none /lib/modules/$rel && echo 'updates/dkms/kftp.ko.xz:' >/lib/modules/$rel/modules.dep" \
		"the kftp module is not loaded: load it with 'modprobe kftp'" || rc=1
	return $rc
}

# Not root: /dev/kftp 0600 (EACCES from open), and 0666 (EPERM from the
# ioctl): "root only", once, with -Z too; nothing reaches the server.
c_root_only() {
	local d rc=0 before mode n
	d=$(fresh root-only)
	chmod 0777 "$d"
	for mode in 0600 0666; do
		DEV_MODE_CHANGED=1
		chmod "$mode" /dev/kftp
		before=$(log_count "$VSFTPD_LOG" "$VSFTPD_CONNECT_RE")
		kget_as nobody -Z --parallel-max 4 --output-dir "$d" "$V/hello.txt" "$V/one.bin" \
			"$V/allbytes.bin" "$V/empty.bin"
		sleep 0.5
		check_rc 3 || rc=1
		check_contains "stderr ($mode)" "$KERR" "root only" || rc=1
		n=$(grep -c -i -e 'root' <<<"$KERR")
		check_eq "lines that say root ($mode)" 1 "$n" || rc=1
		check_eq "connections to vsftpd ($mode)" "$before" \
			"$(log_count "$VSFTPD_LOG" "$VSFTPD_CONNECT_RE")" || rc=1
	done
	chmod 0600 /dev/kftp
	DEV_MODE_CHANGED=
	only_entries "$d" || rc=1
	return $rc
}

# The server never opens the data connection: the timeout says what
# active mode needs.
c_accept_hint() {
	local d rc=0
	start_retry nevercon || return 1
	d=$(fresh accept)
	kget --timeout 2 -o "$d/f" "ftp://127.0.0.1:$RPORT/f"
	expect_fail 9 "timed out waiting for the server's data connection" || rc=1
	check_contains "stderr" "$KERR" "hint: in active mode the server opens the data connection to this host; a firewall or NAT" || rc=1
	check_contains "stderr" "$KERR" "-P ADDR:LOW-HIGH" || rc=1
	return $rc
}

# -o -: the kernel writes the file into stdout: a pipe (checksum), a file
# that already holds a line (written after it, as write(2) would), >>; no
# file named "-"; with two URLs, or with -C, a usage error.
c_stdout() {
	local d rc=0
	d=$(fresh stdout)
	cd "$d" || return 1
	"$KFTP_GET" -o - "$V/big.bin" </dev/null 2>"$d/err" | sha256sum >"$d/sum"
	check_eq "exit statuses of kftp-get | sha256sum" "0 0" "${PIPESTATUS[*]}" || rc=1
	check_eq "sha256 of the pipe" "$(sha_of "$FTP_ROOT/big.bin")" "$(cut -d' ' -f1 "$d/sum")" || rc=1
	check_contains "stderr" "$(cat "$d/err")" "wrote 67108864 bytes to stdout" || rc=1
	{ printf 'first line\n'; "$KFTP_GET" -q -o - "$V/hello.txt"; } >"$d/file" </dev/null
	{ printf 'first line\n'; cat "$FTP_ROOT/hello.txt"; } >"$d/want"
	"$KFTP_GET" -q -o - "$V/hello.txt" >>"$d/file" </dev/null
	cat "$FTP_ROOT/hello.txt" >>"$d/want"
	check_same_file "$d/file" "$d/want" || rc=1
	kget -o - "$V/hello.txt" "$V/one.bin"
	expect_fail 2 "-o - writes one file to stdout, but 2 URLs were given" || rc=1
	rm -f "$d/sum" "$d/err" "$d/file" "$d/want"
	cd "$REPO" || return 1
	only_entries "$d" || rc=1
	return $rc
}

# -v: the dialogue from the kernel on stderr, the password masked, the data
# connection's address; the file alone on stdout with -o -; nothing of it
# without -v; a hostile reply's terminal escapes escaped.
c_verbose() {
	local d rc=0 line
	d=$(fresh verbose)
	kget -v -o - "ftp://$FTP_USER:$FTP_PASS@127.0.0.1:$VSFTPD_PORT/hello.txt"
	check_rc 0 || rc=1
	check_eq "stdout" "$(cat "$FTP_ROOT/hello.txt")" "$KOUT" || rc=1
	for line in "* connected to 127.0.0.1:$VSFTPD_PORT" "< 220" "> USER $FTP_USER" \
	    "> PASS ****" "< 230" "> TYPE I" "* listening on 127.0.0.1:" "> PORT 127,0,0,1," \
	    "> RETR " "* data connection from 127.0.0.1:" "< 226"; do
		check_contains "stderr" "$KERR" "$line" || rc=1
	done
	case $KERR in *"$FTP_PASS"*) diag "the password is in the trace"; rc=1 ;; esac
	kget -o "$d/f" "$V/hello.txt"
	check_rc 0 || rc=1
	case $KERR in *"> "* | *"< 2"*) diag "a trace without -v: $KERR"; rc=1 ;; esac
	start_retry ctrlchars || return 1
	kget -v -o "$d/g" "ftp://127.0.0.1:$RPORT/g"
	check_rc 6 || rc=1
	check_contains "stderr" "$KERR" "< 550" || rc=1
	case $KERR in *$'\e'* | *$'\a'*) diag "a raw escape or BEL reached stderr"; rc=1 ;; esac
	check_contains "stderr" "$KERR" '< 550 evil\e[2J\e]0;pwned\a text\0 end\010.' || rc=1
	return $rc
}

# kftpstat: the STEP column shows where a transfer waits (a server that
# never greets: GREETING), and the destination's final name, not its
# unnamed data file.
c_kftpstat_step() {
	local d rc=0 pid out json i
	start_retry silence || return 1
	d=$(fresh kstat)
	"$KFTP_GET" -q --timeout 60 -o "$d/final.bin" "ftp://127.0.0.1:$RPORT/f" \
		</dev/null >/dev/null 2>&1 &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		json=$("$KSTAT" --json -p "$pid" 2>&1)
		case $json in *'"step":"GREETING"'*) break ;; esac
		sleep 0.2
	done
	out=$("$KSTAT" 2>&1)
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	check_contains "kftpstat --json" "$json" '"step":"GREETING"' || rc=1
	check_contains "kftpstat --json" "$json" "\"$d/final.bin\"" || rc=1
	check_contains "kftpstat's header" "$out" "STEP" || rc=1
	check_contains "kftpstat" "$out" "GREETING" || rc=1
	case $json$out in *"(deleted)"* | *"/#"*) diag "an unnamed file shown: $json"; rc=1 ;; esac
	return $rc
}

# ---------------------------------------------------------------- run

tcase "--retry: reset mid-file twice, then whole: one complete file, REST on the wire" c_retry_resume
tcase "--retry: 450 to RETR, retried on the same connection (one login)" c_retry_same_session
tcase "--retry: 550 and 530 are final, never retried" c_retry_final
tcase "--retry: a refused connection is retried; --json counts the retries" c_retry_refused
tcase "--json: one object a line per URL, password masked; -Z lines whole" c_json
tcase "--failed: the failed URLs, mode 0600; -i reads them back" c_failed
tcase "-u USER on a terminal: the password asked, not echoed, used" c_prompt
tcase "-u USER without a terminal: no prompt, as before" c_no_prompt
tcase "/dev/kftp missing: loaded, not loaded, not installed; said once with -Z" c_device_missing
tcase "not root (0600 and 0666): 'root only' once with -Z, nothing sent" c_root_only
tcase "no data connection from the server: the active-mode hint" c_accept_hint
tcase "-o -: into a pipe (sha256), after a file's first line, >>; two URLs: usage" c_stdout
tcase "-v: the dialogue from the kernel, PASS masked, escapes escaped; none without -v" c_verbose
tcase "kftpstat: STEP GREETING for a silent server; the final name, not the data file" c_kftpstat_step
part_done
exit $?
