/**
 * The record a reader hands out.
 *
 * @packageDocumentation
 */
import { checkBytes } from './errors.js'

/**
 * A record read from a ring. Readers reuse one instance per call site: copy what you need
 * before the next read. The payload stays in place in shared memory at
 * `bytes[offset .. offset + length)`.
 */
export class RingRecord {
  /** The ring it came from. */
  cpu = 0
  /** Absolute timestamp, reconstructed from the sub-buffer base and the deltas. */
  timestamp = 0
  /** Records lost (overwritten, or dropped where the client records drops) right before this one. */
  lost = 0
  /** Absolute byte offset of the payload in {@link RingRecord.bytes}. */
  offset = 0
  /** Payload length as the client encodes it. */
  length = 0
  /** Bytes of the record in the ring: its header(s) and alignment; a time record in front is not included. */
  size = 0
  /** The bytes the payload lives in (the whole buffer, or a reader's copy for wrapped records). */
  bytes: Uint8Array
  /** @param bytes - see {@link RingRecord.bytes} */
  constructor(bytes: Uint8Array) {
    this.bytes = checkBytes('bytes', bytes)
  }
  /** The payload as a view (no copy; valid until the ring reuses the space). */
  payload(): Uint8Array {
    return this.bytes.subarray(this.offset, this.offset + this.length)
  }
  /** A copy of the payload. */
  copyPayload(): Uint8Array {
    return this.bytes.slice(this.offset, this.offset + this.length)
  }
}
