// A power cut for processes on one machine: an LD_PRELOAD library that journals, before
// every write to a file under KITE_POWERCUT_DIR, the bytes it overwrites (and the file's
// size), until the file is fsync'd or fdatasync'd. After the process is killed, the
// harness undoes every journaled write (test/chaos/powercut.ts): the files are left as a
// machine that lost power at that moment could have left them, with nothing that was
// never synced. Writes through a descriptor opened O_SYNC or O_DSYNC are durable at once.
//
// Only what goes through libc's write family is seen: enough for lmdb (pwrite, fdatasync)
// and Node's fs (libuv, with UV_USE_IO_URING=0), not for writes through a shared mapping.
//
// Journal file (one per file written, in KITE_POWERCUT_JOURNAL, named <dev>-<ino>.undo):
//   header, HEADER_BYTES long: "KPCJ1\0\0\0", u64 dev, u64 ino, the file's path (NUL-ended)
//   records, each: u32 type, u32 zero, u64 offset, u64 length, u64 size before, u64 saved
//   then `saved` bytes. Type 1: a write of `length` bytes at `offset` that found the file
//   `size before` long and overwrote the `saved` bytes that follow. Type 2: `length`
//   bytes at `offset` were written durably (their new contents must survive).
// A sync truncates the journal back to its header.

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define HEADER_BYTES 4096
#define MAX_FDS 65536
#define MAX_JOURNALS 4096
#define RECORD_UNDO 1u
#define RECORD_DURABLE 2u

struct journal {
  dev_t dev;
  ino_t ino;
  int fd;
  off_t end;
};

struct record {
  uint32_t type;
  uint32_t zero;
  uint64_t offset;
  uint64_t length;
  uint64_t size_before;
  uint64_t saved;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int enabled;
static char root[PATH_MAX];
static size_t root_len;
static char journal_dir[PATH_MAX];
/* For each descriptor: 0 untracked, else its journal's index + 1. */
static int fd_journal[MAX_FDS];
static char fd_durable[MAX_FDS];
static struct journal journals[MAX_JOURNALS];
static int journal_count;

static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static int (*real_close)(int);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static ssize_t (*real_pwritev64)(int, const struct iovec *, int, off_t);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);

static void die(const char *what) {
  char msg[512];
  int n = snprintf(msg, sizeof msg, "powercut: %s: %s\n", what, strerror(errno));
  if (n > 0) (void)!real_write(2, msg, (size_t)n);
  abort();
}

__attribute__((constructor)) static void init(void) {
  real_open = dlsym(RTLD_NEXT, "open");
  real_open64 = dlsym(RTLD_NEXT, "open64");
  real_openat = dlsym(RTLD_NEXT, "openat");
  real_openat64 = dlsym(RTLD_NEXT, "openat64");
  real_close = dlsym(RTLD_NEXT, "close");
  real_write = dlsym(RTLD_NEXT, "write");
  real_pwrite = dlsym(RTLD_NEXT, "pwrite");
  real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
  real_writev = dlsym(RTLD_NEXT, "writev");
  real_pwritev = dlsym(RTLD_NEXT, "pwritev");
  real_pwritev64 = dlsym(RTLD_NEXT, "pwritev64");
  real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
  real_ftruncate64 = dlsym(RTLD_NEXT, "ftruncate64");
  real_fsync = dlsym(RTLD_NEXT, "fsync");
  real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
  real_rename = dlsym(RTLD_NEXT, "rename");
  real_renameat = dlsym(RTLD_NEXT, "renameat");
  const char *dir = getenv("KITE_POWERCUT_DIR");
  const char *jdir = getenv("KITE_POWERCUT_JOURNAL");
  if (dir == NULL || jdir == NULL || dir[0] != '/' || jdir[0] != '/') return;
  if (strlen(dir) >= sizeof root - 1 || strlen(jdir) >= sizeof journal_dir) return;
  strcpy(root, dir);
  root_len = strlen(root);
  if (root_len > 1 && root[root_len - 1] == '/') root[--root_len] = '\0';
  strcpy(journal_dir, jdir);
  enabled = 1;
}

