// A writer worker: writes `count` accepted records of the format in record.mjs into ring `cpu`,
// retrying refused ones, and reports how many attempts it made and how many were accepted.
//
// workerData:
//   sab, control   the buffer and the test's control block
//   cpu, id        the ring to write and this writer's id
//   count          accepted records to write
//   api            'reserve' (reserve, encode in place, commit) or 'write' (encode, write())
//   prime          'overrun': write without pacing until the ring overwrote something;
//                  'refused': until a reservation was refused; 'none'. The reader starts
//                  once every writer is primed, so overruns or drops are certain.
//   lagLimit       >0: keep at most this many records buffered in the ring (stats().entries)...
//   burstEvery     ...except for `burstLen` records every `burstEvery` records (more losses;
//                  in a shared ring, no burst once some writer reached its final stretch, see
//                  othersFinishing)
//   jumpEvery      >0: advance the timestamps by 5 s every this many records (time extends)
//   tail           >0: count C_TAIL when this many records are left and stop pacing (the
//                  reader stops reading then, so the last records stay buffered)
//   burst          >0: after every `burst` records sleep `burstSleepMs` (wait tests)
import { parentPort, workerData } from 'node:worker_threads'
import { RingBuffer, monotonicNs } from '@onering/core'
import {
  C_DONE,
  C_PROGRESS,
  C_READY,
  C_TAIL,
  MAX_PAYLOAD,
  encode,
  payloadLength,
  sleep,
} from './record.mjs'

const {
  sab,
  control,
  cpu,
  id,
  count,
  api = 'reserve',
  prime = 'none',
  lagLimit = 0,
  burstEvery = 0,
  burstLen = 0,
  jumpEvery = 0,
  tail = 0,
  burst = 0,
  burstSleepMs = 0,
} = workerData

const rb = RingBuffer.attach(sab)
// a reserved contiguous payload may wrap around the data area: encode in place only when paged
if (api === 'reserve' && rb.layout !== 'paged')
  throw new Error('writer.mjs: api reserve needs the paged layout')
const ctl = new Int32Array(control)
const w = rb.writer(cpu)
const scratch = new Uint8Array(MAX_PAYLOAD)
const sdv = new DataView(scratch.buffer)
const views = []

let attempts = 0
let accepted = 0
let refused = 0
let primed = false
let nextBurst = burstEvery
let burstUntil = 0
let jump = 0
let pacingSleeps = 0

function markPrimed() {
  primed = true
  w.flush()
  Atomics.add(ctl, C_READY, 1)
  Atomics.notify(ctl, C_READY)
}

/**
 * True when this writer shares its ring with others and one of them reached its final stretch
 * (`tail`) or finished. An unpaced burst then overwrites the oldest unread records of the ring,
 * which include that writer's last ones; the reader cannot see those losses as gaps (no later
 * record of that writer follows), so the per-writer identity received + gaps = accepted would
 * not hold. Under load the writers of a shared ring routinely finish 10^4..10^5 records apart,
 * so the other writer's burst at the next multiple of `burstEvery` could come after it.
 */
const sharedRing = rb.sync === 'shared'
function othersFinishing() {
  return sharedRing && Atomics.load(ctl, C_TAIL) > 0
}

function pace() {
  if (lagLimit <= 0 || accepted >= count - tail) return
  if (burstEvery > 0 && accepted >= nextBurst) {
    burstUntil = accepted + burstLen
    nextBurst += burstEvery
  }
  if (accepted < burstUntil) {
    if (!othersFinishing()) return
    burstUntil = 0
  }
  if (rb.stats(cpu).entries <= lagLimit) return
  w.flush()
  while (rb.stats(cpu).entries > lagLimit >> 1) {
    pacingSleeps++
    sleep(0.1)
  }
}

if (prime === 'none') markPrimed()

while (accepted < count) {
  const seq = accepted
  const ts = monotonicNs() + jump
  attempts++
  let ok
  if (api === 'reserve') {
    const off = w.reserve(payloadLength(id, seq), ts)
    ok = off >= 0
    if (ok) {
      encode(w.bytes, w.view, off, id, seq, ts)
      w.commit()
    }
  } else {
    const len = encode(scratch, sdv, 0, id, seq, ts)
    ok = w.write((views[len] ??= scratch.subarray(0, len)), ts)
  }
  if (!ok) {
    refused++
    if (!primed && prime === 'refused') markPrimed()
    // the ring is full: publish what we have and give the reader the CPU for a moment
    w.flush()
    sleep(0.05)
    continue
  }
  accepted++
  if (jumpEvery > 0 && accepted % jumpEvery === 0) jump += 5e9
  if (tail > 0 && accepted === count - tail) {
    w.flush()
    Atomics.add(ctl, C_TAIL, 1)
  }
  if (burst > 0 && accepted % burst === 0) sleep(burstSleepMs)
  // in a burst: stop it (and pace) as soon as another writer of the ring is finishing
  if (accepted < burstUntil && primed && othersFinishing()) pace()
  if ((accepted & 63) === 0) {
    Atomics.store(ctl, C_PROGRESS + id, accepted)
    if (primed) pace()
    else if (prime === 'overrun' && rb.stats(cpu).overrun > 0) markPrimed()
  }
}
if (!primed) markPrimed()
w.close()
// where every writer was when this one finished (diagnostics)
const progress = Array.from({ length: 8 }, (_, k) => Atomics.load(ctl, C_PROGRESS + k))
parentPort.postMessage({
  type: 'done',
  id,
  cpu,
  attempts,
  accepted,
  refused,
  pacingSleeps,
  progress,
})
Atomics.add(ctl, C_DONE, 1)
Atomics.notify(ctl, C_DONE)
