// onering demo: writer workers write events into their own rings of one shared buffer, a
// consumer worker reads them all from the shared memory, merged in timestamp order, and checks
// them. The main thread prints live progress from the buffer's counters, then per-CPU statistics,
// throughput and the accounting invariants. Exits with code 1 when an invariant does not hold.
//
//   node tools/examples/core-demo.mjs [--seconds 5] [--writers 2] [--rate 250000] [--mode overwrite|produce-consume]
//                       [--layout paged|contiguous] [--size <bytes per ring>]
//
// The writers ramp up: each writes `rate` events/s in the first second, twice that in the next,
// and so on, and as fast as it can in the last second (always with `--rate 0`), so the run shows
// the consumer keeping up first and the ring overwriting (or dropping) once it cannot.
//
// It imports the built package by name, exactly as a user would (`npm run build` first).
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import { parseArgs } from 'node:util'
import { ALL_CPUS, RingBuffer, rawContiguousClient, rawPagedClient } from '@onering/core'

// An event: u32 sequence number (per writer), u32 writer id, f64 value, u32 check word,
// u32 payload length; followed by 0..24 bytes of data. The check word ties the fields together
// so that a torn event is detected.
const EVENT_FIXED = 24
const EVENT_EXTRA = 24
const STOP = 0

function checkWord(seq, writer, value, len) {
  return (
    (Math.imul(seq, 0x9e3779b1) ^ Math.imul(writer + 1, 0x85ebca6b) ^ (value >>> 0) ^ len) >>> 0
  )
}

if (isMainThread) {
  try {
    await main()
  } catch (e) {
    console.error(`demo: ${e instanceof Error ? e.message : String(e)}`)
    process.exitCode = 2
  }
} else if (workerData.role === 'writer') writer(workerData)
else consumer(workerData)

// ---- writer worker -------------------------------------------------------------------
function writer({ sab, cpu, seconds, rate }) {
  const rb = RingBuffer.attach(sab)
  const w = rb.writer(cpu)
  const paged = rb.layout === 'paged'
  const scratch = new Uint8Array(EVENT_FIXED + EVENT_EXTRA)
  const sdv = new DataView(scratch.buffer)
  const views = []
  const t0 = performance.now()
  const end = t0 + seconds * 1000
  const sleeper = new Int32Array(new SharedArrayBuffer(4))
  let seq = 0
  let attempts = 0
  // pacing: events written in the current second and the rate of that second
  let second = -1
  let target = 0
  let inSecond = 0
  for (let stop = false; !stop;) {
    const now = performance.now()
    const sec = Math.floor((now - t0) / 1000)
    if (sec !== second) {
      second = sec
      inSecond = 0
      target = rate > 0 && sec < seconds - 1 ? rate * 2 ** sec : 0
    }
    if (target > 0 && inSecond >= (target * (now - t0 - sec * 1000)) / 1000) {
      // ahead of this second's rate: publish what we have and sleep a little
      w.flush()
      Atomics.wait(sleeper, 0, 0, 0.2)
      stop = now >= end
      continue
    }
    inSecond += 256
    for (let k = 0; k < 256; k++) {
      const len = EVENT_FIXED + (seq % (EVENT_EXTRA / 8 + 1)) * 8
      const value = seq * 0.5 + cpu
      attempts++
      if (paged) {
        // zero-copy: reserve, fill the payload in place, commit
        const off = w.reserve(len)
        if (off < 0) continue
        encode(w.view, off, seq, cpu, value, len)
        w.commit()
      } else {
        encode(sdv, 0, seq, cpu, value, len)
        if (!w.write((views[len] ??= scratch.subarray(0, len)))) continue
      }
      seq++
    }
    stop = performance.now() >= end
  }
  w.close()
  parentPort.postMessage({ cpu, attempts, accepted: seq })
}

function encode(dv, off, seq, writer, value, len) {
  dv.setUint32(off, seq, true)
  dv.setUint32(off + 4, writer, true)
  dv.setFloat64(off + 8, value, true)
  dv.setUint32(off + 16, checkWord(seq, writer, value, len), true)
  dv.setUint32(off + 20, len, true)
}

