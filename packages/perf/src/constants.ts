/**
 * The kernel's perf_event constants, under their kernel names
 * (`include/uapi/linux/perf_event.h`, Linux 6.1–6.18; `PERF_SAMPLE_MAX` and the attr size are
 * checked against the running kernel by `test/kernel-abi.test.ts`).
 *
 * Values that are full 64-bit patterns (the `PERF_CONTEXT_*` callchain markers) are `bigint`
 * u64 values; everything else fits a JS number exactly.
 *
 * @packageDocumentation
 */

export * from './attr-constants.js'

// ---------------------------------------------------------------------------------------------
// enum perf_event_type
// ---------------------------------------------------------------------------------------------

/** `PERF_RECORD_MMAP`: an executable (or, with `mmap_data`, data) mapping. */
export const PERF_RECORD_MMAP = 1
/** `PERF_RECORD_LOST`: records were dropped because the buffer was full (or paused). */
export const PERF_RECORD_LOST = 2
/** `PERF_RECORD_COMM`: a task changed its comm (name). */
export const PERF_RECORD_COMM = 3
/** `PERF_RECORD_EXIT`: a task exited. */
export const PERF_RECORD_EXIT = 4
/** `PERF_RECORD_THROTTLE`: the event was throttled. */
export const PERF_RECORD_THROTTLE = 5
/** `PERF_RECORD_UNTHROTTLE`: the event was unthrottled. */
export const PERF_RECORD_UNTHROTTLE = 6
/** `PERF_RECORD_FORK`: a task was created. */
export const PERF_RECORD_FORK = 7
/** `PERF_RECORD_READ`: counter values (inherit_stat at exit). */
export const PERF_RECORD_READ = 8
/** `PERF_RECORD_SAMPLE`: a sample; its body follows `sample_type`. */
export const PERF_RECORD_SAMPLE = 9
/** `PERF_RECORD_MMAP2`: MMAP with device/inode (or build id) and protection. */
export const PERF_RECORD_MMAP2 = 10
/** `PERF_RECORD_AUX`: new data in the AUX area. */
export const PERF_RECORD_AUX = 11
/** `PERF_RECORD_ITRACE_START`: instruction tracing started for a task. */
export const PERF_RECORD_ITRACE_START = 12
/** `PERF_RECORD_LOST_SAMPLES`: samples the hardware (e.g. PEBS) dropped. */
export const PERF_RECORD_LOST_SAMPLES = 13
/** `PERF_RECORD_SWITCH`: a context switch in or out of the monitored task. */
export const PERF_RECORD_SWITCH = 14
/** `PERF_RECORD_SWITCH_CPU_WIDE`: a context switch on a CPU-wide event, with the other task. */
export const PERF_RECORD_SWITCH_CPU_WIDE = 15
/** `PERF_RECORD_NAMESPACES`: the namespaces of a task. */
export const PERF_RECORD_NAMESPACES = 16
/** `PERF_RECORD_KSYMBOL`: a kernel symbol was (un)registered. */
export const PERF_RECORD_KSYMBOL = 17
/** `PERF_RECORD_BPF_EVENT`: a BPF program was loaded or unloaded. */
export const PERF_RECORD_BPF_EVENT = 18
/** `PERF_RECORD_CGROUP`: a cgroup id and its path. */
export const PERF_RECORD_CGROUP = 19
/** `PERF_RECORD_TEXT_POKE`: kernel text was modified. */
export const PERF_RECORD_TEXT_POKE = 20
/** `PERF_RECORD_AUX_OUTPUT_HW_ID`: the hardware id of AUX output (e.g. PEBS-via-PT). */
export const PERF_RECORD_AUX_OUTPUT_HW_ID = 21
/** `PERF_RECORD_MAX`: one past the last kernel record type. */
export const PERF_RECORD_MAX = 22

// ---------------------------------------------------------------------------------------------
// struct perf_event_header.misc
// ---------------------------------------------------------------------------------------------

