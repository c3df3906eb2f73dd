// A consumer of a mapped ring, written the way Documentation/trace/ring-buffer-map.rst reads
// a mapped trace_pipe_raw: the meta page first, then the sub-buffer `reader.id`, then
// TRACE_MMAP_IOCTL_GET_READER (ring_buffer_map_get_reader) when it is exhausted.
// It imports the BUILT package, as another program would.
import { parentPort, workerData } from 'node:worker_threads'
import {
  SubbufReader,
  TraceBuffer,
  decodeTraceBufferMeta,
  ring_buffer_map,
  ring_buffer_map_get_reader,
  ring_buffer_unmap,
  ring_buffer_wait,
} from '@onering/ftrace'

const { sab, cpu, count } = workerData
const tb = TraceBuffer.attach(sab)
const map = ring_buffer_map(tb, cpu)
const bytes = map.bytes
const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)

// struct trace_buffer_meta, read field by field as C would
const meta = () => ({
  meta_page_size: dv.getUint32(0, true),
  subbuf_size: dv.getUint32(8, true),
  nr_subbufs: dv.getUint32(12, true),
  id: dv.getUint32(24, true),
})

const texts = []
const ts = []
let ioctls = 0
let lastId = -1
let lastPageTs = -1
let parsed = 0
const deadline = Date.now() + 50_000
while (texts.length < count && Date.now() < deadline) {
  // a blocking GET_READER waits for data first (buffer_percent 0)
  ring_buffer_wait(tb, cpu, 0, undefined, undefined, 100)
  if (ring_buffer_map_get_reader(tb, cpu) !== 0) throw new Error('GET_READER failed')
  ioctls++
  const m = meta()
  if (m.id >= m.nr_subbufs) throw new Error(`reader.id ${m.id} out of range`)
  const off = m.meta_page_size + m.id * m.subbuf_size
  const page = bytes.subarray(off, off + m.subbuf_size)
  const pageTs = dv.getUint32(off + 4, true) * 2 ** 32 + dv.getUint32(off, true)
  if (m.id !== lastId || pageTs !== lastPageTs) {
    lastId = m.id
    lastPageTs = pageTs
    parsed = 0
  }
  // the page may still grow while the writer is on it: parse what is new since last time
  const r = new SubbufReader(page, m.subbuf_size).load(0)
  for (let ev = r.next(); ev !== null; ev = r.next()) {
    if (ev.eventOffset < parsed) continue
    const p = page.subarray(ev.offset, ev.offset + ev.length)
    const nul = p.indexOf(0)
    texts.push(new TextDecoder().decode(nul < 0 ? p : p.subarray(0, nul)))
    ts.push(ev.timestamp)
  }
  if (r.corrupt !== null) throw new Error(r.corrupt)
  parsed = r.dataBytes
}
ring_buffer_map_get_reader(tb, cpu)
const final = decodeTraceBufferMeta(bytes)
ring_buffer_unmap(tb, cpu)
parentPort.postMessage({ texts, ts, meta: final, ioctls })
