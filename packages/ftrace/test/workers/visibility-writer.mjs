// A writer in its own worker: each event carries its index; right after
// ring_buffer_unlock_commit returns it stores index + 1 into a side word, so the test can check
// that everything committed so far is visible (and counted) in another worker at that point.
// It imports the BUILT package, as another program would.
import { workerData } from 'node:worker_threads'
import { TraceBuffer, ring_buffer_lock_reserve, ring_buffer_unlock_commit } from '@onering/ftrace'

const { sab, side, count } = workerData
const tb = TraceBuffer.attach(sab)
const sideWords = new Int32Array(side)
for (let k = 0; k < count; k++) {
  let ev = ring_buffer_lock_reserve(tb, 8)
  // produce-consume: spin while the ring is full (the reader frees it)
  while (ev === null) ev = ring_buffer_lock_reserve(tb, 8)
  new DataView(ev.bytes.buffer, ev.bytes.byteOffset).setUint32(ev.dataOffset, k, true)
  ring_buffer_unlock_commit(tb)
  Atomics.store(sideWords, 0, k + 1)
}
tb.close()
Atomics.store(sideWords, 1, 1)
