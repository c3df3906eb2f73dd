/**
 * The layout of `struct perf_event_mmap_page` (`include/uapi/linux/perf_event.h`) as data: one
 * row per member, in struct order, with its offset, its C type and how onering accesses it.
 * `control-page.ts` builds the {@link PerfEventMmapPage} accessors, `decode()`, and the
 * seqlock writer's field list from {@link PERF_MMAP_PAGE_FIELDS}; `scripts/control-page-table.mjs`
 * builds the README's control-page table from it. `PerfMmapPageOffset` (constants.ts) is
 * checked against it by `test/control-page-layout.test.ts`, as are the kernel fixtures.
 *
 * Invariants (checked by that test): the rows are contiguous and naturally aligned, the last
 * one ends at `sizeof(struct perf_event_mmap_page)` = 1088, and `data_head` is at 1024.
 *
 * @packageDocumentation
 */
import {
  PERF_CAP_BIT0,
  PERF_CAP_BIT0_IS_DEPRECATED,
  PERF_CAP_USER_RDPMC,
  PERF_CAP_USER_TIME,
  PERF_CAP_USER_TIME_SHORT,
  PERF_CAP_USER_TIME_ZERO,
} from './constants.js'

/** The capability bits of `capabilities`, decoded. */
export interface PerfMmapCapabilities {
  /** Bit 0, always 0 (deprecated: before 3.12 it meant both rdpmc and time). */
  cap_bit0: boolean
  /** Bit 1, always 1: tells that bit 0 is not to be used. */
  cap_bit0_is_deprecated: boolean
  /** Bit 2: `rdpmc` of `index − 1` may be used. */
  cap_user_rdpmc: boolean
  /** Bit 3: `time_shift`, `time_mult` and `time_offset` are valid. */
  cap_user_time: boolean
  /** Bit 4: `time_zero` is valid (counter cycles ↔ perf timestamps). */
  cap_user_time_zero: boolean
  /** Bit 5: `time_cycles` and `time_mask` are valid (a counter narrower than 64 bits). */
  cap_user_time_short: boolean
}

/** Every field of `struct perf_event_mmap_page` (reserved space excluded), decoded. */
export interface PerfEventMmapPageFields extends PerfMmapCapabilities {
  /** Version number of the structure (the kernel leaves it 0). */
  version: number
  /** Lowest version this is compatible with (0). */
  compat_version: number
  /** Seqcount of the self-monitoring fields; odd while the kernel updates them. */
  lock: number
  /** Hardware counter index + 1; 0 means rdpmc cannot be used. */
  index: number
  /** Signed: add to the value read with rdpmc. */
  offset: bigint
  /** ns the event has been enabled (including children). */
  time_enabled: bigint
  /** ns the event has been on a CPU. */
  time_running: bigint
  /** The capability word; its bits are also decoded into the `cap_*` booleans. */
  capabilities: bigint
  /** Width of the rdpmc value, for sign extension. */
  pmc_width: number
  /** Cycles → ns shift. */
  time_shift: number
  /** Cycles → ns multiplier. */
  time_mult: number
  /** Enabled/running extrapolation offset. */
  time_offset: bigint
  /** Counter cycles → perf timestamp offset. */
  time_zero: bigint
  /** Header size up to `__reserved` (96 on every kernel that sets it). */
  size: number
  /** `cap_user_time_short` base cycles. */
  time_cycles: bigint
  /** `cap_user_time_short` counter mask. */
  time_mask: bigint
  /** Free-running u64 write position (kernel-written). */
  data_head: bigint
  /** Free-running u64 read position (user-written, honoured for a writable mapping). */
  data_tail: bigint
  /** Start of the data area inside the mapping (the page size). */
  data_offset: bigint
  /** Bytes of the data area (a power of two). */
  data_size: bigint
  /** AUX area write position (kernel-written). */
  aux_head: bigint
  /** AUX area read position (user-written). */
  aux_tail: bigint
  /** Offset of the AUX mapping (user-written). */
  aux_offset: bigint
  /** Size of the AUX mapping (user-written). */
  aux_size: bigint
}

/**
 * The C type of a member: `__u8`, `__u16`, `__u32`, `__s64`, `__u64`.
 * @internal
 */
export type PageFieldKind = 'u8' | 'u16' | 'u32' | 's64' | 'u64'

/**
 * One member of `struct perf_event_mmap_page`.
 * @internal
 */
