#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The packages, built from a copy of this tree as a packager would:
# dpkg-buildpackage -us -uc -b builds slurm-carbon-plugin and carbon-report;
# their contents, conffiles, dependencies and maintainer scripts are read with
# dpkg-deb, and the postinst is run against a scratch root (DPKG_ROOT). The
# units from the .debs pass systemd-analyze verify. Then, as root, the .debs
# are installed on this machine and README's cluster steps are followed in
# the harness's real cluster until a job's records arrive; dpkg --purge
# leaves the machine as it was found (see "installed on this machine"
# below). Then make dist in that copy, and rpmbuild -ta --nodeps on the
# tarball (Debian's rpm cannot see Debian's packages as BuildRequires) into a
# scratch topdir.
# The unit tests are left to make check: both builds run without them
# (DEB_BUILD_OPTIONS=nocheck, rpmbuild --without check).
# Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

for c in dpkg-buildpackage dh fakeroot dpkg-deb git; do
	if ! command -v "$c" > /dev/null; then
		echo "1..0 # SKIP $c not installed (tests/install-deps.sh installs debhelper, fakeroot, rpm)"
		exit 0
	fi
done
if ! git -C "$top" rev-parse --is-inside-work-tree > /dev/null 2>&1; then
	echo "1..0 # SKIP $top is not a git checkout (the packages are built from its files)"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/carbon-packages.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT	# so that the EXIT trap runs (timeout signals the whole group)
trap 'exit 143' TERM
src=$tmp/build/slurm-carbon
mkdir -p "$src"
# The tree's files as git sees them (committed or not, nothing ignored): what
# a fresh clone of this state holds.
(cd "$top" && git ls-files -z -co --exclude-standard | tar --null -cf - -T -) | tar -xf - -C "$src"

multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
plugindir=usr/lib/$multiarch/slurm-wlm

# --- build the .debs
if (cd "$src" && DEB_BUILD_OPTIONS=nocheck nice -n 10 dpkg-buildpackage -us -uc -b) \
	> "$tmp/dpkg-buildpackage.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b builds"
else
	not_ok "dpkg-buildpackage -us -uc -b builds"
	tail -n 40 "$tmp/dpkg-buildpackage.log" | sed 's/^/# /'
fi
plugin_deb=$(ls "$tmp"/build/slurm-carbon-plugin_*.deb 2>/dev/null | head -n 1)
report_deb=$(ls "$tmp"/build/carbon-report_*.deb 2>/dev/null | head -n 1)
check "slurm-carbon-plugin and carbon-report .debs are there" test -f "$plugin_deb" -a -f "$report_deb"
[ -f "$plugin_deb" ] || plugin_deb=/nonexistent
[ -f "$report_deb" ] || report_deb=/nonexistent

version=$(sed -n 's/^AC_INIT(\[slurm-carbon\], \[\([^]]*\)\].*/\1/p' "$top/configure.ac")
deb_version=$(dpkg-deb -f "$plugin_deb" Version 2> /dev/null)
check "the packages' version is configure.ac's ($deb_version = $version)" test -n "$version" -a "$deb_version" = "$version"

dpkg-deb -c "$plugin_deb" 2> /dev/null | awk '{ print $NF }' | sed 's|^\./|/|' > "$tmp/plugin.files"
dpkg-deb -c "$report_deb" 2> /dev/null | awk '{ print $NF }' | sed 's|^\./|/|' > "$tmp/report.files"
has_files() {	# has_files LIST PATH...: every PATH is in LIST
	local list=$1 f missing=
	shift
	for f; do grep -qxF "$f" "$list" || missing+=" $f"; done
	[ -z "$missing" ] || echo "# missing:$missing"
	[ -z "$missing" ]
}
check "slurm-carbon-plugin holds the plugin, carbon-nodemeter, their man pages and unit, the example and the plugstack.conf.d line" \
	has_files "$tmp/plugin.files" "/$plugindir/spank_carbon.so" "/$plugindir/spank_carbon_store.so" \
	/usr/sbin/carbon-nodemeter /lib/systemd/system/carbon-nodemeter.service \
	/usr/share/man/man8/spank_carbon.8.gz /usr/share/man/man5/carbon.conf.5.gz \
	/usr/share/man/man8/carbon-nodemeter.8.gz \
	/usr/share/doc/slurm-carbon-plugin/examples/carbon.conf.example \
	/etc/slurm/plugstack.conf.d/carbon.conf /usr/share/doc/slurm-carbon-plugin/copyright