// ---- consumer worker -----------------------------------------------------------------
function consumer({ sab, control }) {
  const rb = RingBuffer.attach(sab)
  const reader = rb.reader()
  const ctl = new Int32Array(control)
  const cpus = rb.cpus
  const received = new Array(cpus).fill(0)
  const gaps = new Array(cpus).fill(0)
  const lost = new Array(cpus).fill(0)
  const nextSeq = new Array(cpus).fill(0)
  const lastTs = new Array(cpus).fill(0)
  const problems = []
  let mergeTs = 0
  let draining = false
  const views = new WeakMap()
  const problem = (msg) => {
    if (problems.length < 10) problems.push(msg)
  }
  const view = (u8) => {
    let dv = views.get(u8)
    if (dv === undefined)
      views.set(u8, (dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength)))
    return dv
  }

  function check(r) {
    const c = r.cpu
    const dv = view(r.bytes)
    const o = r.offset
    received[c]++
    lost[c] += r.lost
    const seq = dv.getUint32(o, true)
    const writer = dv.getUint32(o + 4, true)
    const value = dv.getFloat64(o + 8, true)
    const len = dv.getUint32(o + 20, true)
    if (
      writer !== c ||
      len !== r.length ||
      dv.getUint32(o + 16, true) !== checkWord(seq, writer, value, len) ||
      value !== seq * 0.5 + c
    )
      return problem(`ring ${c}: torn event (seq ${seq})`)
    if (seq < nextSeq[c]) problem(`ring ${c}: event ${seq} after ${nextSeq[c] - 1}`)
    gaps[c] += seq - nextSeq[c]
    nextSeq[c] = seq + 1
    // every ring is in timestamp order; once the writers closed, so is the merge of all rings
    if (r.timestamp < lastTs[c]) problem(`ring ${c}: timestamp went back at event ${seq}`)
    lastTs[c] = r.timestamp
    if (draining) {
      if (r.timestamp < mergeTs)
        problem(`merge: ring ${c} timestamp ${r.timestamp} before ${mergeTs}`)
      mergeTs = r.timestamp
    }
  }

  while (Atomics.load(ctl, STOP) === 0) {
    if (reader.drain(ALL_CPUS, check, 4096) === 0) reader.wait(ALL_CPUS, { timeout: 50 })
  }
  draining = true
  reader.drain(ALL_CPUS, check)
  parentPort.postMessage({ received, gaps, lost, problems })
}

