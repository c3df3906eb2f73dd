// The consumer of the blocking-wait test: sleeps in `reader.wait()` (Atomics.wait) until the
// watermark is reached, drains, and goes back to sleep. The writers never notify per record:
// they only check for waiters when they publish.
//
// workerData: sab, control, writers ([{ id, cpu }]), perCpu (wait on each ring in turn, else on
// all rings), watermark (records / bytes / percent or nothing)
import { parentPort, workerData } from 'node:worker_threads'
import { ALL_CPUS, RingBuffer } from '@onering/core'
import { C_DONE, Checker } from './record.mjs'

const { sab, control, writers, perCpu, watermark } = workerData
const rb = RingBuffer.attach(sab)
const reader = rb.reader()
const ctl = new Int32Array(control)
const cpus = rb.cpus
const checker = new Checker(writers, cpus, { overwrite: false, shared: false })
const nw = writers.length

function check(rec) {
  checker.check(rec.cpu, rec.bytes, rec.offset, rec.length, rec.timestamp)
}

let woken = 0
let timedOut = 0
let slept = 0
let turn = 0
for (;;) {
  const done = Atomics.load(ctl, C_DONE) === nw
  for (let c = 0; c < cpus; c++) reader.drain(c, check)
  if (done) break
  const cpu = perCpu ? turn++ % cpus : ALL_CPUS
  const t0 = performance.now()
  // the timeout only lets the loop notice the end of the run
  if (reader.wait(cpu, { ...watermark, timeout: 100 })) woken++
  else timedOut++
  if (performance.now() - t0 > 0.5) slept++
}
if (!reader.empty()) checker.fail('the rings are not empty at the end')
parentPort.postMessage({ type: 'final', woken, timedOut, slept, ...checker.result() })
