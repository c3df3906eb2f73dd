// The reader worker of the batched-read tests (batch.test.ts). Like reader.mjs, but it consumes
// with reader.consumeBatch() while the writers run and with reader.drain() (the same batched
// path, one reused RingRecord) after they closed, checking every record (see Checker).
// With `throwEvery`, the callback throws on every throwEvery-th record: the record it threw on
// counts as consumed (it was checked), and the records after it in the chunk must come again.
//
// workerData: sab, control, writers ([{ id, cpu }]), overwrite (boolean), throwEvery (0 = never),
// budget (records per consumeBatch call).
import { parentPort, workerData } from 'node:worker_threads'
import { ALL_CPUS, RingBuffer } from '@onering/core'
import { C_GO, finalMessage, readerChecker, readWhileWriting } from './record.mjs'

const { sab, control, writers, overwrite, throwEvery = 0, budget = 4096 } = workerData
const rb = RingBuffer.attach(sab)
const reader = rb.reader()
const ctl = new Int32Array(control)
const cpus = rb.cpus
const checker = readerChecker(rb, writers, overwrite)
const ringRead = [new Float64Array(cpus), new Float64Array(cpus)]
let phase = 0
let seen = 0
let thrown = 0
let batches = 0

class Injected extends Error {}

function visit(bytes, offset, length, timestamp, lost, cpu) {
  ringRead[phase][cpu]++
  checker.lost(cpu, lost)
  checker.check(cpu, bytes, offset, length, timestamp)
  if (throwEvery > 0 && ++seen % throwEvery === 0) throw new Injected('injected')
}

function visitRecord(rec) {
  visit(rec.bytes, rec.offset, rec.length, rec.timestamp, rec.lost, rec.cpu)
}

/** One batched read of ring `cpu`; returns the records it consumed (an injected throw ends it). */
function batchOnce(cpu, drain) {
  const before = ringRead[phase][cpu]
  try {
    const n = drain
      ? reader.drain(cpu, visitRecord, budget)
      : reader.consumeBatch(cpu, visit, budget)
    if (n !== ringRead[phase][cpu] - before)
      checker.fail(
        `ring ${cpu}: batch returned ${n}, callback saw ${ringRead[phase][cpu] - before}`,
      )
    batches++
    return n
  } catch (e) {
    if (!(e instanceof Injected)) throw e
    thrown++
    return ringRead[phase][cpu] - before
  }
}

/** One batched read of every ring; returns the records consumed. */
function readLive() {
  let n = 0
  for (let c = 0; c < cpus; c++) n += batchOnce(c, false)
  return n
}

const idle = readWhileWriting(ctl, writers.length, readLive, () =>
  reader.wait(ALL_CPUS, { timeout: 2 }),
)
parentPort.postMessage({ type: 'paused', read: Array.from(ringRead[0]) })
while (Atomics.load(ctl, C_GO) === 0) Atomics.wait(ctl, C_GO, 0, 100)

// every writer closed: drain the rest of each ring through drain()'s batched path
phase = 1
for (let c = 0; c < cpus; c++) {
  for (;;) {
    const before = ringRead[1][c]
    batchOnce(c, true)
    if (ringRead[1][c] === before) break
  }
}
if (!reader.empty()) checker.fail('the rings are not empty after the drain')
if (reader.consumeBatch(ALL_CPUS, visit) !== 0) checker.fail('consumeBatch(ALL_CPUS) found more')

parentPort.postMessage(finalMessage(checker, ringRead, { idle, thrown, batches }))
