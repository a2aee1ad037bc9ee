dnl SPDX-License-Identifier: MIT
# GEOCL_PTHREAD: require POSIX threads (glibc needs only -pthread).
AC_DEFUN([GEOCL_PTHREAD], [
  AC_CHECK_HEADER([pthread.h], [], [AC_MSG_ERROR([POSIX threads (pthread.h) are required])])
  PTHREAD_CFLAGS="-pthread"
  PTHREAD_LIBS="-pthread"
  AC_SUBST([PTHREAD_CFLAGS])
  AC_SUBST([PTHREAD_LIBS])
])
