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
  PERF_CAP_BIT0_IS_DEPRECATED,
  PERF_MMAP_PAGE_HEADER_SIZE,
  PERF_MMAP_PAGE_STRUCT_SIZE,
  PerfMmapPageOffset,
} from './constants.js'
import { PERF_CAP_BITS, PERF_MMAP_PAGE_FIELDS } from './control-page-layout.js'
import type {
  PageField,
  PerfEventMmapPageFields,
  PerfMmapCapabilities,
} from './control-page-layout.js'
import { fail } from './errors.js'

const O = PerfMmapPageOffset
const U64_LIMIT = 1n << 64n
const S64_MIN = -(1n << 63n)
const S64_MAX = (1n << 63n) - 1n

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

/** Decode the `cap_*` bits of a `capabilities` word. */
export function decodeCapabilities(capabilities: bigint): PerfMmapCapabilities {
  const c = Number(BigInt.asUintN(32, checkU64('capabilities', capabilities)))
  const caps = {} as PerfMmapCapabilities
  for (const b of PERF_CAP_BITS) caps[b.name] = (c & b.mask) !== 0
  return caps
}

/** The fields with an accessor (reserved space excluded), in struct order. */
const PAGE_FIELDS: readonly PageField[] = PERF_MMAP_PAGE_FIELDS.filter((f) => !('reserved' in f))

/** The getter of every field of {@link PAGE_FIELDS}, by name: what `decode()` calls. */
const PAGE_GETTERS: [string, (this: PerfEventMmapPage) => number | bigint][] = []

/** A get/set pair over `this` page. */
interface PageAccessor {
  readonly get: (this: PerfEventMmapPage) => number | bigint
  readonly set: (this: PerfEventMmapPage, v: unknown) => void
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

  /** `version` (u32 at 0). */
  declare version: number

  /** `compat_version` (u32 at 4). */
  declare compat_version: number

  /** `lock` (u32 at 8), the seqcount; atomic on shared memory. */
  declare lock: number

  /** `index` (u32 at 12): hardware counter + 1, 0 if rdpmc cannot be used. */
  declare index: number

  /** `offset` (s64 at 16). */
  declare offset: bigint

  /** `time_enabled` (u64 at 24). */
  declare time_enabled: bigint

  /** `time_running` (u64 at 32). */
  declare time_running: bigint

  /** `capabilities` (u64 at 40); see the `cap_*` getters. */
  declare capabilities: bigint

  /** Bit 0 of `capabilities` (deprecated, 0). */
  declare readonly cap_bit0: boolean

  /** Bit 1 of `capabilities` (always 1). */
  declare readonly cap_bit0_is_deprecated: boolean

  /** Bit 2 of `capabilities`. */
  declare readonly cap_user_rdpmc: boolean

  /** Bit 3 of `capabilities`. */
  declare readonly cap_user_time: boolean

  /** Bit 4 of `capabilities`. */
  declare readonly cap_user_time_zero: boolean

  /** Bit 5 of `capabilities`. */
  declare readonly cap_user_time_short: boolean

  /** `pmc_width` (u16 at 48). */
  declare pmc_width: number

  /** `time_shift` (u16 at 50). */
  declare time_shift: number

  /** `time_mult` (u32 at 52). */
  declare time_mult: number

  /** `time_offset` (u64 at 56). */
  declare time_offset: bigint

  /** `time_zero` (u64 at 64). */
  declare time_zero: bigint

  /** `size` (u32 at 72): header size up to `__reserved` (96). */
  declare size: number

  /** `time_cycles` (u64 at 80). */
  declare time_cycles: bigint

  /** `time_mask` (u64 at 88). */
  declare time_mask: bigint

  /** `data_head` (u64 at 1024); an acquire load on shared memory. */
  declare data_head: bigint

  /** `data_tail` (u64 at 1032); a release store on shared memory. */
  declare data_tail: bigint

  /** `data_offset` (u64 at 1040). */
  declare data_offset: bigint

  /** `data_size` (u64 at 1048). */
  declare data_size: bigint

  /** `aux_head` (u64 at 1056); atomic on shared memory. */
  declare aux_head: bigint

