/**
 * libtracefs's per-CPU reader (`tracefs.h`: `tracefs_cpu_open`, `tracefs_cpu_read`,
 * `tracefs_cpu_buffered_read`, `tracefs_cpu_flush`, `tracefs_cpu_stop`, … and the mapped reader
 * of libtracefs 1.8, `tracefs_cpu_map` / `tracefs_cpu_unmap`) over one CPU of an onering ftrace
 * buffer instead of `per_cpu/cpuN/trace_pipe_raw`. The semantics are the kernel file's:
 *
 * - `tracefs_cpu_read` is a `read(2)` of `trace_pipe_raw`: it hands out the oldest sub-buffer,
 *   complete or not (`ring_buffer_read_page(…, full = 0)`), copied whole into the caller's
 *   buffer, and returns its size; 0 when there is nothing (the file's `EAGAIN`).
 * - `tracefs_cpu_buffered_read` is libtracefs's `splice(2)` path: only complete sub-buffers
 *   (`full = 1`), so a partly written one stays in the ring until `tracefs_cpu_flush`.
 * - Blocking calls wait (`ring_buffer_wait`, `Atomics.wait`) until the CPU holds data, or
 *   until `tracefs_cpu_stop` — from this or another worker: it wakes every reader of the CPU,
 *   and every handle of the CPU opened before it reads non-blocking from then on, as
 *   libtracefs's handles sharing one control pipe.
 * - Mapped (`tracefs_cpu_map`), reads go through the ring-buffer mapping as libtracefs's
 *   `trace_mmap_read`: the events of the reader sub-buffer not yet handed out, copied as a
 *   sub-buffer of their own (`kbuffer_read_buffer`), the rest of `buffer` zeroed; the reader
 *   sub-buffer advances with `ring_buffer_map_get_reader` (`TRACE_MMAP_IOCTL_GET_READER`).
 *
 * @packageDocumentation
 */
import type { BufferDataReadPage } from './trace-buffer.js'
import { TraceBuffer } from './trace-buffer.js'
import {
  ring_buffer_alloc_read_page,
  ring_buffer_free_read_page,
  ring_buffer_read_page,
  ring_buffer_read_page_data,
  ring_buffer_subbuf_size_get,
  ring_buffer_wait,
  ring_buffer_wake_waiters,
} from './ring-buffer-api.js'
import type { TraceBufferMapping } from './mmap.js'
import { ring_buffer_map, ring_buffer_map_get_reader, ring_buffer_unmap } from './mmap.js'
import type { KBuffer } from './kbuffer.js'
import {
  kbuffer_alloc,
  kbuffer_curr_index,
  kbuffer_curr_offset,
  kbuffer_curr_size,
  kbuffer_load_subbuffer,
  kbuffer_read_buffer,
  kbuffer_refresh,
  kbuffer_start_of_data,
  kbuffer_subbuffer,
  KBUFFER_ENDIAN_LITTLE,
  KBUFFER_LSIZE_8,
} from './kbuffer.js'

/** A value as an error message shows it: a number as itself, anything else by its type. */
const shown = (v: unknown): string => (typeof v === 'number' ? String(v) : typeof v)

/** `struct tracefs_cpu`: one CPU's reader. Make it with {@link tracefs_cpu_open}. */
export class TracefsCpu {
  /** The buffer read. */
  readonly buffer: TraceBuffer
  /** The CPU (ring) read. */
  readonly cpu: number
  /** `tracefs_cpu_read_size`: the sub-buffer size. */
  readonly subbufSize: number
  /** @internal opened non-blocking, or stopped (`TC_PERM_NONBLOCK`) */ permNonblock: boolean
  /** @internal */ closed = false
  /** @internal the read page (`ring_buffer_alloc_read_page`) */ readonly page: BufferDataReadPage
  /** @internal the mapping, when mapped */ mapping: TraceBufferMapping | null = null
  /** @internal kbuffer over the mapping's reader sub-buffer */ readonly kbuf: KBuffer
  /** @internal */ scratch: Uint8Array | null = null
  /** @internal the CPU's wake epoch at open: a later wake is a tracefs_cpu_stop */
  readonly epoch: number

