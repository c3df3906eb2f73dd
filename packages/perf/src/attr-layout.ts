/**
 * `struct perf_event_attr` as data: its fields (the object form {@link PerfEventAttr}, the
 * flag word's bits by name), their byte offsets at the kernel's layout, the published sizes
 * and the clocks `use_clockid` may name. The codec is in `attr.ts`, the kernel's checks in
 * `attr-validate.ts`.
 *
 * @packageDocumentation
 */
import {
  PERF_ATTR_SIZE_VER0,
  PERF_ATTR_SIZE_VER1,
  PERF_ATTR_SIZE_VER2,
  PERF_ATTR_SIZE_VER3,
  PERF_ATTR_SIZE_VER4,
  PERF_ATTR_SIZE_VER5,
  PERF_ATTR_SIZE_VER6,
  PERF_ATTR_SIZE_VER7,
  PERF_ATTR_SIZE_VER8,
} from './attr-constants.js'

/** The boolean flag bits of the u64 at offset 40, by kernel name, with their bit numbers. */
export const PERF_ATTR_FLAG_BITS_BY_NAME = {
  disabled: 0,
  inherit: 1,
  pinned: 2,
  exclusive: 3,
  exclude_user: 4,
  exclude_kernel: 5,
  exclude_hv: 6,
  exclude_idle: 7,
  mmap: 8,
  comm: 9,
  freq: 10,
  inherit_stat: 11,
  enable_on_exec: 12,
  task: 13,
  watermark: 14,
  mmap_data: 17,
  sample_id_all: 18,
  exclude_host: 19,
  exclude_guest: 20,
  exclude_callchain_kernel: 21,
  exclude_callchain_user: 22,
  mmap2: 23,
  comm_exec: 24,
  use_clockid: 25,
  context_switch: 26,
  write_backward: 27,
  namespaces: 28,
  ksymbol: 29,
  bpf_event: 30,
  aux_output: 31,
  cgroup: 32,
  text_poke: 33,
  build_id: 34,
  inherit_thread: 35,
  remove_on_exec: 36,
  sigtrap: 37,
} as const

/** The name of a boolean attr flag (every flag bit except the 2-bit `precise_ip`). */
export type PerfAttrFlagName = keyof typeof PERF_ATTR_FLAG_BITS_BY_NAME

/** The boolean flags of `perf_event_attr`, by their kernel names (bit N of the u64 at offset 40). */
export interface PerfEventAttrFlags {
  /** Bit 0: off by default (enable with PERF_EVENT_IOC_ENABLE). */
  disabled: boolean
  /** Bit 1: children inherit it. */
  inherit: boolean
  /** Bit 2: must always be on the PMU. */
  pinned: boolean
  /** Bit 3: only group on the PMU. */
  exclusive: boolean
  /** Bit 4: don't count user space. */
  exclude_user: boolean
  /** Bit 5: don't count the kernel. */
  exclude_kernel: boolean
  /** Bit 6: don't count the hypervisor. */
  exclude_hv: boolean
  /** Bit 7: don't count when idle. */
  exclude_idle: boolean
  /** Bit 8: emit PERF_RECORD_MMAP for executable mappings. */
  mmap: boolean
  /** Bit 9: emit PERF_RECORD_COMM. */
  comm: boolean
  /** Bit 10: `sample_freq` instead of `sample_period`. */
  freq: boolean
  /** Bit 11: per-task counts. */
  inherit_stat: boolean
  /** Bit 12: enable at the next exec. */
  enable_on_exec: boolean
  /** Bit 13: emit PERF_RECORD_FORK / EXIT. */
  task: boolean
  /** Bit 14: wake up at `wakeup_watermark` bytes instead of `wakeup_events` samples. */
  watermark: boolean
  /** Bit 17: emit PERF_RECORD_MMAP for data mappings too. */
  mmap_data: boolean
  /** Bit 18: the `sample_id` trailer on every non-sample record. */
  sample_id_all: boolean
  /** Bit 19: don't count in the host. */
  exclude_host: boolean
  /** Bit 20: don't count in guests. */
  exclude_guest: boolean
  /** Bit 21: no kernel callchains. */
  exclude_callchain_kernel: boolean
  /** Bit 22: no user callchains. */
  exclude_callchain_user: boolean
  /** Bit 23: PERF_RECORD_MMAP2 instead of MMAP. */
  mmap2: boolean
  /** Bit 24: flag COMM records from exec (PERF_RECORD_MISC_COMM_EXEC). */
  comm_exec: boolean
  /** Bit 25: timestamps from `clockid`. */
  use_clockid: boolean
  /** Bit 26: emit PERF_RECORD_SWITCH / SWITCH_CPU_WIDE. */
  context_switch: boolean
  /** Bit 27: write the ring backward (newest record first; needs a read-only map). */
  write_backward: boolean
  /** Bit 28: emit PERF_RECORD_NAMESPACES. */
  namespaces: boolean
  /** Bit 29: emit PERF_RECORD_KSYMBOL. */
  ksymbol: boolean
  /** Bit 30: emit PERF_RECORD_BPF_EVENT. */
  bpf_event: boolean
  /** Bit 31: generate AUX records instead of events. */
  aux_output: boolean
  /** Bit 32: emit PERF_RECORD_CGROUP. */
  cgroup: boolean
  /** Bit 33: emit PERF_RECORD_TEXT_POKE. */
  text_poke: boolean
  /** Bit 34: MMAP2 records carry a build id. */
  build_id: boolean
  /** Bit 35: children inherit it only with CLONE_THREAD. */
  inherit_thread: boolean
  /** Bit 36: removed at exec. */
  remove_on_exec: boolean
  /** Bit 37: send SIGTRAP on overflow. */
  sigtrap: boolean
}

