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
