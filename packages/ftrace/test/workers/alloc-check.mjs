// Heap bytes allocated per event by the trace-event write path (built package), run with
// --expose-gc: after a warm-up, gc(), then N events (three rounds, the least kept) of each kind with no gc in between; the
// young generation (16 MiB semi-spaces by default on 64-bit) holds anything they allocate, so
// heapUsed grows by what they allocate. Prints one JSON line: bytes per event per kind.
// The clock is a counter closure: core's default mono clock (performance.now() based) boxes
// its result, which is the engine's cost, not this layer's.
import { EventEncoder, defineEvent, EventIdAllocator, stringFieldSize } from '@onering/trace-events'
import {
  ring_buffer_alloc,
  ring_buffer_set_clock,
  RB_FL_OVERWRITE,
  trace_event_buffer_commit,
  trace_event_buffer_reserve,
  trace_event_write,
  tracing_mark_write,
} from '@onering/ftrace'

const ev = defineEvent(
  {
    system: 'onering',
    name: 'alloc',
    fields: [
      { name: 'seq', type: 'u32' },
      { name: 'dur', type: 'u64' },
      { name: 'name', type: 'string' },
    ],
  },
  new EventIdAllocator(),
)
const tb = ring_buffer_alloc(1 << 16, RB_FL_OVERWRITE)
let t = 0
ring_buffer_set_clock(tb, () => (t += 10))
const enc = new EventEncoder(ev)
const values = [0, 0, 'GET /index.html']
const N = Number(process.argv[2] ?? 100_000)
const kinds = {
  reserve_commit: (k) => {
    const e = trace_event_buffer_reserve(tb, enc, stringFieldSize('GET /index.html'))
    if (e !== null) {
      e.setNumber(0, k)
      e.setNumber(1, k * 3)
      e.setString(2, 'GET /index.html')
      trace_event_buffer_commit(tb)
    }
  },
  trace_event_write: (k) => {
    values[0] = k
    values[1] = k * 3
    trace_event_write(tb, enc, values)
  },
  tracing_mark_write: () => {
    tracing_mark_write(tb, 'a marker text')
  },
}
const out = {}
// the least of three rounds: one-off allocation (a late tier-up compiled on a loaded machine,
// feedback vectors) can land in any one round; an allocation per event is in all three
for (const [name, fn] of Object.entries(kinds)) {
  for (let k = 0; k < N; k++) fn(k) // warm-up (JIT)
  let least = Infinity
  for (let round = 0; round < 3; round++) {
    globalThis.gc()
    const before = process.memoryUsage().heapUsed
    for (let k = 0; k < N; k++) fn(k)
    least = Math.min(least, (process.memoryUsage().heapUsed - before) / N)
  }
  out[name] = least
}
console.log(JSON.stringify(out))
