// The part every C helper of the live tester shares: the private instance it may only work in,
// the CPU it pins itself to, the `trace_marker` it writes, and the framed answers it prints.
// A header of static functions: each helper is one translation unit (build.sh).
#ifndef ONERING_LIVE_INSTANCE_H
#define ONERING_LIVE_INSTANCE_H

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

static const char *in_instance(const char *rel) {
  static char path[PATH_MAX + 128];
  snprintf(path, sizeof path, "%s/%s", instance, rel);
  return path;
}

// One answer: a line `KIND VALUE LEN`, then LEN bytes.
static void frame(const char *kind, long value, const void *bytes, size_t n) {
  printf("%s %ld %zu\n", kind, value, n);
  if (n) fwrite(bytes, 1, n, stdout);
  fflush(stdout);
}

// Takes `dir` as the instance only if it is a directory directly under `instances/` of a
// tracefs mount (never the top-level buffer), pins the process to `cpu_arg` (so every marker
// write lands in that CPU's ring) and opens the instance's trace_marker. Returns 0, or the exit
// status after printing why.
static int enter_instance(const char *prog, const char *dir, const char *cpu_arg) {
  if (!realpath(dir, instance)) {
    fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(errno));
    return 2;
  }
  struct statfs fs;
  char *slash = strrchr(instance, '/');
  if (statfs(instance, &fs) || fs.f_type != TRACEFS_MAGIC || !slash || slash - instance < 10 ||
      strncmp(slash - 10, "/instances", 10)) {
    fprintf(stderr, "%s: %s is not a tracefs instance directory\n", prog, instance);
    return 2;
  }
  cpu = atoi(cpu_arg);
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set)) {
    fprintf(stderr, "%s: sched_setaffinity: %s\n", prog, strerror(errno));
    return 1;
  }
  marker_fd = open(in_instance("trace_marker"), O_WRONLY);
  if (marker_fd < 0) {
    fprintf(stderr, "%s: trace_marker: %s\n", prog, strerror(errno));
    return 1;
  }
  return 0;
}

#endif
