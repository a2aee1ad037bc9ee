dnl SPDX-License-Identifier: MIT
# GEOCL_REQUIRE_DEP(VAR, PKG-MODULE, LIBRARY, FUNCTION, HEADER, DEBIAN-PACKAGE)
# ------------------------------------------------------------------------
# Find a dependency with pkg-config first and fall back to probing for the
# library and header directly.  Sets VAR_CFLAGS and VAR_LIBS, or stops with an
# error that names the missing piece and the Debian package that provides it.
AC_DEFUN([GEOCL_REQUIRE_DEP], [
  PKG_CHECK_MODULES([$1], [$2], [geocl_dep_found=yes], [geocl_dep_found=no])
  AS_IF([test "x$geocl_dep_found" = xno], [
    geocl_save_LIBS=$LIBS
    AC_CHECK_HEADER([$5], [
      AC_CHECK_LIB([$3], [$4], [
        geocl_dep_found=yes
        $1_CFLAGS=""
        $1_LIBS="-l$3"
      ])
    ])
    LIBS=$geocl_save_LIBS
  ])
  AS_IF([test "x$geocl_dep_found" = xno], [
    AC_MSG_ERROR([$2 not found: need lib$3 and <$5> (Debian: apt-get install $6)])
  ])
  AC_SUBST([$1_CFLAGS])
  AC_SUBST([$1_LIBS])
])
