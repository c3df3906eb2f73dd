/**
 * libperf's `struct perf_mmap` (`tools/lib/perf/mmap.c`): the consumer state of one ring, over any
 * perf mapping held in memory: a `Uint8Array` over the control page and the data pages,
 * exactly as `mmap(2)` of a perf event fd lays them out.
 *
 * The memory can be a plain `ArrayBuffer` (a mapping saved to a file, a test fixture) or a
 * `SharedArrayBuffer` that a producer in another worker writes with the kernel's protocol
 * (write the record, then store `data_head`; read `data_tail` for space; one byte always
 * free). On shared memory `data_head` is read with `Atomics.load` (an acquire, pairing with
 * the producer's store) and `data_tail` published with `Atomics.store` (a release, after the
 * record bytes were read), as `tools/include/linux/ring_buffer.h` does with
 * `smp_load_acquire`/`smp_store_release`. The per-record path allocates no BigInt: positions
 * are kept as u32 halves, `data_head` is loaded as its two 32-bit words (high word checked
 * again, so the pair is one value) and `data_tail` stored as its low word while the high word
 * is unchanged (the u64 at once when it changes); `prev`, `start` and `end` read as bigints.
 *
 * **Safety.** A corrupted control page or record stream can never make these functions
 * loop or read outside the data area: the geometry is read and checked once, at
 * construction (as libperf takes `mask` from its own parameters, never from the page);
 * every offset is masked; `read_init` bounds the readable range to `data_size` bytes;
 * `read_event` refuses `end − start` > `data_size`, a header that would straddle the end of
 * the data area, `size` < 8, `size` not a multiple of 8 or `size` > the available bytes;
 * `overwrite_rb_find_range` advances by at least 8 bytes per step and stops after
 * `data_size` bytes. A mapping without data pages (nr_pages 0, `data_size` 0: the control
 * page alone, for self-monitoring) cannot be read with a `PerfMmap` (`EINVAL`); use
 * `PerfEventMmapPage`/`readSelf` on it.
 *
 * **Differences from libperf** (each one only matters for corrupt rings or a concurrent
 * producer):
 * - `perf_mmap__read_done` on a forward (non-overwrite) map sets `prev` to the head the last
 *   `read_event` saw (`end`), not to a fresh `data_head`: libperf's fresh load skips the
 *   records a concurrent producer publishes between the last `read_event` and `read_done`.
 *   When the producer is idle both are the same value. Overwrite maps do as libperf.
 * - A record that ends exactly at the end of the data area is returned in place (libperf's
 *   wrap test copies it although it does not wrap).
 * - The malformed-header checks listed under Safety are stricter than libperf's
 *   (`size` ≥ 8 and ≤ available only).
 *
 * The libperf functions over it (`perf_mmap__*`) are in `mmap-reader.ts`.
 *
 * @packageDocumentation
 */
import {
  PERF_EVENT_HEADER_SIZE,
  PERF_MMAP_PAGE_STRUCT_SIZE,
  PerfMmapPageOffset,
} from './constants.js'
import { PerfEventMmapPage, checkU64, isSharedBuffer } from './control-page.js'
import { PERF_ERRNO, fail, checkOptBool, checkPlain } from './errors.js'
import { PerfMmapEvent, inPlace } from './perf-mmap-event.js'

const EAGAIN = -PERF_ERRNO.EAGAIN
const ENOENT = -PERF_ERRNO.ENOENT
const EINVAL = -PERF_ERRNO.EINVAL
const HDR = PERF_EVENT_HEADER_SIZE
const TWO32 = 4294967296

/** The u32 halves of a u64 position. */
function hiOf(v: bigint): number {
  return Number(BigInt.asUintN(32, v >> 32n))
}
function loOf(v: bigint): number {
  return Number(BigInt.asUintN(32, v))
}
function u64Of(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo)
}

/** Options of {@link PerfMmap}. */
export interface PerfMmapOptions {
  /**
   * `true` for an overwrite ring (a read-only mapping, normally with `write_backward`):
   * `read_init` reads from `data_head` to `prev`, never writes `data_tail`, and walks the
   * ring with `overwrite_rb_find_range` when it is full. Default `false`.
   */
  overwrite?: boolean
  /** `read_init` returns `-EAGAIN` while fewer bytes are ready (libperf's `flush`; default 0). */
  flush?: number
  /**
   * The position consumed so far. Default: the page's `data_tail` for a forward map (0 on a
   * fresh mapping, where libperf's `perf_mmap__mmap` sets 0; a saved mapping resumes where
   * its consumer stopped), 0 for an overwrite map.
   */
  prev?: bigint
}

