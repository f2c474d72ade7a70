# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# kmemleak in the debug guest (tests/debug/), for the lane (guest-lane.sh)
# and its proof (guest-proof.sh): the same checker judges both. Sourced by
# guest scripts after tests/guest/lib.sh, never executed.
#
#   kmemleak_ready          debugfs mounted, kmemleak on; 0 if usable
#   kmemleak_baseline       scan, then clear: what the boot left behind
#                           (core-kernel false positives) is not reported
#                           again, only objects allocated from here on
#   kmemleak_scan FILE      drop the page cache, wait out kmemleak's
#                           minimum object age (5 s), scan twice (an
#                           object is reported only once two scans found
#                           it unreferenced), save the report
#   kmemleak_module_objects FILE MOD
#                           print the report's objects allocated by module
#                           code: a backtrace frame that names [MOD], or one
#                           that no symbol explains, outside the kernel
#                           image (a module's text: after rmmod its frames
#                           print as bare addresses). The lane loads no
#                           module but kftp, so those are kftp's. 0 iff it
#                           printed any.
#
# A backtrace line reads "    [<%p>] %pS": the first address is hashed (no
# use), the %pS part is "func+0x1c/0x80 [mod]", "func+0x1c/0x80" for the
# kernel itself, or "0xffffffffc0a01c3d" where no symbol is known.

KMEMLEAK=/sys/kernel/debug/kmemleak
# Objects younger than this are never reported (mm/kmemleak.c MSECS_MIN_AGE).
KMEMLEAK_MIN_AGE=6

kmemleak_ready() {
	[ -e "$KMEMLEAK" ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	[ -r "$KMEMLEAK" ] || { diag "$KMEMLEAK missing (kernel without kmemleak?)"; return 1; }
	# A disabled kmemleak (pool exhausted at boot, an error) refuses writes.
	echo scan >"$KMEMLEAK" 2>/dev/null || {
		diag "kmemleak does not scan: $(dmesg | grep -m3 kmemleak)"
		return 1
	}
}

kmemleak_baseline() {
	echo scan >"$KMEMLEAK" && echo clear >"$KMEMLEAK"
}

kmemleak_scan() {
	local out=$1
	# Page cache dropped first: a scan reads the struct page of every page
	# in use, which costs minutes under TCG in a guest of gigabytes.
	sync
	echo 3 >/proc/sys/vm/drop_caches
	sleep "$KMEMLEAK_MIN_AGE"
	echo scan >"$KMEMLEAK" || return 1
	echo scan >"$KMEMLEAK" || return 1
	cat "$KMEMLEAK" >"$out"
}

# Kernel image bounds from kallsyms (root sees real addresses).
kmemleak_image_bounds() {
	local text end
	text=$(awk '$3 == "_text" { print $1; exit }' /proc/kallsyms)
	end=$(awk '$3 == "_end" { print $1; exit }' /proc/kallsyms)
	[ -n "$text" ] && [ -n "$end" ] && [ "$text" != 0000000000000000 ] || return 1
	printf '%s %s\n' "$text" "$end"
}

kmemleak_module_objects() {
	local file=$1 mod=$2 line block="" hit="" any=1 text end a
	read -r text end < <(kmemleak_image_bounds) ||
		{ diag "no kernel image bounds in /proc/kallsyms"; return 2; }
	# Kernel addresses all have the top bit set: as signed 64-bit numbers
	# (bash arithmetic) they still compare in address order.
	text=$((16#$text)) end=$((16#$end))
	_kmemleak_flush() {
		if [ -n "$hit" ]; then
			printf '%s' "$block"
			any=0
		fi
		block="" hit=""
	}
	while IFS= read -r line; do
		case $line in
		"unreferenced object "*) _kmemleak_flush ;;
		esac
		block+=$line$'\n'
		case $line in
		*"[$mod]"*) hit=1 ;;
		*"[<"*">] 0x"*)
			a=${line##*>] 0x}
			[[ $a =~ ^[0-9a-f]{16}$ ]] || continue
			a=$((16#$a))
			# Only kernel addresses (top bit set).
			[ "$a" -lt 0 ] || continue
			# Outside the image: module text. (The image spans its
			# init text too, freed after boot but still inside.)
			{ [ "$a" -lt "$text" ] || [ "$a" -ge "$end" ]; } && hit=1
			;;
		esac
	done <"$file"
	_kmemleak_flush
	return $any
}
