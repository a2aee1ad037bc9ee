/* SPDX-License-Identifier: MIT */
/* Whole-file reads, atomic writes, mkdir -p. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <geocl/fileio.h>

geocl_status geocl_file_read_all(const char *path, size_t max_bytes, char **data, size_t *size) {
  *data = NULL;
  *size = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return geocl_set_error(GEOCL_E_IO, "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    fclose(f);
    return geocl_set_error(GEOCL_E_IO, "%s: not a regular file", path);
  }
  if ((unsigned long long)st.st_size > max_bytes) {
    fclose(f);
    return geocl_set_error(GEOCL_E_FORMAT, "%s: file of %lld bytes is larger than the limit of %zu", path,
                           (long long)st.st_size, max_bytes);
  }
  size_t n = (size_t)st.st_size;
  char *buf = malloc(n + 1);
  if (!buf) {
    fclose(f);
    return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory reading %zu bytes", path, n);
  }
  size_t got = fread(buf, 1, n, f);
  int failed = ferror(f);
  fclose(f);
  if (failed || got != n) {
    free(buf);
    return geocl_set_error(GEOCL_E_IO, "%s: read error after %zu of %zu bytes", path, got, n);
  }
  buf[n] = '\0';
  *data = buf;
  *size = n;
  return GEOCL_OK;
}

geocl_status geocl_file_write_atomic(const char *path, const void *data, size_t size) {
  static atomic_uint serial; /* distinct temporary names for concurrent writers in one process */
  char tmp[PATH_MAX];
  if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp-%ld-%u", path, (long)getpid(), atomic_fetch_add(&serial, 1)) >=
      sizeof tmp)
    return geocl_set_error(GEOCL_E_INVALID, "%s: path too long", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) return geocl_set_error(GEOCL_E_IO, "%s: cannot create: %s", tmp, strerror(errno));
  const char *p = data;
  size_t left = size;
  while (left > 0) {
    ssize_t w = write(fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int err = errno;
      close(fd);
      unlink(tmp);
      return geocl_set_error(GEOCL_E_IO, "%s: write failed: %s", path, w < 0 ? strerror(err) : "no progress");
    }
    p += w;
    left -= (size_t)w;
  }
  if (close(fd) != 0) {
    int err = errno;
    unlink(tmp);
    return geocl_set_error(GEOCL_E_IO, "%s: write failed: %s", path, strerror(err));
  }
  if (rename(tmp, path) != 0) {
    int err = errno;
    unlink(tmp);
    return geocl_set_error(GEOCL_E_IO, "%s: cannot rename the finished file into place: %s", path, strerror(err));
  }
  return GEOCL_OK;
}

geocl_status geocl_mkdir_p(const char *path) {
  char buf[PATH_MAX];
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof buf) return geocl_set_error(GEOCL_E_INVALID, "'%s': bad directory name", path);
  memcpy(buf, path, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (buf[i] != '/' && buf[i] != '\0') continue;
    char saved = buf[i];
    buf[i] = '\0';
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
      return geocl_set_error(GEOCL_E_IO, "%s: cannot create directory: %s", buf, strerror(errno));
    buf[i] = saved;
  }
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
    return geocl_set_error(GEOCL_E_IO, "%s: exists and is not a directory", path);
  return GEOCL_OK;
}