/**
 * `struct perf_mmap`: one mapped ring buffer and the consumer state libperf keeps for it.
 *
 * The geometry (`data_offset`, `data_size`) is read from the control page and checked once,
 * here; the functions never re-read it, so a producer that scribbles on the control page
 * later cannot move the data area. `base` must stay 8-byte aligned when shared (the control
 * page is read with `Atomics`).
 */
export class PerfMmap {
  /** The mapping: control page + data pages (empty after {@link perf_mmap__munmap}). */
  base: Uint8Array
  /** The control page accessors over `base`. */
  readonly page: PerfEventMmapPage
  /** `data_size − 1`. */
  readonly mask: number
  /** The control page size: `data_offset`, where the data area starts. */
  readonly page_size: number
  /** Reference count (2 after mapping, as libperf's evlist sets it: see {@link perf_mmap__put}). */
  refcnt: number
  /** Overwrite (read-only/backward) ring. */
  readonly overwrite: boolean
  /** Minimum bytes for `read_init` to report data. */
  flush: number
  /** The map's own buffer for records that wrap; grown to the largest such record. */
  event_copy: Uint8Array

  private readonly data_: Uint8Array
  private readonly dv_: DataView
  private readonly size_: number
  private readonly sizeBig_: bigint
  private readonly ctl_: DataView
  private readonly ht_: BigInt64Array | null
  // The positions as u32 halves (numbers: no BigInt per event); `prev`, `start` and `end` are
  // their bigint faces.
  private prevHi_ = 0
  private prevLo_ = 0
  private startHi_ = 0
  private startLo_ = 0
  private endHi_ = 0
  private endLo_ = 0
  /** The last head loaded by `loadHead_`. */
  private headHi_ = 0
  private headLo_ = 0

  /**
   * Map a ring held in memory (libperf's `perf_mmap__mmap`, without the syscall).
   *
   * @param bytes - the mapping: control page, then `data_size` bytes at `data_offset`
   * @param options - mode and starting position
   * @throws PerfError `EINVAL` if the control page geometry or an option is invalid
   */
  constructor(bytes: Uint8Array, options: PerfMmapOptions = {}) {
    checkPlain('options', options)
    checkOptBool('options.overwrite', options.overwrite)
    this.page = new PerfEventMmapPage(bytes)
    const len = bytes.byteLength
    const dataOffset = this.page.data_offset
    const dataSize = this.page.data_size
    if (dataOffset < BigInt(PERF_MMAP_PAGE_STRUCT_SIZE) || dataOffset % 8n !== 0n)
      fail(
        'EINVAL',
        'data_offset',
        `${dataOffset} must be a multiple of 8 ≥ ${PERF_MMAP_PAGE_STRUCT_SIZE} (the control page)`,
      )
    if (dataOffset >= BigInt(len))
      fail('EINVAL', 'data_offset', `${dataOffset} is outside the ${len}-byte mapping`)
    if (dataSize < 8n || (dataSize & (dataSize - 1n)) !== 0n)
      fail('EINVAL', 'data_size', `${dataSize} is not a power of two ≥ 8`)
    if (dataOffset + dataSize > BigInt(len))
      fail(
        'EINVAL',
        'data_size',
        `data area [${dataOffset}, ${dataOffset + dataSize}) is outside the ${len}-byte mapping`,
      )
    const overwrite = options.overwrite ?? false
    if (typeof overwrite !== 'boolean') fail('EINVAL', 'overwrite', 'expected a boolean')
    const flush = options.flush ?? 0
    if (typeof flush !== 'number' || !Number.isSafeInteger(flush) || flush < 0)
      fail('EINVAL', 'flush', `expected a non-negative integer, got ${String(flush)}`)
    const off = Number(dataOffset)
    const size = Number(dataSize)
    this.base = bytes
    this.page_size = off
    this.mask = size - 1
    this.overwrite = overwrite
    this.flush = flush
    this.refcnt = 2
    this.prev =
      options.prev !== undefined
        ? checkU64('prev', options.prev)
        : overwrite
          ? 0n
          : this.page.data_tail
    this.startHi_ = this.endHi_ = this.prevHi_
    this.startLo_ = this.endLo_ = this.prevLo_
    this.event_copy = new Uint8Array(0)
    this.data_ = bytes.subarray(off, off + size)
    this.dv_ = new DataView(bytes.buffer, bytes.byteOffset + off, size)
    this.size_ = size
    this.sizeBig_ = dataSize
    this.ctl_ = new DataView(bytes.buffer, bytes.byteOffset, PERF_MMAP_PAGE_STRUCT_SIZE)
    // data_head and data_tail as one BigInt64Array (the page checked the 8-byte alignment)
    const shared = isSharedBuffer(bytes.buffer)
    this.ht_ = shared
      ? new BigInt64Array(bytes.buffer, bytes.byteOffset + PerfMmapPageOffset.data_head, 2)
      : null
  }