/** `PERF_RECORD_MISC_CPUMODE_MASK`: bits 0–2 of `misc` hold a cpumode *value*. */
export const PERF_RECORD_MISC_CPUMODE_MASK = 7
/** `PERF_RECORD_MISC_CPUMODE_UNKNOWN`: cpumode value 0. */
export const PERF_RECORD_MISC_CPUMODE_UNKNOWN = 0
/** `PERF_RECORD_MISC_KERNEL`: cpumode value 1. */
export const PERF_RECORD_MISC_KERNEL = 1
/** `PERF_RECORD_MISC_USER`: cpumode value 2. */
export const PERF_RECORD_MISC_USER = 2
/** `PERF_RECORD_MISC_HYPERVISOR`: cpumode value 3. */
export const PERF_RECORD_MISC_HYPERVISOR = 3
/** `PERF_RECORD_MISC_GUEST_KERNEL`: cpumode value 4. */
export const PERF_RECORD_MISC_GUEST_KERNEL = 4
/** `PERF_RECORD_MISC_GUEST_USER`: cpumode value 5. */
export const PERF_RECORD_MISC_GUEST_USER = 5
/** `PERF_RECORD_MISC_PROC_MAP_PARSE_TIMEOUT`: perf gave up parsing /proc/PID/maps. */
export const PERF_RECORD_MISC_PROC_MAP_PARSE_TIMEOUT: number = 1 << 12
/** `PERF_RECORD_MISC_MMAP_DATA`: (MMAP*) a non-executable mapping. Shares bit 13. */
export const PERF_RECORD_MISC_MMAP_DATA: number = 1 << 13
/** `PERF_RECORD_MISC_COMM_EXEC`: (COMM) the comm changed because of exec. Shares bit 13. */
export const PERF_RECORD_MISC_COMM_EXEC: number = 1 << 13
/** `PERF_RECORD_MISC_FORK_EXEC`: (perf-internal FORK) shares bit 13. */
export const PERF_RECORD_MISC_FORK_EXEC: number = 1 << 13
/** `PERF_RECORD_MISC_SWITCH_OUT`: (SWITCH*) a switch out rather than in. Shares bit 13. */
export const PERF_RECORD_MISC_SWITCH_OUT: number = 1 << 13
/** `PERF_RECORD_MISC_EXACT_IP`: (SAMPLE) the ip is exact (precise event). Shares bit 14. */
export const PERF_RECORD_MISC_EXACT_IP: number = 1 << 14
/** `PERF_RECORD_MISC_SWITCH_OUT_PREEMPT`: (SWITCH*) the task was preempted. Shares bit 14. */
export const PERF_RECORD_MISC_SWITCH_OUT_PREEMPT: number = 1 << 14
/** `PERF_RECORD_MISC_MMAP_BUILD_ID`: (MMAP2) the record carries a build id. Shares bit 14. */
export const PERF_RECORD_MISC_MMAP_BUILD_ID: number = 1 << 14
/** `PERF_RECORD_MISC_EXT_RESERVED`: reserved for extensions. */
export const PERF_RECORD_MISC_EXT_RESERVED: number = 1 << 15

// ---------------------------------------------------------------------------------------------
// enum perf_event_sample_format
// ---------------------------------------------------------------------------------------------

