/**
 * The 6.10 ring-buffer mapping: `struct trace_buffer_meta` (80 bytes, kernel offsets) in a
 * meta page, followed by every sub-buffer in id order — all in the buffer's shared memory,
 * so a consumer in another worker reads it exactly as user space reads a mapped
 * `trace_pipe_raw` (Documentation/trace/ring-buffer-map.rst).
 *
 * @packageDocumentation
 */
import { getU64, setU64 } from '@onering/core'
import { TraceBuffer } from './trace-buffer.js'

/** `sizeof(struct trace_buffer_meta)`. */
export const TRACE_BUFFER_META_LEN = 80

/** Byte offsets of `struct trace_buffer_meta` (include/uapi/linux/trace_mmap.h). */
export const TraceBufferMetaOffset = {
  meta_page_size: 0,
  meta_struct_len: 4,
  subbuf_size: 8,
  nr_subbufs: 12,
  reader_lost_events: 16,
  reader_id: 24,
  reader_read: 28,
  flags: 32,
  entries: 40,
  overrun: 48,
  read: 56,
  Reserved1: 64,
  Reserved2: 72,
} as const

/** `struct trace_buffer_meta`, decoded. */
export interface TraceBufferMeta {
  /** Size of the meta page (the sub-buffers start after it). */
  meta_page_size: number
  /** `sizeof(struct trace_buffer_meta)`. */
  meta_struct_len: number
  /** Sub-buffer size, header included. */
  subbuf_size: number
  /** Sub-buffers in the mapping, the reader's included. */
  nr_subbufs: number
  /** The reader fields. */
  reader: {
    /**
     * Events lost at the last reader swap, not yet reported (the kernel's
     * `cpu_buffer->lost_events`): 0 after a map, a GET_READER or a reset, the count being in the
     * reader sub-buffer (`RB_MISSED_STORED`).
     */
    lost_events: number
    /** Id of the sub-buffer the consumer may read. */
    id: number
    /** Bytes of it already consumed. */
    read: number
  }
  /** Flags (0). */
  flags: number
  /** Events written. */
  entries: number
  /** Events overwritten. */
  overrun: number
  /** Events read. */
  read: number
}

/** Decode a `struct trace_buffer_meta` at `offset` of `bytes` (a kernel meta page, or ours). */
export function decodeTraceBufferMeta(bytes: Uint8Array, offset = 0): TraceBufferMeta {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes: expected a Uint8Array')
  if (!Number.isInteger(offset) || offset < 0 || offset + TRACE_BUFFER_META_LEN > bytes.length)
    throw new RangeError(
      `offset: a ${TRACE_BUFFER_META_LEN}-byte meta page does not fit at ${offset}`,
    )
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, TRACE_BUFFER_META_LEN)
  const O = TraceBufferMetaOffset
  return {
    meta_page_size: dv.getUint32(O.meta_page_size, true),
    meta_struct_len: dv.getUint32(O.meta_struct_len, true),
    subbuf_size: dv.getUint32(O.subbuf_size, true),
    nr_subbufs: dv.getUint32(O.nr_subbufs, true),
    reader: {
      lost_events: getU64(dv, O.reader_lost_events),
      id: dv.getUint32(O.reader_id, true),
      read: dv.getUint32(O.reader_read, true),
    },
    flags: getU64(dv, O.flags),
    entries: getU64(dv, O.entries),
    overrun: getU64(dv, O.overrun),
    read: getU64(dv, O.read),
  }
}

/** A mapping of one CPU's ring: the meta page and the sub-buffers, in shared memory. */
export class TraceBufferMapping {
  /** The CPU. */
  readonly cpu: number
  /** The whole mapping: meta page, then sub-buffer 0, 1, … (no copy). */
  readonly bytes: Uint8Array
  /** @internal */
  constructor(cpu: number, bytes: Uint8Array) {
    this.cpu = cpu
    this.bytes = bytes
  }
  /** The meta page, decoded now. */
  get meta(): TraceBufferMeta {
    return decodeTraceBufferMeta(this.bytes, 0)
  }
  /** The sub-buffer the consumer may read (`meta_page_size + reader.id * subbuf_size`). */
  readerSubbuf(): Uint8Array {
    const m = this.meta
    const off = m.meta_page_size + m.reader.id * m.subbuf_size
    return this.bytes.subarray(off, off + m.subbuf_size)
  }
}

/** Views of each CPU's meta page, by buffer; a resize (new geometry) makes new ones. */
const metaViews = new WeakMap<
  TraceBuffer,
  { sab: SharedArrayBuffer; dv: DataView[]; i32: Int32Array[] }
>()

function views(buffer: TraceBuffer): { dv: DataView[]; i32: Int32Array[] } {
  const rb = buffer.rb
  let v = metaViews.get(buffer)
  const last = rb.cpus - 1
  if (v?.sab !== rb.sab || v.dv[last]?.byteOffset !== rb.areaOffset(last)) {
    const dv: DataView[] = []
    const i32: Int32Array[] = []
    for (let c = 0; c < rb.cpus; c++) {
      const off = rb.areaOffset(c)
      dv.push(new DataView(rb.sab, off, TRACE_BUFFER_META_LEN))
      i32.push(new Int32Array(rb.sab, off + TraceBufferMetaOffset.Reserved1, 1))
    }
    v = { sab: rb.sab, dv, i32 }
    metaViews.set(buffer, v)
  }
  return v
}

function metaView(buffer: TraceBuffer, cpu: number): DataView {
  return views(buffer).dv[cpu]!
}

