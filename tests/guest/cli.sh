#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cli.sh START_N: what kftp-get itself does around the kernel's transfer:
# credentials, the data file (O_TMPFILE, owner, group, mode), the password
# in argv, signals, and the old struct size.
#
# Part of the in-guest suite (tests/guest/suite.sh runs it inside the QEMU
# guest, as root, with kftp.ko loaded and vsftpd/pyftpdlib serving FTP_ROOT;
# see tests/guest/lib.sh for the environment and the output format).
#
# "During a download" cases need a transfer that lasts: this part starts a
# third server, a minimal FTP server (slowftpd.py, written below) that
# sends the first 320 KiB at once and then 32 KiB/s, so a download of its
# 1 MiB file runs for about 22 s, with data in the file after a second. A
# Python helper (sigrun.py, written below) starts kftp-get in its own
# session, waits until its data file exists (or has data, or the
# LD_PRELOAD shim says the ioctl is about to start), reports what can be
# seen from outside at that moment (/proc/PID/cmdline, the data file's
# name and mode, the directory's entries), sends a signal, and reports how
# the process ended (waitpid: exited N or signaled N) and how long that
# took. tests/fuzz/kftp-shim.so (built by `make testprogs`) delays the
# ioctl or hides O_TMPFILE.
#
# Everything is created under $SUITE_DIR/cli, on a tmpfs of its own (tmpfs
# has O_TMPFILE on every supported kernel); it is unmounted on exit.

set -u
# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
part_init cli "$@"

W=$SUITE_DIR/cli
FRESH_ROOT=$W/run	# fresh NAME makes its directories here
SHIM=$REPO/tests/fuzz/kftp-shim.so
SLOW_PORT=2135
SLOW_SIZE=1048576		# 320 KiB at once, then 32 KiB/s: 22 s
SLOW_PASS=SlowSecret-$$		# a password that must not show in argv
SLOW_PID=
MOUNTED=

