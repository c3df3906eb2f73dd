// The consumer of the AUX area cross-worker test (aux.test.ts): it gets the main mapping's
// bytes (control page first) and the AUX mapping's bytes — shared memory and nothing else —
// and reads with the package's auxtrace-style consumer, storing aux_tail after each read.
// Byte p of the stream is ((p * 31 + 7) & 255); every byte is checked.
import { parentPort, workerData } from 'node:worker_threads'
import { PerfAuxMmap, auxtrace_mmap__read } from '@onering/perf'

const { control, aux, signal: signalBuf, total } = workerData
const signal = new Int32Array(signalBuf)
const map = new PerfAuxMmap(control, aux)
let pos = map.prev
let reads = 0
let waits = 0
let bad = ''

function check(d, from) {
  for (let i = 0; i < d.length; i++) {
    const p = from + i
    if (d[i] !== ((p * 31 + 7) & 255)) {
      bad ||= `byte at AUX position ${p} is ${d[i]}`
      return
    }
  }
}

while (pos < total && bad === '') {
  const seen = Atomics.load(signal, 0)
  const r = auxtrace_mmap__read(map, (chunk, d1, d2) => {
    if (chunk.offset !== pos) bad ||= `chunk at ${chunk.offset}, expected ${pos}`
    check(d1, chunk.offset)
    check(d2, chunk.offset + d1.length)
    pos += chunk.size
  })
  if (r === 1) {
    reads++
    // tell the producer there is space again
    Atomics.add(signal, 1, 1)
    Atomics.notify(signal, 1)
  } else {
    waits++
    Atomics.wait(signal, 0, seen, 50)
  }
}
parentPort.postMessage({ pos, reads, waits, bad })