  /** @internal use {@link tracefs_cpu_open} */
  constructor(buffer: TraceBuffer, cpu: number, nonblock: boolean) {
    this.buffer = buffer
    this.cpu = cpu
    this.subbufSize = ring_buffer_subbuf_size_get(buffer)
    this.permNonblock = nonblock
    this.page = ring_buffer_alloc_read_page(buffer, cpu)
    this.kbuf = kbuffer_alloc(KBUFFER_LSIZE_8, KBUFFER_ENDIAN_LITTLE)
    this.epoch = buffer.rb.wakeEpoch(cpu)
  }
}

function checkTcpu(tcpu: unknown): TracefsCpu {
  if (!(tcpu instanceof TracefsCpu))
    throw new TypeError('tcpu: expected a tracefs_cpu from tracefs_cpu_open')
  if (tcpu.closed) throw new TypeError('tcpu: the tracefs_cpu was closed (tracefs_cpu_close)')
  tcpu.buffer.rb.checkLive()
  return tcpu
}

function checkBool(v: unknown, name: string): boolean {
  if (typeof v !== 'boolean') throw new TypeError(`${name}: expected a boolean`)
  return v
}

function checkOutBuffer(tcpu: TracefsCpu, buffer: unknown): Uint8Array {
  if (!(buffer instanceof Uint8Array)) throw new TypeError('buffer: expected a Uint8Array')
  if (buffer.length < tcpu.subbufSize)
    throw new RangeError(
      `buffer: ${buffer.length} bytes are less than tracefs_cpu_read_size (${tcpu.subbufSize})`,
    )
  return buffer
}

/**
 * `tracefs_cpu_open(instance, cpu, nonblock)`: a reader of CPU `cpu` of `buffer` (the
 * instance). With `nonblock` every read returns at once.
 *
 * @throws TypeError / RangeError for a bad buffer or CPU (C returns NULL).
 */
export function tracefs_cpu_open(buffer: TraceBuffer, cpu: number, nonblock: boolean): TracefsCpu {
  if (!(buffer instanceof TraceBuffer)) throw new TypeError('buffer: expected a TraceBuffer')
  buffer.rb.checkLive()
  buffer.rb.checkCpu(cpu)
  return new TracefsCpu(buffer, cpu, checkBool(nonblock, 'nonblock'))
}

/** `tracefs_cpu_close(tcpu)`: unmap, give back the read page; later calls with it throw. */
export function tracefs_cpu_close(tcpu: TracefsCpu): void {
  const t = checkTcpu(tcpu)
  tracefs_cpu_unmap(t)
  ring_buffer_free_read_page(t.buffer, t.cpu, t.page)
  t.closed = true
}

/** `tracefs_cpu_read_size(tcpu)`: bytes of one read (the sub-buffer size). */
export function tracefs_cpu_read_size(tcpu: TracefsCpu): number {
  return checkTcpu(tcpu).subbufSize
}

/** `tracefs_cpu_is_mapped(tcpu)`. */
export function tracefs_cpu_is_mapped(tcpu: TracefsCpu): boolean {
  return checkTcpu(tcpu).mapping !== null
}

/**
 * `tracefs_cpu_map(tcpu)`: read through the ring-buffer mapping (`ring_buffer_map`) from now
 * on, starting after what the reader sub-buffer's `reader.read` says was read. Returns 0.
 */
export function tracefs_cpu_map(tcpu: TracefsCpu): number {
  const t = checkTcpu(tcpu)
  if (t.mapping !== null) return 0
  const m = ring_buffer_map(t.buffer, t.cpu)
  t.mapping = m
  const meta = m.meta
  kbuffer_load_subbuffer(t.kbuf, subbufOf(m, meta.reader.id))
  // the reader sub-buffer may hold events consumed already: move past them
  if (meta.reader.read !== 0) {
    const size = kbuffer_start_of_data(t.kbuf) + meta.reader.read
    kbuffer_read_buffer(t.kbuf, scratchOf(t, size), size)
  }
  return 0
}

/** `tracefs_cpu_unmap(tcpu)`: stop reading through the mapping (`ring_buffer_unmap`). */
export function tracefs_cpu_unmap(tcpu: TracefsCpu): void {
  const t = checkTcpu(tcpu)
  if (t.mapping === null) return
  ring_buffer_unmap(t.buffer, t.cpu)
  t.mapping = null
}

function subbufOf(m: TraceBufferMapping, id: number): Uint8Array {
  const meta = m.meta
  const off = meta.meta_page_size + id * meta.subbuf_size
  return m.bytes.subarray(off, off + meta.subbuf_size)
}

