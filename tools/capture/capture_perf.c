// capture_perf: real kernel perf ring-buffer mappings (control page + data pages) as fixtures
// (test/fixtures/kernel/perf).
//
//   capture_perf [OUT_DIR]
//
// Every event is opened with perf_event_open(attr, pid 0, cpu -1): the calling thread only, on
// whatever CPU it runs (pinned to CPU 0 here), never system-wide; tracefs is not used. For each
// scenario it saves NAME.attr (the perf_event_attr it opened), NAME.mmap (the whole mapping after
// the run) and, where the consumer frees space midway, NAME.before.mmap (the mapping just before):
//
//   samples    cpu-clock every 100 us for 20 ms of CPU time, 8 data pages: nothing lost
//   full       the same for 100 ms into 2 data pages, then data_tail = data_head, 10 ms more
//   wrapped    as full with a 30 ms run
//   backward   write_backward with a read-only mapping, 2 data pages, 100 ms
//   sideband   PERF_COUNT_SW_DUMMY: MMAP2 and SWITCH records with sample_id_all, 8 data pages
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
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long pg;

static void fail(const char *what) {
  fprintf(stderr, "capture_perf: %s: %s\n", what, strerror(errno));
  exit(1);
}

// perf_event_open on the calling thread (pid 0), any CPU (-1), no group, no flags.
static int open_on_this_thread(struct perf_event_attr *a, const char *name) {
  int fd = (int)syscall(SYS_perf_event_open, a, 0, -1, -1, 0);
  if (fd < 0) fail(name);
  return fd;
}

static void save(const char *name, const char *ext, const void *p, size_t n) {
  char f[256];
  snprintf(f, sizeof f, "%s.%s", name, ext);
  int o = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (o < 0) fail(f);
  if (write(o, p, n) != (ssize_t)n) fail(f);
  if (close(o)) fail(f);
}

static void control(int fd, unsigned long request, const char *what) {
  if (ioctl(fd, request, 0)) fail(what);
}

// CPU time of this thread: cpu-clock counts only while the thread runs, so spinning for CPU time
// (not wall time) gives about the same number of samples however busy the machine is.
static double now(void) {
  struct timespec t;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)) fail("clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
  return t.tv_sec + t.tv_nsec / 1e9;
}

static volatile uint64_t sink;

// Burn CPU in user space for `s` seconds of this thread's CPU time.
static void spin(double s) {
  double end = now() + s;
  while (now() < end)
    for (int i = 0; i < 1000; i++) sink += i;
}

// A disabled software event of `config`, user space only, its size that of the build's headers.
static void software_event(struct perf_event_attr *a, uint64_t config) {
  memset(a, 0, sizeof *a);
  a->size = sizeof *a;
  a->type = PERF_TYPE_SOFTWARE;
  a->config = config;
  a->exclude_kernel = 1;
  a->disabled = 1;
}

// Disable the event, save NAME.attr and NAME.mmap (the whole mapping), report head and tail.
static void finish(const char *name, int fd, const struct perf_event_attr *a, void *m,
                   size_t len) {
  control(fd, PERF_EVENT_IOC_DISABLE, "PERF_EVENT_IOC_DISABLE");
  save(name, "attr", a, sizeof *a);
  save(name, "mmap", m, len);
  const struct perf_event_mmap_page *c = m;
  fprintf(stderr, "%s: head=%llu tail=%llu data_offset=%llu data_size=%llu\n", name,
          (unsigned long long)c->data_head, (unsigned long long)c->data_tail,
          (unsigned long long)c->data_offset, (unsigned long long)c->data_size);
  munmap(m, len);
  close(fd);
}

// cpu-clock sampling of this thread in user space: period 100000 ns, sample_type IP, TID, TIME,
// ID, CPU, PERIOD with sample_id_all. With `consume_midway` the consumer frees all space after
// `secs` (data_tail = data_head), so the kernel reports what it dropped as PERF_RECORD_LOST.
static void sampling(const char *name, int data_pages, int backward, double secs,
                     int consume_midway) {
  struct perf_event_attr a;
  software_event(&a, PERF_COUNT_SW_CPU_CLOCK);
  a.sample_period = 100000;
  a.exclude_hv = 1;
  a.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID |
                  PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD;
  a.wakeup_events = 1;
  a.write_backward = backward;
  a.sample_id_all = 1;
  int fd = open_on_this_thread(&a, name);
  size_t len = (1 + data_pages) * pg;
  // perf's rule: a write_backward ring is mapped read-only (overwrite mode)
  void *m = mmap(0, len, backward ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) fail("mmap");
  struct perf_event_mmap_page *c = m;
  control(fd, PERF_EVENT_IOC_ENABLE, "PERF_EVENT_IOC_ENABLE");
  spin(secs);
  if (consume_midway) {
    save(name, "before.mmap", m, len);
    __atomic_store_n(&c->data_tail, __atomic_load_n(&c->data_head, __ATOMIC_ACQUIRE),
                     __ATOMIC_RELEASE);
    spin(0.01);
  }
  finish(name, fd, &a, m, len);
}

// Side-band records of this thread: 5 anonymous PROT_EXEC mappings with a 2 ms sleep after each
// (MMAP2 + a SWITCH out and in), then one file mapping (/etc/hostname).
static void sideband(const char *name) {
  struct perf_event_attr a;
  software_event(&a, PERF_COUNT_SW_DUMMY);
  a.comm = 1;
  a.mmap = 1;
  a.mmap2 = 1;
  a.task = 1;
  a.context_switch = 1;
  a.sample_id_all = 1;
  a.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU;
  a.watermark = 1;
  a.wakeup_watermark = 1024;
  int fd = open_on_this_thread(&a, name);
  size_t len = (1 + 8) * pg;
  void *m = mmap(0, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) fail("mmap");
  control(fd, PERF_EVENT_IOC_ENABLE, "PERF_EVENT_IOC_ENABLE");
  for (int i = 0; i < 5; i++) {
    void *p = mmap(0, 3 * pg, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) fail("anonymous mmap");
    munmap(p, 3 * pg);
    struct timespec t = {0, 2000000};
    nanosleep(&t, 0);
  }
  int f = open("/etc/hostname", O_RDONLY);
  if (f < 0) fail("/etc/hostname");
  void *p = mmap(0, pg, PROT_READ | PROT_EXEC, MAP_PRIVATE, f, 0);
  if (p == MAP_FAILED) fail("mmap of /etc/hostname");
  munmap(p, pg);
  close(f);
  finish(name, fd, &a, m, len);
}

int main(int argc, char **argv) {
  if (argc > 2) {
    fprintf(stderr, "usage: capture_perf [OUT_DIR]\n");
    return 2;
  }
  if (argc > 1 && chdir(argv[1])) fail(argv[1]);
  pg = sysconf(_SC_PAGESIZE);
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(0, &set);
  if (sched_setaffinity(0, sizeof set, &set)) fail("pin to CPU 0");
  sampling("samples", 8, 0, 0.02, 0);   // fits: plain forward ring, no loss
  sampling("full", 2, 0, 0.1, 1);       // 8 KiB ring overflows; after consuming, a LOST record
  sampling("wrapped", 2, 0, 0.03, 1);   // records that straddle the end of the data area
  sampling("backward", 2, 1, 0.1, 0);   // write_backward overwrite ring, read-only mapping
  sideband("sideband");                 // MMAP2/SWITCH records with sample_id_all trailers
  return 0;
}