/** @internal How many mappings of `cpu` exist (kept in the meta page's Reserved1, in shared memory). */
export function mapCount(buffer: TraceBuffer, cpu: number): number {
  return views(buffer).i32[cpu]![0]!
}

/**
 * The kernel's `rb_update_meta_page`. `reader.lost_events` is the kernel's
 * `cpu_buffer->lost_events`, which every consumer of the reader sub-buffer clears once it has
 * put the count into the page (GET_READER sets `RB_MISSED_*` and stores the count in the mapped
 * sub-buffer, then clears it before this update; `read_page` likewise): after a map, a
 * GET_READER or a reset it reads 0, as on Linux 6.18.
 */
function updateMeta(buffer: TraceBuffer, cpu: number, id: number, read: number): void {
  const rb = buffer.rb
  const dv = metaView(buffer, cpu)
  const O = TraceBufferMetaOffset
  const s = rb.stats(cpu)
  dv.setUint32(O.meta_page_size, rb.subbufSize, true)
  dv.setUint32(O.meta_struct_len, TRACE_BUFFER_META_LEN, true)
  dv.setUint32(O.subbuf_size, rb.subbufSize, true)
  dv.setUint32(O.nr_subbufs, rb.physicalSubbufs, true)
  setU64(dv, O.reader_lost_events, 0)
  dv.setUint32(O.reader_id, id, true)
  dv.setUint32(O.reader_read, read, true)
  setU64(dv, O.flags, 0)
  setU64(dv, O.entries, s.written)
  setU64(dv, O.overrun, s.overrun)
  setU64(dv, O.read, s.read)
}

function checkArgs(buffer: unknown, cpu: unknown): TraceBuffer {
  if (!(buffer instanceof TraceBuffer)) throw new TypeError('buffer: expected a TraceBuffer')
  buffer.rb.checkLive()
  buffer.rb.checkCpu(cpu)
  return buffer
}

/**
 * `ring_buffer_map(buffer, cpu, vma)`: map the ring of `cpu`. While any mapping exists,
 * resize and sub-buffer order changes fail with `-EBUSY` and `ring_buffer_read_page` copies.
 */
export function ring_buffer_map(buffer: TraceBuffer, cpu: number): TraceBufferMapping {
  checkArgs(buffer, cpu)
  const rb = buffer.rb
  const count = new Int32Array(rb.sab, rb.areaOffset(cpu) + TraceBufferMetaOffset.Reserved1, 1)
  if (Atomics.add(count, 0, 1) === 0) {
    settleReset(buffer, cpu)
    const pos = buffer.reader.readerPosition(cpu)
    updateMeta(buffer, cpu, pos.id, pos.read)
  }
  const bytes = new Uint8Array(rb.sab, rb.areaOffset(cpu), rb.subbufSize * (1 + rb.physicalSubbufs))
  return new TraceBufferMapping(cpu, bytes)
}

/** `ring_buffer_unmap(buffer, cpu)`: 0, or `-ENODEV` when `cpu` is not mapped. */
export function ring_buffer_unmap(buffer: TraceBuffer, cpu: number): number {
  checkArgs(buffer, cpu)
  const count = new Int32Array(
    buffer.rb.sab,
    buffer.rb.areaOffset(cpu) + TraceBufferMetaOffset.Reserved1,
    1,
  )
  for (;;) {
    const n = Atomics.load(count, 0)
    if (n <= 0) return -19
    if (Atomics.compareExchange(count, 0, n, n - 1) === n) break
  }
  return 0
}

/**
 * `ring_buffer_map_get_reader(buffer, cpu)` (`TRACE_MMAP_IOCTL_GET_READER`): if the reader
 * sub-buffer has unread events, mark them all read (the consumer reads up to the new
 * `reader.read`); else swap in the next sub-buffer, mark it read, and flag lost events in it.
 * Then update the meta page. Returns 0, or `-ENODEV` when `cpu` is not mapped (the kernel's
 * `rb_get_mapped_buffer`; the ioctl on an unmapped `trace_pipe_raw` answers `ENODEV`).
 */
export function ring_buffer_map_get_reader(buffer: TraceBuffer, cpu: number): number {
  checkArgs(buffer, cpu)
  if (mapCount(buffer, cpu) <= 0) return -19
  const info = buffer.reader.consumeReaderSubbuf(cpu)
  updateMeta(buffer, cpu, info.id, info.read)
  return 0
}

/**
 * @internal After a reset of ring `cpu` (and before a map): the kernel resets at once, onering's
 * reset waits for the ring's writer, so when this handle's own writer holds the ring (no
 * reservation open) it applies the reset now. A writer of another handle (another worker)
 * applies it at its next reservation or flush; until then readers see an empty ring.
 */
export function settleReset(buffer: TraceBuffer, cpu: number): void {
  if (buffer.rb.resetPending(cpu)) buffer.writers[cpu]?.flush()
}

/**
 * @internal After a reset of ring `cpu`: apply it ({@link settleReset}) and, if the ring is
 * mapped, update its meta page (the kernel's `rb_reset_cpu` calls `rb_update_meta_page` when the
 * buffer is mapped), so the consumer sees `entries`, `overrun`, `read` and `reader.read` back at
 * 0 and the current reader id.
 */
export function updateMappedMetaAfterReset(buffer: TraceBuffer, cpu: number): void {
  settleReset(buffer, cpu)
  if (mapCount(buffer, cpu) <= 0) return
  const pos = buffer.reader.readerPosition(cpu)
  updateMeta(buffer, cpu, pos.id, pos.read)
}