/* Whether path (absolute, or relative to dirfd) names a file under root. */
static int under_root(int dirfd, const char *path, char *abs) {
  if (path[0] == '/') {
    if (strlen(path) >= PATH_MAX) return 0;
    strcpy(abs, path);
  } else {
    char base[PATH_MAX];
    if (dirfd == AT_FDCWD) {
      if (getcwd(base, sizeof base) == NULL) return 0;
    } else {
      char link[64];
      snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
      ssize_t n = readlink(link, base, sizeof base - 1);
      if (n < 0) return 0;
      base[n] = '\0';
    }
    if (snprintf(abs, PATH_MAX, "%s/%s", base, path) >= PATH_MAX) return 0;
  }
  if (strncmp(abs, root, root_len) != 0 || (abs[root_len] != '/' && abs[root_len] != '\0')) return 0;
  size_t len = strlen(abs);
  /* lmdb's lock file is shared memory, not data. */
  return !(len >= 5 && strcmp(abs + len - 5, "-lock") == 0);
}

static void write_all(int fd, const void *buf, size_t len, off_t off) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = real_pwrite(fd, p, len, off);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("journal write");
    }
    p += n;
    len -= (size_t)n;
    off += n;
  }
}

/* The journal for fd's file, created on first use; -1 if fd is not a regular file. */
static int journal_for(int fd, const char *abs) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return -1;
  for (int i = 0; i < journal_count; i++) {
    if (journals[i].dev == st.st_dev && journals[i].ino == st.st_ino) return i;
  }
  if (journal_count == MAX_JOURNALS) die("too many files");
  char name[PATH_MAX];
  int name_len = snprintf(name, sizeof name, "%s/%llu-%llu.undo", journal_dir, (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
  if (name_len < 0 || (size_t)name_len >= sizeof name) die("journal path too long");
  int jfd = real_open(name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (jfd < 0) die("open journal");
  char header[HEADER_BYTES];
  memset(header, 0, sizeof header);
  memcpy(header, "KPCJ1\0\0\0", 8);
  uint64_t dev = st.st_dev, ino = st.st_ino;
  memcpy(header + 8, &dev, 8);
  memcpy(header + 16, &ino, 8);
  size_t abs_len = strlen(abs);
  if (abs_len >= HEADER_BYTES - 24) die("path too long");
  memcpy(header + 24, abs, abs_len);
  write_all(jfd, header, sizeof header, 0);
  journals[journal_count] = (struct journal){.dev = st.st_dev, .ino = st.st_ino, .fd = jfd, .end = HEADER_BYTES};
  return journal_count++;
}

/* Starts journaling writes through fd if it was opened for writing under root; returns fd. */
static int track(int fd, int dirfd, const char *path, int flags) {
  if (!enabled || fd < 0 || fd >= MAX_FDS || path == NULL) return fd;
  if ((flags & O_ACCMODE) == O_RDONLY) return fd;
  char abs[PATH_MAX];
  if (!under_root(dirfd, path, abs)) return fd;
  pthread_mutex_lock(&lock);
  int j = journal_for(fd, abs);
  fd_journal[fd] = j + 1;
  fd_durable[fd] = (flags & (O_SYNC | O_DSYNC)) != 0;
  pthread_mutex_unlock(&lock);
  return fd;
}

static void append(struct journal *j, uint32_t type, uint64_t offset, uint64_t length, uint64_t size_before, const void *saved, uint64_t saved_len) {
  struct record r = {.type = type, .zero = 0, .offset = offset, .length = length, .size_before = size_before, .saved = saved_len};
  write_all(j->fd, &r, sizeof r, j->end);
  if (saved_len > 0) write_all(j->fd, saved, saved_len, j->end + (off_t)sizeof r);
  j->end += (off_t)(sizeof r + saved_len);
}

/* Journals a write of len bytes at off to fd (lock held). */
static void journal_write(int fd, off_t off, size_t len) {
  struct journal *j = &journals[fd_journal[fd] - 1];
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_dev != j->dev || st.st_ino != j->ino) {
    /* A descriptor closed behind our back and reused for something else: forget it. */
    fd_journal[fd] = 0;
    fd_durable[fd] = 0;
    return;
  }
  if (fd_durable[fd]) {
    append(j, RECORD_DURABLE, (uint64_t)off, len, 0, NULL, 0);
    return;
  }
  uint64_t size = (uint64_t)st.st_size;
  uint64_t saved = (uint64_t)off < size ? (size - (uint64_t)off < len ? size - (uint64_t)off : len) : 0;
  void *old = NULL;
  if (saved > 0) {
    old = malloc(saved);
    if (old == NULL) die("malloc");
    uint64_t got = 0;
    while (got < saved) {
      ssize_t n = pread(fd, (char *)old + got, saved - got, off + (off_t)got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) die("pread");
      got += (uint64_t)n;
    }
  }
  append(j, RECORD_UNDO, (uint64_t)off, len, size, old, saved);
  free(old);
}

static int tracked(int fd) {
  return enabled && fd >= 0 && fd < MAX_FDS && fd_journal[fd] != 0;
}

static void synced(int fd) {
  if (fd_journal[fd] == 0) return;
  struct journal *j = &journals[fd_journal[fd] - 1];
  if (real_ftruncate(j->fd, HEADER_BYTES) != 0) die("truncate journal");
  j->end = HEADER_BYTES;
}

static size_t iov_total(const struct iovec *iov, int n) {
  size_t total = 0;
  for (int i = 0; i < n; i++) total += iov[i].iov_len;
  return total;
}

#define OPEN_MODE(flags, mode)                                  \
  do {                                                          \
    if ((flags) & (O_CREAT | O_TMPFILE)) {                      \
      va_list ap;                                               \
      va_start(ap, flags);                                      \
      mode = va_arg(ap, int);                                   \
      va_end(ap);                                               \
    }                                                           \
  } while (0)

int open(const char *path, int flags, ...) {
  int mode = 0;
  OPEN_MODE(flags, mode);
  return track(real_open(path, flags, mode), AT_FDCWD, path, flags);
}

int open64(const char *path, int flags, ...) {
  int mode = 0;
  OPEN_MODE(flags, mode);
  return track(real_open64(path, flags, mode), AT_FDCWD, path, flags);
}

int openat(int dirfd, const char *path, int flags, ...) {
  int mode = 0;
  OPEN_MODE(flags, mode);
  return track(real_openat(dirfd, path, flags, mode), dirfd, path, flags);
}

int openat64(int dirfd, const char *path, int flags, ...) {
  int mode = 0;
  OPEN_MODE(flags, mode);
  return track(real_openat64(dirfd, path, flags, mode), dirfd, path, flags);
}

int close(int fd) {
  if (tracked(fd)) {
    pthread_mutex_lock(&lock);
    fd_journal[fd] = 0;
    fd_durable[fd] = 0;
    pthread_mutex_unlock(&lock);
  }
  return real_close(fd);
}

/* Journals then performs one positional write, under the lock so that no sync slips between. */
#define JOURNALED(fd, off, len, call)         \
  do {                                        \
    if (!tracked(fd)) return call;            \
    pthread_mutex_lock(&lock);                \
    journal_write(fd, off, len);              \
    ssize_t result_ = call;                   \
    int errno_ = errno;                       \
    pthread_mutex_unlock(&lock);              \
    errno = errno_;                           \
    return result_;                           \
  } while (0)

/* The offset a non-positional write lands at. */
static off_t current_offset(int fd) {
  if (fcntl(fd, F_GETFL) & O_APPEND) {
    struct stat st;
    return fstat(fd, &st) == 0 ? st.st_size : 0;
  }
  return lseek(fd, 0, SEEK_CUR);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off) { JOURNALED(fd, off, len, real_pwrite(fd, buf, len, off)); }
ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off) { JOURNALED(fd, off, len, real_pwrite64(fd, buf, len, off)); }
ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t off) { JOURNALED(fd, off, iov_total(iov, n), real_pwritev(fd, iov, n, off)); }
ssize_t pwritev64(int fd, const struct iovec *iov, int n, off_t off) { JOURNALED(fd, off, iov_total(iov, n), real_pwritev64(fd, iov, n, off)); }
ssize_t write(int fd, const void *buf, size_t len) { JOURNALED(fd, current_offset(fd), len, real_write(fd, buf, len)); }
ssize_t writev(int fd, const struct iovec *iov, int n) { JOURNALED(fd, current_offset(fd), iov_total(iov, n), real_writev(fd, iov, n)); }

