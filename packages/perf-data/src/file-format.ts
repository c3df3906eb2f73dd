/**
 * The constants of perf's file format (linux `tools/perf/util/header.h`,
 * `tools/lib/perf/include/perf/event.h`, `Documentation/perf.data-file-format.txt`): the
 * magic, the sizes perf 6.1 writes, the feature bits of the `adds_features` bitmap and the
 * record types perf itself adds to the data (≥ 64, never in a kernel ring).
 *
 * @packageDocumentation
 */

import { checkInt } from './check.js'

/** `PERFILE2`: the 8 magic bytes of a version-2 perf.data (as a little-endian u64, 0x32454c4946524550). */
export const PERF_MAGIC = 'PERFILE2'
/** `sizeof(struct perf_file_header)`: 104 bytes (the 256-bit feature bitmap included). */
export const PERF_FILE_HEADER_SIZE = 104
/** The header size of pipe mode: magic and size only. */
export const PERF_PIPE_HEADER_SIZE = 16
/** `sizeof(struct perf_event_attr)` in perf 6.1 (PERF_ATTR_SIZE_VER7): the attr size perf 6.1 writes and the largest it reads. */
export const PERF_FILE_ATTR_SIZE_61: number = 128
/** `sizeof(struct perf_file_attr)` in perf 6.1: an attr and its ids section {offset, size}. */
export const PERF_FILE_ATTR_ENTRY_SIZE: number = PERF_FILE_ATTR_SIZE_61 + 16
/** `NAME_ALIGN`: perf pads every header string to 64 bytes. */
export const PERF_HEADER_STRING_ALIGN = 64

/** The feature bits by name (the type of {@link PerfFeature}). */
export interface PerfFeatureBits {
  /** `HEADER_TRACING_DATA`. */
  readonly TRACING_DATA: 1
  /** `HEADER_BUILD_ID`. */
  readonly BUILD_ID: 2
  /** `HEADER_HOSTNAME`. */
  readonly HOSTNAME: 3
  /** `HEADER_OSRELEASE`. */
  readonly OSRELEASE: 4
  /** `HEADER_VERSION`. */
  readonly VERSION: 5
  /** `HEADER_ARCH`. */
  readonly ARCH: 6
  /** `HEADER_NRCPUS`. */
  readonly NRCPUS: 7
  /** `HEADER_CPUDESC`. */
  readonly CPUDESC: 8
  /** `HEADER_CPUID`. */
  readonly CPUID: 9
  /** `HEADER_TOTAL_MEM`. */
  readonly TOTAL_MEM: 10
  /** `HEADER_CMDLINE`. */
  readonly CMDLINE: 11
  /** `HEADER_EVENT_DESC`. */
  readonly EVENT_DESC: 12
  /** `HEADER_CPU_TOPOLOGY`. */
  readonly CPU_TOPOLOGY: 13
  /** `HEADER_NUMA_TOPOLOGY`. */
  readonly NUMA_TOPOLOGY: 14
  /** `HEADER_BRANCH_STACK`. */
  readonly BRANCH_STACK: 15
  /** `HEADER_PMU_MAPPINGS`. */
  readonly PMU_MAPPINGS: 16
  /** `HEADER_GROUP_DESC`. */
  readonly GROUP_DESC: 17
  /** `HEADER_AUXTRACE`. */
  readonly AUXTRACE: 18
  /** `HEADER_STAT`. */
  readonly STAT: 19
  /** `HEADER_CACHE`. */
  readonly CACHE: 20
  /** `HEADER_SAMPLE_TIME`. */
  readonly SAMPLE_TIME: 21
  /** `HEADER_MEM_TOPOLOGY`. */
  readonly MEM_TOPOLOGY: 22
  /** `HEADER_CLOCKID`. */
  readonly CLOCKID: 23
  /** `HEADER_DIR_FORMAT`. */
  readonly DIR_FORMAT: 24
  /** `HEADER_BPF_PROG_INFO`. */
  readonly BPF_PROG_INFO: 25
  /** `HEADER_BPF_BTF`. */
  readonly BPF_BTF: 26
  /** `HEADER_COMPRESSED`. */
  readonly COMPRESSED: 27
  /** `HEADER_CPU_PMU_CAPS`. */
  readonly CPU_PMU_CAPS: 28
  /** `HEADER_CLOCK_DATA`. */
  readonly CLOCK_DATA: 29
  /** `HEADER_HYBRID_TOPOLOGY`. */
  readonly HYBRID_TOPOLOGY: 30
  /** `HEADER_PMU_CAPS`. */
  readonly PMU_CAPS: 31
}