check "carbon-report holds the CLI, its man page and the spool flush service and timer" \
	has_files "$tmp/report.files" /usr/bin/carbon-report /usr/share/man/man1/carbon-report.1.gz \
	/lib/systemd/system/carbon-spool-flush.service /lib/systemd/system/carbon-spool-flush.timer
check "no libtool .la file in either package" \
	sh -c '! grep -h "\.la$" "$1" "$2"' - "$tmp/plugin.files" "$tmp/report.files"

dpkg-deb -e "$plugin_deb" "$tmp/plugin.ctl" 2> /dev/null
check "conffiles: /etc/slurm/plugstack.conf.d/carbon.conf (got: $(tr '\n' ' ' < "$tmp/plugin.ctl/conffiles" 2> /dev/null))" \
	grep -qx /etc/slurm/plugstack.conf.d/carbon.conf "$tmp/plugin.ctl/conffiles"

# Slurm loads the plugin only in the release series it was built for.
depends=$(dpkg-deb -f "$plugin_deb" Depends 2> /dev/null)
slurm_dev=$(dpkg-query -W -f='${Version}' libslurm-dev 2> /dev/null)
series_ok() {
	local lo hi
	lo=$(sed -n 's/.*slurm-wlm-basic-plugins (>= \([^)]*\)).*/\1/p' <<< "$depends")
	hi=$(sed -n 's/.*slurm-wlm-basic-plugins (<< \([^)]*\)).*/\1/p' <<< "$depends")
	[ -n "$lo" ] && [ -n "$hi" ] && [ -n "$slurm_dev" ] &&
		dpkg --compare-versions "$slurm_dev" ge "$lo" &&
		dpkg --compare-versions "$slurm_dev" lt "$hi" &&
		dpkg --compare-versions "${lo%\~}.99" lt "$hi"	# one series wide
}
check "slurm-carbon-plugin depends on the Slurm series it was built with (libslurm-dev $slurm_dev; Depends: $depends)" series_ok
check "its other dependencies come from shlibs (libpq5, libinih1)" \
	bash -c 'grep -q "libpq5" <<< "$1" && grep -q "libinih1" <<< "$1"' - "$depends"

root=$tmp/root
mkdir -p "$root"
dpkg-deb -x "$plugin_deb" "$root" 2> /dev/null
dpkg-deb -x "$report_deb" "$root" 2> /dev/null
snippet=$root/etc/slurm/plugstack.conf.d/carbon.conf
check "the plugstack.conf.d line loads spank_carbon.so from Slurm's PluginDir, optional" \
	sh -c '[ "$(grep -v "^[[:space:]]*#" "$1" | grep -v "^[[:space:]]*$")" = "optional spank_carbon.so" ]' - "$snippet"
check "the packaged carbon-report runs (--version)" quiet "$root/usr/bin/carbon-report" --version

# --- postinst, run against the scratch root; deb-systemd-helper is a stub
# there (the real one would record state in this machine's /var/lib/systemd).
mkdir -p "$tmp/stub"
# As on a first install: the unit was never installed or enabled before.
printf '#!/bin/sh\necho "$*" >> "%s"\ncase "$*" in *debian-installed* | *was-enabled*) exit 1 ;; esac\nexit 0\n' \
	"$tmp/stub.calls" > "$tmp/stub/deb-systemd-helper"
chmod 755 "$tmp/stub/deb-systemd-helper"
run_postinst() {
	DPKG_ROOT=$root PATH="$tmp/stub:$PATH" sh "$tmp/plugin.ctl/postinst" configure "$@"
}
spool=$root/var/spool/slurm-carbon
if run_postinst > "$tmp/postinst.out" 2>&1; then
	check "postinst configure makes the spool directory root's, 0700 ($(stat -c '%U:%G %a' "$spool" 2> /dev/null))" \
		[ "$(stat -c '%U:%G %a' "$spool" 2> /dev/null)" = "root:root 700" ]
