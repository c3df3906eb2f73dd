// ftrace_live: the kernel side of the live ftrace conformance tester (tools/conformance-live).
//
//   ftrace_live INSTANCE_DIR CPU < PROGRAM > FRAMES
//
// INSTANCE_DIR must be a private tracefs instance (a directory directly under `instances/`,
// created and removed by the Node runner); the program refuses anything else, so it never
// writes, switches or drains the top-level buffer. The process pins itself to CPU (so every
// marker lands in that CPU's ring) and runs PROGRAM, one step a line:
//
//   size KB          write buffer_size_kb            subbuf KB   write buffer_subbuf_size_kb
//   overwrite 0|1    write options/overwrite         clock NAME  write trace_clock
//   on 0|1           write tracing_on                reset       truncate `trace`
//   write LEN        write LEN bytes to trace_marker (one write(2))
//   read             read one sub-buffer of per_cpu/cpuCPU/trace_pipe_raw (O_NONBLOCK)
//   stats            read per_cpu/cpuCPU/stats
//   close            close trace_pipe_raw (its spare page goes back to the kernel)
//
// Every step answers one frame on stdout: `<kind> <value> <n>\n` then n raw bytes, where kind
// is the step name, value the result (write(2)/read(2) return or -errno, 0 for settings) and
// the bytes are what was read (page bytes, stats text; none for the others). The first frame
// is `pid <tid> 0`. Exit status: 0 done, 1 a control-file step failed, 2 bad arguments.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#define TRACEFS_MAGIC 0x74726163  // include/uapi/linux/magic.h
#define MAX_PAGE (4096 * 256)     // the largest sub-buffer (order 8)

static char instance[PATH_MAX];
static int cpu;
static int marker_fd = -1, raw_fd = -1;
static char page[MAX_PAGE], text[MAX_PAGE];

static const char *in_instance(const char *rel) {
  static char path[PATH_MAX + 128];
  snprintf(path, sizeof path, "%s/%s", instance, rel);
  return path;
}

static void frame(const char *kind, long value, const void *bytes, size_t n) {
  printf("%s %ld %zu\n", kind, value, n);
  if (n) fwrite(bytes, 1, n, stdout);
  fflush(stdout);
}

// Write a control file of the instance; the answer is 0 or -errno (the step's value).
static long put(const char *rel, const char *value, int flags) {
  int fd = open(in_instance(rel), O_WRONLY | flags);
  if (fd < 0) return -errno;
  long r = 0;
  if (value[0] && write(fd, value, strlen(value)) < 0) r = -errno;
  close(fd);
  return r;
}

static void open_raw(void) {
  char rel[64];
  snprintf(rel, sizeof rel, "per_cpu/cpu%d/trace_pipe_raw", cpu);
  raw_fd = open(in_instance(rel), O_RDONLY | O_NONBLOCK);
  if (raw_fd < 0) {
    fprintf(stderr, "ftrace_live: open %s: %s\n", rel, strerror(errno));
    exit(1);
  }
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: ftrace_live INSTANCE_DIR CPU < PROGRAM\n");
    return 2;
  }
  if (!realpath(argv[1], instance)) {
    fprintf(stderr, "ftrace_live: %s: %s\n", argv[1], strerror(errno));
    return 2;
  }
  struct statfs fs;
  char *slash = strrchr(instance, '/');
  if (statfs(instance, &fs) || fs.f_type != TRACEFS_MAGIC || !slash || slash - instance < 10 ||
      strncmp(slash - 10, "/instances", 10)) {
    fprintf(stderr, "ftrace_live: %s is not a tracefs instance directory\n", instance);
    return 2;
  }
  cpu = atoi(argv[2]);
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set)) {
    perror("ftrace_live: sched_setaffinity");
    return 1;
  }
  marker_fd = open(in_instance("trace_marker"), O_WRONLY);
  if (marker_fd < 0) {
    perror("ftrace_live: trace_marker");
    return 1;
  }
  frame("pid", (long)syscall(SYS_gettid), NULL, 0);
  char line[256], arg[128];
  while (fgets(line, sizeof line, stdin)) {
    char cmd[32];
    arg[0] = 0;
    if (sscanf(line, "%31s %127s", cmd, arg) < 1) continue;
    if (!strcmp(cmd, "size") || !strcmp(cmd, "subbuf")) {
      frame(cmd, put(cmd[1] == 'i' ? "buffer_size_kb" : "buffer_subbuf_size_kb", arg, O_TRUNC),
            NULL, 0);
    } else if (!strcmp(cmd, "overwrite")) {
      frame(cmd, put("options/overwrite", arg, O_TRUNC),
            NULL, 0);
    } else if (!strcmp(cmd, "clock")) {
      frame(cmd, put("trace_clock", arg, O_TRUNC), NULL, 0);
    } else if (!strcmp(cmd, "on")) {
      frame(cmd, put("tracing_on", arg, O_TRUNC), NULL, 0);
    } else if (!strcmp(cmd, "reset")) {
      frame(cmd, put("trace", "", O_TRUNC), NULL, 0);
    } else if (!strcmp(cmd, "write")) {
      long n = atol(arg);
      if (n < 0 || n > (long)sizeof text) n = 0;
      for (long k = 0; k < n; k++) text[k] = (char)('a' + k % 26);
      ssize_t r = write(marker_fd, text, (size_t)n);
      frame(cmd, r < 0 ? -errno : (long)r, NULL, 0);
    } else if (!strcmp(cmd, "read")) {
      if (raw_fd < 0) open_raw();
      long want = atol(arg);
      if (want <= 0 || want > MAX_PAGE) want = getpagesize();
      ssize_t r = read(raw_fd, page, (size_t)want);
      frame(cmd, r < 0 ? -errno : (long)r, page, r < 0 ? 0 : (size_t)r);
    } else if (!strcmp(cmd, "close")) {
      if (raw_fd >= 0) close(raw_fd);
      raw_fd = -1;
      frame(cmd, 0, NULL, 0);
    } else if (!strcmp(cmd, "stats")) {
      char rel[64];
      snprintf(rel, sizeof rel, "per_cpu/cpu%d/stats", cpu);
      int fd = open(in_instance(rel), O_RDONLY);
      ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof text);
      if (fd >= 0) close(fd);
      frame(cmd, n < 0 ? -errno : 0, text, n < 0 ? 0 : (size_t)n);
    } else {
      fprintf(stderr, "ftrace_live: unknown step %s\n", cmd);
      return 2;
    }
  }
  if (raw_fd >= 0) close(raw_fd);
  return 0;
}
