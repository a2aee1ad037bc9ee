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

int geocl_open_regular(const char *path, uint64_t *size) {
  /* O_NONBLOCK: opening a FIFO for reading would wait for a writer */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    geocl_set_error(GEOCL_E_IO, "%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    geocl_set_error(GEOCL_E_IO, "%s: not a regular file", path);
    return -1;
  }
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  *size = (uint64_t)st.st_size;
  return fd;
}

geocl_status geocl_file_read_all(const char *path, size_t max_bytes, char **data, size_t *size) {
  *data = NULL;
  *size = 0;
  uint64_t file_size;
  int fd = geocl_open_regular(path, &file_size);
  if (fd < 0) return geocl_last_status();
  if (file_size > max_bytes) {
    close(fd);
    return geocl_set_error(GEOCL_E_FORMAT, "%s: file of %llu bytes is larger than the limit of %zu", path,
                           (unsigned long long)file_size, max_bytes);
  }
  size_t n = (size_t)file_size, got = 0;
  char *buf = malloc(n + 1);
  if (!buf) {
    close(fd);
    return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory reading %zu bytes", path, n);
  }
  int err = 0;
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      err = r < 0 ? errno : 0;
      break;
    }
    got += (size_t)r;
  }
  close(fd);
  if (got != n) {
    free(buf);
    return geocl_set_error(GEOCL_E_IO, "%s: read error after %zu of %zu bytes: %s", path, got, n,
                           err ? strerror(err) : "the file shrank while it was read");
  }
  buf[n] = '\0';
  *data = buf;
  *size = n;
  return GEOCL_OK;
}

geocl_status geocl_text_read_all(const char *path, size_t max_bytes, char **data, size_t *size) {
  geocl_status st = geocl_file_read_all(path, max_bytes, data, size);
  const char *nul = st == GEOCL_OK ? memchr(*data, '\0', *size) : NULL;
  if (!nul) return st;
  st = geocl_set_error(GEOCL_E_FORMAT, "%s: a NUL byte at offset %zu: not a text file", path, (size_t)(nul - *data));
  free(*data);
  *data = NULL;
  *size = 0;
  return st;
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