cleanup() {
	if [ -n "$SLOW_PID" ]; then
		kill -TERM "$SLOW_PID" 2>/dev/null
		wait "$SLOW_PID" 2>/dev/null
	fi
	if [ -n "$MOUNTED" ]; then
		cd / && umount "$W" 2>/dev/null
	fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

umask 022
S=ftp://127.0.0.1:$SLOW_PORT

# ---------------------------------------------------------------- setup

rm -rf "$W"
mkdir -p "$W"
if mount -t tmpfs -o size=64m,mode=0755 kftp-cli "$W"; then
	MOUNTED=1
else
	diag "cannot mount a tmpfs on $W; the cases run on whatever $W is"
fi
mkdir -p "$W/srv" "$W/run"

cat >"$W/slowftpd.py" <<'PY'
# slowftpd.py FILE PORT READYFILE: a minimal active-mode FTP server (any
# user, any password) whose RETR of any path sends FILE: the first FAST
# bytes at once, so that the client's first buffer (256 KiB) reaches its
# file within a second, then DRIP bytes every TICK seconds. Timed by
# sleeps, not by CPU: the same under a loaded TCG guest.
import os, socket, sys, threading, time

FAST, DRIP, TICK = 320 * 1024, 16 * 1024, 0.5
path, port, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def session(c):
    f = c.makefile("rb")
    data = None

    def reply(text):
        c.sendall(text.encode() + b"\r\n")

    try:
        reply("220 slow test server")
        for line in f:
            words = line.decode("latin-1").strip().split(" ", 1)
            cmd, arg = words[0].upper(), (words[1] if len(words) > 1 else "")
            if cmd == "USER":
                reply("331 password please")
            elif cmd == "PASS":
                reply("230 logged in")
            elif cmd == "TYPE":
                reply("200 binary")
            elif cmd == "SIZE":
                reply("213 %d" % os.path.getsize(path))
            elif cmd == "PORT":
                n = arg.split(",")
                data = (".".join(n[:4]), int(n[4]) * 256 + int(n[5]))
                reply("200 PORT ok")
            elif cmd == "EPRT":
                n = arg.split(arg[0])
                data = (n[2], int(n[3]))
                reply("200 EPRT ok")
            elif cmd == "RETR":
                d = socket.create_connection(data)
                reply("150 here it comes, slowly")
                with open(path, "rb") as src:
                    d.sendall(src.read(FAST))
                    while True:
                        chunk = src.read(DRIP)
                        if not chunk:
                            break
                        time.sleep(TICK)
                        d.sendall(chunk)
                d.close()
                reply("226 done")
            elif cmd == "QUIT":
                reply("221 bye")
                break
            else:
                reply("502 not here")
    except OSError:
        pass
    finally:
        c.close()

srv = socket.create_server(("127.0.0.1", port))
with open(ready + ".new", "w") as out:
    out.write("%d\n" % port)
os.rename(ready + ".new", ready)
while True:
    conn, _ = srv.accept()
    threading.Thread(target=session, args=(conn,), daemon=True).start()
PY

cat >"$W/sigrun.py" <<'PY'
# sigrun.py [options] -- CMD...: run CMD in a session of its own, wait until
# it is "ready", report, send a signal, report how it ended. Options:
#   --dir D        ready when a kftp-get of the session has a file in D open
#   --size         ... and that file holds data
#   --mark F       ready when file F exists (kftp-shim.so's KFTP_SHIM_MARK)
#   --sig N        signal to send when ready (0: none)
#   --group        send it to the whole process group (as Ctrl-C does),
#                  else to the kftp-get process only
#   --delay S      wait S seconds after ready before the signal
#   --wait S       then wait at most S seconds for CMD to end
#   --out F        CMD's stdout and stderr
# Prints "key: value" lines: ready, pid, cmdline, data (the data file as
# /proc/PID/fd shows it, or a .NAME.kftp-XXXXXX that the kernel opened for
# an older kftp-get), mode, entries (of D), end (exited N, signaled N, or
# hung), elapsed (seconds from the signal to the end).
import argparse, os, signal, subprocess, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--dir")
ap.add_argument("--size", action="store_true")
ap.add_argument("--mark")
ap.add_argument("--sig", type=int, default=0)
ap.add_argument("--group", action="store_true")
ap.add_argument("--delay", type=float, default=0.0)
ap.add_argument("--wait", type=float, default=30.0)
ap.add_argument("--out", default="/dev/null")
ap.add_argument("cmd", nargs="+")
a = ap.parse_args()

def defaults():
    # A background job of a script ignores SIGINT; kftp-get must not.
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(s, signal.SIG_DFL)

out = open(a.out, "w")
child = subprocess.Popen(a.cmd, stdin=subprocess.DEVNULL, stdout=out,
                         stderr=subprocess.STDOUT, start_new_session=True,
                         preexec_fn=defaults)

def tool():
    """The kftp-get process of the session (the child itself or below)."""
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                st = f.read()
            fields = st[st.rindex(")") + 2:].split()
            if int(fields[3]) == child.pid and "(kftp-get)" in st:
                return int(p)
        except (OSError, ValueError):
            pass
    return None

def data_file(pid):
    """(path to stat, name) of kftp-get's data file in a.dir, or None:
    one of pid's descriptors, or a temp name that the kernel opened."""
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            path = "/proc/%d/fd/%s" % (pid, fd)
            link = os.readlink(path)
            if link.startswith(a.dir.rstrip("/") + "/"):
                return path, link
        for name in os.listdir(a.dir):
            if name.startswith(".") and ".kftp-" in name:
                path = os.path.join(a.dir, name)
                return path, path
    except OSError:
        pass
    return None

ready, pid, data = False, None, None
deadline = time.time() + 60
while time.time() < deadline and child.poll() is None:
    pid = tool()
    if a.mark:
        ready = pid is not None and os.path.exists(a.mark)
    elif a.dir and pid:
        data = data_file(pid)
        ready = data is not None
        if ready and a.size:
            try:
                ready = os.stat(data[0]).st_size > 0
            except OSError:
                ready = False
    if ready:
        break
    time.sleep(0.05)
print("ready: %s" % ("yes" if ready else "no"))
print("pid: %s" % pid)
if pid:
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            print("cmdline: %s" % f.read().replace(b"\0", b" ").decode(errors="replace"))
        if a.dir:
            data = data_file(pid) or data
            if data:
                print("data: %s" % data[1])
                print("mode: %o" % (os.stat(data[0]).st_mode & 0o7777))
    except OSError as e:
        print("gone: %s" % e)
if a.dir:
    print("entries: %s" % " ".join(sorted(os.listdir(a.dir))))
sys.stdout.flush()
if ready:
    time.sleep(a.delay)
t0 = time.time()
if ready and a.sig:
    try:
        if a.group:
            os.killpg(child.pid, a.sig)
        else:
            os.kill(pid, a.sig)
    except OSError as e:
        print("kill: %s" % e)
try:
    child.wait(timeout=a.wait)
    rc = child.returncode
    end = "signaled %d" % -rc if rc < 0 else "exited %d" % rc
except subprocess.TimeoutExpired:
    end = "hung"
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
print("end: %s" % end)
print("elapsed: %.1f" % (time.time() - t0))
PY

PREP_ERR=
if ! head -c "$SLOW_SIZE" /dev/urandom >"$W/srv/slow.bin"; then
	PREP_ERR="cannot create $W/srv/slow.bin"
fi
HELLO_SHA=$(sha_of "$FTP_ROOT/hello.txt")
"$PYTHON" "$W/slowftpd.py" "$W/srv/slow.bin" "$SLOW_PORT" "$W/slow.ready" \
	>"$W/slowftpd.out" 2>&1 </dev/null &
SLOW_PID=$!
for _ in $(seq 600); do
	[ -e "$W/slow.ready" ] && break
	kill -0 "$SLOW_PID" 2>/dev/null || break
	sleep 0.1
done
[ -e "$W/slow.ready" ] ||
	PREP_ERR="the throttled server did not start: $(cat "$W/slowftpd.out")"

# ---------------------------------------------------------------- helpers

# sigrun [sigrun.py options] -- CMD...: sets SR (its report) and SR_OUT
# (CMD's output).
sigrun() {
	local out=$W/sigrun.out
	SR=$(timeout -k 5 120 "$PYTHON" "$W/sigrun.py" --out "$out" "$@" 2>&1)
	SR_OUT=$(cat "$out" 2>/dev/null)
}

# sr KEY: the value of one "key: value" line of SR.
sr() {
	local line
	while IFS= read -r line; do
		case $line in
		"$1: "*) printf '%s\n' "${line#"$1: "}"; return 0 ;;
		esac
	done <<<"$SR"
	return 1
}

