#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lint the manual pages in man/: every page must be silent under
#   mandoc -T lint                      (all levels, style included)
#   groff -ww -man -z                   (all groff warnings)
#   man --warnings, at 80 columns       (what a reader's man(1) runs)
# Also checks that each page's .TH names the version in VERSION, and,
# when user/kftp-get and user/kftpstat are built, that each one's page covers
# every option and exit status that its -h lists.
#
# Usage: tests/lint-man.sh [PAGE...]     (default: man/*.[1-9])
# Output: "ok - man: PAGE lint clean" / "not ok - man: PAGE lint clean" per
# page (with the warnings as "# " lines), then the extra checks. Exits
# non-zero if anything failed. Runs on the host; needs mandoc, groff-base and
# man-db (tests/deps.sh).
set -u -o pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO" || exit 1

export LC_ALL=C.UTF-8 MANWIDTH=80
# man(1) must format for a terminal, not page, whatever the caller has set.
unset MANPAGER PAGER MANOPT MANROFFOPT GROFF_TMAC_PATH

failed=0

# shellcheck source=tests/tap.sh
. "$REPO/tests/tap.sh"

result() {	# result OK|FAIL NAME [DIAGNOSTICS]
	if [ "$1" = OK ]; then
		printf 'ok - man: %s\n' "$2"
	else
		printf 'not ok - man: %s\n' "$2"
		[ -z "${3:-}" ] || diag "$3"
		failed=1
	fi
}

missing=
for tool in mandoc groff man; do
	command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done

# lint_page FILE: print every warning of the three tools; nothing if clean.
lint_page() {
	local f=$1 out
	# mandoc prints nothing at all for a clean page.
	out=$(mandoc -T lint -W all "$f" 2>&1)
	[ -z "$out" ] || printf 'mandoc -T lint:\n%s\n' "$out"
	out=$(groff -ww -man -z "$f" 2>&1)
	[ -z "$out" ] || printf 'groff -ww -man -z:\n%s\n' "$out"
	# man needs a path with a slash (or -l) to read a file, not a name.
	out=$(man --warnings -l "$f" 2>&1 >/dev/null)
	[ -z "$out" ] || printf 'man --warnings:\n%s\n' "$out"
}

declare -a pages=("$@")
if [ "${#pages[@]}" -eq 0 ]; then
	shopt -s nullglob
	pages=(man/*.[1-9])
	shopt -u nullglob
fi
if [ "${#pages[@]}" -eq 0 ]; then
	result FAIL "pages found" "no man/*.[1-9] in $REPO"
fi

for page in "${pages[@]}"; do
	name=${page##*/}
	if [ ! -f "$page" ]; then
		result FAIL "$name lint clean" "$page: no such file"
	elif [ -n "$missing" ]; then
		result FAIL "$name lint clean" "not installed:$missing (run tests/deps.sh)"
	else
		out=$(lint_page "$page")
		if [ -z "$out" ]; then
			result OK "$name lint clean"
		else
			result FAIL "$name lint clean" "$out"
		fi
	fi
done

# The footer's version ("kftp 0.1.0", the 4th .TH argument) follows the
# one version source, the file VERSION.
version=$(head -n 1 VERSION 2>/dev/null)
bad=
for page in "${pages[@]}"; do
	[ -f "$page" ] || continue
	grep -q "^\.TH .* \"kftp $version\"" "$page" ||
		bad="$bad${bad:+$'\n'}$page: .TH does not name \"kftp $version\": $(grep -m1 '^\.TH' "$page")"
done
if [ -z "$version" ]; then
	result FAIL ".TH versions match VERSION" "no version in the file VERSION"
elif [ -n "$bad" ]; then
	result FAIL ".TH versions match VERSION ($version)" "$bad"
else
	result OK ".TH versions match VERSION ($version)"
fi

# Each command's page against its own help: every long option and every
# exit status of `CMD -h` must be in the page.
for cmd in kftp-get kftpstat; do
	cli=user/$cmd
	page=man/$cmd.1
	if [ -x "$cli" ] && [ -f "$page" ]; then
		help=$("$cli" -h 2>&1)
		# The page as plain text, wide enough not to break lines, with the
		# overstrike (bold, underline) removed.
		text=$(mandoc -T ascii -O width=200 "$page" 2>/dev/null | sed 's/.\x08//g')
		bad=
		while read -r opt; do
			grep -qF -- "$opt" <<<"$text" || bad="$bad option $opt;"
		done < <(grep -oE -- '--[a-z][a-z-]*' <<<"$help" | sort -u)
		# Exit status lines of the help: "  N    text" (N one or two digits,
		# and the "128+N" line).
		codes=$(sed -n '/^Exit status:/,$ s/^  \([0-9][0-9]*\(+N\)\{0,1\}\)  .*/\1/p' <<<"$help")
		sect=$(sed -n '/^EXIT STATUS/,/^[A-Z]/p' <<<"$text")
		for c in $codes; do
			grep -qE "^ +${c//+/\\+}( |\$)" <<<"$sect" ||
				bad="$bad exit status $c;"
		done
		if [ -z "$codes" ]; then
			result FAIL "$cmd.1 covers $cmd -h" "no exit statuses found in $cmd -h"
		elif [ -n "$bad" ]; then
			result FAIL "$cmd.1 covers $cmd -h" "missing from $page:$bad"
		else
			result OK "$cmd.1 covers $cmd -h ($(wc -w <<<"$codes") exit statuses)"
		fi
	else
		diag "$cli not built: $cmd.1 not compared with $cmd -h (run make user)"
	fi
done

exit "$failed"
