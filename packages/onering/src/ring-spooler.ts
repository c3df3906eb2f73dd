/**
 * The consumer's page mover: complete pages (or, at a dump, every page) of each ring, as
 * `ring_buffer_read_page` hands them out in place, appended to that ring's spool file
 * (`cpu<N>.spool`, the layout `@onering/trace-dat`'s `assembleTraceDat` reads). Only rings a
 * thread holds — or held at the previous drain — are visited between dumps: an idle ring costs
 * nothing, however many rings the buffer has.
 *
 * @packageDocumentation
 */
import { closeSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import {
  ring_buffer_alloc_read_page,
  ring_buffer_read_page,
  ring_buffer_read_page_data,
} from '@onering/ftrace'
import type { BufferDataReadPage, TraceBuffer } from '@onering/ftrace'

/** Bytes of pages gathered before one write to a spool file. */
const STAGED_BYTES = 64 * 1024

/** Moves pages from the rings to one spool file per ring. */
export class RingSpooler {
  readonly #buffer: TraceBuffer
  readonly #pages: BufferDataReadPage[]
  readonly #fds: number[]
  readonly #held: boolean[]
  /** Pages read from one ring, written together. */
  readonly #staging: Uint8Array
  /** Bytes spooled per ring. */
  readonly sizes: number[]

  constructor(buffer: TraceBuffer, dir: string) {
    this.#buffer = buffer
    const rings = buffer.rb.cpus
    this.#pages = Array.from({ length: rings }, (_, r) => ring_buffer_alloc_read_page(buffer, r))
    this.#fds = Array.from({ length: rings }, (_, r) => openSync(join(dir, `cpu${r}.spool`), 'w'))
    this.#held = Array.from({ length: rings }, () => true)
    this.sizes = Array.from({ length: rings }, () => 0)
    this.#staging = new Uint8Array(Math.max(STAGED_BYTES, buffer.rb.subbufSize))
  }

  /** Bytes spooled in all. */
  get total(): number {
    return this.sizes.reduce((a, b) => a + b, 0)
  }

  /**
   * Move pages: complete ones only (`all` false), or everything, partial pages included, of
   * every ring (`all` true: a dump). `held(ring)` says whether a thread holds the ring now.
   * Returns the number of pages moved.
   */
  drain(all: boolean, held: (ring: number) => boolean): number {
    const size = this.#buffer.rb.subbufSize
    let moved = 0
    for (let r = 0; r < this.#pages.length; r++) {
      const now = held(r)
      const visit = all || now || this.#held[r]!
      this.#held[r] = now
      if (!visit) continue
      const page = this.#pages[r]!
      // the pages of one ring go out in one write per staging buffer, not one per page
      let staged = 0
      while (ring_buffer_read_page(this.#buffer, page, size, r, all ? 0 : 1) === 0) {
        const bytes = ring_buffer_read_page_data(page)
        if (staged + bytes.length > this.#staging.length) {
          this.#write(r, staged)
          staged = 0
        }
        this.#staging.set(bytes, staged)
        staged += bytes.length
        moved++
      }
      if (staged > 0) this.#write(r, staged)
    }
    return moved
  }

  /** Append the first `n` staged bytes to ring `r`'s spool file. */
  #write(r: number, n: number): void {
    writeSync(this.#fds[r]!, this.#staging, 0, n, this.sizes[r])
    this.sizes[r]! += n
  }

  /** Close the spool files (they stay on disk for `onering record` to assemble). */
  close(): void {
    for (const fd of this.#fds) closeSync(fd)
  }
}
