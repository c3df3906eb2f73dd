// capture_ftrace: real kernel ftrace ring-buffer bytes as fixtures (test/fixtures/kernel/ftrace).
//
//   capture_ftrace INSTANCE_DIR [OUT_DIR]
//
// INSTANCE_DIR is a private tracefs instance (a directory directly under `instances/`, created
// by the caller, for example /sys/kernel/tracing/instances/onering-capture-1234); the program
// refuses anything else, so it never writes, switches or drains the top-level buffer. It writes
// `trace_marker` events pinned to CPU 0 with clock `local` and sub-buffers of 4096 bytes, and
// saves into OUT_DIR (default: the current directory):
//
//   header_page, header_event, print_format   the instance's event-format texts
//   basic.cpu0.raw, basic.stats               74 markers in a 64 KiB buffer, one TIME_EXTEND
//   overwrite.cpu0.raw, overwrite.stats       5000 markers in an 8 KiB overwrite buffer
//   discard.cpu0.raw, discard.stats           5000 markers in an 8 KiB producer/consumer buffer
//   mmap.meta, mmap.reader, mmap.all          the mapped ring (Linux >= 6.10) after GET_READER
//
// The caller removes the instance afterwards (tools/capture/regenerate.sh does, also on failure).
// Exit status: 0 done, 1 a step failed (message on stderr), 2 bad arguments.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

// include/uapi/linux/trace_mmap.h (Linux >= 6.10), spelled out so older headers still build.
struct trace_buffer_meta {
  uint32_t meta_page_size, meta_struct_len, subbuf_size, nr_subbufs;
  struct {
    uint64_t lost_events;
    uint32_t id, read;
  } reader;
  uint64_t flags, entries, overrun, read, Reserved1, Reserved2;
};
#define TRACE_MMAP_IOCTL_GET_READER _IO('R', 0x20)
#define TRACEFS_MAGIC 0x74726163  // include/uapi/linux/magic.h

static char instance[PATH_MAX];  // absolute path of the private instance
static int marker_fd = -1;

static void fail(const char *what) {
  fprintf(stderr, "capture_ftrace: %s: %s\n", what, strerror(errno));
  exit(1);
}

// The path of `rel` inside the instance.
static const char *in_instance(const char *rel) {
  static char path[PATH_MAX + 128];
  snprintf(path, sizeof path, "%s/%s", instance, rel);
  return path;
}

// Write a control file of the instance.
static void put(const char *rel, const char *value) {
  const char *path = in_instance(rel);
  int fd = open(path, O_WRONLY | O_TRUNC);
  if (fd < 0) fail(path);
  if (write(fd, value, strlen(value)) != (ssize_t)strlen(value)) fail(path);
  close(fd);
}

// Write `n` bytes to a new file `out` in the output directory.
static void save(const char *out, const void *bytes, size_t n) {
  int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) fail(out);
  if (write(fd, bytes, n) != (ssize_t)n) fail(out);
  if (close(fd)) fail(out);
}

// Copy a file of the instance (a text file of tracefs) to `out`.
static void copy(const char *rel, const char *out) {
  const char *path = in_instance(rel);
  int in = open(path, O_RDONLY);
  if (in < 0) fail(path);
  int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) fail(out);
  char buf[65536];
  ssize_t n;
  while ((n = read(in, buf, sizeof buf)) > 0)
    if (write(fd, buf, n) != n) fail(out);
  if (n < 0) fail(path);
  close(in);
  if (close(fd)) fail(out);
}

// Write one marker; returns 0, or the errno of a write the kernel refused.
static int mark(const char *text) {
  if (write(marker_fd, text, strlen(text)) >= 0) return 0;
  return errno;
}

// Write `count` markers `prefix` + 5-digit index; writes refused with EBADF (the buffer is full
// in producer/consumer mode) are counted and reported, any other error is fatal.
static void mark_many(const char *name, const char *prefix, int count) {
  int refused = 0;
  for (int i = 0; i < count; i++) {
    char s[64];
    snprintf(s, sizeof s, "%s %05d", prefix, i);
    int err = mark(s);
    if (err == EBADF)
      refused++;
    else if (err != 0) {
      errno = err;
      fail("trace_marker");
    }
  }
  fprintf(stderr, "%s: %d markers, %d refused by the kernel (EBADF)\n", name, count, refused);
}