/**
 * `struct perf_event_attr` (Linux 6.3–6.18 layout, VER8), every field present.
 *
 * The C unions appear under both names and hold the same value: `sample_period` /
 * `sample_freq`, `wakeup_events` / `wakeup_watermark`, `config1` / `bp_addr`, `config2` /
 * `bp_len`. {@link decodeAttr} sets both names; {@link makeAttr} accepts either.
 */
export interface PerfEventAttr extends PerfEventAttrFlags {
  /** Offset 0, u32: `PERF_TYPE_*` or a dynamic PMU type. */
  type: number
  /** Offset 4, u32: the size the caller claims; 0 means {@link PERF_ATTR_SIZE_VER0}. */
  size: number
  /** Offset 8, u64: event selector (meaning depends on `type`). */
  config: bigint
  /** Offset 16, u64: sample every N events (when `freq` is false). Same storage as `sample_freq`. */
  sample_period: number
  /** Offset 16, u64: target samples per second (when `freq` is true). Same storage as `sample_period`. */
  sample_freq: number
  /** Offset 24, u64: `PERF_SAMPLE_*` bits. */
  sample_type: number
  /** Offset 32, u64: `PERF_FORMAT_*` bits. */
  read_format: number
  /** Offset 40, bits 15–16: skid constraint 0..3. */
  precise_ip: number
  /** Offset 40, bits 38–63 (`__reserved_1`), shifted down; must be 0. */
  __reserved_1: number
  /** Offset 48, u32: wake up every N samples (when `watermark` is false). Same storage as `wakeup_watermark`. */
  wakeup_events: number
  /** Offset 48, u32: wake up every N bytes (when `watermark` is true). Same storage as `wakeup_events`. */
  wakeup_watermark: number
  /** Offset 52, u32: breakpoint type (`HW_BREAKPOINT_*`). */
  bp_type: number
  /** Offset 56, u64: extension of `config`. Same storage as `bp_addr`. */
  config1: bigint
  /** Offset 56, u64: breakpoint address. Same storage as `config1`. */
  bp_addr: bigint
  /** Offset 64, u64 (VER1): extension of `config1`. Same storage as `bp_len`. */
  config2: bigint
  /** Offset 64, u64 (VER1): breakpoint length. Same storage as `config2`. */
  bp_len: bigint
  /** Offset 72, u64 (VER2): `PERF_SAMPLE_BRANCH_*` bits. */
  branch_sample_type: number
  /** Offset 80, u64 (VER3): user registers to dump (arch-specific mask). */
  sample_regs_user: bigint
  /** Offset 88, u32 (VER3): bytes of user stack to dump; a multiple of 8 below 65535. */
  sample_stack_user: number
  /** Offset 92, s32 (VER3): the clock of `time` when `use_clockid`. */
  clockid: number
  /** Offset 96, u64 (VER4): interrupted registers to dump (arch-specific mask). */
  sample_regs_intr: bigint
  /** Offset 104, u32 (VER5): AUX bytes before a wakeup. */
  aux_watermark: number
  /** Offset 108, u16 (VER5): the callchain depth limit (0: the sysctl default). */
  sample_max_stack: number
  /** Offset 110, u16 (`__reserved_2`); must be 0. */
  __reserved_2: number
  /** Offset 112, u32 (VER6): bytes of AUX data to copy into PERF_SAMPLE_AUX. */
  aux_sample_size: number
  /** Offset 116, bit 0 of `aux_action` (6.13+): start with AUX output paused. */
  aux_start_paused: boolean
  /** Offset 116, bit 1 of `aux_action`: this event pauses AUX output when it overflows. */
  aux_pause: boolean
  /** Offset 116, bit 2 of `aux_action`: this event resumes AUX output when it overflows. */
  aux_resume: boolean
  /** Offset 116, bits 3–31 (`__reserved_3`), shifted down; must be 0. */
  __reserved_3: number
  /** Offset 120, u64 (VER7): user data delivered with SIGTRAP (`si_perf_data`). */
  sig_data: bigint
  /** Offset 128, u64 (VER8): extension of `config2`. */
  config3: bigint
}

