/**
 * A minimal trace.dat version 6 around a tracing-data block (trace-cmd.dat.v6(5) items 14–20):
 * CPU count, no options, `flyrecord`, the per-CPU offset/size table, zero padding to a page
 * boundary, then each CPU's pages. Test helper: trace.dat writing proper is the ftrace face's.
 */
export function traceDatV6(
  block: Uint8Array,
  cpus: readonly Uint8Array[],
  pageSize = 4096,
): Uint8Array {
  const headerEnd = block.length + 4 + 10 + 16 * cpus.length
  let offset = Math.ceil(headerEnd / pageSize) * pageSize
  const offsets: number[] = []
  for (const c of cpus) {
    offsets.push(offset)
    offset += Math.ceil(c.length / pageSize) * pageSize
  }
  const out = new Uint8Array(offset)
  const dv = new DataView(out.buffer)
  out.set(block, 0)
  let at = block.length
  dv.setUint32(at, cpus.length, true)
  at += 4
  out.set(new TextEncoder().encode('flyrecord\0'), at)
  at += 10
  cpus.forEach((c, k) => {
    dv.setBigUint64(at, BigInt(offsets[k]!), true)
    dv.setBigUint64(at + 8, BigInt(c.length), true)
    at += 16
    out.set(c, offsets[k])
  })
  return out
}

/** Bytes of a data event holding `len` payload bytes (the kernel's rb_calculate_event_length). */
function eventBytes(len: number): number {
  const data = Math.max(4, Math.ceil(len / 4) * 4)
  const total = data <= 112 ? 4 + data : 8 + data
  return total === 12 ? 16 : total
}

/**
 * One ftrace sub-buffer (`struct buffer_data_page`, 64-bit) holding `events` as data events
 * with time deltas (< 2^27 ns apart), as the kernel's ring buffer lays them out.
 */
export function ftracePage(
  events: readonly { ts: number; payload: Uint8Array }[],
  pageSize = 4096,
): Uint8Array {
  const page = new Uint8Array(pageSize)
  const dv = new DataView(page.buffer)
  dv.setBigUint64(0, BigInt(events[0]?.ts ?? 0), true)
  let at = 16
  let last = events[0]?.ts ?? 0
  for (const e of events) {
    const total = eventBytes(e.payload.length)
    const delta = e.ts - last
    if (delta < 0 || delta >= 2 ** 27) throw new RangeError('ftracePage: deltas must fit 27 bits')
    last = e.ts
    if (at + total > pageSize) throw new RangeError('ftracePage: events do not fit one page')
    const small = total - 4 <= 112
    const typeLen = small ? (total - 4) / 4 : 0
    dv.setUint32(at, ((delta << 5) | typeLen) >>> 0, true)
    if (small) page.set(e.payload, at + 4)
    else {
      dv.setUint32(at + 4, total - 4, true)
      page.set(e.payload, at + 8)
    }
    at += total
  }
  dv.setBigUint64(8, BigInt(at - 16), true)
  return page
}
