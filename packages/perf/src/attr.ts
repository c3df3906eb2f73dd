/**
 * `struct perf_event_attr`: the object form, its byte encoding at the kernel's offsets and the
 * kernel's validation rules (`perf_copy_attr` / `perf_event_open`).
 *
 * Field types: u64 fields that are addresses, opaque configuration or full 64-bit register
 * masks are `bigint`; every other field is a JS `number` and must be exact (< 2^53), which the
 * decoder checks. All multi-byte values are little-endian (x86-64, the machine the fixtures come
 * from).
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
  PERF_FORMAT_GROUP,
  PERF_FORMAT_ID,
  PERF_FORMAT_LOST,
  PERF_FORMAT_MAX,
  PERF_FORMAT_TOTAL_TIME_ENABLED,
  PERF_FORMAT_TOTAL_TIME_RUNNING,
  PERF_SAMPLE_BRANCH_MAX,
  PERF_SAMPLE_BRANCH_STACK,
  PERF_SAMPLE_MAX,
  PERF_SAMPLE_STACK_USER,
  PERF_SAMPLE_WEIGHT,
  PERF_SAMPLE_WEIGHT_STRUCT,
} from './constants.js'
import { fail } from './errors.js'

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
 * `struct perf_event_attr` (Linux 6.17 layout, VER8), every field present.
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

const TWO32 = 2 ** 32
const U64_MAX = (1n << 64n) - 1n
const FLAG_NAMES = Object.keys(PERF_ATTR_FLAG_BITS_BY_NAME) as PerfAttrFlagName[]

function checkInt(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail('EINVAL', field, `expected an integer in [${min}, ${max}], got ${String(v)}`)
  }
  return v
}

function checkU64(field: string, v: unknown): bigint {
  if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) {
    fail('EINVAL', field, `expected a bigint in [0, 2^64), got ${String(v)}`)
  }
  return v
}

function checkBool(field: string, v: unknown): boolean {
  if (typeof v !== 'boolean') fail('EINVAL', field, `expected a boolean, got ${String(v)}`)
  return v
}

function union<T>(a: string, av: T | undefined, b: string, bv: T | undefined, dflt: T): T {
  if (av !== undefined && bv !== undefined && av !== bv) {
    fail('EINVAL', a, `${a} and ${b} share storage but were given different values`)
  }
  return av ?? bv ?? dflt
}

/**
 * Fill in every field of an attr: missing fields become 0 / false, `size` becomes
 * {@link PERF_ATTR_SIZE_VER7}, and each C union gets its value under both names. Checks each
 * field's type and range (u32, u16, s32, 0..3 for `precise_ip`, exact integers < 2^53 for the
 * u64 number fields); a wrong one is a {@link PerfError} EINVAL naming the field.
 *
 * @param init - the fields to set
 * @returns a complete attr
 */
