#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The timeline of carbon-report track's page (issue 16): kg CO2e per week,
# stacked by team, opened in headless Chromium. Three teams' statements
# (fixtures written here, as statement --json writes its track member) go
# through track --from; in the screenshot each team's colour must show one
# segment per week it emitted in, top to bottom in week order, each as long
# as its kg says (the longest week is the chart's full width), the
# segments of a week side by side in the teams' order.
# tests/integration/png_bars.py finds the segments. Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

for tool in chromium python3; do
	if ! command -v $tool > /dev/null; then
		echo "1..0 # SKIP $tool not installed (tests/install-deps.sh installs it)"
		exit 0
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/carbon-timeline.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/in"
# team kg-per-day...: astro emits in weeks 1 and 3, bio in week 1, chem in
# weeks 2 and 3 (weeks from Monday 2026-03-02).
python3 - "$tmp/in" <<'PY'
import json, sys
teams = {
    "astro": [("2026-03-02", 4.0), ("2026-03-04", 2.0), ("2026-03-17", 3.0)],
    "bio": [("2026-03-06", 2.5)],
    "chem": [("2026-03-09", 1.2), ("2026-03-15", 0.3), ("2026-03-16", 1.5)],
}
for team, days in teams.items():
    kg = sum(k for _, k in days)
    t = {"jobs": len(days), "cpu_time_s": 3600.0, "cpu_time_rows": 1, "wall_s": 3600.0,
         "gpu_s": 7200.0, "gpu_jobs": 1, "it_kwh": kg * 2, "facility_kwh": kg * 3,
         "co2e_kg": kg, "first_start_s": 1772438400.0, "last_end_s": 1773792000.0,
         "imported_runs": 0, "imported_kwh": 0, "imported_kg": 0, "imported_s": 0,
         "energy_kwh": {"cpu": kg * 2, "dram": 0, "gpu": 0, "other": 0}}
    doc = {"scope": {"by": "project"}, "co2e_kg": kg,
           "track": {"version": 1, "projects": [{"project": team, "totals": t,
                     "users": [{"user": "u-" + team, "totals": t}],
                     "days": [{"day": d, "co2e_kg": k} for d, k in days]}]}}
    with open(f"{sys.argv[1]}/{team}.json", "w") as f:
        json.dump(doc, f)
PY
"$report" track --from "$tmp/in" --format html > "$tmp/page.html" 2> "$tmp/track.err"

echo "1..4"
check "track --from prints a page with the timeline's segments" \
	eval 'grep -q "<rect class=\"seg\"" "$tmp/page.html"'
# Tall enough for the whole page: the screenshot is of the viewport only.
timeout 60 chromium --headless --no-sandbox --disable-gpu \
	--user-data-dir="$tmp/profile" --force-device-scale-factor=1 \
	--hide-scrollbars --window-size=1000,2400 \
	--screenshot="$tmp/page.png" "file://$tmp/page.html" > "$tmp/chromium.log" 2>&1
rc=$?
if [ "$rc" = 0 ] && [ -s "$tmp/page.png" ]; then
	ok "chromium --headless renders the page"
else
	not_ok "chromium --headless renders the page (exit $rc)"
	grep -v dbus "$tmp/chromium.log" | head -20 | sed 's/^/# /'
fi

# The segments the page declares against those the screenshot shows.
python3 - "$tmp/page.html" "$tmp/page.png" "$top/tests/integration/png_bars.py" > "$tmp/measure" 2>&1 <<'PY'
import re, subprocess, sys
page, png, finder = sys.argv[1:4]
html = open(page).read()
segs = [dict(re.findall(r'([\w-]+)="([^"]*)"', m)) for m in re.findall(r'<rect class="seg"[^>]*>', html)]
weeks = sorted({s["data-week"] for s in segs})
sums = {w: sum(float(s["data-value"]) for s in segs if s["data-week"] == w) for w in weeks}
full = 360  # the longest week's bar, px (report/barchart.c BAR_MAX_W)
slack = 2   # antialiased ends, as test_track_render.sh
bad = 0
shown = {}
for fill in sorted({s["fill"] for s in segs}):
    out = subprocess.run([sys.executable, finder, png, fill[1:]], capture_output=True, text=True).stdout
    # Segments are bars BAR_H tall; the legend's squares are smaller.
    bars = [tuple(map(int, l.split())) for l in out.splitlines()]
    bars = [b for b in bars if b[1] >= 15]
    mine = [s for s in segs if s["fill"] == fill]
    team = mine[0]["data-project"]
    if len(bars) != len(mine):
        print(f"# {team} ({fill}): {len(mine)} segments in the page, {len(bars)} in the screenshot")
        bad += 1
        continue
    for s, (top, h, left, length) in zip(mine, bars):
        want = full * float(s["data-value"]) / max(sums.values())
        ok = abs(length - want) <= slack
        print(f"# {team} week {s['data-week']}: {s['data-value']} kg, {length} px at x {left} y {top}, expected {want:.1f}")
        shown[(s["data-week"], team)] = (top, left, length)
        bad += not ok
# Side by side: in each week, a team's segment starts where the one before ends.
for w in weeks:
    row = sorted((v for (wk, _), v in shown.items() if wk == w), key=lambda v: v[1])
    for a, b in zip(row, row[1:]):
        if a[0] != b[0] or abs(a[1] + a[2] - b[1]) > slack:
            print(f"# week {w}: segments not side by side: {a} then {b}")
            bad += 1
print("RESULT", "ok" if bad == 0 and shown else "bad")
PY
sed '/^RESULT/d' "$tmp/measure"
check "each team's colour shows one segment per week it emitted in, as long as its kg CO2e (within 2 px)" \
	grep -q "^RESULT ok" "$tmp/measure"
check "the page gives each team's kg CO2e per GPU-hour and per job (astro: 9 kg / 2 GPU-h, / 3 jobs)" \
	eval 'grep -q "CO2e per GPU-hour" "$tmp/page.html" && grep -q "<td>astro</td><td class=\"num\">4.500 kg</td><td class=\"num\">3.000 kg</td>" "$tmp/page.html"'