/** `PERF_SAMPLE_IP`: the instruction pointer. */
export const PERF_SAMPLE_IP: number = 1 << 0
/** `PERF_SAMPLE_TID`: u32 pid, tid. */
export const PERF_SAMPLE_TID: number = 1 << 1
/** `PERF_SAMPLE_TIME`: the perf clock timestamp. */
export const PERF_SAMPLE_TIME: number = 1 << 2
/** `PERF_SAMPLE_ADDR`: a data address. */
export const PERF_SAMPLE_ADDR: number = 1 << 3
/** `PERF_SAMPLE_READ`: counter values in `read_format` layout. */
export const PERF_SAMPLE_READ: number = 1 << 4
/** `PERF_SAMPLE_CALLCHAIN`: u64 nr, ips[nr]. */
export const PERF_SAMPLE_CALLCHAIN: number = 1 << 5
/** `PERF_SAMPLE_ID`: the event id (position varies; prefer IDENTIFIER). */
export const PERF_SAMPLE_ID: number = 1 << 6
/** `PERF_SAMPLE_CPU`: u32 cpu, res. */
export const PERF_SAMPLE_CPU: number = 1 << 7
/** `PERF_SAMPLE_PERIOD`: the sample period. */
export const PERF_SAMPLE_PERIOD: number = 1 << 8
/** `PERF_SAMPLE_STREAM_ID`: the id of the inherited-from (primary) event. */
export const PERF_SAMPLE_STREAM_ID: number = 1 << 9
/** `PERF_SAMPLE_RAW`: u32 size, raw data (tracepoint payload). */
export const PERF_SAMPLE_RAW: number = 1 << 10
/** `PERF_SAMPLE_BRANCH_STACK`: the LBR branch stack. */
export const PERF_SAMPLE_BRANCH_STACK: number = 1 << 11
/** `PERF_SAMPLE_REGS_USER`: user registers per `sample_regs_user`. */
export const PERF_SAMPLE_REGS_USER: number = 1 << 12
/** `PERF_SAMPLE_STACK_USER`: a copy of the user stack. */
export const PERF_SAMPLE_STACK_USER: number = 1 << 13
/** `PERF_SAMPLE_WEIGHT`: a u64 cost weight. */
export const PERF_SAMPLE_WEIGHT: number = 1 << 14
/** `PERF_SAMPLE_DATA_SRC`: the data source of a memory access. */
export const PERF_SAMPLE_DATA_SRC: number = 1 << 15
/** `PERF_SAMPLE_IDENTIFIER`: the event id at a fixed position (first in SAMPLE, last in sample_id). */
export const PERF_SAMPLE_IDENTIFIER: number = 1 << 16
/** `PERF_SAMPLE_TRANSACTION`: TSX transaction flags. */
export const PERF_SAMPLE_TRANSACTION: number = 1 << 17
/** `PERF_SAMPLE_REGS_INTR`: interrupted registers per `sample_regs_intr`. */
export const PERF_SAMPLE_REGS_INTR: number = 1 << 18
/** `PERF_SAMPLE_PHYS_ADDR`: the physical data address. */
export const PERF_SAMPLE_PHYS_ADDR: number = 1 << 19
/** `PERF_SAMPLE_AUX`: a snapshot of AUX data. */
export const PERF_SAMPLE_AUX: number = 1 << 20
/** `PERF_SAMPLE_CGROUP`: the cgroup id. */
export const PERF_SAMPLE_CGROUP: number = 1 << 21
/** `PERF_SAMPLE_DATA_PAGE_SIZE`: the page size of the data address. */
export const PERF_SAMPLE_DATA_PAGE_SIZE: number = 1 << 22
/** `PERF_SAMPLE_CODE_PAGE_SIZE`: the page size of the code address. */
export const PERF_SAMPLE_CODE_PAGE_SIZE: number = 1 << 23
/** `PERF_SAMPLE_WEIGHT_STRUCT`: the weight as {u32 var1_dw, u16 var2_w, u16 var3_w}. */
export const PERF_SAMPLE_WEIGHT_STRUCT: number = 1 << 24
/** `PERF_SAMPLE_MAX`: one past the last known bit (Linux 6.1–6.18). */
export const PERF_SAMPLE_MAX: number = 1 << 25
/** `PERF_SAMPLE_WEIGHT_TYPE`: WEIGHT | WEIGHT_STRUCT. */
export const PERF_SAMPLE_WEIGHT_TYPE: number = PERF_SAMPLE_WEIGHT | PERF_SAMPLE_WEIGHT_STRUCT

// ---------------------------------------------------------------------------------------------
// enum perf_event_read_format
// ---------------------------------------------------------------------------------------------

/** `PERF_FORMAT_TOTAL_TIME_ENABLED`: include time_enabled. */
export const PERF_FORMAT_TOTAL_TIME_ENABLED = 1
/** `PERF_FORMAT_TOTAL_TIME_RUNNING`: include time_running. */
export const PERF_FORMAT_TOTAL_TIME_RUNNING = 2
/** `PERF_FORMAT_ID`: include the id of each value. */
export const PERF_FORMAT_ID = 4
/** `PERF_FORMAT_GROUP`: read every member of the group. */
export const PERF_FORMAT_GROUP = 8
/** `PERF_FORMAT_LOST`: include the lost count of each value (6.0+). */
export const PERF_FORMAT_LOST = 16
/** `PERF_FORMAT_MAX`: one past the last known bit. */
export const PERF_FORMAT_MAX = 32