export function makeAttr(init: PerfEventAttrInit): PerfEventAttr {
  if (typeof init !== 'object' || init === null) fail('EINVAL', 'attr', 'expected an object')
  const U32 = TWO32 - 1
  const SAFE = Number.MAX_SAFE_INTEGER
  const period = union('sample_period', init.sample_period, 'sample_freq', init.sample_freq, 0)
  const wakeup = union(
    'wakeup_events',
    init.wakeup_events,
    'wakeup_watermark',
    init.wakeup_watermark,
    0,
  )
  const config1 = union('config1', init.config1, 'bp_addr', init.bp_addr, 0n)
  const config2 = union('config2', init.config2, 'bp_len', init.bp_len, 0n)
  const flags = {} as PerfEventAttrFlags
  for (const name of FLAG_NAMES) flags[name] = checkBool(name, init[name] ?? false)
  return {
    type: checkInt('type', init.type ?? 0, 0, U32),
    size: checkInt('size', init.size ?? PERF_ATTR_SIZE_VER7, 0, U32),
    config: checkU64('config', init.config ?? 0n),
    sample_period: checkInt('sample_period', period, 0, SAFE),
    sample_freq: period,
    sample_type: checkInt('sample_type', init.sample_type ?? 0, 0, SAFE),
    read_format: checkInt('read_format', init.read_format ?? 0, 0, SAFE),
    ...flags,
    precise_ip: checkInt('precise_ip', init.precise_ip ?? 0, 0, 3),
    __reserved_1: checkInt('__reserved_1', init.__reserved_1 ?? 0, 0, 2 ** 26 - 1),
    wakeup_events: checkInt('wakeup_events', wakeup, 0, U32),
    wakeup_watermark: wakeup,
    bp_type: checkInt('bp_type', init.bp_type ?? 0, 0, U32),
    config1: checkU64('config1', config1),
    bp_addr: config1,
    config2: checkU64('config2', config2),
    bp_len: config2,
    branch_sample_type: checkInt('branch_sample_type', init.branch_sample_type ?? 0, 0, SAFE),
    sample_regs_user: checkU64('sample_regs_user', init.sample_regs_user ?? 0n),
    sample_stack_user: checkInt('sample_stack_user', init.sample_stack_user ?? 0, 0, U32),
    clockid: checkInt('clockid', init.clockid ?? 0, -(2 ** 31), 2 ** 31 - 1),
    sample_regs_intr: checkU64('sample_regs_intr', init.sample_regs_intr ?? 0n),
    aux_watermark: checkInt('aux_watermark', init.aux_watermark ?? 0, 0, U32),
    sample_max_stack: checkInt('sample_max_stack', init.sample_max_stack ?? 0, 0, 0xffff),
    __reserved_2: checkInt('__reserved_2', init.__reserved_2 ?? 0, 0, 0xffff),
    aux_sample_size: checkInt('aux_sample_size', init.aux_sample_size ?? 0, 0, U32),
    aux_start_paused: checkBool('aux_start_paused', init.aux_start_paused ?? false),
    aux_pause: checkBool('aux_pause', init.aux_pause ?? false),
    aux_resume: checkBool('aux_resume', init.aux_resume ?? false),
    __reserved_3: checkInt('__reserved_3', init.__reserved_3 ?? 0, 0, 2 ** 29 - 1),
    sig_data: checkU64('sig_data', init.sig_data ?? 0n),
    config3: checkU64('config3', init.config3 ?? 0n),
  }
}

function setU64(dv: DataView, off: number, v: number): void {
  const hi = Math.floor(v / TWO32)
  dv.setUint32(off, v - hi * TWO32, true)
  dv.setUint32(off + 4, hi, true)
}

function getU64Number(dv: DataView, off: number, field: string): number {
  const hi = dv.getUint32(off + 4, true)
  if (hi >= 2 ** 21)
    fail(
      'EINVAL',
      field,
      `value 0x${dv.getBigUint64(off, true).toString(16)} is not exact as a number`,
    )
  return hi * TWO32 + dv.getUint32(off, true)
}

/**
 * The size the kernel uses for an attr whose `size` field is `size`: 0 means
 * {@link PERF_ATTR_SIZE_VER0} (the ABI quirk in `perf_copy_attr`).
 *
 * @param size - the `size` field
 * @returns the effective size
 */
export function effectiveAttrSize(size: number): number {
  return size === 0 ? PERF_ATTR_SIZE_VER0 : size
}

function checkSize(size: number): number {
  const eff = effectiveAttrSize(size)
  if (eff < PERF_ATTR_SIZE_VER0)
    fail('E2BIG', 'size', `${size} is smaller than PERF_ATTR_SIZE_VER0 (64)`)
  if (eff <= PERF_ATTR_SIZE_VER8 && !PERF_ATTR_PUBLISHED_SIZES.includes(eff)) {
    fail(
      'E2BIG',
      'size',
      `${size} is not a published size (VER0..VER8: ${PERF_ATTR_PUBLISHED_SIZES.join(', ')})`,
    )
  }
  if (eff > PERF_ATTR_SIZE_MAX)
    fail('E2BIG', 'size', `${size} is larger than PAGE_SIZE (${PERF_ATTR_SIZE_MAX})`)
  return eff
}

