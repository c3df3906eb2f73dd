// mmap_live: the kernel side of the live conformance tester's mmap face (tools/conformance-live).
//
//   mmap_live INSTANCE_DIR CPU < PROGRAM > FRAMES
//
// INSTANCE_DIR must be a private tracefs instance (a directory directly under `instances/`,
// created and removed by the Node runner); the program refuses anything else, so it never
// writes, switches, maps or drains the top-level buffer. The process pins itself to CPU (so every
// marker lands in that CPU's ring), opens per_cpu/cpuCPU/trace_pipe_raw (O_RDONLY | O_NONBLOCK)
// and runs PROGRAM, one step a line:
//
//   size KB          write buffer_size_kb            subbuf KB   write buffer_subbuf_size_kb
//   overwrite 0|1    write options/overwrite         clock NAME  write trace_clock
//   on 0|1           write tracing_on                reset       truncate `trace`
//   snapshot 0|1|2   write the instance's `snapshot` file
//   write LEN        write LEN bytes to trace_marker (one write(2))
//   read [LEN]       read(2) one sub-buffer of trace_pipe_raw (a copy while mapped)
//   stats            read per_cpu/cpuCPU/stats
//   map              mmap the meta page (remapped at meta_page_size), then the sub-buffers
//   unmap            munmap both (the last unmap is the kernel's ring_buffer_unmap)
//   get_reader       ioctl(TRACE_MMAP_IOCTL_GET_READER) (does not block: the fd is O_NONBLOCK)
//
// Every step answers two frames on stdout, each `<kind> <value> <n>\n` then n raw bytes. The
// first is the step's own: kind is the step name, value the result (write(2)/read(2)/mmap/ioctl
// return or -errno, 0 for settings), the bytes what was read (page bytes, stats text). The second
// is `meta <mapped> <n>`: while mapped, the first 80 bytes of the meta page (struct
// trace_buffer_meta) followed by the whole sub-buffer reader.id names; n = 0 when not mapped.
// The first frame is `pid <tid> 0`. Exit status: 0 done, 1 setup failed, 2 bad arguments.
#define _GNU_SOURCE
#include "live_instance.h"
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
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#define TRACE_MMAP_IOCTL_GET_READER _IO('R', 0x20)  // include/uapi/linux/trace_mmap.h
#define META_LEN 80                          // sizeof(struct trace_buffer_meta)

// struct trace_buffer_meta (include/uapi/linux/trace_mmap.h), the fields this program needs
struct meta_head {
  uint32_t meta_page_size, meta_struct_len, subbuf_size, nr_subbufs;
  uint64_t lost_events;
  uint32_t id, read;
};

static char page[MAX_PAGE], text[MAX_PAGE], out[META_LEN + MAX_PAGE];
static unsigned char *meta_map, *data_map;
static size_t meta_len, data_len;

// The second frame of every step: the meta page's struct and the reader sub-buffer, as mapped.
static void meta_frame(void) {
  if (!meta_map) {
    frame("meta", 0, NULL, 0);
  } else {
    const struct meta_head *m = (const void *)meta_map;
    size_t n = META_LEN;
    memcpy(out, meta_map, META_LEN);
    if (m->id < m->nr_subbufs && m->subbuf_size <= MAX_PAGE) {
      memcpy(out + n, data_map + (size_t)m->id * m->subbuf_size, m->subbuf_size);
      n += m->subbuf_size;
    }
    frame("meta", 1, out, n);
  }
  fflush(stdout);
}

// Write a control file of the instance; the answer is 0 or -errno (the step's value).
static long put(const char *rel, const char *value) {
  int fd = open(in_instance(rel), O_WRONLY | O_TRUNC);
  if (fd < 0) return -errno;
  long r = 0;
  if (value[0] && write(fd, value, strlen(value)) < 0) r = -errno;
  close(fd);
  return r;
}

static void unmap(void) {
  if (data_map) munmap(data_map, data_len);
  if (meta_map) munmap(meta_map, meta_len);
  data_map = meta_map = NULL;
}

