# SPDX-License-Identifier: GPL-2.0-or-later
# X_AC_SLURM: find <slurm/spank.h> (--with-slurm=PREFIX, default: the system's)
# and the directory Slurm loads plugins from (--with-slurm-plugindir=DIR).
AC_DEFUN([X_AC_SLURM], [
	AC_ARG_WITH([slurm],
		[AS_HELP_STRING([--with-slurm=PREFIX], [Slurm installation prefix (default: system)])],
		[SLURM_CPPFLAGS="-I$withval/include"], [SLURM_CPPFLAGS=""])
	save_CPPFLAGS="$CPPFLAGS"
	CPPFLAGS="$CPPFLAGS $SLURM_CPPFLAGS"
	AC_CHECK_HEADER([slurm/spank.h], [],
		[AC_MSG_ERROR([slurm/spank.h not found: install libslurm-dev or give --with-slurm=PREFIX])])
	CPPFLAGS="$save_CPPFLAGS"
	AC_SUBST([SLURM_CPPFLAGS])

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
