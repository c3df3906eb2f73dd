/**
 * `struct perf_event_mmap_page`: the control page at the start of a perf mmap ring buffer
 * (`include/uapi/linux/perf_event.h`), read and written at the kernel's offsets.
 *
 * The page is usually the first 4 KiB of a `Uint8Array` that also holds the data pages. In
 * onering that memory is a `SharedArrayBuffer` another worker writes; then `data_head`,
 * `data_tail`, `aux_head`, `aux_tail` and `lock` are accessed with `Atomics` (the kernel's
 * `smp_load_acquire`/`smp_store_release`/`READ_ONCE`), every other field with a `DataView`.
 * On a plain `ArrayBuffer` (a file read into memory, a fixture) every field goes through the
 * `DataView`.
 *
 * All fields are little-endian (onering, like `@onering/core`, assumes a little-endian host,
 * which is what the kernel's native-endian page is on x86-64, arm64 and riscv64). 64-bit
 * fields are `bigint` (free-running positions such as a backward ring's `data_head` need all
 * 64 bits); 16- and 32-bit fields are numbers.
 *
 * Errors: every failure throws a `PerfError` (`EINVAL` for a bad argument,
 * `EINVAL` as well when {@link readSelf} cannot get a stable snapshot, as perf's
 * `perf_read_tsc_conversion` does).
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
  PERF_MMAP_PAGE_HEADER_SIZE,
  PERF_MMAP_PAGE_STRUCT_SIZE,
  PerfMmapPageOffset,
} from './constants.js'
import { fail } from './errors.js'

const O = PerfMmapPageOffset
const U64_LIMIT = 1n << 64n
const S64_MIN = -(1n << 63n)
const S64_MAX = (1n << 63n) - 1n

/** Index of `data_head` in a `BigInt64Array` over the page (byte offset 1024). */
const I64_DATA_HEAD = O.data_head / 8
/** Index of `data_tail` (1032). */
const I64_DATA_TAIL = O.data_tail / 8
/** Index of `aux_head` (1056). */
const I64_AUX_HEAD = O.aux_head / 8
/** Index of `aux_tail` (1064). */
const I64_AUX_TAIL = O.aux_tail / 8
/** Index of `lock` in a `Uint32Array` over the page (byte offset 8). */
const U32_LOCK = O.lock / 4

/** `true` when `buf` is a `SharedArrayBuffer` (of any realm). */
export function isSharedBuffer(buf: ArrayBufferLike): boolean {
  return Object.prototype.toString.call(buf) === '[object SharedArrayBuffer]'
}

function checkBytes(name: string, v: unknown, min: number): Uint8Array {
  if (!(v instanceof Uint8Array)) fail('EINVAL', name, 'expected a Uint8Array')
  if (v.byteLength < min)
    fail('EINVAL', name, `${v.byteLength} bytes, a perf_event_mmap_page needs ${min}`)
  return v
}

function checkUint(name: string, v: unknown, bits: 16 | 32): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= 2 ** bits)
    fail('EINVAL', name, `expected an integer in [0, 2^${bits}), got ${String(v)}`)
  return v
}

/** Check a u64 argument (a `bigint` in [0, 2^64)). @internal */
export function checkU64(name: string, v: unknown): bigint {
  if (typeof v !== 'bigint' || v < 0n || v >= U64_LIMIT)
    fail('EINVAL', name, `expected a bigint in [0, 2^64), got ${String(v)}`)
  return v
}

function checkS64(name: string, v: unknown): bigint {
  if (typeof v !== 'bigint' || v < S64_MIN || v > S64_MAX)
    fail('EINVAL', name, `expected a bigint in [-2^63, 2^63), got ${String(v)}`)
  return v
}

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

