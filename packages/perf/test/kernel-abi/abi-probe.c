/*
 * Asks the running kernel for the perf_event ABI limits that @onering/perf hard-codes, by the
 * kernel's own answers to perf_event_open (kernel/events/core.c perf_copy_attr and
 * perf_event_open's sample_type check), on a disabled software dummy event of this thread:
 *
 *   sample_max   one past the highest sample_type bit the kernel accepts on its own; every
 *                bit from there to 63 is refused with EINVAL (the kernel's PERF_SAMPLE_MAX).
 *                Bits below it that need more of the attr (BRANCH_STACK, REGS_USER,
 *                REGS_INTR) are refused too and do not count.
 *   attr_size    the size the kernel writes back into attr.size when a larger attr has a
 *                non-zero byte past its own struct (E2BIG): sizeof(struct perf_event_attr)
 *
 * Prints "key value" lines; exits 2 when perf_event_open itself is refused (no permission).
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long open_attr(struct perf_event_attr *attr) {
  return syscall(SYS_perf_event_open, attr, 0, -1, -1, 0);
}

static void dummy(struct perf_event_attr *attr, unsigned size) {
  memset(attr, 0, size);
  attr->type = PERF_TYPE_SOFTWARE;
  attr->config = PERF_COUNT_SW_DUMMY;
  attr->size = size;
  attr->disabled = 1;
}

int main(void) {
  static unsigned char buf[4096];
  struct perf_event_attr *attr = (struct perf_event_attr *)buf;

  dummy(attr, PERF_ATTR_SIZE_VER0);
  long fd = open_attr(attr);
  if (fd < 0) {
    fprintf(stderr, "perf_event_open: %s\n", strerror(errno));
    return 2;
  }
  close((int)fd);

  int max = 0;
  for (int bit = 0; bit < 64; bit++) {
    dummy(attr, PERF_ATTR_SIZE_VER0);
    attr->sample_type = 1ULL << bit;
    fd = open_attr(attr);
    if (fd < 0) {
      if (errno != EINVAL) {
        fprintf(stderr, "sample bit %d: %s\n", bit, strerror(errno));
        return 1;
      }
      continue;
    }
    close((int)fd);
    max = bit + 1;
  }
  printf("sample_max %d\n", max);

  dummy(attr, sizeof buf);
  buf[sizeof buf - 1] = 1;
  fd = open_attr(attr);
  if (fd >= 0 || errno != E2BIG) {
    fprintf(stderr, "an attr of %zu bytes with a non-zero tail was not refused with E2BIG\n",
            sizeof buf);
    return 1;
  }
  printf("attr_size %u\n", attr->size);
  return 0;
}