sr_explain() {
	diag "sigrun report:"
	diag "$SR"
	[ -z "$SR_OUT" ] || diag "output: $SR_OUT"
}

# only NAME...: the case directory $D holds exactly these entries.
only() {
	local want got
	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
	got=$(cd "$D" && find . -mindepth 1 -maxdepth 1 -printf '%f\n' | sort)
	check_eq "entries of $D" "$want" "$got" && return 0
	diag "$(ls -la "$D" 2>&1)"
	return 1
}

# pyftpd_pass_seen PASS: pyftpd.py logged the raw line "PASS PASS".
pyftpd_pass_seen() {
	grep -qF "b'PASS $1'" "$PYFTPD_LOG"
}

prep_ok() {
	[ -z "$PREP_ERR" ] && return 0
	diag "$PREP_ERR"
	return 1
}

# ---------------------------------------------------------------- credentials

# Item 1: KFTP_PASSWORD is a named account's secret; an anonymous login
# neither sends it nor trips over it (the kernel refused the field).
c_anon_env() {
	local d rc=0 secret=EnvSecret-$$
	d=$(fresh anon-env)
	export KFTP_PASSWORD=$secret
	kget -o "$d/h" "$P/hello.txt"
	unset KFTP_PASSWORD
	check_rc 0 || rc=1
	check_sha "$d/h" "$HELLO_SHA" || rc=1
	if pyftpd_pass_seen "$secret"; then
		diag "KFTP_PASSWORD was sent to the server for an anonymous login"
		rc=1
	fi
	# A named user still takes it.
	export KFTP_PASSWORD=$FTP_PASS
	kget -o "$d/u" -u "$FTP_USER" "$V/hello.txt"
	unset KFTP_PASSWORD
	check_rc 0 || rc=1
	check_sha "$d/u" "$HELLO_SHA" || rc=1
	return $rc
}