/** Decode the `cap_*` bits of a `capabilities` word. */
export function decodeCapabilities(capabilities: bigint): PerfMmapCapabilities {
  const c = Number(BigInt.asUintN(32, checkU64('capabilities', capabilities)))
  return {
    cap_bit0: (c & PERF_CAP_BIT0) !== 0,
    cap_bit0_is_deprecated: (c & PERF_CAP_BIT0_IS_DEPRECATED) !== 0,
    cap_user_rdpmc: (c & PERF_CAP_USER_RDPMC) !== 0,
    cap_user_time: (c & PERF_CAP_USER_TIME) !== 0,
    cap_user_time_zero: (c & PERF_CAP_USER_TIME_ZERO) !== 0,
    cap_user_time_short: (c & PERF_CAP_USER_TIME_SHORT) !== 0,
  }
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
 * Read/write accessors for a `struct perf_event_mmap_page` at the start of `bytes`, one
 * property per field, under the kernel's names.
 *
 * `data_head`, `data_tail`, `aux_head`, `aux_tail` and `lock` are `Atomics` loads/stores
 * when `bytes` is over a `SharedArrayBuffer` (so a store of `data_tail` is a release and a
 * load of `data_head` an acquire, as in `tools/include/linux/ring_buffer.h`), `DataView`
 * accesses otherwise. The other fields are plain `DataView` accesses: the kernel updates them
 * under `lock`, read them consistently with {@link readSelf}.
 */
export class PerfEventMmapPage {
  /** The memory this page is read from (at least 1088 bytes). */
  readonly bytes: Uint8Array
  /** `true` when `bytes` is over a `SharedArrayBuffer` (atomic head/tail/lock). */
  readonly shared: boolean
  private readonly dv_: DataView
  private readonly i64_: BigInt64Array | null
  private readonly u32_: Uint32Array | null

  /**
   * @param bytes - the mapping (or just its control page); at least 1088 bytes, and 8-byte
   *   aligned when it is over a `SharedArrayBuffer`
   */
  constructor(bytes: Uint8Array) {
    checkBytes('bytes', bytes, PERF_MMAP_PAGE_STRUCT_SIZE)
    this.bytes = bytes
    this.dv_ = new DataView(bytes.buffer, bytes.byteOffset, PERF_MMAP_PAGE_STRUCT_SIZE)
    this.shared = isSharedBuffer(bytes.buffer)
    if (this.shared) {
      if (bytes.byteOffset % 8 !== 0)
        fail(
          'EINVAL',
          'bytes',
          `byteOffset ${bytes.byteOffset} of a shared mapping is not 8-byte aligned (data_head needs Atomics)`,
        )
      this.i64_ = new BigInt64Array(bytes.buffer, bytes.byteOffset, PERF_MMAP_PAGE_STRUCT_SIZE / 8)
      this.u32_ = new Uint32Array(bytes.buffer, bytes.byteOffset, PERF_MMAP_PAGE_STRUCT_SIZE / 4)
    } else {
      this.i64_ = null
      this.u32_ = null
    }
  }

  private getU64_(off: number): bigint {
    return this.dv_.getBigUint64(off, true)
  }

  private setU64_(name: string, off: number, v: bigint): void {
    this.dv_.setBigUint64(off, checkU64(name, v), true)
  }

  private loadU64_(index: number): bigint {
    const i64 = this.i64_
    if (i64 !== null) return BigInt.asUintN(64, Atomics.load(i64, index))
    return this.dv_.getBigUint64(index * 8, true)
  }

  private storeU64_(name: string, index: number, v: bigint): void {
    checkU64(name, v)
    const i64 = this.i64_
    if (i64 !== null) Atomics.store(i64, index, BigInt.asIntN(64, v))
    else this.dv_.setBigUint64(index * 8, v, true)
  }

  /** `version` (u32 at 0). */
  get version(): number {
    return this.dv_.getUint32(O.version, true)
  }
  set version(v: number) {
    this.dv_.setUint32(O.version, checkUint('version', v, 32), true)
  }

  /** `compat_version` (u32 at 4). */
  get compat_version(): number {
    return this.dv_.getUint32(O.compat_version, true)
  }
  set compat_version(v: number) {
    this.dv_.setUint32(O.compat_version, checkUint('compat_version', v, 32), true)
  }

  /** `lock` (u32 at 8), the seqcount; atomic on shared memory. */
  get lock(): number {
    const u32 = this.u32_
    if (u32 !== null) return Atomics.load(u32, U32_LOCK)
    return this.dv_.getUint32(O.lock, true)
  }
  set lock(v: number) {
    checkUint('lock', v, 32)
    const u32 = this.u32_
    if (u32 !== null) Atomics.store(u32, U32_LOCK, v)
    else this.dv_.setUint32(O.lock, v, true)
  }

  /** `index` (u32 at 12): hardware counter + 1, 0 if rdpmc cannot be used. */
  get index(): number {
    return this.dv_.getUint32(O.index, true)
  }
  set index(v: number) {
    this.dv_.setUint32(O.index, checkUint('index', v, 32), true)
  }

  /** `offset` (s64 at 16). */
  get offset(): bigint {
    return this.dv_.getBigInt64(O.offset, true)
  }
  set offset(v: bigint) {
    this.dv_.setBigInt64(O.offset, checkS64('offset', v), true)
  }

  /** `time_enabled` (u64 at 24). */
  get time_enabled(): bigint {
    return this.getU64_(O.time_enabled)
  }
  set time_enabled(v: bigint) {
    this.setU64_('time_enabled', O.time_enabled, v)
  }

  /** `time_running` (u64 at 32). */
  get time_running(): bigint {
    return this.getU64_(O.time_running)
  }
  set time_running(v: bigint) {
    this.setU64_('time_running', O.time_running, v)
  }

  /** `capabilities` (u64 at 40); see the `cap_*` getters. */
  get capabilities(): bigint {
    return this.getU64_(O.capabilities)
  }
  set capabilities(v: bigint) {
    this.setU64_('capabilities', O.capabilities, v)
  }

  /** Bit 0 of `capabilities` (deprecated, 0). */
  get cap_bit0(): boolean {
    return (this.dv_.getUint32(O.capabilities, true) & PERF_CAP_BIT0) !== 0
  }
  /** Bit 1 of `capabilities` (always 1). */
  get cap_bit0_is_deprecated(): boolean {
    return (this.dv_.getUint32(O.capabilities, true) & PERF_CAP_BIT0_IS_DEPRECATED) !== 0
  }
  /** Bit 2 of `capabilities`. */
  get cap_user_rdpmc(): boolean {
    return (this.dv_.getUint32(O.capabilities, true) & PERF_CAP_USER_RDPMC) !== 0
  }
  /** Bit 3 of `capabilities`. */
  get cap_user_time(): boolean {
    return (this.dv_.getUint32(O.capabilities, true) & PERF_CAP_USER_TIME) !== 0
  }
  /** Bit 4 of `capabilities`. */
  get cap_user_time_zero(): boolean {
    return (this.dv_.getUint32(O.capabilities, true) & PERF_CAP_USER_TIME_ZERO) !== 0
  }
  /** Bit 5 of `capabilities`. */
  get cap_user_time_short(): boolean {
    return (this.dv_.getUint32(O.capabilities, true) & PERF_CAP_USER_TIME_SHORT) !== 0
  }

  /** `pmc_width` (u16 at 48). */
  get pmc_width(): number {
    return this.dv_.getUint16(O.pmc_width, true)
  }
  set pmc_width(v: number) {
    this.dv_.setUint16(O.pmc_width, checkUint('pmc_width', v, 16), true)
  }

  /** `time_shift` (u16 at 50). */
  get time_shift(): number {
    return this.dv_.getUint16(O.time_shift, true)
  }
  set time_shift(v: number) {
    this.dv_.setUint16(O.time_shift, checkUint('time_shift', v, 16), true)
  }

  /** `time_mult` (u32 at 52). */
  get time_mult(): number {
    return this.dv_.getUint32(O.time_mult, true)
  }
  set time_mult(v: number) {
    this.dv_.setUint32(O.time_mult, checkUint('time_mult', v, 32), true)
  }

  /** `time_offset` (u64 at 56). */
  get time_offset(): bigint {
    return this.getU64_(O.time_offset)
  }
  set time_offset(v: bigint) {
    this.setU64_('time_offset', O.time_offset, v)
  }

  /** `time_zero` (u64 at 64). */
  get time_zero(): bigint {
    return this.getU64_(O.time_zero)
  }
  set time_zero(v: bigint) {
    this.setU64_('time_zero', O.time_zero, v)
  }

  /** `size` (u32 at 72): header size up to `__reserved` (96). */
  get size(): number {
    return this.dv_.getUint32(O.size, true)
  }
  set size(v: number) {
    this.dv_.setUint32(O.size, checkUint('size', v, 32), true)
  }

  /** `time_cycles` (u64 at 80). */
  get time_cycles(): bigint {
    return this.getU64_(O.time_cycles)
  }
  set time_cycles(v: bigint) {
    this.setU64_('time_cycles', O.time_cycles, v)
  }

  /** `time_mask` (u64 at 88). */
  get time_mask(): bigint {
    return this.getU64_(O.time_mask)
  }
  set time_mask(v: bigint) {
    this.setU64_('time_mask', O.time_mask, v)
  }

  /** `data_head` (u64 at 1024); an acquire load on shared memory. */
  get data_head(): bigint {
    return this.loadU64_(I64_DATA_HEAD)
  }
  set data_head(v: bigint) {
    this.storeU64_('data_head', I64_DATA_HEAD, v)
  }

  /** `data_tail` (u64 at 1032); a release store on shared memory. */
  get data_tail(): bigint {
    return this.loadU64_(I64_DATA_TAIL)
  }
  set data_tail(v: bigint) {
    this.storeU64_('data_tail', I64_DATA_TAIL, v)
  }

  /** `data_offset` (u64 at 1040). */
  get data_offset(): bigint {
    return this.getU64_(O.data_offset)
  }
  set data_offset(v: bigint) {
    this.setU64_('data_offset', O.data_offset, v)
  }

  /** `data_size` (u64 at 1048). */
  get data_size(): bigint {
    return this.getU64_(O.data_size)
  }
  set data_size(v: bigint) {
    this.setU64_('data_size', O.data_size, v)
  }

  /** `aux_head` (u64 at 1056); atomic on shared memory. */
  get aux_head(): bigint {
    return this.loadU64_(I64_AUX_HEAD)
  }
  set aux_head(v: bigint) {
    this.storeU64_('aux_head', I64_AUX_HEAD, v)
  }

  /** `aux_tail` (u64 at 1064); atomic on shared memory. */
  get aux_tail(): bigint {
    return this.loadU64_(I64_AUX_TAIL)
  }
  set aux_tail(v: bigint) {
    this.storeU64_('aux_tail', I64_AUX_TAIL, v)
  }

  /** `aux_offset` (u64 at 1072). */
  get aux_offset(): bigint {
    return this.getU64_(O.aux_offset)
  }
  set aux_offset(v: bigint) {
    this.setU64_('aux_offset', O.aux_offset, v)
  }

  /** `aux_size` (u64 at 1080). */
  get aux_size(): bigint {
    return this.getU64_(O.aux_size)
  }
  set aux_size(v: bigint) {
    this.setU64_('aux_size', O.aux_size, v)
  }

  /** Every field at once (not a consistent snapshot of the self-monitoring fields: see {@link readSelf}). */
  decode(): PerfEventMmapPageFields {
    const capabilities = this.capabilities
    return {
      version: this.version,
      compat_version: this.compat_version,
      lock: this.lock,
      index: this.index,
      offset: this.offset,
      time_enabled: this.time_enabled,
      time_running: this.time_running,
      capabilities,
      ...decodeCapabilities(capabilities),
      pmc_width: this.pmc_width,
      time_shift: this.time_shift,
      time_mult: this.time_mult,
      time_offset: this.time_offset,
      time_zero: this.time_zero,
      size: this.size,
      time_cycles: this.time_cycles,
      time_mask: this.time_mask,
      data_head: this.data_head,
      data_tail: this.data_tail,
      data_offset: this.data_offset,
      data_size: this.data_size,
      aux_head: this.aux_head,
      aux_tail: this.aux_tail,
      aux_offset: this.aux_offset,
      aux_size: this.aux_size,
    }
  }
}

/**
 * Decode the control page at the start of `bytes` (a whole mapping or just its first page).
 *
 * @param bytes - at least 1088 bytes
 * @returns every field; a plain snapshot, read field by field
 */
export function decodeControlPage(bytes: Uint8Array): PerfEventMmapPageFields {
  return new PerfEventMmapPage(bytes).decode()
}

/**
 * Initialise a control page the way the kernel does at mmap time
 * (`perf_event_init_userpage` + the `data_offset`/`data_size` stores in `perf_mmap`): zero
 * the struct, `capabilities` = `cap_bit0_is_deprecated`, `size` = 96, `data_offset` =
 * `pageSize`, `data_size` = `dataSize`. The rest of the mapping is not touched.
 *
 * @param bytes - the mapping; at least `pageSize + dataSize` bytes
 * @param dataSize - bytes of the data area: 0 or a power of two
 * @param pageSize - bytes of the control page, where the data area starts (default 4096)
 * @returns the page accessors over `bytes`
 */
export function initControlPage(
  bytes: Uint8Array,
  dataSize: number,
  pageSize: number = 4096,
): PerfEventMmapPage {
  if (
    typeof pageSize !== 'number' ||
    !Number.isSafeInteger(pageSize) ||
    pageSize < PERF_MMAP_PAGE_STRUCT_SIZE ||
    pageSize % 8 !== 0
  )
    fail('EINVAL', 'pageSize', `expected a multiple of 8 ≥ ${PERF_MMAP_PAGE_STRUCT_SIZE}`)
  if (
    typeof dataSize !== 'number' ||
    !Number.isSafeInteger(dataSize) ||
    dataSize < 0 ||
    (dataSize !== 0 && (dataSize < 8 || dataSize % 8 !== 0 || !isPow2(dataSize)))
  )
    fail('EINVAL', 'dataSize', `expected 0 or a power of two ≥ 8, got ${String(dataSize)}`)
  checkBytes('bytes', bytes, PERF_MMAP_PAGE_STRUCT_SIZE)
  if (bytes.byteLength < pageSize + dataSize)
    fail('EINVAL', 'bytes', `${bytes.byteLength} bytes, the mapping needs ${pageSize + dataSize}`)
  bytes.fill(0, 0, PERF_MMAP_PAGE_STRUCT_SIZE)
  const page = new PerfEventMmapPage(bytes)
  page.capabilities = BigInt(PERF_CAP_BIT0_IS_DEPRECATED)
  page.size = PERF_MMAP_PAGE_HEADER_SIZE
  page.data_offset = BigInt(pageSize)
  page.data_size = BigInt(dataSize)
  return page
}

function isPow2(n: number): boolean {
  // n ≤ 2^53: use division rather than 32-bit bit operations
  let v = n
  while (v > 1) {
    if (v % 2 !== 0) return false
    v /= 2
  }
  return v === 1
}

/** The self-monitoring fields of the control page, read under its seqlock. */
export interface PerfMmapSelf extends PerfMmapCapabilities {
  /** The (even) `lock` value the snapshot was taken under. */
  lock: number
  /** `index`: hardware counter + 1, 0 if rdpmc cannot be used. */
  index: number
  /** `offset` (signed). */
  offset: bigint
  /** `time_enabled`. */
  time_enabled: bigint
  /** `time_running`. */
  time_running: bigint
  /** `capabilities`. */
  capabilities: bigint
  /** `pmc_width`. */
  pmc_width: number
  /** `time_shift`. */
  time_shift: number
  /** `time_mult`. */
  time_mult: number
  /** `time_offset`. */
  time_offset: bigint
  /** `time_zero`. */
  time_zero: bigint
  /** `time_cycles`. */
  time_cycles: bigint
  /** `time_mask`. */
  time_mask: bigint
}

/** Options of {@link readSelf}. */
export interface ReadSelfOptions {
  /** Attempts before giving up (default 10000, like perf's `perf_read_tsc_conversion`). */
  maxTries?: number
}

/**
 * Read the self-monitoring fields of a control page consistently, under its seqlock, the way
 * libperf's `perf_mmap__read_self` and perf's `perf_read_tsc_conversion` do: load `lock`,
 * read the fields, load `lock` again, and retry while it was odd (an update in progress) or
 * changed. rdpmc/rdtsc are not available to JavaScript, so this returns the fields and leaves
 * the counter arithmetic to the caller (see `./time.js`).
 *
 * Never loops forever: after `maxTries` attempts it throws a `PerfError` `EINVAL`
 * (perf's `perf_read_tsc_conversion` returns `-EINVAL` after 10000).
 *
 * @param page - the page accessors, or the mapping bytes
 * @param options - retry bound
 * @returns a consistent snapshot
 */
export function readSelf(
  page: PerfEventMmapPage | Uint8Array,
  options: ReadSelfOptions = {},
): PerfMmapSelf {
  const pc = page instanceof PerfEventMmapPage ? page : new PerfEventMmapPage(page)
  const maxTries = options.maxTries ?? 10_000
  if (typeof maxTries !== 'number' || !Number.isSafeInteger(maxTries) || maxTries < 1)
    fail('EINVAL', 'maxTries', `expected a positive integer, got ${String(maxTries)}`)
  let last = 0
  for (let attempt = 0; attempt < maxTries; attempt++) {
    const seq = pc.lock
    last = seq
    if ((seq & 1) !== 0) continue
    const capabilities = pc.capabilities
    const snap: PerfMmapSelf = {
      lock: seq,
      index: pc.index,
      offset: pc.offset,
      time_enabled: pc.time_enabled,
      time_running: pc.time_running,
      capabilities,
      ...decodeCapabilities(capabilities),
      pmc_width: pc.pmc_width,
      time_shift: pc.time_shift,
      time_mult: pc.time_mult,
      time_offset: pc.time_offset,
      time_zero: pc.time_zero,
      time_cycles: pc.time_cycles,
      time_mask: pc.time_mask,
    }
    if (pc.lock === seq) return snap
  }
  return fail(
    'EINVAL',
    'lock',
    `no stable snapshot of perf_event_mmap_page after ${maxTries} tries (last lock ${last})`,
  )
}

/** The fields {@link writeSelf} may update. */
export type PerfMmapSelfUpdate = Partial<
  Pick<
    PerfEventMmapPageFields,
    | 'index'
    | 'offset'
    | 'time_enabled'
    | 'time_running'
    | 'capabilities'
    | 'pmc_width'
    | 'time_shift'
    | 'time_mult'
    | 'time_offset'
    | 'time_zero'
    | 'time_cycles'
    | 'time_mask'
  >
>

/**
 * The writer side of the seqlock (the kernel's `perf_event_update_userpage`): `++lock`,
 * store the fields, `++lock`. With a `SharedArrayBuffer` the increments are `Atomics.add`
 * (sequentially consistent, which covers the kernel's two `barrier()`s). For producers that
 * emulate the kernel (tests, onering's own perf producer); a single writer is assumed.
 *
 * @param page - the page accessors
 * @param fields - the fields to store; every value is validated before `lock` is touched
 */
export function writeSelf(page: PerfEventMmapPage, fields: PerfMmapSelfUpdate): void {
  if (!(page instanceof PerfEventMmapPage)) fail('EINVAL', 'page', 'expected a PerfEventMmapPage')
  // validate first, so a bad call never leaves lock odd
  const scratch = new PerfEventMmapPage(new Uint8Array(PERF_MMAP_PAGE_STRUCT_SIZE))
  assignSelf(scratch, fields)
  bumpLock(page)
  assignSelf(page, fields)
  bumpLock(page)
}

function assignSelf(pc: PerfEventMmapPage, f: PerfMmapSelfUpdate): void {
  if (f.index !== undefined) pc.index = f.index
  if (f.offset !== undefined) pc.offset = f.offset
  if (f.time_enabled !== undefined) pc.time_enabled = f.time_enabled
  if (f.time_running !== undefined) pc.time_running = f.time_running
  if (f.capabilities !== undefined) pc.capabilities = f.capabilities
  if (f.pmc_width !== undefined) pc.pmc_width = f.pmc_width
  if (f.time_shift !== undefined) pc.time_shift = f.time_shift
  if (f.time_mult !== undefined) pc.time_mult = f.time_mult
  if (f.time_offset !== undefined) pc.time_offset = f.time_offset
  if (f.time_zero !== undefined) pc.time_zero = f.time_zero
  if (f.time_cycles !== undefined) pc.time_cycles = f.time_cycles
  if (f.time_mask !== undefined) pc.time_mask = f.time_mask
}

function bumpLock(pc: PerfEventMmapPage): void {
  if (pc.shared) {
    const u32 = new Uint32Array(pc.bytes.buffer, pc.bytes.byteOffset + O.lock, 1)
    Atomics.add(u32, 0, 1)
  } else {
    pc.lock = (pc.lock + 1) >>> 0
  }
}
