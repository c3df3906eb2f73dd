// A writer that dies: writes records of the format in record.mjs into ring `cpu` and, after
// every commit() that returned, stores how many returned in word `id` of the control block (a
// count made outside the engine). Then it dies the way `how` says.
//
// workerData:
//   sab, control   the buffer and the test's control block (Int32: one count per writer id
//                  (ids below 32), the refusals of writer id in word 32 + id, word 63 =
//                  released by the test)
//   cpu, id        the ring to write and this writer's id
//   count          records to commit before dying (Infinity: until terminated)
//   how            'wait': post 'committed', then block on Atomics.wait until terminated
//                  (a deterministic death between a commit and the next publish);
//                  'exit': call process.exit() right after the last commit;
//                  'open': reserve one more record and block inside it (a torn reservation);
//                  'run': write until terminated at a random point
//   api            'write' (default): w.write(); 'reserve': reserve, encode the payload in
//                  place, commit (a kill then often lands inside the reservation)
import { parentPort, workerData } from 'node:worker_threads'
import { RingBuffer } from '@onering/core'
import { encode, payloadLength } from './record.mjs'

const { sab, control, cpu, id, count, how, api = 'write' } = workerData
const rb = RingBuffer.attach(sab)
const ctl = new Int32Array(control)
const w = rb.writer(cpu)
const scratch = new Uint8Array(256)
const sdv = new DataView(scratch.buffer)

let seq = 0
let ts = 1
function one() {
  if (api === 'reserve') {
    const off = w.reserve(payloadLength(id, seq), ts)
    if (off < 0) return false
    encode(w.bytes, w.view, off, id, seq, ts)
    w.commit()
  } else {
    const len = encode(scratch, sdv, 0, id, seq, ts)
    if (!w.write(scratch.subarray(0, len), ts)) return false
  }
  // commit() returned: count it outside the engine
  ctl[id] = ++seq
  ts++
  return true
}

parentPort.postMessage({ type: 'attached' })
let refusals = 0
while (seq < count && refusals < 200) {
  if (one()) refusals = 0
  else {
    ctl[32 + id]++
    // the ring is full (produce-consume): a wedged ring stays full, so give up after a while
    refusals++
    Atomics.wait(ctl, 63, 0, 1)
  }
}
if (how === 'exit') process.exit(0)
if (how === 'open') {
  const off = w.reserve(payloadLength(id, seq), ts)
  if (off >= 0) encode(w.bytes, w.view, off, id, seq, ts)
  parentPort.postMessage({ type: 'committed', open: off >= 0 })
} else parentPort.postMessage({ type: 'committed', open: false })
for (;;) Atomics.wait(ctl, 63, 0)