else
	not_ok "postinst configure runs"
	sed 's/^/# /' "$tmp/postinst.out"
fi
chmod 755 "$spool" 2> /dev/null
run_postinst "$version" > "$tmp/postinst.out" 2>&1
check "postinst on upgrade makes an opened spool directory 0700 again" \
	[ "$(stat -c '%a' "$spool" 2> /dev/null)" = 700 ]
check "postinst neither enables nor starts carbon-nodemeter" \
	sh -c '! grep -q "^enable" "$1" && ! grep -q "deb-systemd-invoke\|systemctl.*start" "$2"' - \
	"$tmp/stub.calls" "$tmp/plugin.ctl/postinst"

# --- the units, as installed: ExecStart names the extracted binaries, and
# man pages are looked up in the extracted tree.
if command -v systemd-analyze > /dev/null; then
	mkdir -p "$tmp/units"
	for u in carbon-nodemeter.service carbon-spool-flush.service carbon-spool-flush.timer; do
		sed -e "s|^ExecStart=/|ExecStart=$root/|" "$root/lib/systemd/system/$u" > "$tmp/units/$u"
	done
	(cd "$tmp/units" && MANPATH=$root/usr/share/man systemd-analyze verify \
		./carbon-nodemeter.service ./carbon-spool-flush.service ./carbon-spool-flush.timer) \
		> "$tmp/verify.out" 2>&1
	verify_rc=$?
	check "systemd-analyze verify passes on the packaged units, without a warning" \
		test "$verify_rc" = 0 -a ! -s "$tmp/verify.out"
	sed 's/^/# /' "$tmp/verify.out"
else
	ok "# SKIP systemd-analyze verify: systemd-analyze not installed"
fi
flush=$root/lib/systemd/system/carbon-spool-flush.service
check "carbon-spool-flush.service runs carbon-report spool flush once, with the site's carbon.conf" \
	sh -c 'grep -qx "Type=oneshot" "$1" &&
		grep -qx "ExecStart=/usr/bin/carbon-report --config /etc/slurm/carbon.conf spool flush" "$1"' - "$flush"
check "carbon-spool-flush.timer fires every 5 minutes, spread by RandomizedDelaySec" \
	sh -c 'grep -qx "OnCalendar=\*:0/5" "$1" && grep -q "^RandomizedDelaySec=" "$1"' - \
	"$root/lib/systemd/system/carbon-spool-flush.timer"

# --- the packages installed on this machine, and README's cluster steps
# followed as written: the blocks of README.md marked
# "<!-- test_packages.sh: NAME -->" run here, with only the database's
# address and the user's name put in, so README and this test cannot drift.
# The cluster (tests/harness) reads Debian's /etc/slurm/plugstack.conf, which
# includes the packaged plugstack.conf.d line, and Slurm's own PluginDir,
# where the packages put the modules. Everything that touches the system
# happens while the harness's lock is held (no other test's cluster can read
# the installed line), and restore_machine undoes it on any exit: dpkg
# --purge, the files the steps wrote, the spool directory as it was.

# readme_block NAME: the body of the fenced block after the marker NAME,
# without the list item's indentation.
readme_block() {
	awk -v m="<!-- test_packages.sh: $1 -->" '
		index($0, m) { want = 1; next }
		want && !in_block && /^[[:space:]]*```/ {
			in_block = 1; match($0, /^[[:space:]]*/); indent = RLENGTH; next
		}
		in_block && /^[[:space:]]*```/ { exit }
		in_block { print substr($0, indent + 1) }' "$top/README.md"
}

