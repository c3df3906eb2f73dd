// perf_live: the kernel side of the live perf conformance tester (tools/conformance-live).
//
//   perf_live CPU TRACEPOINT_ID < PROGRAM > FRAMES
//
// The process pins itself to CPU, opens one perf event on the tracepoint TRACEPOINT_ID
// (`events/syscalls/sys_enter_getppid/id` of tracefs) for itself (pid 0) on that CPU, with
// period 1 and `sample_id_all`, mmaps it and runs PROGRAM, one step a line. The first line is
//
//   open SAMPLE_TYPE PAGES BACKWARD WATERMARK WAKEUP [CLOCKID]
//
// (sample_type in hex, a power-of-two number of data pages, write_backward 0|1 — a backward
// event is mapped read-only, a forward one read-write —, watermark 0|1 and WAKEUP, the
// wakeup_events or, with watermark, the wakeup_watermark; CLOCKID ≥ 0 sets use_clockid and
// clockid, -1 or none keeps the perf clock). Then:
//
//   getppid N        N getppid(2) calls: one tracepoint hit, so one sample, each
//   consume K        data_tail advanced by K whole records (a read-write mapping only)
//   consume all      data_tail = data_head
//   pause 0|1        PERF_EVENT_IOC_PAUSE_OUTPUT
//   enable | disable | reset   PERF_EVENT_IOC_ENABLE / _DISABLE / _RESET
//   poll             poll(2) with a zero timeout: the value is revents
//   refresh N        PERF_EVENT_IOC_REFRESH N
//
// Every line answers one frame on stdout: `<kind> <value> <n>\n` then n raw bytes. The first
// frame is `pid <tid> 0`; `open` answers the event id (PERF_EVENT_IOC_ID) and every step the
// ioctl's result (0 or -errno; 0 for getppid and consume; revents for poll), each with the mapping after the
// step: the 1088 bytes of `struct perf_event_mmap_page`, then the data pages. Exit status: 0
// done, 1 a system call failed (message on stderr), 2 bad arguments or program.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CONTROL_BYTES 1088  // sizeof(struct perf_event_mmap_page)

static int fd = -1;
static uint8_t *map;
static size_t page_size, data_size;

static void frame(const char *kind, long long value) {
  size_t n = map ? CONTROL_BYTES + data_size : 0;
  printf("%s %lld %zu\n", kind, value, n);
  if (n) {
    fwrite(map, 1, CONTROL_BYTES, stdout);
    fwrite(map + page_size, 1, data_size, stdout);
  }
  fflush(stdout);
}

static void die(const char *what) {
  fprintf(stderr, "perf_live: %s: %s\n", what, strerror(errno));
  exit(1);
}

static long ioc(unsigned long request, unsigned long arg) {
  return ioctl(fd, request, arg) < 0 ? -errno : 0;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: perf_live CPU TRACEPOINT_ID < PROGRAM\n");
    return 2;
  }
  int cpu = atoi(argv[1]);
  unsigned long long tp = strtoull(argv[2], NULL, 10);
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set)) die("sched_setaffinity");
  page_size = (size_t)sysconf(_SC_PAGESIZE);
  printf("pid %ld 0\n", (long)syscall(SYS_gettid));
  fflush(stdout);

  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    char cmd[32], arg[64] = "";
    if (sscanf(line, "%31s %63s", cmd, arg) < 1) continue;
    if (!strcmp(cmd, "open")) {
      unsigned long long st;
      unsigned pages, backward, watermark, wakeup;
      int clockid = -1;
      int fields = sscanf(line, "open %llx %u %u %u %u %d", &st, &pages, &backward, &watermark,
                          &wakeup, &clockid);
      if (fd >= 0 || fields < 5 || pages == 0 || (pages & (pages - 1))) {
        fprintf(stderr, "perf_live: bad open line: %s", line);
        return 2;
      }
      struct perf_event_attr a;
      memset(&a, 0, sizeof a);
      a.size = sizeof a;
      a.type = PERF_TYPE_TRACEPOINT;
      a.config = tp;
      a.sample_period = 1;
      a.sample_type = st;
      a.sample_id_all = 1;
      a.write_backward = backward != 0;
      a.watermark = watermark != 0;
      if (clockid >= 0) {
        a.use_clockid = 1;
        a.clockid = clockid;
      }
      if (watermark)
        a.wakeup_watermark = wakeup;
      else
        a.wakeup_events = wakeup;
      fd = (int)syscall(SYS_perf_event_open, &a, 0, cpu, -1, PERF_FLAG_FD_CLOEXEC);
      if (fd < 0) die("perf_event_open");
      data_size = pages * page_size;
      int prot = backward ? PROT_READ : PROT_READ | PROT_WRITE;
      void *m = mmap(NULL, page_size + data_size, prot, MAP_SHARED, fd, 0);
      if (m == MAP_FAILED) die("mmap");
      map = m;
      unsigned long long id = 0;
      if (ioctl(fd, PERF_EVENT_IOC_ID, &id) < 0) die("PERF_EVENT_IOC_ID");
      frame("open", (long long)id);
      continue;
    }
    if (fd < 0) {
      fprintf(stderr, "perf_live: the first step must be open\n");
      return 2;
    }
    struct perf_event_mmap_page *pg = (struct perf_event_mmap_page *)map;
    if (!strcmp(cmd, "getppid")) {
      long n = atol(arg);
      for (long k = 0; k < n; k++) syscall(SYS_getppid);
      frame(cmd, 0);
    } else if (!strcmp(cmd, "consume")) {
      uint64_t head = __atomic_load_n(&pg->data_head, __ATOMIC_ACQUIRE);
      uint64_t tail = pg->data_tail;
      if (!strcmp(arg, "all")) {
        tail = head;
      } else {
        // whole records from data_tail: the header (8-byte aligned) never straddles the end
        for (long k = atol(arg); k > 0 && tail < head; k--) {
          struct perf_event_header *h =
              (struct perf_event_header *)(map + page_size + (tail & (data_size - 1)));
          if (h->size == 0) break;
          tail += h->size;
        }
      }
      __atomic_store_n(&pg->data_tail, tail, __ATOMIC_RELEASE);
      frame(cmd, 0);
    } else if (!strcmp(cmd, "pause")) {
      frame(cmd, ioc(PERF_EVENT_IOC_PAUSE_OUTPUT, strtoul(arg, NULL, 10)));
    } else if (!strcmp(cmd, "enable")) {
      frame(cmd, ioc(PERF_EVENT_IOC_ENABLE, 0));
    } else if (!strcmp(cmd, "disable")) {
      frame(cmd, ioc(PERF_EVENT_IOC_DISABLE, 0));
    } else if (!strcmp(cmd, "reset")) {
      frame(cmd, ioc(PERF_EVENT_IOC_RESET, 0));
    } else if (!strcmp(cmd, "refresh")) {
      frame(cmd, ioc(PERF_EVENT_IOC_REFRESH, strtoul(arg, NULL, 10)));
    } else if (!strcmp(cmd, "poll")) {
      struct pollfd p = {.fd = fd, .events = POLLIN};
      int r = poll(&p, 1, 0);
      frame(cmd, r < 0 ? -errno : p.revents);
    } else {
      fprintf(stderr, "perf_live: unknown step %s\n", cmd);
      return 2;
    }
  }
  return 0;
}