/* A truncation is journaled as a write of the bytes between the two sizes. */
static int journaled_truncate(int fd, off_t length, int (*call)(int, off_t)) {
  if (!tracked(fd)) return call(fd, length);
  pthread_mutex_lock(&lock);
  struct stat st;
  if (fstat(fd, &st) == 0 && st.st_size != length) {
    off_t lo = st.st_size < length ? st.st_size : length;
    off_t hi = st.st_size < length ? length : st.st_size;
    journal_write(fd, lo, (size_t)(hi - lo));
  }
  int result = call(fd, length);
  int saved_errno = errno;
  pthread_mutex_unlock(&lock);
  errno = saved_errno;
  return result;
}

int ftruncate(int fd, off_t length) { return journaled_truncate(fd, length, real_ftruncate); }
int ftruncate64(int fd, off_t length) { return journaled_truncate(fd, length, real_ftruncate64); }

static int journaled_sync(int fd, int (*call)(int)) {
  if (!tracked(fd)) return call(fd);
  pthread_mutex_lock(&lock);
  int result = call(fd);
  int saved_errno = errno;
  if (result == 0) synced(fd);
  pthread_mutex_unlock(&lock);
  errno = saved_errno;
  return result;
}

int fsync(int fd) { return journaled_sync(fd, real_fsync); }
int fdatasync(int fd) { return journaled_sync(fd, real_fdatasync); }

