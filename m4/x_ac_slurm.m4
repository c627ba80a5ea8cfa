# SPDX-License-Identifier: GPL-2.0-or-later
# X_AC_SLURM: find <slurm/spank.h> (--with-slurm=PREFIX, default: the system's)
# and the directory Slurm loads plugins from (--with-slurm-plugindir=DIR).
# Substitutes SLURM_SERIES, the release series of those headers ("22.05"),
# and SLURM_SERIES_NEXT, the first version past it ("22.06"): Slurm loads a
# plugin only when it was built for its own series, so the Debian packages
# depend on that range (debian/rules).
AC_DEFUN([X_AC_SLURM], [
	AC_ARG_WITH([slurm],
		[AS_HELP_STRING([--with-slurm=PREFIX], [Slurm installation prefix (default: system)])],
		[SLURM_CPPFLAGS="-I$withval/include"], [SLURM_CPPFLAGS=""])
	save_CPPFLAGS="$CPPFLAGS"
	CPPFLAGS="$CPPFLAGS $SLURM_CPPFLAGS"
	AC_CHECK_HEADER([slurm/spank.h], [],
		[AC_MSG_ERROR([slurm/spank.h not found: install libslurm-dev or give --with-slurm=PREFIX])])
	AC_COMPUTE_INT([slurm_version_number], [SLURM_VERSION_NUMBER],
		[#include <slurm/slurm_version.h>],
		[AC_MSG_ERROR([cannot read SLURM_VERSION_NUMBER from slurm/slurm_version.h])])
	CPPFLAGS="$save_CPPFLAGS"
	slurm_major=$((slurm_version_number >> 16))
	slurm_minor=$(((slurm_version_number >> 8) & 255))
	SLURM_SERIES=`printf '%d.%02d' $slurm_major $slurm_minor`
	SLURM_SERIES_NEXT=`printf '%d.%02d' $slurm_major $((slurm_minor + 1))`
	AC_MSG_CHECKING([for the Slurm release series of the headers])
	AC_MSG_RESULT([$SLURM_SERIES])
	AC_SUBST([SLURM_CPPFLAGS])
	AC_SUBST([SLURM_SERIES])
	AC_SUBST([SLURM_SERIES_NEXT])

	AC_ARG_WITH([slurm-plugindir],
		[AS_HELP_STRING([--with-slurm-plugindir=DIR], [where to install spank_carbon.so])],
		[slurmplugindir="$withval"], [slurmplugindir=""])
	AS_IF([test -z "$slurmplugindir"], [
		AS_IF([test -n "$with_slurm" && test "x$with_slurm" != xyes],
			[slurmplugindir="$with_slurm/lib/slurm"],
			[slurmplugindir=`$PKG_CONFIG --variable=libdir slurm 2>/dev/null`
			 AS_IF([test -n "$slurmplugindir"], [slurmplugindir="$slurmplugindir/slurm"])])
	])
	AS_IF([test -z "$slurmplugindir"], [
		multiarch=`$CC -print-multiarch 2>/dev/null`
		for d in /usr/lib/$multiarch/slurm-wlm /usr/lib64/slurm /usr/lib/slurm; do
			AS_IF([test -d "$d"], [slurmplugindir="$d"; break])
		done
	])
	AS_IF([test -z "$slurmplugindir"], [slurmplugindir='${libdir}/slurm'])
	AC_SUBST([slurmplugindir])
])
