// capture_tracepoint: real kernel PERF_TYPE_TRACEPOINT samples (PERF_SAMPLE_RAW) as fixtures
// (test/fixtures/kernel/tracepoint): the oracle of the sample layout onering's tracepoint bridge
// writes (packages/perf/src/tracepoint-event.ts).
//
//   capture_tracepoint TRACEFS [OUT_DIR]
//
// TRACEFS is the tracefs mount (/sys/kernel/tracing); only the read-only `events/<sys>/<name>/id`
// and `format` files are read, nothing of tracefs is written. Three tracepoints are opened with
// perf_event_open(attr, pid 0, cpu -1): the calling thread only (pinned to CPU 0), never
// system-wide. sample_type = IDENTIFIER | IP | TID | TIME | ID | STREAM_ID | CPU | PERIOD | RAW,
// sample_period 1, use_clockid with CLOCK_MONOTONIC, sample_id_all, wakeup_events 1, disabled.
// The first is mapped (8 data pages) and the two others send their output there
// (PERF_EVENT_IOC_SET_OUTPUT). Then, between ENABLE and DISABLE of all three:
//
//   getppid() 4 times                    → syscalls:sys_enter_getppid (16-byte payload)
//   write(/dev/null, "hello", 5) 3 times → syscalls:sys_enter_write (40-byte payload)
//   prctl(PR_SET_NAME, "tp-capture-K") 3 times, K = 0..2 → task:task_rename (48-byte payload)
//
// Files: NAME.attr (the perf_event_attr of each event: getppid, write, rename), NAME.format (its
// tracefs format), tracepoints.mmap (the whole mapping), tracepoints.log (what the program did:
// `pid`, `tid`, `id NAME EVENT_ID PERF_ID` per event, and `call NAME T0 T1` per call with
// CLOCK_MONOTONIC ns read just before and after it).
//
// Exit status: 0 done, 1 a step failed (message on stderr), 2 bad arguments.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define DATA_PAGES 8

static void fail(const char *what) {
  fprintf(stderr, "capture_tracepoint: %s: %s\n", what, strerror(errno));
  exit(1);
}

static size_t slurp(const char *path, char *buf, size_t cap) {
  int f = open(path, O_RDONLY);
  if (f < 0) fail(path);
  size_t n = 0;
  for (;;) {
    ssize_t r = read(f, buf + n, cap - 1 - n);
    if (r < 0) fail(path);
    if (r == 0) break;
    n += (size_t)r;
  }
  close(f);
  buf[n] = 0;
  return n;
}

static void save(const char *name, const char *ext, const void *p, size_t n) {
  char f[256];
  snprintf(f, sizeof f, "%s.%s", name, ext);
  int o = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (o < 0) fail(f);
  if (write(o, p, n) != (ssize_t)n) fail(f);
  if (close(o)) fail(f);
}