# `-u :pw` and ftp://:pw@host/: anonymous, with pw as its password.
c_anon_pass() {
	local d rc=0 pw how
	d=$(fresh anon-pass)
	for how in opt url; do
		pw=anon-$how-$$@example.org
		export KFTP_PASSWORD=EnvSecret-$$
		if [ "$how" = opt ]; then
			kget -o "$d/$how" -u ":$pw" "$P/hello.txt"
		else
			kget -o "$d/$how" "ftp://:$pw@127.0.0.1:$PYFTPD_PORT/hello.txt"
		fi
		unset KFTP_PASSWORD
		check_rc 0 || rc=1
		check_sha "$d/$how" "$HELLO_SHA" || rc=1
		if ! pyftpd_pass_seen "$pw"; then
			diag "$how: the server never saw PASS $pw"
			diag "$(grep -F "PASS" "$PYFTPD_LOG" | tail -n 4)"
			rc=1
		fi
	done
	return $rc
}

# ---------------------------------------------------------------- the file

# Item 2: a replaced file keeps owner, group and mode; a new one gets
# 0666 & ~umask. The owner is kept when it is root or the directory's
# owner (issue 19; security.sh has the other cases): the directory is
# user 1000's here.
c_keep_owner() {
	local d rc=0 saved
	d=$(fresh owner)
	chown 1000 "$d"
	printf 'old\n' >"$d/f"
	chown 1000:1000 "$d/f" && chmod 0600 "$d/f"
	kget -o "$d/f" "$V/hello.txt"
	check_rc 0 || rc=1
	check_sha "$d/f" "$HELLO_SHA" || rc=1
	check_eq "owner:group mode of the replaced file" "1000:1000 600" \
		"$(stat -c '%u:%g %a' "$d/f")" || rc=1
	# An odd mode, and a group other than the owner's.
	printf 'old\n' >"$d/g"
	chown 0:1000 "$d/g" && chmod 0640 "$d/g"
	kget -o "$d/g" "$P/hello.txt"
	check_rc 0 || rc=1
	check_eq "owner:group mode of the replaced file" "0:1000 640" \
		"$(stat -c '%u:%g %a' "$d/g")" || rc=1
	saved=$(umask)
	umask 027
	kget -o "$d/new" "$V/hello.txt"
	umask "$saved"
	check_rc 0 || rc=1
	check_eq "owner:group mode of a new file (umask 027)" "0:0 640" \
		"$(stat -c '%u:%g %a' "$d/new")" || rc=1
	D=$d only f g new || rc=1
	return $rc
}

# Items 2, 3 and the fd: one slow download, looked at from outside while it
# runs, then stopped with SIGINT. The data file is unnamed (O_TMPFILE:
# /proc shows "/dir/#INO (deleted)"), 0600, and the password of neither
# -u nor the URL is in /proc/PID/cmdline.
RUN_SR=
c_during() {
	local d rc=0 data
	prep_ok || return 1
	d=$(fresh during)
	sigrun --dir "$d" --sig 2 -- "$KFTP_GET" -o "$d/slow.bin" \
		-u "$FTP_USER:$SLOW_PASS" \
		"ftp://$FTP_USER:UrlSecret-$$@127.0.0.1:$SLOW_PORT/slow.bin"
	RUN_SR=$SR
	check_eq "ready" yes "$(sr ready)" || rc=1
	data=$(sr data)
	check_contains "data file" "$data" "(deleted)" || rc=1
	check_eq "directory entries while downloading" "" "$(sr entries)" || rc=1
	check_eq "end" "signaled 2" "$(sr end)" || rc=1
	D=$d only || rc=1
	[ "$rc" = 0 ] || sr_explain
	return $rc
}

c_during_mode() {
	local rc=0
	SR=$RUN_SR
	[ -n "$SR" ] || { diag "the download case did not run"; return 1; }
	check_eq "mode of the data file during the download" 600 "$(sr mode)" || rc=1
	[ "$rc" = 0 ] || sr_explain
	return $rc
}