snippet_path=/etc/slurm/plugstack.conf.d/carbon.conf
install_part() {
	# Not local: restore_machine reads them on exit, after this returns.
	spool=/var/spool/slurm-carbon snippet=$snippet_path
	site_conf=/etc/slurm/carbon.conf spool_before=
	local pg j1 j2 status user_db
	result() {	# result DESCRIPTION COMMAND...: one "ok|fail" line
		local what=$1
		shift
		if "$@" >> "$tmp/install.detail" 2>&1; then
			echo "ok $what"
		else
			echo "fail $what"
		fi >> "$tmp/cluster.results"
	}
	for pkg in slurm-carbon-plugin carbon-report; do
		status=$(dpkg-query -W -f='${Status}' "$pkg" 2> /dev/null)
		if [ -n "$status" ] && [ "$status" != "unknown ok not-installed" ]; then
			echo "skip $pkg is on this machine already ($status); the test would replace it" >> "$tmp/cluster.results"
			return 0
		fi
	done
	if [ -e "$site_conf" ]; then
		echo "skip $site_conf exists on this machine; the test writes its own" >> "$tmp/cluster.results"
		return 0
	fi
	if ! grep -qx 'include /etc/slurm/plugstack.conf.d/\*.conf' /etc/slurm/plugstack.conf 2> /dev/null; then
		echo "skip /etc/slurm/plugstack.conf does not include plugstack.conf.d (slurm-wlm-basic-plugins' does)" >> "$tmp/cluster.results"
		return 0
	fi
	. "$top/tests/harness/harness.sh"
	harness_skip_all() { echo "skip $*" >> "$tmp/cluster.results"; exit 0; }
	harness_start --plugstack /etc/slurm/plugstack.conf > /dev/null
	[ -d "$spool" ] && spool_before=$(stat -c '%u:%g %a' "$spool")
	restore_machine() {
		local rc=$?
		local -
		set +eu
		dpkg --purge carbon-report slurm-carbon-plugin > "$tmp/purge.out" 2>&1
		rm -f "$site_conf"
		if [ -z "$spool_before" ]; then
			rm -rf "$spool"
		elif [ -d "$spool" ]; then
			chown "${spool_before% *}" "$spool"
			chmod "${spool_before#* }" "$spool"
		fi
		return "$rc"
	}
	trap 'restore_machine; harness_stop' EXIT
	# A spool directory left open by an earlier installation: postinst
	# closes it again.
	[ -n "$spool_before" ] && chmod 0755 "$spool"

	# README: build and install (here on the copy's packages, already built)
	readme_block install | sed '/^dpkg-buildpackage/d' > "$tmp/install.sh"
	result "README's packages block installs the .debs it built (apt-get install)" \
		bash -c 'cd "$1" && bash -ex "$2" < /dev/null' - "$src" "$tmp/install.sh"
	result "both packages are installed" \
		sh -c '[ "$(dpkg-query -W -f="\${Status}" slurm-carbon-plugin carbon-report)" = \
			"install ok installedinstall ok installed" ]'
	result "postinst made the spool directory $spool root's, 0700 ($(stat -c '%U:%G %a' "$spool" 2> /dev/null))" \
		[ "$(stat -c '%U:%G %a' "$spool" 2> /dev/null)" = "root:root 700" ]
	result "carbon-report on PATH is the packaged one" \
		[ "$(command -v carbon-report)" = /usr/bin/carbon-report ]
	result "dpkg lists the plugstack.conf.d line as a conffile" \
		sh -c 'dpkg-query -W -f="\${Conffiles}\n" slurm-carbon-plugin | grep -q "^ $1 "' - "$snippet"

	# Step 1 is the package's. Before step 2, each step says that
	# /etc/slurm/carbon.conf is missing, and the job runs.
	j1=$(harness_as_user sbatch --parsable --carbon-tag=pkg-line --wrap 'srun -n1 true' 2>&1)
	status=$(harness_wait_job "$j1" 60)
	result "the installed plugstack.conf.d line loads spank_carbon.so from Slurm's PluginDir: sbatch takes --carbon-tag, the job runs ($status), steps ask for $site_conf (job $j1)" \
		grep -q "\[$j1\.0\] error: carbon: $site_conf: cannot open" "$HARNESS_SLURMD_LOG"
	[ "$status" = "COMPLETED 0:0" ] || echo "fail job $j1 without carbon.conf ended $status" >> "$tmp/cluster.results"

	# Step 3: the database, as its superuser (libpq's environment names
	# the harness's server); the harness's empty database carbon is made
	# again by README's createdb.
	pg=(env PGHOST="$HARNESS_PGHOST" PGPORT="$HARNESS_PGPORT" PGUSER="$HARNESS_PGUSER")
	"${pg[@]}" dropdb carbon
	readme_block database > "$tmp/database.sh"
	result "README's database block runs (createdb, db init, db status)" \
		"${pg[@]}" bash -ex "$tmp/database.sh"
	readme_block roles | sed "s/alice/$HARNESS_USER/g" > "$tmp/roles.sql"
	result "README's roles block runs (the job's user as alice)" \
		"${pg[@]}" psql -X -q -v ON_ERROR_STOP=1 -d carbon -f "$tmp/roles.sql"

	# Step 2: carbon.conf, root's, 0644, the database at the harness's
	readme_block carbon.conf |
		sed "s|host=db1|host=$HARNESS_PGHOST port=$HARNESS_PGPORT|" > "$site_conf"
	chmod 0644 "$site_conf"
	result "README's carbon.conf names the database only by host (put in: the harness's)" \
		grep -q "^conninfo *= host=$HARNESS_PGHOST port=$HARNESS_PGPORT dbname=carbon user=carbon_writer" "$site_conf"

	j2=$(harness_as_user sbatch --parsable --carbon-tag=pkg-run \
		--wrap "srun -n1 sh -c 'timeout 3 sha256sum /dev/zero; true'" 2>&1)
	harness_wait_job "$j2" 60 > /dev/null
	# shellcheck disable=SC2034 # read by wait_records (tap.sh)
	admin_db="$HARNESS_CONNINFO user=$HARNESS_PGUSER"
	result "job $j2's three records arrive (extern, batch, 0)" wait_records "$j2" 3
	# The user names their own connection, as README's "Connection" says
	# where the site's carbon.conf (the writer's) is readable.
	user_db="host=$HARNESS_PGHOST port=$HARNESS_PGPORT dbname=carbon"
	harness_as_user carbon-report -d "$user_db" job "$j2" > "$tmp/job.txt" 2>&1
	harness_as_user carbon-report -d "$user_db" job "$j2" --json > "$tmp/job.json" 2>&1
	result "the user's own carbon-report job shows it (the job user's role, as README's roles block made it)" \
		grep -q "^Job $j2 .* user $HARNESS_USER .* tag pkg-run" "$tmp/job.txt"
	result "its JSON holds the three steps and energy" \
		jq -e --arg t pkg-run '.tag == $t and .energy_kwh.it > 0 and
			([.steps[].step] | sort) == (["0", "batch", "extern"] | sort)' "$tmp/job.json"
	readme_block flush > "$tmp/flush.sh"
	result "README's spool flush runs on the node" bash -ex "$tmp/flush.sh"

	# Conffiles: a site's edit survives reinstalling, and a remove; purge
	# takes the line away.
	echo "# edited by the site" >> "$snippet"
	dpkg -i "$plugin_deb" < /dev/null >> "$tmp/install.detail" 2>&1
	result "reinstalling keeps the site's edit of $snippet" grep -qx "# edited by the site" "$snippet"
	dpkg --remove carbon-report slurm-carbon-plugin >> "$tmp/install.detail" 2>&1
	result "dpkg --remove keeps the conffile, removes the modules" \
		sh -c 'grep -qx "# edited by the site" "$1" && [ ! -e "$2/spank_carbon.so" ] && [ ! -e /usr/bin/carbon-report ]' \
		- "$snippet" "/$plugindir"
	dpkg --purge carbon-report slurm-carbon-plugin >> "$tmp/install.detail" 2>&1
	result "dpkg --purge removes the conffile and both packages" \
		sh -c '[ ! -e "$1" ] && ! dpkg-query -W -f="\${Status}\n" slurm-carbon-plugin carbon-report 2> /dev/null | grep -qv "not-installed"' \
		- "$snippet"
}
: > "$tmp/cluster.results"
if [ "$(id -u)" != 0 ]; then
	echo "skip not root: the packages are installed with dpkg" >> "$tmp/cluster.results"