/**
 * Encode an attr at the kernel's offsets. The result is {@link PERF_ATTR_SIZE_VER7} (128) bytes,
 * or `size` bytes when the effective size is larger (VER8: 136, with `config3`; a larger,
 * unknown size gets a zero tail, which the kernel accepts). The `size` field is written as
 * given (default VER7).
 *
 * Throws a {@link PerfError}: EINVAL for a field of the wrong type or range, or for a non-zero
 * field that lies past the declared `size` (the kernel would never read it); E2BIG for a `size`
 * that {@link validateAttr} would reject as E2BIG.
 *
 * @param attr - the attr (missing fields are 0)
 * @returns the encoded bytes
 */
export function encodeAttr(attr: PerfEventAttrInit): Uint8Array {
  const a = makeAttr(attr)
  const eff = checkSize(a.size)
  const out = new Uint8Array(Math.max(PERF_ATTR_SIZE_VER7, eff))
  const dv = new DataView(out.buffer)
  const O = PerfEventAttrOffset
  dv.setUint32(O.type, a.type, true)
  dv.setUint32(O.size, a.size, true)
  dv.setBigUint64(O.config, a.config, true)
  setU64(dv, O.sample_period, a.sample_period)
  setU64(dv, O.sample_type, a.sample_type)
  setU64(dv, O.read_format, a.read_format)
  let lo = 0
  let hi = a.__reserved_1 * 64
  for (const name of FLAG_NAMES) {
    if (!a[name]) continue
    const bit = PERF_ATTR_FLAG_BITS_BY_NAME[name]
    if (bit < 32) lo = (lo | (1 << bit)) >>> 0
    else hi += 2 ** (bit - 32)
  }
  lo = (lo | (a.precise_ip << 15)) >>> 0
  dv.setUint32(O.flags, lo, true)
  dv.setUint32(O.flags + 4, hi, true)
  dv.setUint32(O.wakeup_events, a.wakeup_events, true)
  dv.setUint32(O.bp_type, a.bp_type, true)
  dv.setBigUint64(O.config1, a.config1, true)
  dv.setBigUint64(O.config2, a.config2, true)
  setU64(dv, O.branch_sample_type, a.branch_sample_type)
  dv.setBigUint64(O.sample_regs_user, a.sample_regs_user, true)
  dv.setUint32(O.sample_stack_user, a.sample_stack_user, true)
  dv.setInt32(O.clockid, a.clockid, true)
  dv.setBigUint64(O.sample_regs_intr, a.sample_regs_intr, true)
  dv.setUint32(O.aux_watermark, a.aux_watermark, true)
  dv.setUint16(O.sample_max_stack, a.sample_max_stack, true)
  dv.setUint16(O.__reserved_2, a.__reserved_2, true)
  dv.setUint32(O.aux_sample_size, a.aux_sample_size, true)
  const auxAction =
    (a.aux_start_paused ? 1 : 0) |
    (a.aux_pause ? 2 : 0) |
    (a.aux_resume ? 4 : 0) |
    (a.__reserved_3 << 3)
  dv.setUint32(O.aux_action, auxAction >>> 0, true)
  dv.setBigUint64(O.sig_data, a.sig_data, true)
  if (out.length >= PERF_ATTR_SIZE_VER8) dv.setBigUint64(O.config3, a.config3, true)
  else if (a.config3 !== 0n)
    fail('EINVAL', 'config3', `needs size >= PERF_ATTR_SIZE_VER8 (136), size is ${a.size}`)
  // A non-zero byte past the declared size would be invisible to the kernel: refuse it.
  for (let i = eff; i < out.length; i++) {
    if (out[i] !== 0) fail('EINVAL', fieldAt(i), `non-zero but past attr.size ${a.size}`)
  }
  return out
}

function fieldAt(off: number): string {
  let best = 'type'
  let bestOff = -1
  for (const [name, o] of Object.entries(PerfEventAttrOffset)) {
    if (o <= off && o > bestOff) {
      best = name
      bestOff = o
    }
  }
  return best
}