c_cmdline() {
	local rc=0 cmdline
	SR=$RUN_SR
	[ -n "$SR" ] || { diag "the download case did not run"; return 1; }
	cmdline=$(sr cmdline)
	check_contains "cmdline" "$cmdline" "$KFTP_GET" || rc=1
	case $cmdline in
	*"$SLOW_PASS"*) diag "the -u password is in /proc/PID/cmdline: $cmdline"; rc=1 ;;
	esac
	case $cmdline in
	*UrlSecret*) diag "the URL's password is in /proc/PID/cmdline: $cmdline"; rc=1 ;;
	esac
	return $rc
}

# The same with O_TMPFILE hidden (kftp-shim.so): a named temp file, 0600,
# removed on SIGINT; and a complete download still lands with its mode.
c_no_tmpfile() {
	local d rc=0 data saved
	prep_ok || return 1
	[ -f "$SHIM" ] || { diag "$SHIM not built (make testprogs)"; return 1; }
	d=$(fresh no-tmpfile)
	sigrun --dir "$d" --sig 2 -- env LD_PRELOAD="$SHIM" KFTP_SHIM_NO_TMPFILE=1 \
		"$KFTP_GET" -o "$d/slow.bin" "$S/slow.bin"
	check_eq "ready" yes "$(sr ready)" || rc=1
	data=$(sr data)
	case $data in
	"$d"/.slow.bin.kftp-??????) ;;
	*) diag "data file: expected $d/.slow.bin.kftp-XXXXXX, got '$data'"; rc=1 ;;
	esac
	check_eq "mode of the temp file during the download" 600 "$(sr mode)" || rc=1
	check_eq "end" "signaled 2" "$(sr end)" || rc=1
	D=$d only || rc=1
	[ "$rc" = 0 ] || sr_explain
	saved=$(umask)
	umask 002
	export LD_PRELOAD=$SHIM KFTP_SHIM_NO_TMPFILE=1
	kget -o "$d/h" "$V/hello.txt"
	unset LD_PRELOAD KFTP_SHIM_NO_TMPFILE
	umask "$saved"
	check_rc 0 || rc=1
	check_sha "$d/h" "$HELLO_SHA" || rc=1
	check_eq "mode of the new file (umask 002)" 664 "$(stat -c %a "$d/h")" || rc=1
	D=$d only h || rc=1
	return $rc
}

# SIGKILL at any moment leaves nothing: not even a temp file.
c_cli_sigkill() {
	local d rc=0
	prep_ok || return 1
	d=$(fresh sigkill)
	sigrun --dir "$d" --size --sig 9 -- "$KFTP_GET" -o "$d/slow.bin" "$S/slow.bin"
	check_eq "ready" yes "$(sr ready)" || rc=1
	check_eq "end" "signaled 9" "$(sr end)" || rc=1
	D=$d only || rc=1
	[ "$rc" = 0 ] || sr_explain
	return $rc
}

# --keep-partial with the unnamed file: SIGINT once data arrived keeps the
# received prefix under the destination's name, with the old file's mode.
c_cli_keep_partial() {
	local d rc=0 size
	prep_ok || return 1
	d=$(fresh keep-partial)
	printf 'old\n' >"$d/slow.bin"
	chmod 0604 "$d/slow.bin"
	sigrun --dir "$d" --size --sig 2 -- "$KFTP_GET" --keep-partial \
		-o "$d/slow.bin" "$S/slow.bin"
	check_eq "ready" yes "$(sr ready)" || rc=1
	check_eq "end" "signaled 2" "$(sr end)" || rc=1
	check_contains "output" "$SR_OUT" "kept partial file" || rc=1
	size=$(stat -c %s "$d/slow.bin" 2>/dev/null || echo 0)
	if [ "$size" -le 0 ] || [ "$size" -ge "$SLOW_SIZE" ]; then
		diag "partial file size $size: expected 1..$((SLOW_SIZE - 1))"
		rc=1
	elif ! cmp -s -n "$size" "$d/slow.bin" "$W/srv/slow.bin"; then
		diag "the partial file is not the first $size bytes of slow.bin"
		rc=1
	fi
	check_eq "mode of the kept file" 604 "$(stat -c %a "$d/slow.bin")" || rc=1
	D=$d only slow.bin || rc=1
	[ "$rc" = 0 ] || sr_explain
	return $rc
}

