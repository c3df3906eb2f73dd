/**
 * The control block every thread of a recorded process shares with the ring buffer (a small
 * `SharedArrayBuffer` beside it, handed to workers with the buffer through
 * `setEnvironmentData`): which thread owns which ring, and the requests of the threads to the
 * consumer thread (drain now, final drain) with its acknowledgements. Ring slots are claimed
 * with one compare-and-exchange; requests are a sequence number the consumer waits on.
 *
 * @packageDocumentation
 */

/** Word indices of the control block. */
const REQUEST_SEQ = 0
const REQUEST_KIND = 1
const ACK_SEQ = 2
const UNRECORDED = 3
const SLOTS = 8

/** What a request asks of the consumer. */
export const Request = {
  /** Move everything (partial pages too) to the spools: a flight-recorder dump. */
  dump: 1,
  /** The process is ending: dump, write the final status, stop. */
  final: 2,
} as const

/** The environment-data key under which the main thread shares `{ buffer, control }`. */
export const SHARED_KEY = 'onering:recorder'

/** The control words over a shared buffer. */
export class ControlBlock {
  readonly words: Int32Array
  /** Number of ring slots. */
  readonly rings: number

  constructor(sab: SharedArrayBuffer, rings: number) {
    this.words = new Int32Array(sab)
    this.rings = rings
  }

  /** A block for `rings` rings. */
  static create(rings: number): ControlBlock {
    return new ControlBlock(new SharedArrayBuffer((SLOTS + rings) * 4), rings)
  }

  /** The shared memory. */
  get sab(): SharedArrayBuffer {
    return this.words.buffer as SharedArrayBuffer
  }

  /** Claim a free ring for thread `threadId` (ring 0 is the main thread's); -1 when none is free. */
  claim(threadId: number): number {
    for (let r = threadId === 0 ? 0 : 1; r < this.rings; r++)
      if (Atomics.compareExchange(this.words, SLOTS + r, 0, threadId + 1) === 0) return r
    Atomics.add(this.words, UNRECORDED, 1)
    return -1
  }

  /** The ring thread `threadId` holds, or -1. */
  ringOf(threadId: number): number {
    for (let r = 0; r < this.rings; r++)
      if (Atomics.load(this.words, SLOTS + r) === threadId + 1) return r
    return -1
  }

  /** The thread holding `ring` (its threadId + 1), or 0 when the ring is free. */
  holder(ring: number): number {
    return Atomics.load(this.words, SLOTS + ring)
  }

  /** Free ring `ring` (its thread exited and the ring's writer was recovered). */
  release(ring: number): void {
    Atomics.store(this.words, SLOTS + ring, 0)
  }

  /** Threads that found no free ring. */
  get unrecorded(): number {
    return Atomics.load(this.words, UNRECORDED)
  }

  /**
   * Ask the consumer for `kind` and wait until it is done, at most `timeoutMs` (the caller
   * may be an `exit` handler: bounded). Returns true when the consumer acknowledged.
   */
  request(kind: number, timeoutMs: number): boolean {
    Atomics.or(this.words, REQUEST_KIND, kind)
    const seq = Atomics.add(this.words, REQUEST_SEQ, 1) + 1
    Atomics.notify(this.words, REQUEST_SEQ)
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const ack = Atomics.load(this.words, ACK_SEQ)
      if (ack - seq >= 0) return true
      const left = deadline - Date.now()
      if (left <= 0) return false
      Atomics.wait(this.words, ACK_SEQ, ack, left)
    }
  }

  /** Consumer: wait for a request newer than `seen` at most `timeoutMs`; returns the newest sequence. */
  waitRequest(seen: number, timeoutMs: number): number {
    Atomics.wait(this.words, REQUEST_SEQ, seen, timeoutMs)
    return Atomics.load(this.words, REQUEST_SEQ)
  }

  /** Consumer: the kinds (bits of {@link Request}) asked since the last call, cleared. */
  takeRequests(): number {
    return Atomics.exchange(this.words, REQUEST_KIND, 0)
  }

  /** Consumer: acknowledge every request up to `seq`. */
  acknowledge(seq: number): void {
    Atomics.store(this.words, ACK_SEQ, seq)
    Atomics.notify(this.words, ACK_SEQ)
  }
}
