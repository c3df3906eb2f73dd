/**
 * Mapping an event's ring, the kernel's `perf_mmap`/`perf_mmap_aux` and the unmap side
 * (`perf_mmap_close`): `mmap` of an event fd creates its ring ({@link PerfRing}, `struct
 * perf_buffer`) with the control page and data pages, or maps the AUX area at `aux_offset`;
 * `munmap` drops a mapping and frees the ring (or the AUX area) with its last one.
 *
 * @packageDocumentation
 */
import type { RingBuffer, RingWriter } from '@onering/core'
import { PerfAuxArea } from './aux-area.js'
import { MAP_SHARED, PAGE_SIZE, PROT_WRITE, PerfMmapPageOffset } from './constants.js'
import { checkInt, fail } from './errors.js'
import { PerfEvent } from './event.js'
import { PerfRing, attach } from './perf-buffer.js'

/** A mapping of an event's AUX area (`mmap` at `aux_offset`). */
export interface PerfAuxMapping {
  /** The shared memory holding the AUX bytes. */
  readonly sab: SharedArrayBuffer
  /** The AUX bytes (`aux_size` of them), what {@link PerfAuxMmap} reads. */
  readonly bytes: Uint8Array
  /** The event that was mmapped. */
  readonly event: PerfEvent
  /** The mmap length: `aux_size`. */
  readonly length: number
  /** The mmap offset: `aux_offset`. */
  readonly offset: number
  /** A read-only mapping: snapshot (overwrite) mode. */
  readonly snapshot: boolean
}

/** A mapping of an event's ring buffer: control page + data pages. */
export interface PerfMapping {
  /** The shared memory holding the ring. */
  readonly sab: SharedArrayBuffer
  /** The mapping: the control page, then the data pages (what `PerfMmap` reads). */
  readonly bytes: Uint8Array
  /** The event that was mmapped. */
  readonly event: PerfEvent
  /** The mmap length: 1 + 2^n pages. */
  readonly length: number
  /** The core ring (null for a control-page-only mapping). */
  readonly ring: RingBuffer | null
  /** The ring's writer, shared by every event writing into it (null without data pages). */
  readonly writer: RingWriter | null
  /** The tag of `event` on this ring, for `writer.reserve(size, time, tag)`. */
  tagOf(event: PerfEvent): number
}

/**
 * `mmap(2)` of an event fd: the control page and the data pages of its ring.
 *
 * `length` must be (1 + 2^n) × 4096 (n ≥ 0), `flags` MAP_SHARED and `offset` 0, else EINVAL.
 * A non-zero `offset` maps the AUX area instead (see {@link PerfAuxMapping}, the kernel's
 * `perf_mmap_aux` rules: the ring must be mapped, `offset` must equal the control page's
 * `aux_offset`, which must be ≥ the main mapping's length; `length` must equal `aux_size`, a
 * power of two number of pages; a second AUX map must have the same offset and size; a
 * read-only AUX map is snapshot mode). PROT_WRITE gives a produce-consume ring (the reader's
 * `data_tail` is honoured); a read-only mapping is an overwrite ring that ignores the tail;
 * `attr.write_backward` makes it backward. A second mmap of the same event returns the same
 * mapping if the length matches (EINVAL otherwise); an event whose output is redirected, or an
 * inherited per-task event (cpu -1), cannot be mmapped (EINVAL). One page alone maps only the
 * control page: the ring is paused and nothing is written or counted, as in the kernel.
 *
 * @param event - the event
 * @param length - bytes to map
 * @param prot - PROT_READ, optionally | PROT_WRITE
 * @param flags - MAP_SHARED
 * @param offset - 0, or `aux_offset` for the AUX area
 * @returns the mapping
 */
export function mmap(
  event: PerfEvent,
  length: number,
  prot: number,
  flags?: number,
  offset?: 0,
): PerfMapping
/** `mmap(2)` of an event's AUX area: `offset` is the control page's `aux_offset`. */
export function mmap(
  event: PerfEvent,
  length: number,
  prot: number,
  flags: number,
  offset: number,
): PerfMapping | PerfAuxMapping
export function mmap(
  event: PerfEvent,
  length: number,
  prot: number,
  flags: number = MAP_SHARED,
  offset = 0,
): PerfMapping | PerfAuxMapping {
  if (!(event instanceof PerfEvent)) fail('EBADF', 'fd', 'not a perf event')
  checkInt('length', length, 1, 2 ** 31 - 1)
  checkInt('prot', prot, 0, 7)
  checkInt('flags', flags, 0, 2 ** 31 - 1)
  if ((flags & 3) !== MAP_SHARED) fail('EINVAL', 'flags', 'perf buffers must be MAP_SHARED')
  checkInt('offset', offset, 0, Number.MAX_SAFE_INTEGER)
  if (offset % PAGE_SIZE !== 0)
    fail('EINVAL', 'offset', `${offset} is not a multiple of the page size`)
  if (length % PAGE_SIZE !== 0)
    fail('EINVAL', 'length', `${length} is not a multiple of the page size`)
  if (event.attr.inherit && event.cpu === -1)
    fail('EINVAL', 'fd', 'an inherited per-task event (cpu -1) cannot be mmapped')
  if (offset !== 0) return mmapAux(event, length, prot, offset)
  const nr = length / PAGE_SIZE - 1
  if (nr !== 0 && (nr & (nr - 1)) !== 0)
    fail('EINVAL', 'length', `${nr} data pages is not 0 nor a power of two`)
  if (nr * PAGE_SIZE > 2 ** 30) fail('ENOMEM', 'length', `${length} is too large`)
  const own = event._mapping
  if (own !== null) {
    if (own.length !== length)
      fail('EINVAL', 'length', `the buffer is already mapped with ${own.length} bytes`)
    const ring = event._ring
    if (ring !== null) ring.mmapCount++
    return own
  }
  if (event._ring !== null)
    fail('EINVAL', 'fd', 'the output of this event is redirected (SET_OUTPUT)')
  const ring = new PerfRing(event, nr * PAGE_SIZE, (prot & PROT_WRITE) !== 0)
  const mapping: PerfMapping = {
    sab: ring.sab,
    bytes: ring.bytes,
    event,
    length,
    ring: ring.rb,
    writer: ring.writer,
    tagOf: (ev: PerfEvent) => ring.tagOf(ev),
  }
  event._mapping = mapping
  attach(event, ring)
  ring.tagOf(event)
  return mapping
}