  /** Position consumed so far (free-running u64). */
  get prev(): bigint {
    return u64Of(this.prevHi_, this.prevLo_)
  }

  set prev(v: bigint) {
    this.prevHi_ = hiOf(v)
    this.prevLo_ = loOf(v)
  }

  /** Start of the range `read_init` reported, advanced by `read_event`. */
  get start(): bigint {
    return u64Of(this.startHi_, this.startLo_)
  }

  set start(v: bigint) {
    this.startHi_ = hiOf(v)
    this.startLo_ = loOf(v)
  }

  /** End of the range (refreshed from `data_head` by `read_event` on a forward map). */
  get end(): bigint {
    return u64Of(this.endHi_, this.endLo_)
  }

  set end(v: bigint) {
    this.endHi_ = hiOf(v)
    this.endLo_ = loOf(v)
  }

  /**
   * Load `data_head` into `headHi_`/`headLo_`. On shared memory it is one 64-bit
   * `Atomics.load` (an acquire): only an atomic read of exactly the range the producer's
   * 64-bit store wrote synchronises with it (ECMAScript memory model), so the halves are not
   * read separately. One BigInt per `read_init`, none per record.
   */
  private loadHead_(): void {
    const ht = this.ht_
    if (ht !== null) {
      const h = BigInt.asUintN(64, Atomics.load(ht, 0))
      this.headHi_ = Number(h >> 32n)
      this.headLo_ = Number(h & 0xffffffffn)
    } else {
      const dv = this.ctl_
      this.headLo_ = dv.getUint32(PerfMmapPageOffset.data_head, true)
      this.headHi_ = dv.getUint32(PerfMmapPageOffset.data_head + 4, true)
    }
  }

  /**
   * Store `data_tail = prev`. On shared memory it is one 64-bit `Atomics.store` (a release,
   * after the record bytes were read), the range the producer's 64-bit load of the tail reads,
   * so the two synchronise (a store of the low half alone would not, in the ECMAScript memory
   * model).
   */
  private storeTail_(): void {
    const ht = this.ht_
    if (ht !== null) {
      const hi = this.prevHi_
      // below 2^53 the position is a safe integer: one BigInt
      const v = hi < 0x200000 ? BigInt(hi * 4294967296 + this.prevLo_) : u64Of(hi, this.prevLo_)
      Atomics.store(ht, 1, BigInt.asIntN(64, v))
    } else {
      const dv = this.ctl_
      dv.setUint32(PerfMmapPageOffset.data_tail, this.prevLo_, true)
      dv.setUint32(PerfMmapPageOffset.data_tail + 4, this.prevHi_, true)
    }
  }

  /** Bytes of `event_copy` (libperf's `event_copy_sz`). */
  get event_copy_sz(): number {
    return this.event_copy.length
  }

  /** The data area (a view into `base`). */
  get data(): Uint8Array {
    return this.data_
  }

  /** {@link perf_mmap__read_head}. */
  readHead(): bigint {
    if (this.refcnt === 0) fail('ENOENT', 'map', 'is unmapped')
    const ht = this.ht_
    if (ht !== null) return BigInt.asUintN(64, Atomics.load(ht, 0))
    return this.ctl_.getBigUint64(PerfMmapPageOffset.data_head, true)
  }

  /** {@link perf_mmap__write_tail}. */
  writeTail(tail: bigint): void {
    if (this.refcnt === 0) fail('ENOENT', 'map', 'is unmapped')
    checkU64('tail', tail)
    // records are 8-byte aligned: a tail between two would make the consumer lose its place
    if ((tail & 7n) !== 0n) fail('EINVAL', 'tail', `${tail} is not 8-byte aligned`)
    // a forward map's tail may not pass the head: the kernel would take the space behind it as
    // free and overwrite records nobody read (data_head − data_tail is computed modulo 2^64)
    if (!this.overwrite) {
      const ahead = BigInt.asUintN(64, BigInt.asUintN(64, tail) - this.readHead())
      if (ahead !== 0n && ahead < 1n << 63n)
        fail('EINVAL', 'tail', `${tail} is past data_head ${this.readHead()}`)
    }
    const ht = this.ht_
    if (ht !== null) Atomics.store(ht, 1, BigInt.asIntN(64, tail))
    else this.ctl_.setBigUint64(PerfMmapPageOffset.data_tail, tail, true)
  }

  /** {@link perf_mmap__read_init}. */
  readInit(): number {
    if (this.refcnt === 0) return ENOENT
    const head = this.readHead()
    const old = this.prev
    this.start = this.overwrite ? head : old
    this.end = this.overwrite ? old : head
    const size = BigInt.asUintN(64, this.end - this.start)
    if (size < BigInt(this.flush)) return EAGAIN
    if (size > this.sizeBig_) {
      if (!this.overwrite) {
        // "failed to keep up with mmap data": drop everything up to the head
        this.prev = head
        this.consume()
        return EAGAIN
      }
      // a full backward ring: still recover the newest data_size bytes
      if (this.findRange_() !== 0) return EINVAL
    }
    return 0
  }