# ---------------------------------------------------------------- signals

# Item 10: Ctrl-C reaches the whole foreground group. kftp-get must die by
# SIGINT, so that the shell around it stops too (bash does when its child
# died by the SIGINT it also received), instead of going on with "after".
c_ctrl_c() {
	local d rc=0
	prep_ok || return 1
	d=$(fresh ctrl-c)
	# shellcheck disable=SC2016  # expanded by the inner bash
	sigrun --dir "$d" --group --sig 2 -- bash -c \
		'"$0" -o "$1" "$2"; echo "after $?"' "$KFTP_GET" "$d/slow.bin" "$S/slow.bin"
	check_eq "ready" yes "$(sr ready)" || rc=1
	check_eq "how the shell ended" "signaled 2" "$(sr end)" || rc=1
	case $SR_OUT in
	*after*) diag "the shell went on after kftp-get: $SR_OUT"; rc=1 ;;
	esac
	D=$d only || rc=1
	[ "$rc" = 0 ] || sr_explain
	return $rc
}

# SIGINT, SIGTERM, SIGHUP to kftp-get alone: it dies by that signal, and a
# shell's $? is still 128+N.
c_die_by_signal() {
	local d rc=0 sig
	prep_ok || return 1
	for sig in 2 15 1; do
		d=$(fresh die-$sig)
		sigrun --dir "$d" --sig "$sig" -- "$KFTP_GET" -o "$d/slow.bin" "$S/slow.bin"
		check_eq "ready" yes "$(sr ready)" || rc=1
		check_eq "signal $sig: how kftp-get ended" "signaled $sig" "$(sr end)" || rc=1
		check_contains "signal $sig: stderr" "$SR_OUT" "interrupted" || rc=1
		D=$d only || rc=1
		[ "$rc" = 0 ] || sr_explain
	done
	d=$(fresh die-status)
	# shellcheck disable=SC2016  # expanded by the inner bash
	sigrun --dir "$d" --sig 2 -- bash -c \
		'"$0" -o "$1" "$2"; echo "after $?"' "$KFTP_GET" "$d/slow.bin" "$S/slow.bin"
	check_contains "the shell's \$? after SIGINT to kftp-get alone" "$SR_OUT" "after 130" || rc=1
	check_eq "how the shell ended" "exited 0" "$(sr end)" || rc=1
	[ "$rc" = 0 ] || sr_explain
	return $rc
}

# A signal ignored when kftp-get starts (nohup, `trap '' HUP`) stays
# ignored: the download goes on to the end.
c_ignored_stays_ignored() {
	local d rc=0
	prep_ok || return 1
	d=$(fresh nohup)
	# shellcheck disable=SC2016  # expanded by the inner bash
	sigrun --dir "$d" --sig 1 --wait 90 -- bash -c \
		'trap "" HUP; exec "$0" -q -o "$1" "$2"' "$KFTP_GET" "$d/slow.bin" "$S/slow.bin"
	check_eq "ready" yes "$(sr ready)" || rc=1
	check_eq "how kftp-get ended after SIGHUP" "exited 0" "$(sr end)" || rc=1
	check_sha "$d/slow.bin" "$(sha_of "$W/srv/slow.bin")" || rc=1
	[ "$rc" = 0 ] || sr_explain
	return $rc
}

# Item 11: a SIGINT after kftp-get's last check and before the kernel runs
# (kftp-shim.so sleeps 2 s there). It must not be lost: the tool ends
# promptly, by the signal, with no file, instead of running the 22 s
# transfer and throwing it away.
c_sigint_race() {
	local d rc=0 t
	prep_ok || return 1
	[ -f "$SHIM" ] || { diag "$SHIM not built (make testprogs)"; return 1; }
	d=$(fresh race)
	rm -f "$W/mark"
	sigrun --mark "$W/mark" --dir "$d" --delay 0.3 --sig 2 --wait 60 -- \
		env LD_PRELOAD="$SHIM" KFTP_SHIM_IOCTL_DELAY_MS=2000 \
		KFTP_SHIM_MARK="$W/mark" "$KFTP_GET" -o "$d/slow.bin" "$S/slow.bin"
	check_eq "ready (in the delay before the ioctl)" yes "$(sr ready)" || rc=1
	check_eq "how kftp-get ended" "signaled 2" "$(sr end)" || rc=1
	t=$(sr elapsed)
	# 1.7 s of delay remain; the transfer would take 22 s.
	if [ "${t%.*}" -ge 10 ]; then
		diag "kftp-get took $t s to end after the SIGINT"
		rc=1
	fi
	D=$d only || rc=1
	[ "$rc" = 0 ] || sr_explain
	return $rc
}

