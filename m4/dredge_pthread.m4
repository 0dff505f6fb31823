# DREDGE_PTHREAD
# Finds how to build with POSIX threads (-pthread on GCC and Clang) and
# sets PTHREAD_CFLAGS / PTHREAD_LIBS, or stops configure with a message.
AC_DEFUN([DREDGE_PTHREAD], [
  AC_MSG_CHECKING([for pthread_create with -pthread])
  dredge_save_cflags="$CFLAGS"; dredge_save_libs="$LIBS"
  CFLAGS="$CFLAGS -pthread"; LIBS="$LIBS -pthread"
  AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <pthread.h>
static void *f(void *a) { return a; }]],
      [[pthread_t t; pthread_create(&t, 0, f, 0); pthread_join(t, 0);]])],
    [AC_MSG_RESULT([yes]); PTHREAD_CFLAGS=-pthread; PTHREAD_LIBS=-pthread],
    [AC_MSG_RESULT([no])
     AC_MSG_ERROR([POSIX threads are required (install the Debian package libc6-dev)])])
  CFLAGS="$dredge_save_cflags"; LIBS="$dredge_save_libs"
  AC_SUBST([PTHREAD_CFLAGS])
  AC_SUBST([PTHREAD_LIBS])
])