function scratchOf(t: TracefsCpu, size: number): Uint8Array {
  if (t.scratch === null || t.scratch.length < size) t.scratch = new Uint8Array(t.subbufSize)
  return t.scratch
}

/** How long one blocking wait sleeps before it looks at the stop state again (ms). */
const WAIT_SLICE_MS = 100

/** `wait_on_input`: 1 when a read may go ahead (data, or non-blocking), 0 when stopped empty. */
function waitOnInput(t: TracefsCpu, nonblock: boolean): number {
  if (t.permNonblock || nonblock) return 1
  // a wake (tracefs_cpu_stop, here or in another worker) stops this handle for good, as
  // libtracefs's control pipe does; the timeout only re-checks, closing the window between
  // the check and the sleep
  const stopped = (): boolean => t.buffer.rb.wakeEpoch(t.cpu) !== t.epoch
  while (ring_buffer_wait(t.buffer, t.cpu, 0, stopped, undefined, WAIT_SLICE_MS) !== 0);
  if (stopped()) t.permNonblock = true
  return 1
}

/** `trace_mmap_load_subbuf`: 1 when the kbuffer stands on unread events, 0 when none. */
function mmapLoadSubbuf(t: TracefsCpu, m: TraceBufferMapping): number {
  const kb = t.kbuf
  let data = subbufOf(m, m.meta.reader.id)
  const cur = kbuffer_subbuffer(kb)
  if (cur?.byteOffset !== data.byteOffset) {
    kbuffer_load_subbuffer(kb, data)
    if (kbuffer_curr_index(kb) !== 0) {
      const size = kbuffer_curr_offset(kb)
      kbuffer_read_buffer(kb, scratchOf(t, size), size)
    }
    return 1
  }
  kbuffer_refresh(kb)
  if (kbuffer_curr_size(kb) !== 0) {
    if (kbuffer_curr_offset(kb) + kbuffer_curr_size(kb) > m.meta.reader.read)
      ring_buffer_map_get_reader(t.buffer, t.cpu)
    return 1
  }
  ring_buffer_map_get_reader(t.buffer, t.cpu)
  data = subbufOf(m, m.meta.reader.id)
  if (data.byteOffset === cur?.byteOffset) return 0
  kbuffer_load_subbuffer(kb, data)
  return 1
}

/** `mmap_read`: the unread events as a sub-buffer, the rest zeroed; its size, or 0. */
function mmapRead(t: TracefsCpu, m: TraceBufferMapping, buffer: Uint8Array): number {
  if (mmapLoadSubbuf(t, m) <= 0) return 0
  const n = kbuffer_read_buffer(t.kbuf, buffer, t.subbufSize)
  if (n <= 0) return 0
  const used = n + kbuffer_start_of_data(t.kbuf)
  if (used < t.subbufSize) buffer.fill(0, used, t.subbufSize)
  return t.subbufSize
}

/** One sub-buffer out of the ring into `buffer` (`full`: complete ones only); its size or 0. */
function readPage(t: TracefsCpu, buffer: Uint8Array, full: boolean): number {
  if (ring_buffer_read_page(t.buffer, t.page, t.subbufSize, t.cpu, full) < 0) return 0
  buffer.set(ring_buffer_read_page_data(t.page).subarray(0, t.subbufSize))
  ring_buffer_free_read_page(t.buffer, t.cpu, t.page)
  return t.subbufSize
}

const nap = new Int32Array(new SharedArrayBuffer(4))

/**
 * The read of {@link tracefs_cpu_read} (`full` false) and {@link tracefs_cpu_buffered_read}
 * (`full` true): a blocking read returns a sub-buffer or, once the handle is stopped, nothing —
 * a wake-up that finds no (complete) sub-buffer waits again, as `read(2)` and `splice(2)` on
 * `trace_pipe_raw` keep blocking (a 1 ms nap between tries, so that data below a complete
 * sub-buffer does not spin).
 */
function readWaiting(t: TracefsCpu, buffer: Uint8Array, nonblock: boolean, full: boolean): number {
  for (;;) {
    if (waitOnInput(t, nonblock) <= 0) return 0
    const n = t.mapping !== null ? mmapRead(t, t.mapping, buffer) : readPage(t, buffer, full)
    if (n > 0 || nonblock || t.permNonblock) return n
    Atomics.wait(nap, 0, 0, 1)
  }
}

