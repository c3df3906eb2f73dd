// A producer that writes a perf mmap ring buffer in a SharedArrayBuffer the way the kernel
// does (kernel/events/ring_buffer.c), written by hand without the package:
//   (A) read data_tail; if CIRC_SPACE(head, tail, size) < record size, write nothing
//       (one byte always stays free, so head == tail means empty);
//   write the record at head & (size − 1), in two pieces if it straddles the end;
//   (B) publish data_head with Atomics.store (a release after the data stores).
// Then it bumps a wake-up word, as the kernel's wakeup would make poll() return.
//
// Record k: header {type, misc, size}, u32 k at 8, u32 size at 12, then bytes
// (k × 7 + i) & 255 for i in [16, size). Sizes and types come from recordShape(k), which the
// test recomputes to verify every record.
import { parentPort, workerData } from 'node:worker_threads'

const { sab, signal: signalBuf, count, shapes } = workerData
const O_HEAD = 1024
const O_DATA_OFFSET = 1040
const O_DATA_SIZE = 1048

const dv = new DataView(sab)
const ht = new BigInt64Array(sab, O_HEAD, 2) // [data_head, data_tail]
const dataOffset = Number(dv.getBigUint64(O_DATA_OFFSET, true))
const dataSize = Number(dv.getBigUint64(O_DATA_SIZE, true))
const data = new Uint8Array(sab, dataOffset, dataSize)
const mask = BigInt(dataSize - 1)
// signal[0]: bumped after each published record (the consumer waits on it);
// signal[1]: bumped by the consumer after each consume (we wait on it when full)
const signal = new Int32Array(signalBuf)

// same function as the test's
function recordShape(k) {
  const h = Math.imul(k ^ (k >>> 7), 0x9e3779b1) >>> 0
  let size = 16 + 8 * (h % 64) // 16..520 bytes
  if (k % 997 === 996) size = shapes.big
  const type = k % 5 === 0 ? 14 : 9 // SWITCH or SAMPLE
  const misc = k % 5 === 0 ? 0x2000 : 2
  return { size, type, misc }
}

const rec = new Uint8Array(65536)
const recDv = new DataView(rec.buffer)
let head = BigInt.asUintN(64, Atomics.load(ht, 0))
let waits = 0
let wraps = 0

for (let k = 0; k < count; k++) {
  const { size, type, misc } = recordShape(k)
  recDv.setUint32(0, type, true)
  recDv.setUint16(4, misc, true)
  recDv.setUint16(6, size, true)
  recDv.setUint32(8, k, true)
  recDv.setUint32(12, size, true)
  for (let i = 16; i < size; i++) rec[i] = (k * 7 + i) & 255

  // (A) wait for space; the consumer's tail store is the acquire side of our check
  for (;;) {
    const seen = Atomics.load(signal, 1)
    const tail = BigInt.asUintN(64, Atomics.load(ht, 1))
    const space = Number((tail - head - 1n) & mask)
    if (space >= size) break
    waits++
    Atomics.wait(signal, 1, seen, 20)
  }

  const off = Number(head & mask)
  const first = Math.min(size, dataSize - off)
  data.set(rec.subarray(0, first), off)
  if (first < size) {
    data.set(rec.subarray(first, size), 0)
    wraps++
  }
  head = BigInt.asUintN(64, head + BigInt(size))
  // (B) publish
  Atomics.store(ht, 0, BigInt.asIntN(64, head))
  Atomics.add(signal, 0, 1)
  Atomics.notify(signal, 0)
}

parentPort.postMessage({ head: head.toString(), waits, wraps })
