/**
 * Where the writer's data section goes: fixed-size chunks kept in memory, or written to a file
 * at their final offset as each fills (bounded memory: one chunk). Records are copied in with
 * one `set` each; nothing is encoded here.
 *
 * @packageDocumentation
 */
import { writeSync } from 'node:fs'

/** @internal The data section being written. */
export class RecordSpool {
  readonly #fd: number | undefined
  readonly #chunkSize: number
  readonly #chunks: Uint8Array[] = []
  #chunk: Uint8Array
  #used = 0
  /** Bytes of data written so far (spooled and buffered). */
  size = 0
  /** File offset where the data section starts (file mode). */
  readonly #base: number

  constructor(fd: number | undefined, base: number, chunkSize: number) {
    this.#fd = fd
    this.#base = base
    this.#chunkSize = chunkSize
    this.#chunk = new Uint8Array(chunkSize)
  }

  /** Copy `bytes[from, from + length)` to the end of the data. */
  append(bytes: Uint8Array, from: number, length: number): void {
    let room = this.#chunkSize - this.#used
    if (length > room) {
      if (this.#used > 0) this.#spill()
      room = this.#chunkSize
      if (length > room) {
        // a block larger than a chunk goes out on its own
        if (this.#fd === undefined) this.#chunks.push(bytes.slice(from, from + length))
        else writeSync(this.#fd, bytes, from, length, this.#base + this.size)
        this.size += length
        return
      }
    }
    this.#chunk.set(
      length === bytes.length ? bytes : bytes.subarray(from, from + length),
      this.#used,
    )
    this.#used += length
    this.size += length
  }

  #spill(): void {
    const n = this.#used
    if (this.#fd === undefined) {
      this.#chunks.push(this.#chunk.subarray(0, n))
      this.#chunk = new Uint8Array(this.#chunkSize)
    } else writeSync(this.#fd, this.#chunk, 0, n, this.#base + this.size - n)
    this.#used = 0
  }

  /** Write out what is buffered; in memory mode return every chunk. */
  flush(): Uint8Array[] {
    if (this.#used > 0) this.#spill()
    return this.#chunks
  }
}
