/**
 * The kernel's constants of `struct perf_event_attr`, under their kernel names
 * (`include/uapi/linux/perf_event.h`): the bit numbers of the flag word, the published sizes
 * (`PERF_ATTR_SIZE_VER*`) and the values of `type` and `config` (`enum perf_type_id`,
 * `enum perf_hw_id`, `enum perf_sw_ids`). `constants.ts` re-exports them with the others.
 *
 * @packageDocumentation
 */

// ---------------------------------------------------------------------------------------------
// perf_event_attr flag bit numbers (bit positions in the u64 at offset 40)
// ---------------------------------------------------------------------------------------------

/** Attr flag bit of `disabled`. */
export const PERF_ATTR_BIT_DISABLED = 0
/** Attr flag bit of `inherit`. */
export const PERF_ATTR_BIT_INHERIT = 1
/** Attr flag bit of `pinned`. */
export const PERF_ATTR_BIT_PINNED = 2
/** Attr flag bit of `exclusive`. */
export const PERF_ATTR_BIT_EXCLUSIVE = 3
/** Attr flag bit of `exclude_user`. */
export const PERF_ATTR_BIT_EXCLUDE_USER = 4
/** Attr flag bit of `exclude_kernel`. */
export const PERF_ATTR_BIT_EXCLUDE_KERNEL = 5
/** Attr flag bit of `exclude_hv`. */
export const PERF_ATTR_BIT_EXCLUDE_HV = 6
/** Attr flag bit of `exclude_idle`. */
export const PERF_ATTR_BIT_EXCLUDE_IDLE = 7
/** Attr flag bit of `mmap`. */
export const PERF_ATTR_BIT_MMAP = 8
/** Attr flag bit of `comm`. */
export const PERF_ATTR_BIT_COMM = 9
/** Attr flag bit of `freq`. */
export const PERF_ATTR_BIT_FREQ = 10
/** Attr flag bit of `inherit_stat`. */
export const PERF_ATTR_BIT_INHERIT_STAT = 11
/** Attr flag bit of `enable_on_exec`. */
export const PERF_ATTR_BIT_ENABLE_ON_EXEC = 12
/** Attr flag bit of `task`. */
export const PERF_ATTR_BIT_TASK = 13
/** Attr flag bit of `watermark`. */
export const PERF_ATTR_BIT_WATERMARK = 14
/** Lowest attr flag bit of the 2-bit `precise_ip` field (bits 15–16). */
export const PERF_ATTR_BIT_PRECISE_IP = 15
/** Attr flag bit of `mmap_data`. */
export const PERF_ATTR_BIT_MMAP_DATA = 17
/** Attr flag bit of `sample_id_all`. */
export const PERF_ATTR_BIT_SAMPLE_ID_ALL = 18
/** Attr flag bit of `exclude_host`. */
export const PERF_ATTR_BIT_EXCLUDE_HOST = 19
/** Attr flag bit of `exclude_guest`. */
export const PERF_ATTR_BIT_EXCLUDE_GUEST = 20
/** Attr flag bit of `exclude_callchain_kernel`. */
export const PERF_ATTR_BIT_EXCLUDE_CALLCHAIN_KERNEL = 21
/** Attr flag bit of `exclude_callchain_user`. */
export const PERF_ATTR_BIT_EXCLUDE_CALLCHAIN_USER = 22
/** Attr flag bit of `mmap2`. */
export const PERF_ATTR_BIT_MMAP2 = 23
/** Attr flag bit of `comm_exec`. */
export const PERF_ATTR_BIT_COMM_EXEC = 24
/** Attr flag bit of `use_clockid`. */
export const PERF_ATTR_BIT_USE_CLOCKID = 25
/** Attr flag bit of `context_switch`. */
export const PERF_ATTR_BIT_CONTEXT_SWITCH = 26
/** Attr flag bit of `write_backward`. */
export const PERF_ATTR_BIT_WRITE_BACKWARD = 27
/** Attr flag bit of `namespaces`. */
export const PERF_ATTR_BIT_NAMESPACES = 28
/** Attr flag bit of `ksymbol`. */
export const PERF_ATTR_BIT_KSYMBOL = 29
/** Attr flag bit of `bpf_event`. */
export const PERF_ATTR_BIT_BPF_EVENT = 30
/** Attr flag bit of `aux_output`. */
export const PERF_ATTR_BIT_AUX_OUTPUT = 31
/** Attr flag bit of `cgroup`. */
export const PERF_ATTR_BIT_CGROUP = 32
/** Attr flag bit of `text_poke`. */
export const PERF_ATTR_BIT_TEXT_POKE = 33
/** Attr flag bit of `build_id`. */
export const PERF_ATTR_BIT_BUILD_ID = 34
/** Attr flag bit of `inherit_thread`. */
export const PERF_ATTR_BIT_INHERIT_THREAD = 35
/** Attr flag bit of `remove_on_exec`. */
export const PERF_ATTR_BIT_REMOVE_ON_EXEC = 36
/** Attr flag bit of `sigtrap`. */
export const PERF_ATTR_BIT_SIGTRAP = 37
/** Number of defined attr flag bits; bits 38–63 (`__reserved_1`) must be zero. */
export const PERF_ATTR_FLAG_BITS = 38

// ---------------------------------------------------------------------------------------------
// PERF_ATTR_SIZE_VER*
// ---------------------------------------------------------------------------------------------