/**
 * Decode an attr the way the kernel reads one (`perf_copy_attr`): `size` 0 means VER0 (64);
 * the first `size` bytes are read and every field past them is 0. Any published size VER0..VER8
 * is accepted; a larger size is accepted up to `PAGE_SIZE` (4096) if every byte past VER8 is
 * zero. The decoded `size` is the raw field (0 stays 0); both names of each union are set.
 *
 * Throws a {@link PerfError}: E2BIG for a size below VER0, an unpublished size up to VER8, a size
 * above 4096 or a non-zero tail past VER8; EINVAL if `bytes` is shorter than the size (or than 8
 * bytes) or a number field (`sample_period`, `sample_type`, `read_format`,
 * `branch_sample_type`) is not exact below 2^53.
 *
 * @param bytes - the attr bytes
 * @returns the attr
 */
export function decodeAttr(bytes: Uint8Array): PerfEventAttr {
  if (!(bytes instanceof Uint8Array)) fail('EINVAL', 'bytes', 'expected a Uint8Array')
  if (bytes.length < 8) fail('EINVAL', 'bytes', `${bytes.length} bytes is too short for an attr`)
  const raw = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const size = raw.getUint32(PerfEventAttrOffset.size, true)
  const eff = checkSize(size)
  if (bytes.length < eff) fail('EINVAL', 'bytes', `${bytes.length} bytes but attr.size is ${size}`)
  for (let i = PERF_ATTR_SIZE_VER8; i < eff; i++) {
    if (bytes[i] !== 0)
      fail('E2BIG', 'size', `${size} is larger than PERF_ATTR_SIZE_VER8 and byte ${i} is not zero`)
  }
  const buf = new Uint8Array(PERF_ATTR_SIZE_VER8)
  buf.set(bytes.subarray(0, Math.min(eff, PERF_ATTR_SIZE_VER8)))
  const dv = new DataView(buf.buffer)
  const O = PerfEventAttrOffset
  const lo = dv.getUint32(O.flags, true)
  const hi = dv.getUint32(O.flags + 4, true)
  const flags = {} as PerfEventAttrFlags
  for (const name of FLAG_NAMES) {
    const bit = PERF_ATTR_FLAG_BITS_BY_NAME[name]
    flags[name] = bit < 32 ? ((lo >>> bit) & 1) === 1 : ((hi >>> (bit - 32)) & 1) === 1
  }
  const period = getU64Number(dv, O.sample_period, 'sample_period')
  const wakeup = dv.getUint32(O.wakeup_events, true)
  const config1 = dv.getBigUint64(O.config1, true)
  const config2 = dv.getBigUint64(O.config2, true)
  const auxAction = dv.getUint32(O.aux_action, true)
  return {
    type: dv.getUint32(O.type, true),
    size,
    config: dv.getBigUint64(O.config, true),
    sample_period: period,
    sample_freq: period,
    sample_type: getU64Number(dv, O.sample_type, 'sample_type'),
    read_format: getU64Number(dv, O.read_format, 'read_format'),
    ...flags,
    precise_ip: (lo >>> 15) & 3,
    __reserved_1: hi >>> 6,
    wakeup_events: wakeup,
    wakeup_watermark: wakeup,
    bp_type: dv.getUint32(O.bp_type, true),
    config1,
    bp_addr: config1,
    config2,
    bp_len: config2,
    branch_sample_type: getU64Number(dv, O.branch_sample_type, 'branch_sample_type'),
    sample_regs_user: dv.getBigUint64(O.sample_regs_user, true),
    sample_stack_user: dv.getUint32(O.sample_stack_user, true),
    clockid: dv.getInt32(O.clockid, true),
    sample_regs_intr: dv.getBigUint64(O.sample_regs_intr, true),
    aux_watermark: dv.getUint32(O.aux_watermark, true),
    sample_max_stack: dv.getUint16(O.sample_max_stack, true),
    __reserved_2: dv.getUint16(O.__reserved_2, true),
    aux_sample_size: dv.getUint32(O.aux_sample_size, true),
    aux_start_paused: (auxAction & 1) !== 0,
    aux_pause: (auxAction & 2) !== 0,
    aux_resume: (auxAction & 4) !== 0,
    __reserved_3: auxAction >>> 3,
    sig_data: dv.getBigUint64(O.sig_data, true),
    config3: dv.getBigUint64(O.config3, true),
  }
}