elif [ -f "$plugin_deb" ] && [ -f "$report_deb" ] && command -v jq > /dev/null; then
	(install_part) > "$tmp/cluster.log" 2>&1
else
	echo "skip the packages did not build, or no jq" >> "$tmp/cluster.results"
fi
while read -r result what; do
	case $result in
	ok) ok "$what" ;;
	skip) ok "# SKIP installing the packages: $what" ;;
	*) not_ok "$what" ;;
	esac
done < "$tmp/cluster.results"
if grep -q '^fail' "$tmp/cluster.results"; then
	tail -n 30 "$tmp/install.detail" 2> /dev/null | sed 's/^/# /'
	grep -v '^#' "$tmp/cluster.log" | tail -n 20 | sed 's/^/# /'
fi
[ -s "$tmp/cluster.results" ] || { not_ok "the installation part ran"; tail -n 30 "$tmp/cluster.log" | sed 's/^/# /'; }
grep -q '^skip' "$tmp/cluster.results" ||
check "the machine is left as found: neither package installed, no $snippet_path, no /etc/slurm/carbon.conf" \
	sh -c '! dpkg-query -W -f="\${Status}\n" slurm-carbon-plugin carbon-report 2> /dev/null | grep -qv "not-installed" &&
		[ ! -e "$1" ] && [ ! -e /etc/slurm/carbon.conf ]' - "$snippet_path"