// ---------------------------------------------------------------------------------------------
// enum perf_branch_sample_type (shift values as masks)
// ---------------------------------------------------------------------------------------------

/** `PERF_SAMPLE_BRANCH_USER`: user branches. */
export const PERF_SAMPLE_BRANCH_USER: number = 1 << 0
/** `PERF_SAMPLE_BRANCH_KERNEL`: kernel branches. */
export const PERF_SAMPLE_BRANCH_KERNEL: number = 1 << 1
/** `PERF_SAMPLE_BRANCH_HV`: hypervisor branches. */
export const PERF_SAMPLE_BRANCH_HV: number = 1 << 2
/** `PERF_SAMPLE_BRANCH_ANY`: any branch type. */
export const PERF_SAMPLE_BRANCH_ANY: number = 1 << 3
/** `PERF_SAMPLE_BRANCH_ANY_CALL`: any call. */
export const PERF_SAMPLE_BRANCH_ANY_CALL: number = 1 << 4
/** `PERF_SAMPLE_BRANCH_ANY_RETURN`: any return. */
export const PERF_SAMPLE_BRANCH_ANY_RETURN: number = 1 << 5
/** `PERF_SAMPLE_BRANCH_IND_CALL`: indirect calls. */
export const PERF_SAMPLE_BRANCH_IND_CALL: number = 1 << 6
/** `PERF_SAMPLE_BRANCH_ABORT_TX`: transaction aborts. */
export const PERF_SAMPLE_BRANCH_ABORT_TX: number = 1 << 7
/** `PERF_SAMPLE_BRANCH_IN_TX`: in transaction. */
export const PERF_SAMPLE_BRANCH_IN_TX: number = 1 << 8
/** `PERF_SAMPLE_BRANCH_NO_TX`: not in transaction. */
export const PERF_SAMPLE_BRANCH_NO_TX: number = 1 << 9
/** `PERF_SAMPLE_BRANCH_COND`: conditional branches. */
export const PERF_SAMPLE_BRANCH_COND: number = 1 << 10
/** `PERF_SAMPLE_BRANCH_CALL_STACK`: call/ret stack. */
export const PERF_SAMPLE_BRANCH_CALL_STACK: number = 1 << 11
/** `PERF_SAMPLE_BRANCH_IND_JUMP`: indirect jumps. */
export const PERF_SAMPLE_BRANCH_IND_JUMP: number = 1 << 12
/** `PERF_SAMPLE_BRANCH_CALL`: direct calls. */
export const PERF_SAMPLE_BRANCH_CALL: number = 1 << 13
/** `PERF_SAMPLE_BRANCH_NO_FLAGS`: no flags. */
export const PERF_SAMPLE_BRANCH_NO_FLAGS: number = 1 << 14
/** `PERF_SAMPLE_BRANCH_NO_CYCLES`: no cycle counts. */
export const PERF_SAMPLE_BRANCH_NO_CYCLES: number = 1 << 15
/** `PERF_SAMPLE_BRANCH_TYPE_SAVE`: save the branch type. */
export const PERF_SAMPLE_BRANCH_TYPE_SAVE: number = 1 << 16
/** `PERF_SAMPLE_BRANCH_HW_INDEX`: the branch stack starts with a u64 hw_idx. */
export const PERF_SAMPLE_BRANCH_HW_INDEX: number = 1 << 17
/** `PERF_SAMPLE_BRANCH_PRIV_SAVE`: save the privilege mode. */
export const PERF_SAMPLE_BRANCH_PRIV_SAVE: number = 1 << 18
/** `PERF_SAMPLE_BRANCH_COUNTERS`: the branch stack ends with u64 counters[nr]. */
export const PERF_SAMPLE_BRANCH_COUNTERS: number = 1 << 19
/** `PERF_SAMPLE_BRANCH_MAX`: one past the last known bit. */
export const PERF_SAMPLE_BRANCH_MAX: number = 1 << 20