// Map as Documentation/trace/ring-buffer-map.rst does: one page of meta first, remapped at
// meta_page_size when that is larger, then every sub-buffer at offset meta_page_size.
static long map(void) {
  if (meta_map) return -EALREADY;
  size_t psize = (size_t)getpagesize();
  void *p = mmap(NULL, psize, PROT_READ, MAP_SHARED, raw_fd, 0);
  if (p == MAP_FAILED) return -errno;
  meta_map = p;
  meta_len = psize;
  const struct meta_head *m = p;
  if (m->meta_page_size > psize) {
    size_t want = m->meta_page_size;
    munmap(p, psize);
    p = mmap(NULL, want, PROT_READ, MAP_SHARED, raw_fd, 0);
    if (p == MAP_FAILED) {
      meta_map = NULL;
      return -errno;
    }
    meta_map = p;
    meta_len = want;
    m = p;
  }
  data_len = (size_t)m->subbuf_size * m->nr_subbufs;
  p = mmap(NULL, data_len, PROT_READ, MAP_SHARED, raw_fd, m->meta_page_size);
  if (p == MAP_FAILED) {
    long e = -errno;
    munmap(meta_map, meta_len);
    meta_map = NULL;
    return e;
  }
  data_map = p;
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: mmap_live INSTANCE_DIR CPU < PROGRAM\n");
    return 2;
  }
  int setup = enter_instance("mmap_live", argv[1], argv[2]);
  if (setup) return setup;
  char rel[64];
  snprintf(rel, sizeof rel, "per_cpu/cpu%d/trace_pipe_raw", cpu);
  raw_fd = open(in_instance(rel), O_RDONLY | O_NONBLOCK);
  if (raw_fd < 0) {
    fprintf(stderr, "mmap_live: open %s: %s\n", rel, strerror(errno));
    return 1;
  }
  frame("pid", (long)syscall(SYS_gettid), NULL, 0);
  fflush(stdout);
  char line[256], arg[128];
  while (fgets(line, sizeof line, stdin)) {
    char cmd[32];
    arg[0] = 0;
    if (sscanf(line, "%31s %127s", cmd, arg) < 1) continue;
    if (!strcmp(cmd, "size")) {
      frame(cmd, put("buffer_size_kb", arg), NULL, 0);
    } else if (!strcmp(cmd, "subbuf")) {
      frame(cmd, put("buffer_subbuf_size_kb", arg), NULL, 0);
    } else if (!strcmp(cmd, "overwrite")) {
      frame(cmd, put("options/overwrite", arg), NULL, 0);
    } else if (!strcmp(cmd, "clock")) {
      frame(cmd, put("trace_clock", arg), NULL, 0);
    } else if (!strcmp(cmd, "on")) {
      frame(cmd, put("tracing_on", arg), NULL, 0);
    } else if (!strcmp(cmd, "snapshot")) {
      frame(cmd, put("snapshot", arg), NULL, 0);
    } else if (!strcmp(cmd, "reset")) {
      frame(cmd, put("trace", ""), NULL, 0);
    } else if (!strcmp(cmd, "write")) {
      long n = atol(arg);
      if (n < 0 || n > (long)sizeof text) n = 0;
      for (long k = 0; k < n; k++) text[k] = (char)('a' + k % 26);
      ssize_t r = write(marker_fd, text, (size_t)n);
      frame(cmd, r < 0 ? -errno : (long)r, NULL, 0);
    } else if (!strcmp(cmd, "read")) {
      long want = atol(arg);
      if (want <= 0 || want > MAX_PAGE) want = getpagesize();
      ssize_t r = read(raw_fd, page, (size_t)want);
      frame(cmd, r < 0 ? -errno : (long)r, page, r < 0 ? 0 : (size_t)r);
    } else if (!strcmp(cmd, "stats")) {
      snprintf(rel, sizeof rel, "per_cpu/cpu%d/stats", cpu);
      int fd = open(in_instance(rel), O_RDONLY);
      ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof text);
      if (fd >= 0) close(fd);
      frame(cmd, n < 0 ? -errno : 0, text, n < 0 ? 0 : (size_t)n);
    } else if (!strcmp(cmd, "map")) {
      frame(cmd, map(), NULL, 0);
    } else if (!strcmp(cmd, "unmap")) {
      long r = meta_map ? 0 : -EINVAL;
      unmap();
      frame(cmd, r, NULL, 0);
    } else if (!strcmp(cmd, "get_reader")) {
      frame(cmd, ioctl(raw_fd, TRACE_MMAP_IOCTL_GET_READER) < 0 ? -errno : 0, NULL, 0);
    } else {
      fprintf(stderr, "mmap_live: unknown step %s\n", cmd);
      return 2;
    }
    meta_frame();
  }
  unmap();
  close(raw_fd);
  return 0;
}
