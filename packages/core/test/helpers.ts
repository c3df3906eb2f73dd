/**
 * Shared helpers of the core unit tests: deterministic payloads, record snapshots and an
 * independent decoder of the raw paged sub-buffer format (as documented in raw-client.ts).
 */
import { expect } from 'vitest'
import type { RingBuffer, RingReader, RingRecord } from '../src/index.js'

/** A deterministic payload for record `id`. */
export function payloadOf(id: number, len: number): Uint8Array {
  const b = new Uint8Array(len)
  for (let k = 0; k < len; k++) b[k] = (id * 31 + k * 7 + 1) & 255
  return b
}

/** What a test keeps of a record (records handed out by readers are reused). */
export interface Snap {
  cpu: number
  ts: number
  lost: number
  len: number
  payload: number[]
}

export function snap(r: RingRecord): Snap {
  return {
    cpu: r.cpu,
    ts: r.timestamp,
    lost: r.lost,
    len: r.length,
    payload: Array.from(r.payload()),
  }
}

/** Consume every record of `cpu` now readable. */
export function drainCpu(r: RingReader, cpu: number): Snap[] {
  const out: Snap[] = []
  for (let rec = r.consume(cpu); rec !== null; rec = r.consume(cpu)) out.push(snap(rec))
  return out
}

/** Consume every record over all CPUs in merge order. */
export function drainAll(r: RingReader): Snap[] {
  const out: Snap[] = []
  for (let rec = r.next(); rec !== null; rec = r.next()) out.push(snap(rec))
  return out
}

/** Assert that `fn` throws an error of class `cls` whose message starts with `name + ':'`. */
export function expectArgError(
  fn: () => unknown,
  cls: typeof RangeError | typeof TypeError,
  name: string,
): void {
  let err: unknown
  try {
    fn()
  } catch (e) {
    err = e
  }
  expect(err, `expected ${cls.name} for ${name}`).toBeInstanceOf(cls)
  expect((err as Error).message.startsWith(`${name}:`), (err as Error).message).toBe(true)
}

const TWO32 = 4294967296

/** A data record decoded from a raw paged sub-buffer. */
export interface RawRecord {
  ts: number
  payload: number[]
  /** Byte offset of the record header relative to the sub-buffer's data area. */
  at: number
}

/** A raw paged sub-buffer decoded independently of the engine. */
export interface RawSubbuf {
  ts: number
  commit: number
  flags: number
  records: RawRecord[]
  padding: number
}

/**
 * Decode the raw paged sub-buffer `id` of `cpu` (16-byte header {u64 ts, u32 commit, u32 flags},
 * records `{u32 type << 28 | len, u32 delta}`, 8-byte aligned) up to `bytes` data bytes (default:
 * the commit word).
 */
export function decodeRawSubbuf(
  rb: RingBuffer,
  cpu: number,
  id: number,
  bytes?: number,
): RawSubbuf {
  const dv = new DataView(rb.sab)
  const base = rb.subbufOffset(cpu, id)
  const ts0 = dv.getUint32(base + 4, true) * TWO32 + dv.getUint32(base, true)
  const commit = dv.getUint32(base + 8, true)
  const flags = dv.getUint32(base + 12, true)
  const end = base + 16 + (bytes ?? commit)
  const records: RawRecord[] = []
  let padding = 0
  let ts = ts0
  let at = base + 16
  const u8 = new Uint8Array(rb.sab)
  while (at + 8 <= end) {
    const w0 = dv.getUint32(at, true)
    const w1 = dv.getUint32(at + 4, true)
    const type = w0 >>> 28
    const len = w0 & 0x0fffffff
    if (type === 0) break
    if (type === 1) {
      ts += w1
      records.push({
        ts,
        payload: Array.from(u8.subarray(at + 8, at + 8 + len)),
        at: at - base - 16,
      })
      at += 8 + ((len + 7) & ~7)
    } else if (type === 2) {
      ts += w1
      padding += 8 + len
      at += 8 + len
    } else if (type === 3) {
      ts += len * TWO32 + w1
      at += 8
    } else if (type === 4) {
      ts = dv.getUint32(at + 12, true) * TWO32 + dv.getUint32(at + 8, true)
      at += 16
    } else throw new Error(`unexpected record type ${type} at ${at - base - 16}`)
  }
  return { ts: ts0, commit, flags, records, padding }
}

/** Physical sub-buffer id holding absolute byte offset `off` of ring `cpu` (paged). */
export function subbufIdAt(rb: RingBuffer, cpu: number, off: number): number {
  return Math.floor((off - rb.subbufOffset(cpu, 0)) / rb.subbufSize)
}

/** Let pending promise jobs and timers of this turn run. */
export function tick(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