/*
 * A renamed file keeps its journal; the journal's header follows the new name. A renamed
 * directory takes the files under it along: their journals' headers follow too.
 */
static void renamed(const char *oldabs, int newdirfd, const char *newpath) {
  char abs[PATH_MAX];
  if (!enabled || !under_root(newdirfd, newpath, abs)) return;
  struct stat st;
  if (stat(abs, &st) != 0) return;
  size_t abs_len = strlen(abs);
  size_t old_len = strlen(oldabs);
  pthread_mutex_lock(&lock);
  for (int i = 0; i < journal_count; i++) {
    char path[HEADER_BYTES - 24];
    if (S_ISDIR(st.st_mode)) {
      char was[HEADER_BYTES - 24];
      if (old_len == 0 || pread(journals[i].fd, was, sizeof was, 24) != (ssize_t)sizeof was) continue;
      was[sizeof was - 1] = '\0';
      if (strncmp(was, oldabs, old_len) != 0 || was[old_len] != '/') continue;
      memset(path, 0, sizeof path);
      if (snprintf(path, sizeof path, "%s%s", abs, was + old_len) >= (int)sizeof path) die("path too long");
    } else {
      if (journals[i].dev != st.st_dev || journals[i].ino != st.st_ino) continue;
      if (abs_len >= sizeof path) die("path too long");
      memset(path, 0, sizeof path);
      memcpy(path, abs, abs_len);
    }
    write_all(journals[i].fd, path, sizeof path, 24);
  }
  pthread_mutex_unlock(&lock);
}

/* The absolute name of a path about to be renamed ("" if it is not under root). */
static void old_name(int dirfd, const char *path, char *abs) {
  if (!enabled || !under_root(dirfd, path, abs)) abs[0] = '\0';
}

int rename(const char *oldpath, const char *newpath) {
  char oldabs[PATH_MAX];
  old_name(AT_FDCWD, oldpath, oldabs);
  int result = real_rename(oldpath, newpath);
  if (result == 0) renamed(oldabs, AT_FDCWD, newpath);
  return result;
}

int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath) {
  char oldabs[PATH_MAX];
  old_name(olddirfd, oldpath, oldabs);
  int result = real_renameat(olddirfd, oldpath, newdirfd, newpath);
  if (result == 0) renamed(oldabs, newdirfd, newpath);
  return result;
}