/**
 * Bytes of the `read_format` values for a group of `nr` events
 * (`__perf_event_read_size`): {value, [id], [lost]} per event, plus [time_enabled],
 * [time_running] and, with PERF_FORMAT_GROUP, the u64 nr. Without GROUP, `nr` is ignored.
 *
 * @param read_format - `PERF_FORMAT_*` bits
 * @param nr - events in the group, leader included
 * @returns the size in bytes
 */
export function readFormatSize(read_format: number, nr: number = 1): number {
  let entry = 8
  let size = 0
  if (read_format & PERF_FORMAT_TOTAL_TIME_ENABLED) size += 8
  if (read_format & PERF_FORMAT_TOTAL_TIME_RUNNING) size += 8
  if (read_format & PERF_FORMAT_ID) entry += 8
  if (read_format & PERF_FORMAT_LOST) entry += 8
  let n = 1
  if (read_format & PERF_FORMAT_GROUP) {
    n = nr
    size += 8
  }
  return size + n * entry
}

/** The limit `perf_event_validate_size` puts on the `read_format` size of a group. */
export const PERF_READ_SIZE_MAX: number = 16 * 1024

/** Options of {@link validateAttr}: facts about the system and the group that the attr alone lacks. */
export interface ValidateAttrOptions {
  /**
   * Events in the group this attr joins, leader and this event included. With it,
   * `perf_event_validate_size` is checked: a `read_format` size above 16 KiB is E2BIG.
   */
  readonly group_size?: number
  /**
   * `/proc/sys/kernel/perf_event_max_sample_rate`. With it, `freq` with a `sample_freq` above it
   * is EINVAL.
   */
  readonly max_sample_rate?: number
}

/**
 * Apply the kernel's attr checks, in the kernel's order; the first failure throws a
 * {@link PerfError} naming the field. From `perf_copy_attr`:
 * - `size`: 0 means VER0; below VER0, an unpublished size up to VER8, or above PAGE_SIZE → E2BIG
 *   (a size past VER8 is otherwise accepted: an object has no tail bytes, so the tail is zero);
 * - `__reserved_1`, `__reserved_2`, `__reserved_3` non-zero → EINVAL;
 * - `sample_type` bits at or above PERF_SAMPLE_MAX → EINVAL;
 * - `read_format` bits at or above PERF_FORMAT_MAX → EINVAL;
 * - with BRANCH_STACK: `branch_sample_type` bits at or above PERF_SAMPLE_BRANCH_MAX, or no bit
 *   besides the privilege levels (USER|KERNEL|HV) → EINVAL;
 * - with STACK_USER: `sample_stack_user` ≥ 65535 (USHRT_MAX) or not a multiple of 8 → EINVAL;
 * - WEIGHT together with WEIGHT_STRUCT → EINVAL;
 * - `inherit_thread` without `inherit`, `remove_on_exec` with `enable_on_exec`, `sigtrap`
 *   without `remove_on_exec` → EINVAL.
 *
 * From `perf_event_open`: `freq` with `sample_freq` above `options.max_sample_rate` → EINVAL;
 * not `freq` with bit 63 of `sample_period` set → EINVAL; `use_clockid` with a clock other than
 * REALTIME, MONOTONIC, MONOTONIC_RAW, BOOTTIME or TAI → EINVAL; with `options.group_size`, a
 * read size above 16 KiB → E2BIG (`perf_event_validate_size`). Type and range errors of
 * {@link makeAttr} (e.g. `precise_ip` > 3) are EINVAL.
 *
 * Not checked (they depend on the machine or on privileges): the arch register masks
 * (`perf_reg_validate`), `sample_max_stack` against the sysctl, permissions (EACCES/EPERM),
 * whether the PMU exists (ENOENT/ENODEV) or supports the request (EOPNOTSUPP). `sample_freq` 0
 * with `freq` is accepted, as the kernel does.
 *
 * @param attr - the attr to check
 * @param options - system and group facts
 * @returns the completed attr (as {@link makeAttr})
 */
