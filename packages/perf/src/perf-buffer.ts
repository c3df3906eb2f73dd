/**
 * The ring buffer behind a perf mapping, the kernel's `struct perf_buffer`
 * (`kernel/events/internal.h`): one `@onering/core` `RingBuffer` with the {@link PerfClient}
 * (or none for a control-page-only mapping), the events writing into it, its wakeup
 * accounting and its AUX area. `mmap` creates it (`event-mmap.ts`), the output functions write
 * through its writer (`event-output.ts`), poll reads its accounting (`event-poll.ts`).
 *
 * @packageDocumentation
 */
import { RingBuffer } from '@onering/core'
import type { RingWriter } from '@onering/core'
import type { PerfAuxArea } from './aux-area.js'
import { PAGE_SIZE, PerfMmapPageOffset } from './constants.js'
import { initControlPage } from './control-page.js'
import type { PerfEvent } from './event.js'
import type { PerfAuxMapping } from './event-mmap.js'
import { PerfClient } from './perf-client.js'

const TWO32 = 0x1_0000_0000

/**
 * A ring buffer (`struct perf_buffer`): the core ring of a mapping, or none for a
 * control-page-only mapping.
 * @internal
 */
export class PerfRing {
  readonly client: PerfClient = new PerfClient(PAGE_SIZE)
  readonly rb: RingBuffer | null
  readonly writer: RingWriter | null
  readonly sab: SharedArrayBuffer
  readonly bytes: Uint8Array
  readonly dataSize: number
  readonly maxPayload: number
  /** Bytes written before a wakeup (`rb->watermark`). */
  readonly watermark: number
  readonly tags: Map<PerfEvent, number> = new Map<PerfEvent, number>()
  /** Events writing into this ring (the owner and the redirected ones). */
  readonly events: Set<PerfEvent> = new Set<PerfEvent>()
  mmapCount = 1
  paused: boolean
  /** Samples toward the next `wakeup_events` wakeup (`rb->events`). */
  samples = 0
  /**
   * `rb->wakeup`: the byte count of the last watermark wakeup, which the kernel also bumps by
   * one at each `wakeup_events` wakeup.
   */
  wakeupStamp = 0
  /** A wakeup is pending: the next poll reports POLLIN (`rb->poll`). */
  pollPending = false
  /** Whether the ring is written backward (`data_head` decreasing from 0). */
  readonly backward: boolean
  /** The control page (for `data_head` as two u32 words: no BigInt on the write path). */
  private readonly control: DataView
  /** The event whose mmap created the ring. */
  readonly owner: PerfEvent
  /** The AUX area (`rb->aux_pages`), while mapped. */
  _aux: PerfAuxArea | null = null
  /** `rb->aux_head`: kept across AUX areas, as the kernel keeps it. */
  auxHead = 0
  /** An AUX wakeup is pending (`rb->poll` set by `perf_output_wakeup`). */
  auxPoll = false
  /** The AUX mapping, while mapped. */
  auxMapping: PerfAuxMapping | null = null

  constructor(owner: PerfEvent, dataSize: number, writable: boolean) {
    this.owner = owner
    this.dataSize = dataSize
    this.backward = owner.attr.write_backward
    const wm = owner.attr.watermark ? Math.min(dataSize, owner.attr.wakeup_watermark) : 0
    this.watermark = wm > 0 ? wm : Math.max(1, dataSize / 2)
    if (dataSize === 0) {
      // the kernel allows a control page alone (rdpmc self-monitoring): no data, paused
      this.rb = null
      this.writer = null
      this.sab = new SharedArrayBuffer(PAGE_SIZE)
      this.bytes = new Uint8Array(this.sab)
      initControlPage(this.bytes, 0, PAGE_SIZE)
      this.maxPayload = 0
      this.paused = true
      this.control = new DataView(this.sab, 0, PAGE_SIZE)
      return
    }
    const backward = owner.attr.write_backward
    const rb = RingBuffer.create({
      client: this.client,
      cpus: 1,
      size: dataSize,
      mode: writable ? 'produce-consume' : 'overwrite',
      ...(writable ? {} : { tailPolicy: 'ignore' as const }),
      backward,
      clock: 'counter',
      publishBatch: 1,
    })
    this.rb = rb
    this.writer = rb.writer(0)
    this.sab = rb.sab
    this.bytes = new Uint8Array(rb.sab, rb.areaOffset(0), PAGE_SIZE + dataSize)
    this.maxPayload = rb.maxPayload
    this.paused = false
    this.control = new DataView(rb.sab, rb.areaOffset(0), PAGE_SIZE)
  }

  /**
   * The bytes written into the ring so far: `data_head`, or for a backward ring its negation
   * (the kernel's `head = (u64)(-head)` in `__perf_output_begin`).
   */
  written(): number {
    const lo = this.control.getUint32(PerfMmapPageOffset.data_head, true)
    const hi = this.control.getUint32(PerfMmapPageOffset.data_head + 4, true)
    if (!this.backward) return hi * TWO32 + lo
    // -(hi:lo) modulo 2^64
    return lo === 0 ? ((TWO32 - hi) % TWO32) * TWO32 : (TWO32 - 1 - hi) * TWO32 + (TWO32 - lo)
  }

  /**
   * The watermark step of `__perf_output_begin` for a record just written: once more than
   * `rb->watermark` bytes were written since `rb->wakeup`, `rb->wakeup` moves on by the
   * watermark (once per record) and the record's `perf_output_put_handle` wakes the poller.
   */
  outputDone(): void {
    if (this.written() - this.wakeupStamp > this.watermark) {
      this.wakeupStamp += this.watermark
      this.pollPending = true
    }
  }

  /**
   * The end of `perf_output_sample` for a sample of `event` just written: without
   * `attr.watermark`, every `wakeup_events` samples `rb->events` drops by that many and
   * `rb->wakeup` is bumped by one, which wakes the poller.
   */
  sampleDone(event: PerfEvent): void {
    const a = event.attr
    const n = a.watermark ? 0 : a.wakeup_events
    if (n > 0 && ++this.samples >= n) {
      this.samples -= n
      this.wakeupStamp++
      this.pollPending = true
    }
  }

  tagOf(ev: PerfEvent): number {
    let tag = this.tags.get(ev)
    if (tag === undefined) {
      tag = this.client.register(ev)
      this.tags.set(ev, tag)
    }
    return tag
  }

  head(): bigint {
    const dv = new DataView(this.bytes.buffer, this.bytes.byteOffset, PAGE_SIZE)
    return dv.getBigUint64(PerfMmapPageOffset.data_head, true)
  }

  /** `perf_output_wakeup` from the AUX side: poll reports POLLIN, waiters return. */
  _wakeAux(): void {
    this.auxPoll = true
    this.rb?.wakeWaiters(0)
  }
}

/**
 * `ring_buffer_attach`: make `ring` the ring `ev` writes into (null: none), leaving the one it
 * wrote into before.
 * @internal
 */
export function attach(ev: PerfEvent, ring: PerfRing | null): void {
  ev._ring?.events.delete(ev)
  ev._ring = ring
  ring?.events.add(ev)
}
