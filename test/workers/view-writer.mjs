// A writer that fills every reservation in place through `w.bytes` / `w.view`, exactly as the
// core README's usage shows (`off = w.reserve(n)`, write the payload at `off`, `w.commit()`),
// never splitting a payload at the end of the data area. It writes `count` accepted records of
// the format in record.mjs into ring `cpu` (a refused one is retried with the same sequence
// number) and reports how many it wrote and how many were refused.
//
// workerData:
//   sab, control   the buffer and the test's control block (record.mjs's words)
//   cpu, id        the ring to write and this writer's id
//   count          accepted records to write
//   nestEvery      >0: every this many records, reserve the next record while the previous
//                  one is still open (a nested reservation, as a signal handler would), fill
//                  both in place, commit the inner one, then the outer one
import { parentPort, workerData } from 'node:worker_threads'
import { RingBuffer } from '@onering/core'
import { C_DONE, C_READY, encode, payloadLength, sleep } from './record.mjs'

const { sab, control, cpu, id, count, nestEvery = 0 } = workerData
const rb = RingBuffer.attach(sab)
const ctl = new Int32Array(control)
const w = rb.writer(cpu)
Atomics.add(ctl, C_READY, 1)
Atomics.notify(ctl, C_READY)

let accepted = 0
let refused = 0
let ts = 1

/** Reserve record `accepted` and fill it in place; false when refused. */
function open() {
  const off = w.reserve(payloadLength(id, accepted), ts)
  if (off < 0) {
    refused++
    return false
  }
  encode(w.bytes, w.view, off, id, accepted, ts)
  accepted++
  ts++
  return true
}

while (accepted < count) {
  if (!open()) {
    // the ring is full (produce-consume): publish and give the reader the CPU for a moment
    w.flush()
    sleep(0.05)
    continue
  }
  // a nested record, reserved while the outer one is open; it commits first but lies after
  // the outer one in the ring, so the sequence numbers stay in ring order
  if (nestEvery > 0 && accepted % nestEvery === 0 && accepted < count && open()) w.commit()
  w.commit()
}
w.close()
parentPort.postMessage({ type: 'done', id, cpu, attempts: accepted + refused, accepted, refused })
Atomics.add(ctl, C_DONE, 1)
Atomics.notify(ctl, C_DONE)
