// The consumer of the sub-buffer handoff test: takes whole sub-buffers off the rings with
// `takeSubbuf` (zero-copy swaps, copies, `full` only) and posts each lease to the decoder
// worker through `port`; it never reads a record itself.
//
// workerData: sab, control, nWriters, port (a MessagePort to the decoder)
import { parentPort, workerData } from 'node:worker_threads'
import { BusyError, RingBuffer } from '@onering/core'
import { C_DONE, C_READY, sleep } from './record.mjs'

const { sab, control, nWriters, port } = workerData
const rb = RingBuffer.attach(sab)
const reader = rb.reader()
const ctl = new Int32Array(control)
const cpus = rb.cpus

let leases = 0
let busy = 0
let copies = 0
let fullOnly = 0
const lost = new Array(cpus).fill(0)
let turn = 0

/** Take one sub-buffer of ring `cpu` and hand it over; returns false when there was none. */
function take(cpu, end) {
  const k = turn++
  // vary the options: mostly zero-copy when possible, sometimes forced copies or complete only
  const options = end ? {} : k % 5 === 0 ? { copy: true } : k % 3 === 0 ? { full: true } : {}
  let lease
  try {
    lease = reader.takeSubbuf(cpu, options)
  } catch (e) {
    if (!(e instanceof BusyError)) throw e
    // every spare is out with the decoder: wait for it to give one back
    busy++
    sleep(0.05)
    return true
  }
  if (lease === null) return false
  leases++
  if (options.copy === true) copies++
  if (options.full === true) fullOnly++
  lost[cpu] += lease.lost
  port.postMessage(lease)
  return true
}

for (let v = Atomics.load(ctl, C_READY); v < nWriters; v = Atomics.load(ctl, C_READY))
  Atomics.wait(ctl, C_READY, v, 10)
for (;;) {
  const done = Atomics.load(ctl, C_DONE) === nWriters
  let any = false
  for (let c = 0; c < cpus; c++) if (take(c, done)) any = true
  if (!any) {
    // every writer closed before this pass and it found nothing: the rings are empty
    if (done) break
    sleep(0.1)
  }
}
port.postMessage({ end: true })
parentPort.postMessage({ type: 'done', leases, busy, copies, fullOnly, lost })
port.close()