  /**
   * libperf's `overwrite_rb_find_range`: from `start` (a head, where a record always begins)
   * walk by `header.size` until a never-written header (size 0) or `data_size` bytes; if the
   * last record went past `data_size`, back off over it. Sets `end`; 0 or -EINVAL.
   */
  private findRange_(): number {
    const size = this.size_
    const dv = this.dv_
    const off0 = this.startLo_ & this.mask
    let walked = 0
    let last = 0
    for (;;) {
      if (walked >= size) {
        if (walked > size) walked -= last
        break
      }
      const off = (off0 + walked) % size
      // a header that straddles the end is not a record boundary
      if (off > size - HDR) return EINVAL
      const hsize = dv.getUint16(off + 6, true)
      if (hsize === 0) break
      if (hsize < HDR || hsize % 8 !== 0) return EINVAL
      last = hsize
      walked += hsize
    }
    this.end = BigInt.asUintN(64, this.start + BigInt(walked))
    return 0
  }

  /** {@link perf_mmap__read_event}. */
  readEvent(): PerfMmapEvent | null {
    if (this.refcnt === 0) return null
    // non-overwrite doesn't pause the ring buffer
    if (!this.overwrite) {
      this.loadHead_()
      this.endHi_ = this.headHi_
      this.endLo_ = this.headLo_
    }
    const ev = this.read_()
    if (!this.overwrite) {
      this.prevHi_ = this.startHi_
      this.prevLo_ = this.startLo_
    }
    return ev
  }

  /** libperf's `perf_mmap__read`: the record at `start`, or null. */
  private read_(): PerfMmapEvent | null {
    // avail = (end − start) mod 2^64, exact below 2^33 (all that matters: it must be ≤ size)
    const dHi = (this.endHi_ - this.startHi_) >>> 0
    const startLo = this.startLo_
    const avail =
      dHi === 0
        ? this.endLo_ - startLo // negative: end is behind start, a huge u64
        : dHi === 1
          ? this.endLo_ + TWO32 - startLo
          : Infinity
    const size = this.size_
    if (!(avail >= HDR && avail <= size)) return null
    const off = startLo & this.mask
    if (off > size - HDR) return null
    const dv = this.dv_
    const recSize = dv.getUint16(off + 6, true)
    if (recSize < HDR || recSize > avail || recSize % 8 !== 0) return null
    const type = dv.getUint32(off, true)
    const misc = dv.getUint16(off + 4, true)
    const data = this.data_
    let ev: PerfMmapEvent
    if (off + recSize <= size) {
      ev = inPlace(type, misc, data, off, recSize)
    } else {
      // the record straddles the end of the data area: reassemble it in event_copy
      if (recSize > this.event_copy.length) this.event_copy = new Uint8Array(recSize)
      const copy = this.event_copy
      const first = size - off
      copy.set(data.subarray(off, size), 0)
      copy.set(data.subarray(0, recSize - first), first)
      ev = new PerfMmapEvent(type, misc, copy.subarray(0, recSize), true)
    }
    const lo = startLo + recSize
    if (lo < TWO32) this.startLo_ = lo
    else {
      this.startLo_ = lo - TWO32
      this.startHi_ = (this.startHi_ + 1) >>> 0
    }
    return ev
  }

  /** {@link perf_mmap__consume}. */
  consume(): void {
    if (this.refcnt === 0) return
    if (!this.overwrite) this.storeTail_()
    if (this.refcnt === 1 && this.empty_()) this.put()
  }

  /** {@link perf_mmap__read_done}. */
  readDone(): void {
    if (this.refcnt === 0) return
    if (this.overwrite) this.prev = this.readHead()
    else {
      this.prevHi_ = this.endHi_
      this.prevLo_ = this.endLo_
    }
  }

  /** libperf's `perf_mmap__empty`: nothing left to read and no AUX area. */
  private empty_(): boolean {
    this.loadHead_()
    return (
      this.headHi_ === this.prevHi_ && this.headLo_ === this.prevLo_ && this.page.aux_size === 0n
    )
  }

  /** {@link perf_mmap__get}. */
  get(): void {
    this.refcnt++
  }

  /** {@link perf_mmap__put}. */
  put(): void {
    if (this.refcnt <= 0) fail('EINVAL', 'refcnt', 'put of a map with no reference')
    if (--this.refcnt === 0) this.munmap()
  }

  /** {@link perf_mmap__munmap}. */
  munmap(): void {
    this.base = new Uint8Array(0)
    this.event_copy = new Uint8Array(0)
    this.refcnt = 0
  }
}
