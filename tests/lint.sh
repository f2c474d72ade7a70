#!/bin/bash
# The checks a kernel reviewer runs, as TAP lines, ending with
# "N passed, N failed" (`make lint`):
#   - checkpatch.pl --strict on every kernel source and header, samples/kecho
#     included: nothing at all;
#   - sparse (C=2) and W=1 builds on every installed kernel lane: no warnings;
#   - userspace built with -Werror, and cppcheck clean;
#   - the man pages lint clean (tests/lint-man.sh);
#   - lintian on the Debian source and binary packages: no error, no
#     warning (overrides, with their reasons, in debian/).
# checkpatch.pl is not in Debian's headers packages: it is taken from the
# linux-source-6.1 tarball once and cached under .build/.
# Usage: tests/lint.sh [KVER...]     (default: every installed lane)
set -eu -o pipefail

# shellcheck source=tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm/lib.sh"

# The kernel sources, kftp's and the sample's: every C file outside user/
# and tests/, and every header, so that a new file is linted without anyone
# remembering to list it here.
mapfile -t KERNEL_SOURCES < <(cd "$KFTP_REPO" && git ls-files -- '*.c' 'include/*.h' |
	grep -v -e '^user/' -e '^tests/' -e '^bench/')
# The debug lane's test-only module is kernel code too (checkpatch, builds),
# and so is the bench's SHA-256 module.
KERNEL_SOURCES+=(tests/debug/leaky/kftp_leaky.c bench/sha256-speed/sha256_speed.c)
# The modules with a kbuild run of their own: the sample (see the top
# Makefile) and the bench's (bench/sha256-speed/run.sh).
OWN_KBUILDS=(samples/kecho/Kbuild bench/sha256-speed/Kbuild)
# Every userspace C file, found rather than listed: a new one is checked
# from its first commit.
mapfile -t USER_SOURCES < <(cd "$KFTP_REPO" && ls user/*.c tests/fuzz/*.c bench/*.c)

n=0 passed=0 failed=0
report() {
	local verdict=$1 name=$2 log=${3:-}
	n=$((n + 1))
	if [ "$verdict" = ok ]; then
		passed=$((passed + 1))
		printf 'ok %d - lint: %s\n' "$n" "$name"
	else
		failed=$((failed + 1))
		printf 'not ok %d - lint: %s\n' "$n" "$name"
		[ -z "$log" ] || sed 's/^/#   /' "$log" | head -n 40
	fi
}

checkpatch_path() {
	local dir=$KFTP_BUILD_DIR/checkpatch tarball
	if [ ! -x "$dir/scripts/checkpatch.pl" ]; then
		tarball=$(ls /usr/src/linux-source-6.1.tar.xz 2>/dev/null) ||
			die "no /usr/src/linux-source-6.1.tar.xz: run tests/deps.sh --lint"
		mkdir -p "$dir"
		tar -xJf "$tarball" -C "$dir" --strip-components=1 \
			linux-source-6.1/scripts/checkpatch.pl \
			linux-source-6.1/scripts/spelling.txt \
			linux-source-6.1/scripts/const_structs.checkpatch
	fi
	printf '%s\n' "$dir/scripts/checkpatch.pl"
}

lint_checkpatch() {
	local cp f log=$work/checkpatch.log
	cp=$(checkpatch_path)
	for f in "${KERNEL_SOURCES[@]}"; do
		# --terse: one line per finding; anything printed is a finding.
		if "$cp" --strict --no-tree --terse --show-types -f "$KFTP_REPO/$f" \
			>"$log" 2>&1 && ! grep -qE ': (ERROR|WARNING|CHECK):' "$log"; then
			report ok "checkpatch --strict $f"
		else
			report "not ok" "checkpatch --strict $f" "$log"
		fi
	done
}

# Build a private copy, so the tree's own kftp.ko (in use by VM runs for
# another kernel) is never replaced behind anyone's back.
lint_kernel_build() {
	local kver=$1 what=$2 flags=$3 f built=1
	local dir=$work/build-$kver-${what//=/} log=$work/$kver-${what//=/}.log
	mkdir -p "$dir/include"
	cp "$KFTP_REPO/Kbuild" "$dir/"
	for f in "${KERNEL_SOURCES[@]}" "${OWN_KBUILDS[@]}"; do
		mkdir -p "$dir/$(dirname "$f")"
		cp "$KFTP_REPO/$f" "$dir/$f"
	done
	# shellcheck disable=SC2086 # $flags is a list of make variables
	make -C "/lib/modules/$kver/build" M="$dir" KFTP_VERSION=lint $flags \
		modules >"$log" 2>&1 || built=
	for f in "${OWN_KBUILDS[@]}"; do
		# shellcheck disable=SC2086
		make -C "/lib/modules/$kver/build" M="$dir/${f%/Kbuild}" \
			$flags modules >>"$log" 2>&1 || built=
	done
	if [ -n "$built" ] && ! grep -qE 'warning:|error:|sparse:' "$log"; then
		report ok "$what build on $kver: no warnings"
	else
		grep -E 'warning|error|sparse' "$log" >"$log.findings" ||
			tail -n 20 "$log" >"$log.findings"
		report "not ok" "$what build on $kver: no warnings" "$log.findings"
	fi
}

lint_user() {
	local log=$work/user.log f
	# In a copy, with the projects' own Makefiles (and so their flags).
	mkdir -p "$work/u/tests"
	cp -r "$KFTP_REPO/user" "$KFTP_REPO/include" "$work/u/"
	cp -r "$KFTP_REPO/tests/fuzz" "$work/u/tests/"
	if make -s -C "$work/u/user" clean all >"$log" 2>&1 &&
	   make -s -C "$work/u/tests/fuzz" clean all >>"$log" 2>&1 &&
	   ! grep -q 'warning:' "$log"; then
		report ok "userspace builds with -Wall -Wextra -Werror"
	else
		report "not ok" "userspace builds with -Wall -Wextra -Werror" "$log"
	fi
	for f in "${USER_SOURCES[@]}"; do
		if cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
			-I "$KFTP_REPO/include/uapi" -D_GNU_SOURCE "$KFTP_REPO/$f" \
			>"$log" 2>&1; then
			report ok "cppcheck $f"
		else
			report "not ok" "cppcheck $f" "$log"
		fi
	done
}

lint_man() {
	local log=$work/man.log
	if "$KFTP_REPO/tests/lint-man.sh" >"$log" 2>&1; then
		report ok "man pages lint clean (mandoc -T lint, groff -ww)"
	else
		report "not ok" "man pages lint clean (mandoc -T lint, groff -ww)" "$log"
	fi
}

lint_deb() {
	local log=$work/deb.log name="lintian: source and .debs, no error or warning"
	if ! "$KFTP_REPO/tests/build-deb.sh" --source "$work/deb" >"$log" 2>&1; then
		report "not ok" "$name" "$log"
		return
	fi
	# -EvIL +pedantic: every tag is shown (info and pedantic ones do not
	# fail); --fail-on makes warnings fail as errors do.
	if lintian -EvIL +pedantic --fail-on error,warning "$work"/deb/*.changes \
		>"$log" 2>&1; then
		report ok "$name"
		# (grep finds nothing when lintian had nothing to say)
		grep -v 'running with root privileges' "$log" | sed 's/^/#   /' || true
	else
		report "not ok" "$name" "$log"
	fi
}

main() {
	local kver kvers=("$@")
	[ ${#kvers[@]} -gt 0 ] || mapfile -t kvers < <(installed_kvers)
	[ ${#kvers[@]} -gt 0 ] || die "no kernel with headers installed (run tests/deps.sh)"
	work=$(mktemp -d)
	trap 'rm -rf -- "$work"' EXIT

	lint_checkpatch
	for kver in "${kvers[@]}"; do
		lint_kernel_build "$kver" sparse "C=2"
		lint_kernel_build "$kver" W=1 "W=1"
	done
	lint_user
	lint_man
	lint_deb
	printf '%d passed, %d failed\n' "$passed" "$failed"
	[ "$failed" -eq 0 ]
}

main "$@"