/**
 * What {@link makeAttr}, {@link encodeAttr} and {@link validateAttr} accept: any subset of
 * {@link PerfEventAttr}; missing fields are 0 / false, and `size` defaults to
 * {@link PERF_ATTR_SIZE_VER7}. For a C union give either name, or both with the same value.
 */
export type PerfEventAttrInit = Partial<PerfEventAttr>

/** Every published attr size, VER0..VER8. */
export const PERF_ATTR_PUBLISHED_SIZES: readonly number[] = [
  PERF_ATTR_SIZE_VER0,
  PERF_ATTR_SIZE_VER1,
  PERF_ATTR_SIZE_VER2,
  PERF_ATTR_SIZE_VER3,
  PERF_ATTR_SIZE_VER4,
  PERF_ATTR_SIZE_VER5,
  PERF_ATTR_SIZE_VER6,
  PERF_ATTR_SIZE_VER7,
  PERF_ATTR_SIZE_VER8,
]

/**
 * The largest attr size the kernel reads at all (`PAGE_SIZE`, x86-64); larger sizes are E2BIG.
 * Between {@link PERF_ATTR_SIZE_VER8} and this, the bytes past VER8 must be zero.
 */
export const PERF_ATTR_SIZE_MAX = 4096

/** Byte offsets of the fields of `struct perf_event_attr`. */
export const PerfEventAttrOffset = {
  type: 0,
  size: 4,
  config: 8,
  sample_period: 16,
  sample_type: 24,
  read_format: 32,
  flags: 40,
  wakeup_events: 48,
  bp_type: 52,
  config1: 56,
  config2: 64,
  branch_sample_type: 72,
  sample_regs_user: 80,
  sample_stack_user: 88,
  clockid: 92,
  sample_regs_intr: 96,
  aux_watermark: 104,
  sample_max_stack: 108,
  __reserved_2: 110,
  aux_sample_size: 112,
  aux_action: 116,
  sig_data: 120,
  config3: 128,
} as const

/** The clock ids `perf_event_set_clock` accepts with `use_clockid`. */
export const PERF_ATTR_CLOCKIDS: readonly number[] = [
  0 /* CLOCK_REALTIME */, 1 /* CLOCK_MONOTONIC */, 4 /* CLOCK_MONOTONIC_RAW */,
  7 /* CLOCK_BOOTTIME */, 11 /* CLOCK_TAI */,
]