/** `PERF_ATTR_SIZE_VER0`: the first published attr size (also what `size` 0 means). */
export const PERF_ATTR_SIZE_VER0 = 64
/** `PERF_ATTR_SIZE_VER1`: adds config2. */
export const PERF_ATTR_SIZE_VER1 = 72
/** `PERF_ATTR_SIZE_VER2`: adds branch_sample_type. */
export const PERF_ATTR_SIZE_VER2 = 80
/** `PERF_ATTR_SIZE_VER3`: adds sample_regs_user, sample_stack_user. */
export const PERF_ATTR_SIZE_VER3 = 96
/** `PERF_ATTR_SIZE_VER4`: adds sample_regs_intr. */
export const PERF_ATTR_SIZE_VER4 = 104
/** `PERF_ATTR_SIZE_VER5`: adds aux_watermark. */
export const PERF_ATTR_SIZE_VER5 = 112
/** `PERF_ATTR_SIZE_VER6`: adds aux_sample_size. */
export const PERF_ATTR_SIZE_VER6 = 120
/** `PERF_ATTR_SIZE_VER7`: adds sig_data (sizeof in the 6.1 header). */
export const PERF_ATTR_SIZE_VER7 = 128
/** `PERF_ATTR_SIZE_VER8`: adds config3. */
export const PERF_ATTR_SIZE_VER8 = 136

// ---------------------------------------------------------------------------------------------
// enum perf_type_id
// ---------------------------------------------------------------------------------------------

/** `PERF_TYPE_HARDWARE`: generic hardware events. */
export const PERF_TYPE_HARDWARE = 0
/** `PERF_TYPE_SOFTWARE`: kernel software events. */
export const PERF_TYPE_SOFTWARE = 1
/** `PERF_TYPE_TRACEPOINT`: tracepoints (config = tracepoint id). */
export const PERF_TYPE_TRACEPOINT = 2
/** `PERF_TYPE_HW_CACHE`: hardware cache events. */
export const PERF_TYPE_HW_CACHE = 3
/** `PERF_TYPE_RAW`: raw PMU events. */
export const PERF_TYPE_RAW = 4
/** `PERF_TYPE_BREAKPOINT`: hardware breakpoints. */
export const PERF_TYPE_BREAKPOINT = 5
/** `PERF_TYPE_MAX`: one past the last generic type (dynamic PMUs use larger ids). */
export const PERF_TYPE_MAX = 6

// ---------------------------------------------------------------------------------------------
// enum perf_hw_id
// ---------------------------------------------------------------------------------------------

/** `PERF_COUNT_HW_CPU_CYCLES`. */
export const PERF_COUNT_HW_CPU_CYCLES = 0
/** `PERF_COUNT_HW_INSTRUCTIONS`. */
export const PERF_COUNT_HW_INSTRUCTIONS = 1
/** `PERF_COUNT_HW_CACHE_REFERENCES`. */
export const PERF_COUNT_HW_CACHE_REFERENCES = 2
/** `PERF_COUNT_HW_CACHE_MISSES`. */
export const PERF_COUNT_HW_CACHE_MISSES = 3
/** `PERF_COUNT_HW_BRANCH_INSTRUCTIONS`. */
export const PERF_COUNT_HW_BRANCH_INSTRUCTIONS = 4
/** `PERF_COUNT_HW_BRANCH_MISSES`. */
export const PERF_COUNT_HW_BRANCH_MISSES = 5
/** `PERF_COUNT_HW_BUS_CYCLES`. */
export const PERF_COUNT_HW_BUS_CYCLES = 6
/** `PERF_COUNT_HW_STALLED_CYCLES_FRONTEND`. */
export const PERF_COUNT_HW_STALLED_CYCLES_FRONTEND = 7
/** `PERF_COUNT_HW_STALLED_CYCLES_BACKEND`. */
export const PERF_COUNT_HW_STALLED_CYCLES_BACKEND = 8
/** `PERF_COUNT_HW_REF_CPU_CYCLES`. */
export const PERF_COUNT_HW_REF_CPU_CYCLES = 9

// ---------------------------------------------------------------------------------------------
// enum perf_sw_ids
// ---------------------------------------------------------------------------------------------

/** `PERF_COUNT_SW_CPU_CLOCK`. */
export const PERF_COUNT_SW_CPU_CLOCK = 0
/** `PERF_COUNT_SW_TASK_CLOCK`. */
export const PERF_COUNT_SW_TASK_CLOCK = 1
/** `PERF_COUNT_SW_PAGE_FAULTS`. */
export const PERF_COUNT_SW_PAGE_FAULTS = 2
/** `PERF_COUNT_SW_CONTEXT_SWITCHES`. */
export const PERF_COUNT_SW_CONTEXT_SWITCHES = 3
/** `PERF_COUNT_SW_CPU_MIGRATIONS`. */
export const PERF_COUNT_SW_CPU_MIGRATIONS = 4
/** `PERF_COUNT_SW_PAGE_FAULTS_MIN`. */
export const PERF_COUNT_SW_PAGE_FAULTS_MIN = 5
/** `PERF_COUNT_SW_PAGE_FAULTS_MAJ`. */
export const PERF_COUNT_SW_PAGE_FAULTS_MAJ = 6
/** `PERF_COUNT_SW_ALIGNMENT_FAULTS`. */
export const PERF_COUNT_SW_ALIGNMENT_FAULTS = 7
/** `PERF_COUNT_SW_EMULATION_FAULTS`. */
export const PERF_COUNT_SW_EMULATION_FAULTS = 8
/** `PERF_COUNT_SW_DUMMY`: counts nothing; used for side-band records. */
export const PERF_COUNT_SW_DUMMY = 9
/** `PERF_COUNT_SW_BPF_OUTPUT`: the output of bpf_perf_event_output. */
export const PERF_COUNT_SW_BPF_OUTPUT = 10
/** `PERF_COUNT_SW_CGROUP_SWITCHES`. */
export const PERF_COUNT_SW_CGROUP_SWITCHES = 11
/** `PERF_COUNT_SW_MAX`. */
export const PERF_COUNT_SW_MAX = 12