// Save every sub-buffer of per_cpu/cpu0/trace_pipe_raw (read until the ring is empty).
static void dump_raw(const char *out) {
  const char *path = in_instance("per_cpu/cpu0/trace_pipe_raw");
  int in = open(path, O_RDONLY | O_NONBLOCK);
  if (in < 0) fail(path);
  int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) fail(out);
  char page[4096];
  ssize_t n;
  int pages = 0;
  while ((n = read(in, page, sizeof page)) > 0) {
    if (write(fd, page, n) != n) fail(out);
    pages++;
  }
  if (n < 0 && errno != EAGAIN) fail(path);
  close(in);
  if (close(fd)) fail(out);
  fprintf(stderr, "%s: %d sub-buffers\n", out, pages);
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) && errno == EINTR) {
  }
}

// Sub-buffers of 4096 bytes (the default). Only written when the instance has another size:
// some kernels refuse any write to buffer_subbuf_size_kb (EPERM), even of the current value.
static void ensure_subbuf_4k(void) {
  const char *path = in_instance("buffer_subbuf_size_kb");
  int fd = open(path, O_RDONLY);
  if (fd < 0) return;  // kernels before 6.8 have no such file: always one page
  char now[32] = {0};
  ssize_t n = read(fd, now, sizeof now - 1);
  close(fd);
  if (n < 0) fail(path);
  if (atoi(now) != 4) put("buffer_subbuf_size_kb", "4");
}

// Refuse anything but a directory directly under a tracefs `instances/` directory.
static int is_instance(const char *dir) {
  if (realpath(dir, instance) == NULL) {
    fprintf(stderr, "capture_ftrace: %s: %s\n", dir, strerror(errno));
    return 0;
  }
  const char *slash = strrchr(instance, '/');
  if (slash == NULL || slash - instance < 10 || strncmp(slash - 10, "/instances", 10) ||
      slash[1] == 0) {
    fprintf(stderr,
            "capture_ftrace: %s is not a tracefs instance (a directory under instances/); "
            "refusing to touch it\n",
            instance);
    return 0;
  }
  struct statfs fs;
  if (statfs(instance, &fs) || fs.f_type != TRACEFS_MAGIC) {
    fprintf(stderr, "capture_ftrace: %s is not on tracefs; refusing to touch it\n", instance);
    return 0;
  }
  char probe[PATH_MAX + 32];
  snprintf(probe, sizeof probe, "%s/trace_marker", instance);
  if (access(probe, W_OK)) {
    fprintf(stderr, "capture_ftrace: %s: %s\n", probe, strerror(errno));
    return 0;
  }
  return 1;
}

// 1. basic: markers of known sizes; a 200 ms pause (> 2^27 ns) forces a TIME_EXTEND.
static void capture_basic(void) {
  char big[3000];
  put("tracing_on", "1");
  for (int i = 0; i < 8; i++) {
    char s[64];
    snprintf(s, sizeof s, "basic %d", i);
    if (mark(s)) fail("trace_marker");
  }
  sleep_ms(200);
  if (mark("after-200ms-gap")) fail("trace_marker");
  for (int len = 1; len <= 64; len++) {
    memset(big, 'a' + len % 26, len);
    big[len] = 0;
    if (mark(big)) fail("trace_marker");
  }
  memset(big, 'L', 2000);
  big[2000] = 0;
  if (mark(big)) fail("trace_marker");
  put("tracing_on", "0");
  copy("per_cpu/cpu0/stats", "basic.stats");
  dump_raw("basic.cpu0.raw");
}

// 2. overwrite: an 8 KiB ring, far more events than fit: overrun and the RB_MISSED flags.
static void capture_overwrite(void) {
  put("buffer_size_kb", "8");
  put("trace", "");
  put("tracing_on", "1");
  mark_many("overwrite", "ow", 5000);
  put("tracing_on", "0");
  copy("per_cpu/cpu0/stats", "overwrite.stats");
  dump_raw("overwrite.cpu0.raw");
}