/** `HEADER_*` feature bits (`enum perf_header_feature`, linux `tools/perf/util/header.h`). */
export const PerfFeature: PerfFeatureBits = Object.freeze({
  TRACING_DATA: 1,
  BUILD_ID: 2,
  HOSTNAME: 3,
  OSRELEASE: 4,
  VERSION: 5,
  ARCH: 6,
  NRCPUS: 7,
  CPUDESC: 8,
  CPUID: 9,
  TOTAL_MEM: 10,
  CMDLINE: 11,
  EVENT_DESC: 12,
  CPU_TOPOLOGY: 13,
  NUMA_TOPOLOGY: 14,
  BRANCH_STACK: 15,
  PMU_MAPPINGS: 16,
  GROUP_DESC: 17,
  AUXTRACE: 18,
  STAT: 19,
  CACHE: 20,
  SAMPLE_TIME: 21,
  MEM_TOPOLOGY: 22,
  CLOCKID: 23,
  DIR_FORMAT: 24,
  BPF_PROG_INFO: 25,
  BPF_BTF: 26,
  COMPRESSED: 27,
  CPU_PMU_CAPS: 28,
  CLOCK_DATA: 29,
  HYBRID_TOPOLOGY: 30,
  PMU_CAPS: 31,
})

/** A feature name of {@link PerfFeature}. */
export type PerfFeatureName = keyof PerfFeatureBits

const FEATURE_NAMES = new Map<number, PerfFeatureName>(
  Object.entries(PerfFeature).map(([k, v]) => [v, k as PerfFeatureName]),
)

/** The name of feature bit `bit` (`HOSTNAME`), or `bit N` for a bit perf 6.1 does not define. */
export function featureName(bit: number): string {
  checkInt(bit, 'bit', 0, 255)
  return FEATURE_NAMES.get(bit) ?? `bit ${bit}`
}

/** `PERF_RECORD_HEADER_ATTR` (pipe mode: an attr and its ids). */
export const PERF_RECORD_HEADER_ATTR = 64
/** `PERF_RECORD_HEADER_EVENT_TYPE` (obsolete). */
export const PERF_RECORD_HEADER_EVENT_TYPE = 65
/** `PERF_RECORD_HEADER_TRACING_DATA` (pipe mode: u32 size, then the tracing-data block). */
export const PERF_RECORD_HEADER_TRACING_DATA = 66
/** `PERF_RECORD_HEADER_BUILD_ID`. */
export const PERF_RECORD_HEADER_BUILD_ID = 67
/** `PERF_RECORD_FINISHED_ROUND`: header only; perf sorts by time what came before it. */
export const PERF_RECORD_FINISHED_ROUND = 68
/** `PERF_RECORD_ID_INDEX`: id → idx/cpu/tid. */
export const PERF_RECORD_ID_INDEX = 69
/** `PERF_RECORD_AUXTRACE_INFO`. */
export const PERF_RECORD_AUXTRACE_INFO = 70
/** `PERF_RECORD_AUXTRACE`: followed by `size` bytes of AUX data outside the record. */
export const PERF_RECORD_AUXTRACE = 71
/** `PERF_RECORD_AUXTRACE_ERROR`. */
export const PERF_RECORD_AUXTRACE_ERROR = 72
/** `PERF_RECORD_THREAD_MAP`. */
export const PERF_RECORD_THREAD_MAP = 73
/** `PERF_RECORD_CPU_MAP`. */
export const PERF_RECORD_CPU_MAP = 74
/** `PERF_RECORD_STAT_CONFIG`. */
export const PERF_RECORD_STAT_CONFIG = 75
/** `PERF_RECORD_STAT`. */
export const PERF_RECORD_STAT = 76
/** `PERF_RECORD_STAT_ROUND`. */
export const PERF_RECORD_STAT_ROUND = 77
/** `PERF_RECORD_EVENT_UPDATE`. */
export const PERF_RECORD_EVENT_UPDATE = 78
/** `PERF_RECORD_TIME_CONV`. */
export const PERF_RECORD_TIME_CONV = 79
/** `PERF_RECORD_HEADER_FEATURE` (pipe mode: u64 feature id, then its body). */
export const PERF_RECORD_HEADER_FEATURE = 80
/** `PERF_RECORD_COMPRESSED` (zstd; not read by this package). */
export const PERF_RECORD_COMPRESSED = 81
/** `PERF_RECORD_FINISHED_INIT`: the synthesized records end here. */
export const PERF_RECORD_FINISHED_INIT = 82
/** `PERF_RECORD_USER_TYPE_START`: record types from here on are perf's, not the kernel's. */
export const PERF_RECORD_USER_TYPE_START = 64
