/**
 * A minimal walker over raw ftrace sub-buffers (test helper, written from the kernel's event
 * header rules in ftrace-ring-buffer.md §2–3): yields each data event's payload offset and length.
 * The package itself knows no ring buffer.
 */
export interface RawEvent {
  /** Offset of the payload in the file. */
  offset: number
  /** Payload bytes (rounded up to 4, as stored). */
  length: number
}

export function rawEvents(bytes: Uint8Array, pageSize = 4096): RawEvent[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out: RawEvent[] = []
  for (let page = 0; page + pageSize <= bytes.length; page += pageSize) {
    const commit = dv.getUint32(page + 8, true) & ((1 << 27) - 1)
    let at = page + 16
    const end = at + commit
    while (at < end) {
      const word = dv.getUint32(at, true)
      const typeLen = word & 31
      if (typeLen === 0) {
        const len = dv.getUint32(at + 4, true) - 4
        out.push({ offset: at + 8, length: len })
        at += 8 + len
      } else if (typeLen <= 28) {
        out.push({ offset: at + 4, length: typeLen * 4 })
        at += 4 + typeLen * 4
      } else if (typeLen === 29) {
        if (word >>> 5 === 0) break
        at += 4 + dv.getUint32(at + 4, true)
      } else at += 8 // time extend / time stamp
    }
  }
  return out
}