# --- the RPM, from the make dist tarball of the same copy (configured by
# the Debian build above)
if ! command -v rpmbuild > /dev/null; then
	for what in "make dist" "rpmbuild -ta builds" "the RPMs' contents"; do
		ok "# SKIP $what: rpmbuild not installed (apt-get install rpm)"
	done
else
	tarball=$src/slurm-carbon-$version.tar.gz
	(cd "$src" && nice -n 10 make dist) > "$tmp/dist.log" 2>&1
	check "make dist makes slurm-carbon-$version.tar.gz with slurm-carbon.spec" \
		sh -c 'tar -tzf "$1" | grep -qx "slurm-carbon-$2/slurm-carbon.spec"' - "$tarball" "$version"
	if nice -n 10 rpmbuild -ta --nodeps --without check --define "_topdir $tmp/rpm" "$tarball" \
		> "$tmp/rpmbuild.log" 2>&1; then
		ok "rpmbuild -ta --nodeps builds"
	else
		not_ok "rpmbuild -ta --nodeps builds"
		tail -n 40 "$tmp/rpmbuild.log" | sed 's/^/# /'
	fi
	rpm_plugin=$(ls "$tmp"/rpm/RPMS/*/slurm-carbon-plugin-"$version"-*.rpm 2> /dev/null | head -n 1)
	rpm_report=$(ls "$tmp"/rpm/RPMS/*/carbon-report-"$version"-*.rpm 2> /dev/null | head -n 1)
	rpm_files() { rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$1" 2> /dev/null; }
	rpm_ok() {
		[ -f "$rpm_plugin" ] && [ -f "$rpm_report" ] || return 1
		rpm_files "$rpm_plugin" > "$tmp/rpm.files"
		rpm_files "$rpm_report" >> "$tmp/rpm.files"
		grep -q ' /usr/lib64/slurm/spank_carbon.so$' "$tmp/rpm.files" &&
			grep -q ' /usr/lib64/slurm/spank_carbon_store.so$' "$tmp/rpm.files" &&
			grep -qx 'drwx------ /var/spool/slurm-carbon' "$tmp/rpm.files" &&
			grep -q ' /usr/bin/carbon-report$' "$tmp/rpm.files" &&
			grep -q ' /usr/lib/systemd/system/carbon-spool-flush.timer$' "$tmp/rpm.files" &&
			! grep -q '\.la$' "$tmp/rpm.files" &&
			rpm -qp --requires "$rpm_plugin" 2> /dev/null | grep -q '^slurm >= ' &&
			rpm -qp --requires "$rpm_plugin" 2> /dev/null | grep -q '^slurm < '
	}
	check "the RPMs: plugin in %{_libdir}/slurm, no .la, spool 0700, the timer, slurm series required" rpm_ok
fi

echo "1..$n"