export interface PageField {
  /** The member's name in the uapi header. */
  readonly name: keyof PerfEventMmapPageFields | '__reserved_1' | '__reserved'
  /** `offsetof(struct perf_event_mmap_page, name)`. */
  readonly offset: number
  /** Its C type (of each element, for an array). */
  readonly kind: PageFieldKind
  /** Elements, for an array member (`__reserved[116 * 8]`: 928). */
  readonly count?: number
  /** Padding: no accessor, not decoded. */
  readonly reserved?: true
  /**
   * Loaded and stored with `Atomics` on shared memory (the kernel's `smp_load_acquire` /
   * `smp_store_release` / `READ_ONCE` of the free-running positions and of the seqcount).
   */
  readonly atomic?: true
  /** A self-monitoring field: the kernel writes it under the seqcount `lock`. */
  readonly self?: true
}

/**
 * The members of `struct perf_event_mmap_page`, in struct order (the 6.1–6.18 uapi layout).
 * @internal
 */
export const PERF_MMAP_PAGE_FIELDS = [
  { name: 'version', offset: 0, kind: 'u32' },
  { name: 'compat_version', offset: 4, kind: 'u32' },
  { name: 'lock', offset: 8, kind: 'u32', atomic: true },
  { name: 'index', offset: 12, kind: 'u32', self: true },
  { name: 'offset', offset: 16, kind: 's64', self: true },
  { name: 'time_enabled', offset: 24, kind: 'u64', self: true },
  { name: 'time_running', offset: 32, kind: 'u64', self: true },
  { name: 'capabilities', offset: 40, kind: 'u64', self: true },
  { name: 'pmc_width', offset: 48, kind: 'u16', self: true },
  { name: 'time_shift', offset: 50, kind: 'u16', self: true },
  { name: 'time_mult', offset: 52, kind: 'u32', self: true },
  { name: 'time_offset', offset: 56, kind: 'u64', self: true },
  { name: 'time_zero', offset: 64, kind: 'u64', self: true },
  { name: 'size', offset: 72, kind: 'u32' },
  { name: '__reserved_1', offset: 76, kind: 'u32', reserved: true },
  { name: 'time_cycles', offset: 80, kind: 'u64', self: true },
  { name: 'time_mask', offset: 88, kind: 'u64', self: true },
  { name: '__reserved', offset: 96, kind: 'u8', count: 928, reserved: true },
  { name: 'data_head', offset: 1024, kind: 'u64', atomic: true },
  { name: 'data_tail', offset: 1032, kind: 'u64', atomic: true },
  { name: 'data_offset', offset: 1040, kind: 'u64' },
  { name: 'data_size', offset: 1048, kind: 'u64' },
  { name: 'aux_head', offset: 1056, kind: 'u64', atomic: true },
  { name: 'aux_tail', offset: 1064, kind: 'u64', atomic: true },
  { name: 'aux_offset', offset: 1072, kind: 'u64' },
  { name: 'aux_size', offset: 1080, kind: 'u64' },
] as const

/**
 * One `cap_*` bit of `capabilities`.
 * @internal
 */
export interface PerfCapBit {
  /** The bit-field's name in the uapi header. */
  readonly name: keyof PerfMmapCapabilities
  /** Its mask in the `capabilities` word (`PERF_CAP_*`). */
  readonly mask: number
}

/**
 * The `cap_*` bits of the `capabilities` union, in bit order (bits 6–63 are `cap_____res`).
 * @internal
 */
export const PERF_CAP_BITS: readonly PerfCapBit[] = [
  { name: 'cap_bit0', mask: PERF_CAP_BIT0 },
  { name: 'cap_bit0_is_deprecated', mask: PERF_CAP_BIT0_IS_DEPRECATED },
  { name: 'cap_user_rdpmc', mask: PERF_CAP_USER_RDPMC },
  { name: 'cap_user_time', mask: PERF_CAP_USER_TIME },
  { name: 'cap_user_time_zero', mask: PERF_CAP_USER_TIME_ZERO },
  { name: 'cap_user_time_short', mask: PERF_CAP_USER_TIME_SHORT },
]

/**
 * Bytes of one element of `kind`.
 * @internal
 */
export function kindBytes(kind: PageFieldKind): number {
  return kind === 'u8' ? 1 : kind === 'u16' ? 2 : kind === 'u32' ? 4 : 8
}
