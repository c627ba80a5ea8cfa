#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The HTML page of carbon-report track, opened in headless Chromium, draws its
# chart (issue 6): a screenshot holds one bar per project, top to bottom in
# rank order, each as long as its kg CO2e says. The page is
# tests/golden/track/track.html, which test_track.sh holds equal to what track
# prints, so no cluster or database is needed here; give another page as $1.
# tests/integration/png_bars.py finds the bars in the screenshot.
# Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

if ! command -v chromium > /dev/null; then
	echo "1..0 # SKIP chromium not installed (tests/install-deps.sh installs it)"
	exit 0
fi
if ! command -v python3 > /dev/null; then
	echo "1..0 # SKIP python3 not installed (tests/install-deps.sh installs it)"
	exit 0
fi

page=${1:-$top/tests/golden/track/track.html}
page=$(cd "$(dirname "$page")" && pwd)/$(basename "$page")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/carbon-render.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Every pixel of the chart must fall inside the window: the screenshot is
# of the viewport only.
width=1000
height=800
# Length tolerance in px: a bar's end is antialiased into a blend of green
# and white, which png_bars.py does not count, so a bar ends up to a pixel
# short of its rect's width, and the expected length carries the same
# rounding from the longest bar.
slack=2

# attr NAME TAG: the value of attribute NAME in the element TAG.
attr() { sed -n "s/.* $1=\"\([^\"]*\)\".*/\1/p" <<<"$2"; }

mapfile -t rects < <(grep -o '<rect class="bar"[^>]*>' "$page")
projects=() ranks=() values=() heights=() fills=()
for r in "${rects[@]}"; do
	projects+=("$(attr data-project "$r")")
	ranks+=("$(attr data-rank "$r")")
	values+=("$(attr data-value "$r")")
	heights+=("$(attr height "$r")")
	fills+=("$(attr fill "$r")")
done
# The colour the bars are found by is the one the page gives them.
fill=${fills[0]:-#2e7d32}

echo "1..5"
# A profile of its own: the test leaves nothing in root's home and does not
# share a profile lock with a browser that may be open. --no-sandbox: as
# root, Chromium refuses to start with it. Scale 1: one CSS px is one
# pixel, whatever the machine's display settings.
timeout 60 chromium --headless --no-sandbox --disable-gpu \
	--user-data-dir="$tmp/profile" --force-device-scale-factor=1 \
	--hide-scrollbars --window-size="$width,$height" \
	--screenshot="$tmp/track.png" "file://$page" > "$tmp/chromium.log" 2>&1
rc=$?
if [ "$rc" = 0 ] && [ -s "$tmp/track.png" ]; then
	ok "chromium --headless renders $(basename "$page") to a ${width}x${height} PNG ($(chromium --version 2>/dev/null))"
else
	not_ok "chromium --headless renders $(basename "$page") to a ${width}x${height} PNG (exit $rc)"
	grep -v dbus "$tmp/chromium.log" | head -20 | sed 's/^/# /'
fi

# bars[i]: "TOP HEIGHT LEFT LENGTH" of the i-th bar from the top, in px.
mapfile -t bars < <(python3 "$top/tests/integration/png_bars.py" "$tmp/track.png" "${fill#\#}" 2> "$tmp/png.err")
sed 's/^/# /' "$tmp/png.err"
lengths=()
for i in "${!bars[@]}"; do
	read -r top_px h_px left_px len_px <<<"${bars[$i]}"
	lengths+=("$len_px")
	echo "# bar $((i + 1)): ${projects[$i]:-?} ${values[$i]:-?} kg CO2e, $len_px px long, $h_px px tall, at x $left_px y $top_px"
done

check "the screenshot shows ${#bars[@]} bars of $fill, one per project in the page (${#rects[@]}: ${projects[*]})" \
	eval '[ "${#rects[@]}" -gt 0 ] && [ "${#bars[@]}" = "${#rects[@]}" ]'

# The page lists the rects by rank; the screenshot must show them in that
# order, the largest on top.
in_order() {
	local i
	for i in "${!ranks[@]}"; do
		[ "${ranks[$i]}" = $((i + 1)) ] || return 1
	done
	for ((i = 1; i < ${#lengths[@]}; i++)); do
		[ "${lengths[$i]}" -le "${lengths[$((i - 1))]}" ] || return 1
		awk -v a="${values[$((i - 1))]}" -v b="${values[$i]}" 'BEGIN { exit !(b <= a) }' || return 1
	done
	[ "${#lengths[@]}" -gt 0 ]
}
check "top to bottom, the bars are in rank order, each no longer than the one above (${lengths[*]} px)" in_order

# Proportional: bar i is as long as the top bar scaled by value i / value 1.
proportional() {
	local i
	[ "${#lengths[@]}" -gt 0 ] && [ "${#lengths[@]}" = "${#values[@]}" ] || return 1
	for i in "${!lengths[@]}"; do
		awk -v l="${lengths[$i]}" -v v="${values[$i]}" -v l1="${lengths[0]}" -v v1="${values[0]}" -v s="$slack" \
			'BEGIN { d = l - l1 * v / v1; if (d < 0) d = -d; exit !(v1 > 0 && d <= s) }' || return 1
	done
}
expected=$(for i in "${!values[@]}"; do
	awk -v v="${values[$i]}" -v l1="${lengths[0]:-0}" -v v1="${values[0]:-1}" 'BEGIN { printf "%.1f ", l1 * v / v1 }'
done)
check "each bar's length is proportional to its data-value within $slack px (expected ${expected% } px)" proportional

same_heights() {
	local i
	[ "${#bars[@]}" = "${#heights[@]}" ] || return 1
	for i in "${!bars[@]}"; do
		read -r _ h_px _ _ <<<"${bars[$i]}"
		[ "$h_px" = "${heights[$i]}" ] || return 1
	done
}
check "each bar is as tall as its rect (${heights[*]} px): whole bars, none cut off or merged" same_heights
