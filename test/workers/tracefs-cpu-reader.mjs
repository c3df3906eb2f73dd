// A per-CPU reader written as a libtracefs program's thread: tracefs_cpu_open (blocking),
// tracefs_cpu_read until it returns 0 (after tracefs_cpu_stop in the main thread), then
// tracefs_cpu_flush until empty. It posts every page it read. Imports the BUILT package.
import { parentPort, workerData } from 'node:worker_threads'
import {
  TraceBuffer,
  tracefs_cpu_close,
  tracefs_cpu_flush,
  tracefs_cpu_open,
  tracefs_cpu_read,
  tracefs_cpu_read_size,
} from '@onering/ftrace'

const { sab, cpu } = workerData
const buffer = TraceBuffer.attach(sab)
const tcpu = tracefs_cpu_open(buffer, cpu, false)
const buf = new Uint8Array(tracefs_cpu_read_size(tcpu))
const pages = []
let blocking = 0
parentPort.postMessage({ ready: true })
for (;;) {
  const r = tracefs_cpu_read(tcpu, buf, false)
  if (r <= 0) break
  blocking++
  pages.push(buf.slice(0, r))
}
for (let r = tracefs_cpu_flush(tcpu, buf); r > 0; r = tracefs_cpu_flush(tcpu, buf))
  pages.push(buf.slice(0, r))
tracefs_cpu_close(tcpu)
parentPort.postMessage({ pages, blocking })