// ---- main thread ---------------------------------------------------------------------
async function main() {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '5' },
      writers: { type: 'string', default: '2' },
      rate: { type: 'string', default: '250000' },
      mode: { type: 'string', default: 'overwrite' },
      layout: { type: 'string', default: 'paged' },
      size: { type: 'string', default: String(1 << 20) },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    console.log(
      'usage: node tools/examples/core-demo.mjs [--seconds 5] [--writers 2] [--rate 250000] [--mode overwrite|produce-consume] [--layout paged|contiguous] [--size bytes]',
    )
    return
  }
  const seconds = Number(values.seconds)
  const writers = Number(values.writers)
  const size = Number(values.size)
  const rate = Number(values.rate)
  if (!(rate >= 0))
    throw new RangeError(
      '--rate: expected events per second per writer, or 0 for as fast as possible',
    )
  if (!(seconds > 0 && seconds <= 20))
    throw new RangeError('--seconds: expected a number in (0, 20]')
  if (!(Number.isInteger(writers) && writers >= 1 && writers <= 16))
    throw new RangeError('--writers: expected an integer in [1, 16]')
  const paged = values.layout === 'paged'
  if (!paged && values.layout !== 'contiguous')
    throw new RangeError('--layout: expected paged or contiguous')

  const rb = RingBuffer.create({
    cpus: writers,
    size,
    mode: values.mode,
    client: paged ? rawPagedClient : rawContiguousClient,
  })
  const control = new SharedArrayBuffer(4)
  const ctl = new Int32Array(control)
  const ringDesc = paged ? `paged, ${rb.subbufs} sub-buffers of ${rb.subbufSize} B` : 'contiguous'
  console.log(
    `onering demo: ${writers} writer workers -> ${writers} rings of ${fmtBytes(rb.size)} (${ringDesc}, ${rb.mode})`,
  )
  console.log(
    `              -> 1 consumer worker reading them merged in timestamp order, for ${seconds} s`,
  )
  if (rate > 0)
    console.log(
      `              each writer: ${rateOf(rate)} events/s, doubling every second, as fast as it can in the last second`,
    )
  console.log('')

  const self = new URL(import.meta.url)
  const start = performance.now()
  const consumerW = new Worker(self, { workerData: { role: 'consumer', sab: rb.sab, control } })
  const writerWs = Array.from(
    { length: writers },
    (_, cpu) =>
      new Worker(self, { workerData: { role: 'writer', sab: rb.sab, cpu, seconds, rate } }),
  )
  const consumerDone = result(consumerW)
  const writerDone = writerWs.map(result)

  // live progress from the shared counters, every 500 ms
  console.log('    time     written/s        read/s     overrun/s     dropped/s    buffered')
  let prev = rb.stats()
  let prevT = start
  const timer = setInterval(() => {
    const now = performance.now()
    const s = rb.stats()
    const dt = (now - prevT) / 1000
    console.log(
      `${pad(((now - start) / 1000).toFixed(1) + ' s', 8)}` +
        `${pad(perSec(s.written - prev.written, dt), 14)}${pad(perSec(s.read - prev.read, dt), 14)}` +
        `${pad(perSec(s.overrun - prev.overrun, dt), 14)}${pad(perSec(s.dropped - prev.dropped, dt), 14)}` +
        `${pad(fmtBytes(s.bytes), 12)}`,
    )
    prev = s
    prevT = now
  }, 500)

  let wrote
  let got
  let elapsed
  try {
    wrote = await Promise.all(writerDone)
    elapsed = (performance.now() - start) / 1000
    // every writer closed: the consumer drains what is left and reports
    Atomics.store(ctl, STOP, 1)
    Atomics.notify(ctl, STOP)
    got = await consumerDone
  } catch (e) {
    for (const w of [consumerW, ...writerWs]) void w.terminate()
    throw e
  } finally {
    clearInterval(timer)
  }
  const total = rb.stats()

  // per-CPU table
  console.log('')
  const cols = [
    'cpu',
    'written',
    'read',
    'overrun',
    'dropped',
    'lost',
    'bytes written',
    'bytes read',
  ]
  const widths = [5, 13, 13, 11, 11, 11, 15, 15]
  console.log(cols.map((c, k) => pad(c, widths[k])).join(''))
  const row = (name, s) =>
    console.log(
      [
        name,
        n(s.written),
        n(s.read),
        n(s.overrun),
        n(s.dropped),
        n(s.lost),
        fmtBytes(s.bytesWritten),
        fmtBytes(s.bytesRead),
      ]
        .map((c, k) => pad(c, widths[k]))
        .join(''),
    )
  for (let cpu = 0; cpu < writers; cpu++) row(String(cpu), rb.stats(cpu))
  row('all', total)
  console.log('')
  console.log(
    `throughput over ${elapsed.toFixed(2)} s: written ${perSec(total.written, elapsed)} events/s (${fmtBytes(total.bytesWritten / elapsed)}/s), ` +
      `read ${perSec(total.read, elapsed)} events/s (${fmtBytes(total.bytesRead / elapsed)}/s)`,
  )

  // invariants
  const failures = [...got.problems]
  for (let cpu = 0; cpu < writers; cpu++) {
    const s = rb.stats(cpu)
    const w = wrote.find((x) => x.cpu === cpu)
    const expect = (ok, what) => {
      if (!ok) failures.push(`ring ${cpu}: ${what}`)
    }
    expect(
      w.attempts === s.written + s.dropped + s.commitOverrun,
      `attempts ${w.attempts} != written + dropped + commitOverrun`,
    )
    expect(w.accepted === s.written, `accepted ${w.accepted} != written ${s.written}`)
    // counts made outside the engine: every event the writer wrote, the consumer received or
    // found missing in its sequence numbers (stats' written = read + overrun + entries would
    // hold by construction: stats derives entries from the other three)
    expect(
      w.accepted === got.received[cpu] + got.gaps[cpu],
      `accepted ${w.accepted} != received ${got.received[cpu]} + missing ${got.gaps[cpu]}`,
    )
    expect(
      w.attempts - w.accepted === s.dropped + s.commitOverrun,
      `refused ${w.attempts - w.accepted} != dropped + commitOverrun`,
    )
    expect(s.entries === 0, `${s.entries} events left after the drain`)
    expect(
      got.received[cpu] === s.read,
      `consumer received ${got.received[cpu]}, stats read ${s.read}`,
    )
    expect(
      got.gaps[cpu] === s.overrun,
      `${got.gaps[cpu]} events missing in sequence, overrun ${s.overrun}`,
    )
    expect(
      got.lost[cpu] === s.lost,
      `${got.lost[cpu]} losses reported to the consumer, stats lost ${s.lost}`,
    )
  }
  console.log('')
  console.log(
    'checks: every event intact and in order per ring, the final drain in timestamp order over all rings,',
  )
  console.log(
    '        attempts = written + dropped + commitOverrun, accepted = received + missing, stats = those counts',
  )
  if (failures.length === 0) console.log('        all hold')
  else {
    for (const f of failures) console.log(`FAILED: ${f}`)
    process.exitCode = 1
  }
}

function result(worker) {
  return new Promise((resolve, reject) => {
    let msg
    worker.on('message', (m) => (msg = m))
    worker.on('error', reject)
    worker.on('exit', (code) =>
      code === 0 && msg !== undefined
        ? resolve(msg)
        : reject(new Error(`worker exited with code ${code}`)),
    )
  })
}

function pad(s, w) {
  return String(s).padStart(w)
}

function n(x) {
  return x.toLocaleString('en-US')
}

function perSec(count, seconds) {
  return rateOf(count / seconds)
}

function rateOf(r) {
  return r >= 1e6
    ? `${(r / 1e6).toFixed(2)} M`
    : r >= 1e3
      ? `${(r / 1e3).toFixed(1)} k`
      : r.toFixed(0)
}

function fmtBytes(b) {
  return b >= 1 << 30
    ? `${(b / 2 ** 30).toFixed(2)} GiB`
    : b >= 1 << 20
      ? `${(b / 2 ** 20).toFixed(1)} MiB`
      : b >= 1024
        ? `${(b / 1024).toFixed(1)} KiB`
        : `${Math.round(b)} B`
}
