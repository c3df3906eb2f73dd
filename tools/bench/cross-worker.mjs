// Worker side of the cross-worker benchmarks of tools/bench/run.mjs. One script, several roles:
//
//   onering-producer / onering-consumer  through @onering/core (paged ring, consumeBatch, wait/notify)
//   port-producer / port-consumer        MessagePort.postMessage (per event or batched)
//   ringbuf-producer / ringbuf-consumer  ringbuf.js (SPSC, polling: it has no wait/notify)
//
// Every worker posts 'ready', waits for 'go', does its part and posts { done, ms }.
// It imports the BUILT packages by name, as a user would.
import { parentPort, workerData } from 'node:worker_threads'
import { RingBuffer } from '@onering/core'
import { RingBuffer as SpscRing } from 'ringbuf.js'

const { role, count, payload } = workerData

/** Sleep `ms` milliseconds (fractions allowed) without a timer: for back-off. */
const pause = (() => {
  const i32 = new Int32Array(new SharedArrayBuffer(4))
  return (ms) => Atomics.wait(i32, 0, 0, ms)
})()

function oneringProducer({ sab, cpu, first }) {
  const rb = RingBuffer.attach(sab)
  const w = rb.writer(cpu)
  const data = new Uint8Array(payload)
  const dv = new DataView(data.buffer)
  let full = 0
  for (let i = 0; i < count; i++) {
    dv.setUint32(0, first + i, true)
    while (!w.write(data)) {
      // produce-consume ring is full: publish what we have and let the consumer catch up
      w.flush()
      full++
      pause(0.02)
    }
  }
  w.close()
  return { full }
}

function oneringConsumer({ sab, cpu, expect, wakeRecords = 4096 }) {
  const rb = RingBuffer.attach(sab)
  const r = rb.reader()
  let sum = 0
  let waits = 0
  // batched consuming read: one reader-lock hold per chunk of records, no object per record
  const visit = (bytes, offset) => {
    sum += bytes[offset]
  }
  // when the ring is empty, sleep until `wakeRecords` more records were committed (the 1 MiB
  // ring holds about 14 500 of them) or 1 ms passed: the writer notifies once the watermark
  // is reached, so a larger watermark means fewer wake-ups (each costs the writer notifies)
  let n = 0
  while (n < expect) {
    const got = r.consumeBatch(cpu, visit, expect - n)
    if (got === 0) {
      waits++
      r.wait(cpu, { records: wakeRecords, timeout: 1 })
      continue
    }
    n += got
  }
  return { n, sum, waits }
}

function portProducer({ port, batch }) {
  const data = new Uint8Array(payload)
  if (batch <= 1) {
    for (let i = 0; i < count; i++) {
      data[0] = i
      port.postMessage(data)
    }
  } else {
    for (let i = 0; i < count; i += batch) {
      const msgs = []
      for (let k = 0; k < batch; k++) {
        data[0] = i + k
        msgs.push(data.slice())
      }
      port.postMessage(msgs)
    }
  }
  return {}
}

function portConsumer({ port }) {
  return new Promise((resolve) => {
    let n = 0
    port.on('message', (m) => {
      n += Array.isArray(m) ? m.length : 1
      if (n >= count) {
        port.close()
        resolve({ n })
      }
    })
  })
}

function ringbufProducer({ sab }) {
  const ring = new SpscRing(sab, Uint8Array)
  const data = new Uint8Array(payload)
  for (let i = 0; i < count; i++) {
    data[0] = i
    while (ring.available_write() < payload) {
      /* spin: ringbuf.js has no wait/notify */
    }
    ring.push(data)
  }
  return {}
}

function ringbufConsumer({ sab }) {
  const ring = new SpscRing(sab, Uint8Array)
  const out = new Uint8Array(payload)
  let n = 0
  let sum = 0
  while (n < count) {
    if (ring.available_read() < payload) continue
    ring.pop(out)
    sum += out[0]
    n++
  }
  return { n, sum }
}

const roles = {
  'onering-producer': oneringProducer,
  'onering-consumer': oneringConsumer,
  'port-producer': portProducer,
  'port-consumer': portConsumer,
  'ringbuf-producer': ringbufProducer,
  'ringbuf-consumer': ringbufConsumer,
}

parentPort.once('message', async () => {
  const t0 = performance.now()
  const info = await roles[role](workerData)
  parentPort.postMessage({ done: true, ms: performance.now() - t0, ...info })
})
parentPort.postMessage({ ready: true })
