// A writer stopped at a chosen point, to be terminated there: the `stopAt`-th call of an
// `Atomics` function on the ring buffer's memory blocks this thread just before the call runs.
// That is where V8 delivers a `worker.terminate()` inside a run of stores: it checks for
// interrupts at function entries, loop back-edges and on entering an `Atomics` builtin, never
// between two plain stores (test/workers/dead-writer-points.test.ts). So stopping there, then
// terminating, leaves the state a writer killed at that instruction leaves, deterministically.
//
// workerData:
//   sab, control   the buffer and the test's control block (Int32: word `id` = how many of this
//                  writer's commit() calls returned, word 32 + id = its refusals, word 62 = the
//                  Atomics calls made on the ring so far, word 63 = never changed: blocks on it)
//   cpu, id        the ring to write and this writer's id (record.mjs's format)
//   count          records to try to write
//   stopAt         stop at this Atomics call on the ring (1-based); 0: never
//   trace          post { type: 'ops', ops } (the name of each Atomics call) before 'done'
//
// Posts { type: 'stopped', at, op } when it stopped, or { type: 'done', calls } after `count`
// records without reaching `stopAt`; then blocks until terminated.
import { parentPort, threadId, workerData } from 'node:worker_threads'
import { RingBuffer } from '@onering/core'
import { encode } from './record.mjs'

const { sab, control, cpu, id, count, stopAt, trace = false } = workerData
const ctl = new Int32Array(control)
const wait = Atomics.wait
const post = (m) => parentPort.postMessage(m)
let calls = 0
const ops = []
for (const op of ['load', 'store', 'add', 'sub', 'compareExchange', 'exchange', 'notify']) {
  const real = Atomics[op]
  Atomics[op] = function (ta, ...args) {
    if (ta.buffer === sab) {
      ctl[62] = ++calls
      if (trace) ops.push(op)
      if (calls === stopAt) {
        post({ type: 'stopped', at: calls, op, threadId })
        for (;;) wait.call(Atomics, ctl, 63, 0)
      }
    }
    return real.call(Atomics, ta, ...args)
  }
}

const rb = RingBuffer.attach(sab)
const w = rb.writer(cpu)
const scratch = new Uint8Array(256)
const sdv = new DataView(scratch.buffer)
let seq = 0
for (let k = 0; k < count; k++) {
  const len = encode(scratch, sdv, 0, id, seq, 1000 + seq)
  // commit() returned: count it outside the engine
  if (w.write(scratch.subarray(0, len), 1000 + seq)) ctl[id] = ++seq
  else ctl[32 + id]++
}
if (trace) post({ type: 'ops', ops })
post({ type: 'done', calls, threadId })
for (;;) wait.call(Atomics, ctl, 63, 0)
