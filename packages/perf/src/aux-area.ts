/**
 * The AUX area of a perf ring buffer (`rb->aux_pages`, kernel/events/ring_buffer.c): a second
 * data area, written in bulk by the PMU driver (here: the producer that plays it), with its own
 * `aux_head` / `aux_tail` in the main buffer's control page (1056 / 1064).
 *
 * It is an `@onering/core` contiguous ring whose records are raw bytes (no headers, alignment
 * 1): the core holds the memory, the free-running head/tail, the space check (one byte always
 * free), the tail-ignoring overwrite mode (a read-only AUX mapping is snapshot mode) and the
 * counters. Consumers never see the core's own head/tail words: as in the kernel they read
 * `aux_head` from the control page and write `aux_tail` there. The area mirrors them:
 *
 * - `aux_head` (control page) is stored, with `Atomics.store`, after the core ring's head moved
 *   by a committed transaction (`perf_aux_output_end` / `perf_aux_output_skip`); the AUX bytes
 *   were written before, so a consumer that loads `aux_head` (acquire) sees them;
 * - `aux_tail` (control page) is loaded at `perf_aux_output_begin` and copied into the core
 *   ring's tail word, which nothing else writes (single writer), so the core's space check sees
 *   what the consumer freed.
 *
 * @packageDocumentation
 */
import { RecordKind, RingBuffer } from '@onering/core'
import type { DecodedRecord, RingClient, RingWriter } from '@onering/core'
import { PerfEventMmapPage } from './control-page.js'

/** Raw AUX bytes as a core client: no record headers, head at 0 and tail at 8 of a 64-byte area. */
const auxClient: RingClient = {
  id: 'onering.perf.aux/1',
  layout: 'contiguous',
  alignment: 1,
  subbufHeaderBytes: 0,
  commitOffset: 0,
  lossRecordBytes: 0,
  headOffset: 0,
  tailOffset: 8,
  cpuAreaBytes: () => 64,
  // one byte always stays free
  maxPayload: (capacity: number) => capacity - 1,
  recordSize: (length: number) => length,
  writeRecord: (_dv: DataView, off: number) => off,
  endPadding: () => 0,
  // AUX transactions are never discarded (perf_aux_output_end always commits)
  discard: () => undefined,
  decode(_dv: DataView, off: number, end: number, out: DecodedRecord): void {
    // raw bytes have no boundaries: the rest is one run of data
    out.kind = RecordKind.Data
    out.size = end - off
    out.payloadOffset = off
    out.payloadLength = end - off
    out.lost = 0
    out.delta = 0
  },
}

/**
 * One AUX area (`rb->aux_*`). Internal: the API is `mmap` with a non-zero offset and the
 * `perf_aux_output_*` functions.
 * @internal
 */
export class PerfAuxArea {
  /** The core ring holding the AUX bytes. */
  readonly rb: RingBuffer
  /** Its writer: the one "driver" of this area. */
  readonly writer: RingWriter
  /** The AUX bytes, `size` of them (what the consumer maps). */
  readonly data: Uint8Array
  /** `aux_size`: a power of two number of pages. */
  readonly size: number
  /** `aux_offset`: the file offset it was mapped at. */
  readonly offset: number
  /** `rb->aux_overwrite`: the mapping was read-only (snapshot mode). */
  readonly overwrite: boolean
  /** `rb->aux_watermark`: bytes between wakeups (0 in overwrite mode: none). */
  readonly watermark: number
  /** `rb->aux_head`: free-running. */
  head: number
  /** `rb->aux_wakeup`: the head at the last wakeup, rounded down to the watermark. */
  wakeup = 0
  /** `rb->aux_nest`: 1 while a transaction is open (no nesting). */
  nest = 0
  /** `rb->aux_mmap_count`. */
  mmapCount = 1
  private readonly page: PerfEventMmapPage
  private readonly dataOff: number
  private readonly coreTail: BigInt64Array

  /**
   * @param control - the control page of the main buffer
   * @param size - aux_size in bytes (a power of two, ≥ 4096)
   * @param offset - aux_offset
   * @param writable - a writable mapping (else snapshot mode)
   * @param watermark - `attr.aux_watermark` (0: half the area)
   * @param head - `rb->aux_head` of an earlier AUX area of the same buffer (the kernel keeps it)
   */
  constructor(
    control: Uint8Array,
    size: number,
    offset: number,
    writable: boolean,
    watermark: number,
    head: number,
  ) {
    this.size = size
    this.offset = offset
    this.overwrite = !writable
    this.watermark = writable ? watermark || size / 2 : 0
    this.page = new PerfEventMmapPage(control)
    const rb = RingBuffer.create({
      client: auxClient,
      cpus: 1,
      size,
      mode: writable ? 'produce-consume' : 'overwrite',
      ...(writable ? {} : { tailPolicy: 'ignore' as const }),
      clock: 'counter',
      publishBatch: 1,
    })
    this.rb = rb
    const area = rb.areaOffset(0)
    // the kernel keeps rb->aux_head across AUX areas: start the core ring where it stopped
    const words = new BigInt64Array(rb.sab, area, 2)
    Atomics.store(words, 0, BigInt(head))
    Atomics.store(words, 1, BigInt(head))
    this.coreTail = words.subarray(1, 2)
    this.head = head
    this.writer = rb.writer(0)
    this.dataOff = rb.subbufOffset(0, 0)
    this.data = new Uint8Array(rb.sab, this.dataOff, size)
  }

  /** The shared memory of the AUX bytes. */
  get sab(): SharedArrayBuffer {
    return this.rb.sab
  }

  /** `READ_ONCE(user_page->aux_tail)`, handed to the core ring's space check. */
  loadTail(): number {
    const tail = this.page.aux_tail
    Atomics.store(this.coreTail, 0, BigInt.asIntN(64, tail))
    return Number(tail)
  }

  /** Move the head by `bytes` (bytes already in place); `aux_head` is not published yet. */
  commitBytes(bytes: number): void {
    const w = this.writer
    const max = this.size - 1
    for (let left = bytes; left > 0;) {
      const n = Math.min(left, max)
      // cannot fail: the caller checked the space (normal mode) or the tail is ignored
      if (w.reserve(n) < 0) throw new RangeError(`size: ${bytes} bytes do not fit the AUX area`)
      w.commit()
      left -= n
    }
    this.head += bytes
  }

  /** `WRITE_ONCE(user_page->aux_head, rb->aux_head)`, after the bytes (a release). */
  publishHead(): void {
    this.page.aux_head = BigInt(this.head)
  }

  /** Copy `bytes` to AUX position `pos`, wrapping at the end (the core writer's `put`). */
  put(pos: number, bytes: Uint8Array): void {
    this.writer.put(this.dataOff + (pos & (this.size - 1)), bytes)
  }

  /** `rb_need_aux_wakeup`: a wakeup is due when the head crossed a watermark boundary. */
  needWakeup(): boolean {
    if (this.overwrite) return false
    if (this.head - this.wakeup >= this.watermark) {
      this.wakeup = Math.floor(this.head / this.watermark) * this.watermark
      return true
    }
    return false
  }

  /** Free the area (last AUX munmap). */
  free(): void {
    this.writer.close()
    this.rb.free()
  }
}