// ---------------------------------------------------------------------------------------------
// enum perf_sample_regs_abi
// ---------------------------------------------------------------------------------------------

/** `PERF_SAMPLE_REGS_ABI_NONE`: no registers follow. */
export const PERF_SAMPLE_REGS_ABI_NONE = 0
/** `PERF_SAMPLE_REGS_ABI_32`: a 32-bit task. */
export const PERF_SAMPLE_REGS_ABI_32 = 1
/** `PERF_SAMPLE_REGS_ABI_64`: a 64-bit task. */
export const PERF_SAMPLE_REGS_ABI_64 = 2

// ---------------------------------------------------------------------------------------------
// PERF_AUX_FLAG_*
// ---------------------------------------------------------------------------------------------

/** `PERF_AUX_FLAG_TRUNCATED`: the record was truncated to fit. */
export const PERF_AUX_FLAG_TRUNCATED = 0x01
/** `PERF_AUX_FLAG_OVERWRITE`: snapshot from overwrite mode. */
export const PERF_AUX_FLAG_OVERWRITE = 0x02
/** `PERF_AUX_FLAG_PARTIAL`: the record contains gaps. */
export const PERF_AUX_FLAG_PARTIAL = 0x04
/** `PERF_AUX_FLAG_COLLISION`: the sample collided with another. */
export const PERF_AUX_FLAG_COLLISION = 0x08
/** `PERF_AUX_FLAG_PMU_FORMAT_TYPE_MASK`: PMU-specific trace format type. */
export const PERF_AUX_FLAG_PMU_FORMAT_TYPE_MASK = 0xff00
/** `PERF_AUX_FLAG_CORESIGHT_FORMAT_CORESIGHT`: CoreSight frame format. */
export const PERF_AUX_FLAG_CORESIGHT_FORMAT_CORESIGHT = 0x0000
/** `PERF_AUX_FLAG_CORESIGHT_FORMAT_RAW`: CoreSight raw format. */
export const PERF_AUX_FLAG_CORESIGHT_FORMAT_RAW = 0x0100

// ---------------------------------------------------------------------------------------------
// enum perf_callchain_context (u64 values of the negative markers)
// ---------------------------------------------------------------------------------------------

/** `PERF_CONTEXT_HV` = (u64)-32: following ips are hypervisor addresses. */
export const PERF_CONTEXT_HV: bigint = BigInt.asUintN(64, -32n)
/** `PERF_CONTEXT_KERNEL` = (u64)-128: following ips are kernel addresses. */
export const PERF_CONTEXT_KERNEL: bigint = BigInt.asUintN(64, -128n)
/** `PERF_CONTEXT_USER` = (u64)-512: following ips are user addresses. */
export const PERF_CONTEXT_USER: bigint = BigInt.asUintN(64, -512n)
/** `PERF_CONTEXT_GUEST` = (u64)-2048. */
export const PERF_CONTEXT_GUEST: bigint = BigInt.asUintN(64, -2048n)
/** `PERF_CONTEXT_GUEST_KERNEL` = (u64)-2176. */
export const PERF_CONTEXT_GUEST_KERNEL: bigint = BigInt.asUintN(64, -2176n)
/** `PERF_CONTEXT_GUEST_USER` = (u64)-2560. */
export const PERF_CONTEXT_GUEST_USER: bigint = BigInt.asUintN(64, -2560n)
/** `PERF_CONTEXT_MAX` = (u64)-4095: ips ≥ this are context markers, not addresses. */
export const PERF_CONTEXT_MAX: bigint = BigInt.asUintN(64, -4095n)

// ---------------------------------------------------------------------------------------------
// ioctls (x86-64 / generic _IOC encoding with 8-byte pointers)
// ---------------------------------------------------------------------------------------------