  /** `aux_tail` (u64 at 1064); atomic on shared memory. */
  declare aux_tail: bigint

  /** `aux_offset` (u64 at 1072). */
  declare aux_offset: bigint

  /** `aux_size` (u64 at 1080). */
  declare aux_size: bigint

  /** Every field at once (not a consistent snapshot of the self-monitoring fields: see {@link readSelf}). */
  decode(): PerfEventMmapPageFields {
    const fields: Record<string, unknown> = {}
    for (const [name, get] of PAGE_GETTERS) {
      fields[name] = get.call(this)
      // the `cap_*` bits follow the word they come from
      if (name === 'capabilities') {
        const c = this.dv_.getUint32(O.capabilities, true)
        for (const b of PERF_CAP_BITS) fields[b.name] = (c & b.mask) !== 0
      }
    }
    return fields as unknown as PerfEventMmapPageFields
  }

  /**
   * The accessor of one field, chosen once per field: the DataView method of its kind, the
   * range check of its kind, and `Atomics` on shared memory for the atomic ones (the `i64_` /
   * `u32_` views exist only then). Each is a real method on the prototype: a read or write costs
   * what the hand-written getter/setter cost.
   */
  private static accessorOf_(f: PageField): PageAccessor {
    const { name, offset } = f
    switch (f.kind) {
      case 'u16':
        return {
          get() {
            return this.dv_.getUint16(offset, true)
          },
          set(v) {
            this.dv_.setUint16(offset, checkUint(name, v, 16), true)
          },
        }
      case 'u32': {
        if (f.atomic === undefined)
          return {
            get() {
              return this.dv_.getUint32(offset, true)
            },
            set(v) {
              this.dv_.setUint32(offset, checkUint(name, v, 32), true)
            },
          }
        const index = offset / 4
        return {
          get() {
            const u32 = this.u32_
            if (u32 !== null) return Atomics.load(u32, index)
            return this.dv_.getUint32(offset, true)
          },
          set(v) {
            checkUint(name, v, 32)
            const u32 = this.u32_
            if (u32 !== null) Atomics.store(u32, index, v as number)
            else this.dv_.setUint32(offset, v as number, true)
          },
        }
      }
      case 's64':
        return {
          get() {
            return this.dv_.getBigInt64(offset, true)
          },
          set(v) {
            this.dv_.setBigInt64(offset, checkS64(name, v), true)
          },
        }
      case 'u64': {
        if (f.atomic === undefined)
          return {
            get() {
              return this.dv_.getBigUint64(offset, true)
            },
            set(v) {
              this.dv_.setBigUint64(offset, checkU64(name, v), true)
            },
          }
        const index = offset / 8
        return {
          // an acquire load / a release store on shared memory
          get() {
            const i64 = this.i64_
            if (i64 !== null) return BigInt.asUintN(64, Atomics.load(i64, index))
            return this.dv_.getBigUint64(offset, true)
          },
          set(v) {
            const u = checkU64(name, v)
            const i64 = this.i64_
            if (i64 !== null) Atomics.store(i64, index, BigInt.asIntN(64, u))
            else this.dv_.setBigUint64(offset, u, true)
          },
        }
      }
      default:
        throw new TypeError(`${name}: no accessor for a ${f.kind} field`)
    }
  }

  /** The getter of one `cap_*` bit: a test of the low word of `capabilities`. */
  private static capBitOf_(mask: number): { get(this: PerfEventMmapPage): boolean } {
    return {
      get() {
        return (this.dv_.getUint32(O.capabilities, true) & mask) !== 0
      },
    }
  }

  // One property per field and per `cap_*` bit, installed once on the prototype; the
  // `declare`d properties above give each its type and doc.
  static {
    for (const f of PAGE_FIELDS) {
      const accessor = this.accessorOf_(f)
      Object.defineProperty(this.prototype, f.name, { ...accessor, configurable: true })
      PAGE_GETTERS.push([f.name, accessor.get])
    }
    for (const b of PERF_CAP_BITS)
      Object.defineProperty(this.prototype, b.name, {
        ...this.capBitOf_(b.mask),
        configurable: true,
      })
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
