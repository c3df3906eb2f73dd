// The reader worker of the accounting tests. It checks every record it consumes (see Checker),
// reads until every writer closed, reports ('paused'), waits for the test's go, drains the rest
// in merged timestamp order and reports the totals ('final').
//
// workerData: sab, control, writers ([{ id, cpu }]), method ('next' | 'consume' | 'drain' |
// 'drain-all'), overwrite (boolean).
import { parentPort, workerData } from 'node:worker_threads'
import { ALL_CPUS, RingBuffer } from '@onering/core'
import { C_GO, finalMessage, readerChecker, readWhileWriting } from './record.mjs'

const { sab, control, writers, method, overwrite } = workerData
const rb = RingBuffer.attach(sab)
const reader = rb.reader()
const ctl = new Int32Array(control)
const cpus = rb.cpus
const shared = rb.sync === 'shared'
const checker = readerChecker(rb, writers, overwrite)
const ringRead = [new Float64Array(cpus), new Float64Array(cpus)]
let phase = 0
let mergeTs = -Infinity

function check(rec) {
  const cpu = rec.cpu
  ringRead[phase][cpu]++
  checker.lost(cpu, rec.lost)
  checker.check(cpu, rec.bytes, rec.offset, rec.length, rec.timestamp)
  if (phase === 1 && !shared) {
    if (rec.timestamp < mergeTs)
      checker.fail(`merge: ring ${cpu} timestamp ${rec.timestamp} after ${mergeTs}`)
    mergeTs = rec.timestamp
  }
}

/**
 * Diagnostics for a corrupt-record error: the ring's control words and the bytes around the
 * reported position, so a rare failure can be analysed from the test log.
 */
function diagnose(e) {
  const m = /at byte (\d+)/.exec(String(e?.message))
  const i = new Int32Array(rb.sab)
  const c = rb.ctl(0)
  const words = {}
  for (const [k, n] of Object.entries({
    tailSeq: 0,
    commitSeq: 2,
    headSeq: 4,
    readerPage: 6,
    readerRead: 7,
    readerSeq: 8,
    resv: 17,
    sharedPage: 19,
    sharedSeq: 20,
  }))
    words[k] = i[c + n]
  let bytes = ''
  if (m) {
    const at = Number(m[1])
    const u8 = new Uint8Array(rb.sab)
    bytes = Buffer.from(u8.subarray(Math.max(0, at - 64), at + 64)).toString('hex')
    const unit = rb.subbufSize
    const base = rb.subbufOffset(0, 0)
    words.page = Math.floor((at - base) / unit)
    words.pageCommit = i[(base + words.page * unit + 8) >> 2]
  }
  return new Error(`${e.message}; ring ${JSON.stringify(words)}; bytes[-64,+64) ${bytes}`, {
    cause: e,
  })
}

function readSome() {
  try {
    return readSomeRaw()
  } catch (e) {
    throw diagnose(e)
  }
}

function readSomeRaw() {
  let n = 0
  switch (method) {
    case 'next':
      for (let r = reader.next(); r !== null; r = reader.next()) {
        check(r)
        if (++n === 256) break
      }
      return n
    case 'consume':
      for (let c = 0; c < cpus; c++) {
        for (let k = 0; k < 128; k++) {
          const r = reader.consume(c)
          if (r === null) break
          check(r)
          n++
        }
      }
      return n
    case 'drain':
      for (let c = 0; c < cpus; c++) n += reader.drain(c, check, 256)
      return n
    case 'drain-all':
      return reader.drain(ALL_CPUS, check, 256)
    default:
      throw new Error(`unknown method ${method}`)
  }
}

const idle = readWhileWriting(ctl, writers.length, readSome, () =>
  reader.wait(ALL_CPUS, { timeout: 2 }),
)
parentPort.postMessage({ type: 'paused', read: Array.from(ringRead[0]) })
while (Atomics.load(ctl, C_GO) === 0) Atomics.wait(ctl, C_GO, 0, 100)

// every writer closed: drain the rest in timestamp order over all rings
phase = 1
try {
  for (let r = reader.next(); r !== null; r = reader.next()) check(r)
} catch (e) {
  throw diagnose(e)
}
if (!reader.empty()) checker.fail('the rings are not empty after the drain')

parentPort.postMessage(finalMessage(checker, ringRead, { idle }))