/** `PERF_EVENT_IOC_ENABLE` = _IO('$', 0). */
export const PERF_EVENT_IOC_ENABLE = 0x2400
/** `PERF_EVENT_IOC_DISABLE` = _IO('$', 1). */
export const PERF_EVENT_IOC_DISABLE = 0x2401
/** `PERF_EVENT_IOC_REFRESH` = _IO('$', 2). */
export const PERF_EVENT_IOC_REFRESH = 0x2402
/** `PERF_EVENT_IOC_RESET` = _IO('$', 3). */
export const PERF_EVENT_IOC_RESET = 0x2403
/** `PERF_EVENT_IOC_PERIOD` = _IOW('$', 4, __u64). */
export const PERF_EVENT_IOC_PERIOD = 0x40082404
/** `PERF_EVENT_IOC_SET_OUTPUT` = _IO('$', 5). */
export const PERF_EVENT_IOC_SET_OUTPUT = 0x2405
/** `PERF_EVENT_IOC_SET_FILTER` = _IOW('$', 6, char *). */
export const PERF_EVENT_IOC_SET_FILTER = 0x40082406
/** `PERF_EVENT_IOC_ID` = _IOR('$', 7, __u64 *). */
export const PERF_EVENT_IOC_ID = 0x80082407
/** `PERF_EVENT_IOC_SET_BPF` = _IOW('$', 8, __u32). */
export const PERF_EVENT_IOC_SET_BPF = 0x40042408
/** `PERF_EVENT_IOC_PAUSE_OUTPUT` = _IOW('$', 9, __u32). */
export const PERF_EVENT_IOC_PAUSE_OUTPUT = 0x40042409
/** `PERF_EVENT_IOC_QUERY_BPF` = _IOWR('$', 10, struct perf_event_query_bpf *). */
export const PERF_EVENT_IOC_QUERY_BPF = 0xc008240a
/** `PERF_EVENT_IOC_MODIFY_ATTRIBUTES` = _IOW('$', 11, struct perf_event_attr *). */
export const PERF_EVENT_IOC_MODIFY_ATTRIBUTES = 0x4008240b
/** `PERF_IOC_FLAG_GROUP`: apply ENABLE/DISABLE/RESET/REFRESH to the whole group. */
export const PERF_IOC_FLAG_GROUP = 1

// ---------------------------------------------------------------------------------------------
// perf_event_open flags
// ---------------------------------------------------------------------------------------------

/** `PERF_FLAG_FD_NO_GROUP`: do not join the group of `group_fd`. */
export const PERF_FLAG_FD_NO_GROUP = 1
/** `PERF_FLAG_FD_OUTPUT`: redirect output to `group_fd`'s buffer (SET_OUTPUT at creation). */
export const PERF_FLAG_FD_OUTPUT = 2
/** `PERF_FLAG_PID_CGROUP`: `pid` is a cgroup directory fd. */
export const PERF_FLAG_PID_CGROUP = 4
/** `PERF_FLAG_FD_CLOEXEC`: O_CLOEXEC on the new fd. */
export const PERF_FLAG_FD_CLOEXEC = 8

// ---------------------------------------------------------------------------------------------
// Record-body enums
// ---------------------------------------------------------------------------------------------

/** `PERF_RECORD_KSYMBOL_TYPE_UNKNOWN`. */
export const PERF_RECORD_KSYMBOL_TYPE_UNKNOWN = 0
/** `PERF_RECORD_KSYMBOL_TYPE_BPF`. */
export const PERF_RECORD_KSYMBOL_TYPE_BPF = 1
/** `PERF_RECORD_KSYMBOL_TYPE_OOL`: out-of-line code (trampolines, ftrace). */
export const PERF_RECORD_KSYMBOL_TYPE_OOL = 2
/** `PERF_RECORD_KSYMBOL_FLAGS_UNREGISTER`: the symbol went away. */
export const PERF_RECORD_KSYMBOL_FLAGS_UNREGISTER = 1
/** `PERF_BPF_EVENT_UNKNOWN`. */
export const PERF_BPF_EVENT_UNKNOWN = 0
/** `PERF_BPF_EVENT_PROG_LOAD`. */
export const PERF_BPF_EVENT_PROG_LOAD = 1
/** `PERF_BPF_EVENT_PROG_UNLOAD`. */
export const PERF_BPF_EVENT_PROG_UNLOAD = 2
/** `BPF_TAG_SIZE`: bytes of a BPF_EVENT tag. */
export const BPF_TAG_SIZE = 8
/** `BUILD_ID_SIZE_MAX` as the MMAP2 union holds it: 20 bytes. */
export const PERF_MMAP2_BUILD_ID_MAX = 20
/** `NET_NS_INDEX`. */
export const NET_NS_INDEX = 0
/** `UTS_NS_INDEX`. */
export const UTS_NS_INDEX = 1
/** `IPC_NS_INDEX`. */
export const IPC_NS_INDEX = 2
/** `PID_NS_INDEX`. */
export const PID_NS_INDEX = 3
/** `USER_NS_INDEX`. */
export const USER_NS_INDEX = 4
/** `MNT_NS_INDEX`. */
export const MNT_NS_INDEX = 5
/** `CGROUP_NS_INDEX`. */
export const CGROUP_NS_INDEX = 6
/** `NR_NAMESPACES`. */
export const NR_NAMESPACES = 7

