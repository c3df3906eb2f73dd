/**
 * What the dead-writer tests read back: every record of a ring, payload-checked, per writer id
 * (record.mjs's format), with the losses the reader reported in-band.
 */
import type { RingBuffer } from '@onering/core'
import { verifyPayload } from './record.mjs'

/** What was read: the seqs of each writer id in the order read, the in-band losses, the damage. */
export interface Delivered {
  /** Records per writer id, in the order read. */
  seqs: Map<number, number[]>
  lost: number
  errors: string[]
}

/** An empty {@link Delivered}. */
export function delivered(): Delivered {
  return { seqs: new Map(), lost: 0, errors: [] }
}

/** Consume everything buffered in ring `cpu`, checking every payload. */
export function drain(rb: RingBuffer, cpu: number, into: Delivered): void {
  const r = rb.reader()
  const out = { id: 0, seq: 0, ts: 0 }
  for (let rec = r.consume(cpu); rec !== null; rec = r.consume(cpu)) {
    into.lost += rec.lost
    const b = rec.bytes
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength)
    const err = verifyPayload(b, dv, rec.offset, rec.length, out)
    if (err !== null) {
      into.errors.push(err)
      continue
    }
    let s = into.seqs.get(out.id)
    if (s === undefined) into.seqs.set(out.id, (s = []))
    s.push(out.seq)
  }
}