/** `perf_mmap_aux`: map the AUX area of the event's ring. */
function mmapAux(event: PerfEvent, length: number, prot: number, offset: number): PerfAuxMapping {
  const ring = event._ring
  if (ring === null) fail('EINVAL', 'fd', 'the event has no ring buffer: map it first (offset 0)')
  const page = new DataView(ring.bytes.buffer, ring.bytes.byteOffset, PAGE_SIZE)
  const auxOffset = Number(page.getBigUint64(PerfMmapPageOffset.aux_offset, true))
  const auxSize = Number(page.getBigUint64(PerfMmapPageOffset.aux_size, true))
  const nr = length / PAGE_SIZE
  const aux = ring._aux
  if (auxOffset < ring.dataSize + PAGE_SIZE)
    fail(
      'EINVAL',
      'aux_offset',
      `${auxOffset} is below the end of the ring (${ring.dataSize + PAGE_SIZE})`,
    )
  if (auxOffset !== offset)
    fail('EINVAL', 'offset', `${offset} is not the control page's aux_offset ${auxOffset}`)
  if (aux !== null && aux.offset !== offset)
    fail('EINVAL', 'offset', `the AUX area is already mapped at ${aux.offset}`)
  if (auxSize !== length)
    fail('EINVAL', 'length', `${length} is not the control page's aux_size ${auxSize}`)
  if (aux !== null && aux.size !== length)
    fail('EINVAL', 'length', `the AUX area is already mapped with ${aux.size} bytes`)
  if ((nr & (nr - 1)) !== 0) fail('EINVAL', 'length', `${nr} pages is not a power of two`)
  if (length > 2 ** 30) fail('ENOMEM', 'length', `${length} is too large`)
  let area = aux
  if (area !== null) area.mmapCount++
  else {
    area = new PerfAuxArea(
      ring.bytes,
      length,
      offset,
      (prot & PROT_WRITE) !== 0,
      event.attr.aux_watermark,
      ring.auxHead,
    )
    ring._aux = area
    ring.auxMapping = {
      sab: area.sab,
      bytes: area.data,
      event,
      length,
      offset,
      snapshot: area.overwrite,
    }
  }
  // the AUX mapping holds the ring (rb->mmap_count)
  ring.mmapCount++
  return ring.auxMapping!
}

/**
 * `munmap(2)` of a mapping from {@link mmap}. When the last mapping of the AUX area goes, the
 * area is freed (`aux_head` is kept for a later one). When the last mapping of a ring goes
 * (the AUX mappings count), every event redirected into it is detached and the ring is freed.
 *
 * @param mapping - a mapping from {@link mmap}
 */
export function munmap(mapping: PerfMapping | PerfAuxMapping): void {
  if (typeof mapping !== 'object' || mapping === null || !(mapping.event instanceof PerfEvent))
    fail('EINVAL', 'mapping', 'not a mapping that mmap returned')
  const ev = mapping.event
  const ring = ev._ring
  if ('offset' in mapping) {
    const area = ring?._aux ?? null
    if (ring === null || area === null || ring.auxMapping !== mapping)
      fail('EINVAL', 'mapping', 'not mapped')
    if (--area.mmapCount === 0) {
      ring.auxHead = area.head
      ring._aux = null
      ring.auxMapping = null
      area.free()
    }
    release(ring)
    return
  }
  if (ev._mapping !== mapping || ring === null) fail('EINVAL', 'mapping', 'not mapped')
  release(ring)
}

/** `perf_mmap_close` of the ring: the last mapping detaches every event and frees the ring. */
function release(ring: PerfRing): void {
  if (--ring.mmapCount > 0) return
  for (const other of [...ring.events]) attach(other, null)
  ring.owner._mapping = null
  ring.writer?.close()
  ring.rb?.free()
}