/** Bytes of `struct perf_event_header`. */
export const PERF_EVENT_HEADER_SIZE = 8
/** The largest record: `header.size` is a u16. */
export const PERF_RECORD_MAX_SIZE = 0xffff

// ---------------------------------------------------------------------------------------------
// struct perf_event_mmap_page
// ---------------------------------------------------------------------------------------------

/** Byte offsets of the fields of `struct perf_event_mmap_page` (the control page). */
export const PerfMmapPageOffset = {
  version: 0,
  compat_version: 4,
  lock: 8,
  index: 12,
  offset: 16,
  time_enabled: 24,
  time_running: 32,
  capabilities: 40,
  pmc_width: 48,
  time_shift: 50,
  time_mult: 52,
  time_offset: 56,
  time_zero: 64,
  size: 72,
  __reserved_1: 76,
  time_cycles: 80,
  time_mask: 88,
  __reserved: 96,
  data_head: 1024,
  data_tail: 1032,
  data_offset: 1040,
  data_size: 1048,
  aux_head: 1056,
  aux_tail: 1064,
  aux_offset: 1072,
  aux_size: 1080,
} as const

/** `sizeof(struct perf_event_mmap_page)` in the 6.1 uapi header. */
export const PERF_MMAP_PAGE_STRUCT_SIZE = 1088
/** The value the kernel writes into the control page's `size`: `offsetof(__reserved)`. */
export const PERF_MMAP_PAGE_HEADER_SIZE = 96

/** Capability bit 0 `cap_bit0`: always 0 (deprecated). */
export const PERF_CAP_BIT0 = 0x1
/** Capability bit 1 `cap_bit0_is_deprecated`: always 1. */
export const PERF_CAP_BIT0_IS_DEPRECATED = 0x2
/** Capability bit 2 `cap_user_rdpmc`: rdpmc with `index` may be used. */
export const PERF_CAP_USER_RDPMC = 0x4
/** Capability bit 3 `cap_user_time`: time_shift/mult/offset are valid. */
export const PERF_CAP_USER_TIME = 0x8
/** Capability bit 4 `cap_user_time_zero`: time_zero is valid (TSC → perf time). */
export const PERF_CAP_USER_TIME_ZERO = 0x10
/** Capability bit 5 `cap_user_time_short`: time_cycles/time_mask are valid. */
export const PERF_CAP_USER_TIME_SHORT = 0x20

// ---------------------------------------------------------------------------------------------
// mmap(2) and poll(2): what the perf mappings imitate
// ---------------------------------------------------------------------------------------------

/** The page size the mappings imitate. */
export const PAGE_SIZE = 4096
/** `PROT_READ`. */
export const PROT_READ = 1
/** `PROT_WRITE`. */
export const PROT_WRITE = 2
/** `MAP_SHARED`. */
export const MAP_SHARED = 1
/** `MAP_PRIVATE` (refused by perf: EINVAL). */
export const MAP_PRIVATE = 2
/** `POLLIN`: what {@link perf_event_poll} returns once a wakeup is due. */
export const POLLIN = 1
/** `POLLHUP` (the kernel's `perf_poll` reports it for an event whose task exited). */
export const POLLHUP = 16