/**
 * `tracefs_cpu_read(tcpu, buffer, nonblock)`: copy the oldest sub-buffer, complete or not, into
 * `buffer` (at least {@link tracefs_cpu_read_size} bytes). Blocks, unless `nonblock` (or the
 * handle is non-blocking or stopped), until the CPU holds data. Returns the bytes read (the
 * sub-buffer size), or 0 when there is nothing to read.
 */
export function tracefs_cpu_read(tcpu: TracefsCpu, buffer: Uint8Array, nonblock: boolean): number {
  const t = checkTcpu(tcpu)
  checkOutBuffer(t, buffer)
  checkBool(nonblock, 'nonblock')
  return readWaiting(t, buffer, nonblock, false)
}

/**
 * `tracefs_cpu_buffered_read(tcpu, buffer, nonblock)`: like {@link tracefs_cpu_read}, but only
 * a complete sub-buffer is handed out (libtracefs's splice path); a partly written one waits
 * for {@link tracefs_cpu_flush}. Returns the bytes read, or 0 (C: -1 with `EAGAIN` from
 * `splice` when non-blocking).
 */
export function tracefs_cpu_buffered_read(
  tcpu: TracefsCpu,
  buffer: Uint8Array,
  nonblock: boolean,
): number {
  const t = checkTcpu(tcpu)
  checkOutBuffer(t, buffer)
  checkBool(nonblock, 'nonblock')
  return readWaiting(t, buffer, nonblock, true)
}

/**
 * `tracefs_cpu_flush(tcpu, buffer)`: make the handle non-blocking and read what is left, a
 * partly written sub-buffer included. Call it until it returns 0. Returns the bytes read.
 */
export function tracefs_cpu_flush(tcpu: TracefsCpu, buffer: Uint8Array): number {
  const t = checkTcpu(tcpu)
  checkOutBuffer(t, buffer)
  t.permNonblock = true
  if (t.mapping !== null) return mmapRead(t, t.mapping, buffer)
  return readPage(t, buffer, false)
}

/**
 * `tracefs_cpu_stop(tcpu)`: wake every reader blocked on this CPU (in any worker) and make
 * this handle non-blocking for good. Returns 0.
 */
export function tracefs_cpu_stop(tcpu: TracefsCpu): number {
  const t = checkTcpu(tcpu)
  t.permNonblock = true
  ring_buffer_wake_waiters(t.buffer, t.cpu)
  return 0
}

function writeAll(wfd: number, bytes: Uint8Array): number {
  const fs = globalThis.process?.getBuiltinModule?.('node:fs')
  if (fs === undefined)
    throw new TypeError('wfd: node:fs is not available to write to a file descriptor')
  let done = 0
  while (done < bytes.length) done += fs.writeSync(wfd, bytes, done, bytes.length - done)
  return done
}

function checkFd(wfd: unknown): number {
  if (!Number.isInteger(wfd) || (wfd as number) < 0 || (wfd as number) >= 2 ** 31)
    throw new RangeError(`wfd: ${shown(wfd)} is not a file descriptor`)
  return wfd as number
}

/**
 * `tracefs_cpu_write(tcpu, wfd, nonblock)`: move the complete sub-buffers of the CPU to the
 * file descriptor `wfd` (the splice path; mapped: one read). Blocks like
 * {@link tracefs_cpu_buffered_read}. Returns the bytes written.
 */
export function tracefs_cpu_write(tcpu: TracefsCpu, wfd: number, nonblock: boolean): number {
  const t = checkTcpu(tcpu)
  checkFd(wfd)
  checkBool(nonblock, 'nonblock')
  const buf = scratchOf(t, t.subbufSize)
  if (t.mapping !== null) {
    const n = tracefs_cpu_read(t, buf, nonblock)
    return n > 0 ? writeAll(wfd, buf.subarray(0, n)) : n
  }
  if (waitOnInput(t, nonblock) <= 0) return 0
  let total = 0
  while (readPage(t, buf, true) > 0) total += writeAll(wfd, buf.subarray(0, t.subbufSize))
  return total
}

/** `tracefs_cpu_flush_write(tcpu, wfd)`: {@link tracefs_cpu_flush} one sub-buffer to `wfd`. */
export function tracefs_cpu_flush_write(tcpu: TracefsCpu, wfd: number): number {
  const t = checkTcpu(tcpu)
  checkFd(wfd)
  const buf = scratchOf(t, t.subbufSize)
  const n = tracefs_cpu_flush(t, buf)
  return n > 0 ? writeAll(wfd, buf.subarray(0, n)) : n
}