# ---------------------------------------------------------------- errors

# Item 15: EINVAL from connect (a link-local address without a zone) is
# not a request with CR, LF or a bad field.
c_einval_connect() {
	local d rc=0
	d=$(fresh einval)
	kget -o "$d/f" "ftp://[fe80::1]:$VSFTPD_PORT/hello.txt"
	check_rc 2 || rc=1
	case $KERR in
	*"CR, LF"*) diag "blames CR, LF or a bad field: $KERR"; rc=1 ;;
	esac
	check_contains "stderr" "$KERR" "cannot connect to" || rc=1
	check_contains "stderr" "$KERR" "zone" || rc=1
	D=$d only || rc=1
	return $rc
}

# Old binaries: a struct of the first version's size, with local_path,
# still downloads (the kernel's path code).
c_ver0() {
	local d rc=0 out
	d=$(fresh ver0)
	out=$(timeout -k 5 60 "$PYTHON" - "$VSFTPD_PORT" "$d/h" <<'PY' 2>&1
import fcntl, os, socket, struct, sys
KFTP_IOC_GET = (0xF7 << 8) | 0x01
SIZE = 9296                     # KFTP_GET_ARGS_SIZE_VER0
HEAD = "<IIHHI16sIIIIQ"
REMOTE = 56 + 256 + 256
LOCAL = REMOTE + 4096
buf = bytearray(SIZE)
struct.pack_into(HEAD, buf, 0, SIZE, 1, socket.AF_INET, int(sys.argv[1]), 0,
                 socket.inet_aton("127.0.0.1"), 5000, 10000, 10000, 10000, 0)
buf[REMOTE:REMOTE + 9] = b"hello.txt"
path = sys.argv[2].encode()
buf[LOCAL:LOCAL + len(path)] = path
fd = os.open("/dev/kftp", os.O_RDWR)
fcntl.ioctl(fd, KFTP_IOC_GET, buf, True)
print("OK")
PY
)
	check_eq "ioctl with a version-0 struct" OK "$out" || rc=1
	check_sha "$d/h" "$HELLO_SHA" || rc=1
	return $rc
}

# ---------------------------------------------------------------- cases

tcase "anonymous with KFTP_PASSWORD set: works, the secret is not sent" c_anon_env
tcase "-u :pw and ftp://:pw@host/: anonymous with that password" c_anon_pass
tcase "a replaced file keeps owner, group and mode; a new one follows the umask" c_keep_owner
tcase "during a download: the data file is unnamed (O_TMPFILE), no temp name" c_during
tcase "during a download: the data file has mode 0600" c_during_mode
tcase "during a download: no password in /proc/PID/cmdline (-u and URL)" c_cmdline
tcase "without O_TMPFILE (shim): a 0600 temp name, removed; downloads still work" c_no_tmpfile
tcase "SIGKILL during a download leaves nothing in the directory" c_cli_sigkill
tcase "--keep-partial and SIGINT: the received prefix kept, old mode" c_cli_keep_partial
tcase "Ctrl-C (SIGINT to the group): kftp-get and the shell around it die by SIGINT" c_ctrl_c
tcase "SIGINT/SIGTERM/SIGHUP: death by that signal, \$? 128+N" c_die_by_signal
tcase "SIGHUP ignored at start (nohup): ignored, the download completes" c_ignored_stays_ignored
tcase "SIGINT just before the ioctl (shim delay) is not lost" c_sigint_race
tcase "EINVAL from connect (link-local without zone): no CR/LF blame" c_einval_connect
tcase "a version-0-size struct (local_path) still works" c_ver0
part_done
