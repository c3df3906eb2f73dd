// The kernel side of the control page seqlock (perf_event_update_userpage), by hand:
// ++lock (odd), store the self-monitoring fields, ++lock (even). Every update k stores
// fields that are all derived from k, so a torn snapshot is visible as a mismatch.
import { parentPort, workerData } from 'node:worker_threads'

const { sab, stop: stopBuf } = workerData
const dv = new DataView(sab)
const lock = new Uint32Array(sab, 8, 1)
const stop = new Int32Array(stopBuf)

let k = 0
while (Atomics.load(stop, 0) === 0) {
  k++
  const v = BigInt(k)
  Atomics.add(lock, 0, 1)
  dv.setUint32(12, k & 0xffff, true) // index
  dv.setBigInt64(16, -v, true) // offset
  dv.setBigUint64(24, v * 3n, true) // time_enabled
  dv.setBigUint64(32, v * 2n, true) // time_running
  dv.setUint16(50, k % 31, true) // time_shift
  dv.setUint32(52, k, true) // time_mult
  dv.setBigUint64(56, v * 5n, true) // time_offset
  dv.setBigUint64(64, v * 7n, true) // time_zero
  dv.setBigUint64(80, v * 11n, true) // time_cycles
  dv.setBigUint64(88, v * 13n, true) // time_mask
  Atomics.add(lock, 0, 1)
  // the kernel updates the page now and then, not continuously
  if (k % 16 === 0) Atomics.wait(stop, 0, 0, 0.05)
}
parentPort.postMessage(k)
