/**
 * Where a CPU's pages wait until the trace.dat is assembled (both file versions need each
 * CPU's data in one block): in memory for a one-shot dump, or in a spool file per CPU for a
 * long recording, so memory stays bounded by one copy buffer.
 *
 * @packageDocumentation
 */
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs'
import { join } from 'node:path'

/** The copy buffer used to move a spool file into the trace.dat. */
const COPY_CHUNK = 1 << 20

/** One CPU's pages, in the order the reader handed them out. */
export interface PageSpool {
  /** Bytes spooled (a multiple of the page size). */
  readonly size: number
  /** Append one page (its bytes are copied out of the ring before the next read). */
  append(page: Uint8Array): void
  /** Write every spooled byte to `fd` at `position`. */
  writeTo(fd: number, position: number): void
  /** Call `fn` with the spooled bytes in order, `chunk` bytes at a time (the last may be shorter). */
  forEachChunk(chunk: number, fn: (bytes: Uint8Array) => void): void
  /** Release the memory or remove the spool file. */
  close(): void
}

/**
 * Pages kept in memory: for a flight-recorder buffer dumped at once. They are copied into blocks
 * of 1 MiB, so a dump makes one allocation and one write(2) per MiB, not one
 * per page.
 */
export class MemorySpool implements PageSpool {
  #blocks: Uint8Array[] = []
  #used = 0
  size = 0

  append(page: Uint8Array): void {
    let block = this.#blocks.at(-1)
    if (block === undefined || this.#used + page.length > block.length) {
      block = new Uint8Array(Math.max(COPY_CHUNK, page.length))
      this.#blocks.push(block)
      this.#used = 0
    }
    block.set(page, this.#used)
    this.#used += page.length
    this.size += page.length
  }

  /** The filled part of every block, in order. */
  #filled(): Uint8Array[] {
    const last = this.#blocks.length - 1
    return this.#blocks.map((b, k) => (k === last ? b.subarray(0, this.#used) : b))
  }

  writeTo(fd: number, position: number): void {
    let at = position
    for (const b of this.#filled()) {
      for (let done = 0; done < b.length;)
        done += writeSync(fd, b, done, b.length - done, at + done)
      at += b.length
    }
  }

  forEachChunk(chunk: number, fn: (bytes: Uint8Array) => void): void {
    const buf = new Uint8Array(chunk)
    let n = 0
    for (const p of this.#filled()) {
      for (let at = 0; at < p.length;) {
        const take = Math.min(chunk - n, p.length - at)
        buf.set(p.subarray(at, at + take), n)
        n += take
        at += take
        if (n === chunk) {
          fn(buf)
          n = 0
        }
      }
    }
    if (n > 0) fn(buf.subarray(0, n))
  }

  close(): void {
    this.#blocks = []
    this.#used = 0
  }
}

/** Pages appended to a file (`<dir>/cpu<N>.spool`), straight from the ring's memory. */
export class FileSpool implements PageSpool {
  readonly path: string
  #fd: number
  size = 0

  /** @param dir an existing directory; @param cpu the CPU whose pages it holds (names the file). */
  constructor(dir: string, cpu: number | string) {
    this.path = join(dir, `cpu${cpu}.spool`)
    this.#fd = openSync(this.path, 'w+')
  }

  append(page: Uint8Array): void {
    writeSync(this.#fd, page, 0, page.length, this.size)
    this.size += page.length
  }

  writeTo(fd: number, position: number): void {
    const chunk = new Uint8Array(Math.min(COPY_CHUNK, Math.max(this.size, 1)))
    for (let done = 0; done < this.size;) {
      const n = readSync(this.#fd, chunk, 0, Math.min(chunk.length, this.size - done), done)
      if (n <= 0) throw new Error(`${this.path}: spool file ended at ${done} of ${this.size} bytes`)
      writeSync(fd, chunk, 0, n, position + done)
      done += n
    }
  }

  forEachChunk(chunk: number, fn: (bytes: Uint8Array) => void): void {
    const buf = new Uint8Array(chunk)
    for (let done = 0; done < this.size;) {
      const want = Math.min(chunk, this.size - done)
      let got = 0
      while (got < want) {
        const n = readSync(this.#fd, buf, got, want - got, done + got)
        if (n <= 0)
          throw new Error(`${this.path}: spool file ended at ${done + got} of ${this.size} bytes`)
        got += n
      }
      fn(buf.subarray(0, want))
      done += want
    }
  }

  close(): void {
    if (this.#fd < 0) return
    closeSync(this.#fd)
    this.#fd = -1
    unlinkSync(this.path)
  }
}