static uint64_t mono(void) {
  struct timespec t;
  if (clock_gettime(CLOCK_MONOTONIC, &t)) fail("clock_gettime(CLOCK_MONOTONIC)");
  return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

struct tp {
  const char *name;  // file name stem
  const char *event; // events/<sys>/<name>
  int fd;
  uint64_t perf_id;
  uint64_t tp_id;
  struct perf_event_attr attr;
};

static void open_tracepoint(const char *tracefs, struct tp *t) {
  char path[512], buf[65536];
  snprintf(path, sizeof path, "%s/events/%s/id", tracefs, t->event);
  slurp(path, buf, sizeof buf);
  t->tp_id = strtoull(buf, 0, 10);
  snprintf(path, sizeof path, "%s/events/%s/format", tracefs, t->event);
  size_t n = slurp(path, buf, sizeof buf);
  save(t->name, "format", buf, n);
  struct perf_event_attr *a = &t->attr;
  memset(a, 0, sizeof *a);
  a->size = sizeof *a;
  a->type = PERF_TYPE_TRACEPOINT;
  a->config = t->tp_id;
  a->sample_period = 1;
  a->sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
                   PERF_SAMPLE_ID | PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD |
                   PERF_SAMPLE_RAW;
  a->disabled = 1;
  a->sample_id_all = 1;
  a->use_clockid = 1;
  a->clockid = CLOCK_MONOTONIC;
  a->wakeup_events = 1;
  // the calling thread (pid 0), any CPU (-1), no group, no flags
  t->fd = (int)syscall(SYS_perf_event_open, a, 0, -1, -1, 0);
  if (t->fd < 0) fail(t->event);
  if (ioctl(t->fd, PERF_EVENT_IOC_ID, &t->perf_id)) fail("PERF_EVENT_IOC_ID");
  save(t->name, "attr", a, sizeof *a);
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: capture_tracepoint TRACEFS [OUT_DIR]\n");
    return 2;
  }
  const char *tracefs = argv[1];
  if (argc > 2 && chdir(argv[2])) fail(argv[2]);
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(0, &set);
  if (sched_setaffinity(0, sizeof set, &set)) fail("pin to CPU 0");
  struct tp tps[3] = {
      {"getppid", "syscalls/sys_enter_getppid", -1, 0, 0, {0}},
      {"write", "syscalls/sys_enter_write", -1, 0, 0, {0}},
      {"rename", "task/task_rename", -1, 0, 0, {0}},
  };
  for (int i = 0; i < 3; i++) open_tracepoint(tracefs, &tps[i]);
  long pg = sysconf(_SC_PAGESIZE);
  size_t len = (size_t)(1 + DATA_PAGES) * (size_t)pg;
  void *m = mmap(0, len, PROT_READ | PROT_WRITE, MAP_SHARED, tps[0].fd, 0);
  if (m == MAP_FAILED) fail("mmap");
  for (int i = 1; i < 3; i++)
    if (ioctl(tps[i].fd, PERF_EVENT_IOC_SET_OUTPUT, tps[0].fd)) fail("PERF_EVENT_IOC_SET_OUTPUT");
  int devnull = open("/dev/null", O_WRONLY);
  if (devnull < 0) fail("/dev/null");
  char log[8192];
  int n = snprintf(log, sizeof log, "pid %d\ntid %d\n", getpid(), (int)syscall(SYS_gettid));
  for (int i = 0; i < 3; i++)
    n += snprintf(log + n, sizeof log - n, "id %s %llu %llu\n", tps[i].name,
                  (unsigned long long)tps[i].tp_id, (unsigned long long)tps[i].perf_id);
  uint64_t t0[10], t1[10];
  const char *what[10];
  int k = 0;
  for (int i = 0; i < 3; i++)
    if (ioctl(tps[i].fd, PERF_EVENT_IOC_ENABLE, 0)) fail("PERF_EVENT_IOC_ENABLE");
  for (int i = 0; i < 4; i++, k++) {
    what[k] = "getppid";
    t0[k] = mono();
    syscall(SYS_getppid);
    t1[k] = mono();
  }
  for (int i = 0; i < 3; i++, k++) {
    what[k] = "write";
    t0[k] = mono();
    if (write(devnull, "hello", 5) != 5) fail("write /dev/null");
    t1[k] = mono();
  }
  for (int i = 0; i < 3; i++, k++) {
    char name[16];
    snprintf(name, sizeof name, "tp-capture-%d", i);
    what[k] = "rename";
    t0[k] = mono();
    if (prctl(PR_SET_NAME, name, 0, 0, 0)) fail("prctl(PR_SET_NAME)");
    t1[k] = mono();
  }
  for (int i = 0; i < 3; i++)
    if (ioctl(tps[i].fd, PERF_EVENT_IOC_DISABLE, 0)) fail("PERF_EVENT_IOC_DISABLE");
  for (int i = 0; i < k; i++)
    n += snprintf(log + n, sizeof log - n, "call %s %llu %llu\n", what[i],
                  (unsigned long long)t0[i], (unsigned long long)t1[i]);
  save("tracepoints", "log", log, (size_t)n);
  save("tracepoints", "mmap", m, len);
  const struct perf_event_mmap_page *c = m;
  fprintf(stderr, "tracepoints: head=%llu tail=%llu data_offset=%llu data_size=%llu\n",
          (unsigned long long)c->data_head, (unsigned long long)c->data_tail,
          (unsigned long long)c->data_offset, (unsigned long long)c->data_size);
  munmap(m, len);
  for (int i = 0; i < 3; i++) close(tps[i].fd);
  close(devnull);
  return 0;
}