export function validateAttr(
  attr: PerfEventAttrInit,
  options: ValidateAttrOptions = {},
): PerfEventAttr {
  const a = makeAttr(attr)
  checkSize(a.size)
  if (a.__reserved_1 !== 0)
    fail(
      'EINVAL',
      '__reserved_1',
      `flag bits 38..63 must be 0, got 0x${a.__reserved_1.toString(16)}`,
    )
  if (a.__reserved_2 !== 0) fail('EINVAL', '__reserved_2', `must be 0, got ${a.__reserved_2}`)
  if (a.__reserved_3 !== 0)
    fail(
      'EINVAL',
      '__reserved_3',
      `aux_action bits 3..31 must be 0, got 0x${a.__reserved_3.toString(16)}`,
    )
  if (a.sample_type >= PERF_SAMPLE_MAX) {
    fail(
      'EINVAL',
      'sample_type',
      `0x${a.sample_type.toString(16)} has bits at or above PERF_SAMPLE_MAX (1 << 25)`,
    )
  }
  if (a.read_format >= PERF_FORMAT_MAX) {
    fail(
      'EINVAL',
      'read_format',
      `0x${a.read_format.toString(16)} has bits at or above PERF_FORMAT_MAX (1 << 5)`,
    )
  }
  if (a.sample_type & PERF_SAMPLE_BRANCH_STACK) {
    const mask = a.branch_sample_type
    if (mask >= PERF_SAMPLE_BRANCH_MAX) {
      fail(
        'EINVAL',
        'branch_sample_type',
        `0x${mask.toString(16)} has bits at or above PERF_SAMPLE_BRANCH_MAX (1 << 20)`,
      )
    }
    if ((mask & ~7) === 0) {
      fail(
        'EINVAL',
        'branch_sample_type',
        `0x${mask.toString(16)} selects no branch type besides the privilege levels`,
      )
    }
  }
  if (a.sample_type & PERF_SAMPLE_STACK_USER) {
    if (a.sample_stack_user >= 0xffff) {
      fail('EINVAL', 'sample_stack_user', `${a.sample_stack_user} is not below USHRT_MAX (65535)`)
    }
    if (a.sample_stack_user % 8 !== 0) {
      fail('EINVAL', 'sample_stack_user', `${a.sample_stack_user} is not a multiple of 8`)
    }
  }
  if (a.sample_type & PERF_SAMPLE_WEIGHT && a.sample_type & PERF_SAMPLE_WEIGHT_STRUCT) {
    fail(
      'EINVAL',
      'sample_type',
      'PERF_SAMPLE_WEIGHT and PERF_SAMPLE_WEIGHT_STRUCT are mutually exclusive',
    )
  }
  if (a.inherit_thread && !a.inherit) fail('EINVAL', 'inherit_thread', 'needs inherit')
  if (a.remove_on_exec && a.enable_on_exec)
    fail('EINVAL', 'remove_on_exec', 'cannot be combined with enable_on_exec')
  if (a.sigtrap && !a.remove_on_exec) fail('EINVAL', 'sigtrap', 'needs remove_on_exec')
  if (a.freq) {
    const max = options.max_sample_rate
    if (max !== undefined && a.sample_freq > max) {
      fail('EINVAL', 'sample_freq', `${a.sample_freq} is above perf_event_max_sample_rate (${max})`)
    }
  } else if (a.sample_period >= 2 ** 63) {
    fail('EINVAL', 'sample_period', 'bit 63 is set')
  }
  if (a.use_clockid && !PERF_ATTR_CLOCKIDS.includes(a.clockid)) {
    fail(
      'EINVAL',
      'clockid',
      `${a.clockid} is not REALTIME, MONOTONIC, MONOTONIC_RAW, BOOTTIME or TAI`,
    )
  }
  if (options.group_size !== undefined) {
    const n = checkInt('group_size', options.group_size, 1, 2 ** 31)
    const size = readFormatSize(a.read_format, n)
    if (size > PERF_READ_SIZE_MAX) {
      fail(
        'E2BIG',
        'read_format',
        `a group of ${n} reads ${size} bytes, above ${PERF_READ_SIZE_MAX}`,
      )
    }
  }
  return a
}
