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
//   resize KB        write buffer_size_kb (a step: the ring holds data, a read page may be held)
//   overwrite 0|1    write options/overwrite         clock NAME  write trace_clock
//   on 0|1           write tracing_on                reset       truncate `trace`
//   sleep US         nanosleep US microseconds (so a real clock's delta reaches TIME_EXTEND)
//   write LEN        write LEN bytes to trace_marker (one write(2)); the first two bytes name
//                    the write: 0x0b + n % 245, 0x0b + n / 245 % 245 for the n-th write step
//                    (from 0; never NUL or '\n'), the rest 'a' + k % 26
//   read             read one sub-buffer of per_cpu/cpuCPU/trace_pipe_raw (O_NONBLOCK)
//   stats            read per_cpu/cpuCPU/stats
//   close            close trace_pipe_raw (its spare page goes back to the kernel)
//
// Every step answers one frame on stdout: `<kind> <value> <n>\n` then n raw bytes, where kind
// is the step name, value the result (write(2)/read(2) return or -errno, 0 for settings) and
// the bytes are what was read (page bytes, stats text; none for the others). A `write` frame
// carries 16 bytes: two little-endian u64, the user-space time just before and just after the
// write(2), on the user clock nearest the trace clock (rdtsc for x86-tsc, CLOCK_MONOTONIC_RAW
// for mono_raw, CLOCK_BOOTTIME for boot, CLOCK_MONOTONIC otherwise); the replay interpolates
// the kernel time of writes it never sees in a page from them. The first frame is `pid <tid> 0`. Exit status: 0 done, 1 a control-file step failed, 2 bad arguments.
#define _GNU_SOURCE
#include "live_instance.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif


static char page[MAX_PAGE], text[MAX_PAGE];
static enum { USER_MONO, USER_RAW, USER_BOOT, USER_TSC } user_clock = USER_MONO;

// The user-space clock nearest the trace clock, in its own units (ns, or TSC cycles).
static unsigned long long user_now(void) {
  struct timespec t;
#if defined(__x86_64__) || defined(__i386__)
  if (user_clock == USER_TSC) return __rdtsc();
#endif
  clock_gettime(user_clock == USER_RAW    ? CLOCK_MONOTONIC_RAW
                : user_clock == USER_BOOT ? CLOCK_BOOTTIME
                                          : CLOCK_MONOTONIC,
                &t);
  return (unsigned long long)t.tv_sec * 1000000000ull + (unsigned long long)t.tv_nsec;
}

static void put_u64(unsigned char *at, unsigned long long v) {
  for (int k = 0; k < 8; k++) at[k] = (unsigned char)(v >> (8 * k));
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
  int setup = enter_instance("ftrace_live", argv[1], argv[2]);
  if (setup) return setup;
  frame("pid", (long)syscall(SYS_gettid), NULL, 0);
  char line[256], arg[128];
  long writes = 0;
  while (fgets(line, sizeof line, stdin)) {
    char cmd[32];
    arg[0] = 0;
    if (sscanf(line, "%31s %127s", cmd, arg) < 1) continue;
    if (!strcmp(cmd, "size") || !strcmp(cmd, "resize") || !strcmp(cmd, "subbuf")) {
      frame(cmd, put(cmd[1] == 'u' ? "buffer_subbuf_size_kb" : "buffer_size_kb", arg, O_TRUNC),
            NULL, 0);
    } else if (!strcmp(cmd, "overwrite")) {
      frame(cmd, put("options/overwrite", arg, O_TRUNC),
            NULL, 0);
    } else if (!strcmp(cmd, "clock")) {
      user_clock = !strcmp(arg, "x86-tsc")    ? USER_TSC
                   : !strcmp(arg, "mono_raw") ? USER_RAW
                   : !strcmp(arg, "boot")     ? USER_BOOT
                                              : USER_MONO;
      frame(cmd, put("trace_clock", arg, O_TRUNC), NULL, 0);
    } else if (!strcmp(cmd, "on")) {
      frame(cmd, put("tracing_on", arg, O_TRUNC), NULL, 0);
    } else if (!strcmp(cmd, "reset")) {
      frame(cmd, put("trace", "", O_TRUNC), NULL, 0);
    } else if (!strcmp(cmd, "write")) {
      long n = atol(arg);
      if (n < 0 || n > (long)sizeof text) n = 0;
      for (long k = 0; k < n; k++) text[k] = (char)('a' + k % 26);
      if (n > 0) text[0] = (char)(0x0b + writes % 245);
      if (n > 1) text[1] = (char)(0x0b + writes / 245 % 245);
      writes++;
      unsigned char times[16];
      put_u64(times, user_now());
      ssize_t r = write(marker_fd, text, (size_t)n);
      int err = errno;
      put_u64(times + 8, user_now());
      frame(cmd, r < 0 ? -err : (long)r, times, sizeof times);
    } else if (!strcmp(cmd, "sleep")) {
      long us = atol(arg);
      if (us < 0 || us > 1000000) us = 0;
      struct timespec t = {us / 1000000, us % 1000000 * 1000};
      while (nanosleep(&t, &t) && errno == EINTR) {
      }
      frame(cmd, 0, NULL, 0);
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