// 3. producer/consumer (options/overwrite 0): new events are dropped once the ring is full.
static void capture_discard(void) {
  put("options/overwrite", "0");
  put("trace", "");
  put("tracing_on", "1");
  mark_many("discard", "pc", 5000);
  put("tracing_on", "0");
  copy("per_cpu/cpu0/stats", "discard.stats");
  dump_raw("discard.cpu0.raw");
  put("options/overwrite", "1");
}

// 4. the mapped ring (Linux >= 6.10): meta page after GET_READER, the reader sub-buffer, and the
// whole mapping. The first mapping (meta page only) is unmapped before the whole one is made;
// the kernel then numbers the sub-buffers afresh, so mmap.all's meta page names reader id 0.
static void capture_mmap(void) {
  put("buffer_size_kb", "64");
  put("trace", "");
  put("tracing_on", "1");
  for (int i = 0; i < 20; i++) {
    char s[64];
    snprintf(s, sizeof s, "mmap %d", i);
    if (mark(s)) fail("trace_marker");
  }
  put("tracing_on", "0");
  const char *path = in_instance("per_cpu/cpu0/trace_pipe_raw");
  int fd = open(path, O_RDONLY | O_NONBLOCK);
  if (fd < 0) fail(path);
  long pg = sysconf(_SC_PAGESIZE);
  struct trace_buffer_meta *meta = mmap(0, pg, PROT_READ, MAP_SHARED, fd, 0);
  if (meta == MAP_FAILED) fail("mmap of trace_pipe_raw (meta page)");
  if (ioctl(fd, TRACE_MMAP_IOCTL_GET_READER)) fail("TRACE_MMAP_IOCTL_GET_READER");
  fprintf(stderr,
          "mmap.meta: meta_page_size=%u meta_struct_len=%u subbuf_size=%u nr_subbufs=%u "
          "reader.id=%u reader.read=%u reader.lost_events=%llu entries=%llu overrun=%llu "
          "read=%llu\n",
          meta->meta_page_size, meta->meta_struct_len, meta->subbuf_size, meta->nr_subbufs,
          meta->reader.id, meta->reader.read, (unsigned long long)meta->reader.lost_events,
          (unsigned long long)meta->entries, (unsigned long long)meta->overrun,
          (unsigned long long)meta->read);
  save("mmap.meta", meta, pg);
  size_t len = meta->meta_page_size + (size_t)meta->nr_subbufs * meta->subbuf_size;
  munmap(meta, pg);
  char *all = mmap(0, len, PROT_READ, MAP_SHARED, fd, 0);
  if (all == MAP_FAILED) fail("mmap of trace_pipe_raw (whole ring)");
  meta = (struct trace_buffer_meta *)all;
  // the reader sub-buffer of the first mapping: the same page, now under the id this one gives
  save("mmap.reader", all + meta->meta_page_size + (size_t)meta->reader.id * meta->subbuf_size,
       meta->subbuf_size);
  save("mmap.all", all, len);
  munmap(all, len);
  close(fd);
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: capture_ftrace INSTANCE_DIR [OUT_DIR]\n");
    return 2;
  }
  if (!is_instance(argv[1])) return 2;
  if (argc > 2 && chdir(argv[2])) fail(argv[2]);
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(0, &set);
  if (sched_setaffinity(0, sizeof set, &set)) fail("pin to CPU 0");

  put("tracing_on", "0");
  put("events/enable", "0");
  put("trace_clock", "local");
  ensure_subbuf_4k();
  put("buffer_size_kb", "64");
  put("options/overwrite", "1");
  put("trace", "");
  copy("events/header_page", "header_page");
  copy("events/header_event", "header_event");
  copy("events/ftrace/print/format", "print_format");
  marker_fd = open(in_instance("trace_marker"), O_WRONLY);
  if (marker_fd < 0) fail(in_instance("trace_marker"));

  capture_basic();
  capture_overwrite();
  capture_discard();
  capture_mmap();
  close(marker_fd);
  return 0;
}
