// Benchmark cases of the tracepoint bridge (issue 10, point 1): a trace event written through the
// ftrace face alone, and the same event feeding one ftrace ring and one perf ring (a
// PERF_TYPE_TRACEPOINT perf event open on it, RAW samples). The goal: the second costs at most
// 1.6× the first per event. Two informative variants encode the event once into a scratch and let
// probes copy it into both rings (`trace_event_reg` for ftrace), to compare the one-reservation
// design (encode in the ftrace ring, perf copies from there) with the scratch design.
import { monotonicNs } from '@onering/core'
import {
  RB_FL_OVERWRITE,
  ring_buffer_alloc,
  ring_buffer_free,
  trace_event_reg,
  trace_event_unreg,
  trace_event_write,
} from '@onering/ftrace'
import { PROT_READ, close, mmap, munmap, perf_event_open } from '@onering/perf'
import {
  EventEncoder,
  EventIdAllocator,
  defineEvent,
  stringFieldSize,
  tracepointOf,
} from '@onering/trace-events'
import { tracepointAttr } from '../../test/support/perf-tracepoint-attr.mjs'

/** The names of the cases, for the ratios. */
export const BRIDGE_FTRACE_ONLY = 'trace event, ftrace ring only (trace_event_write)'
export const BRIDGE_FTRACE_PERF = 'trace event, ftrace ring + perf tracepoint ring'
export const BRIDGE_SCRATCH_FTRACE = 'trace event via scratch + probes, ftrace ring only'
export const BRIDGE_SCRATCH_BOTH = 'trace event via scratch + probes, ftrace + perf rings'

const ids = new EventIdAllocator()
/** A span-like event (u32, u64, string): 24 fixed bytes + the name; one definition per case. */
const define = (name) =>
  defineEvent(
    {
      system: 'bench',
      name,
      fields: [
        { name: 'seq', type: 'u32' },
        { name: 'dur', type: 'u64' },
        { name: 'name', type: 'string' },
      ],
    },
    ids,
  )
const NAME = 'GET /api/items'
const PAYLOAD = define('size_probe').fixedSize + stringFieldSize(NAME)

/** A perf tracepoint event on `def`, mapped 1 MiB read-only (an overwrite ring, as the others). */
function openPerf(def) {
  tracepointOf(def)
  const ev = perf_event_open(tracepointAttr(def.id), 0, -1)
  const map = mmap(ev, (1 + 256) * 4096, PROT_READ)
  return () => {
    munmap(map)
    close(ev)
  }
}

/**
 * Add the bridge cases with the run's `add` (see run.mjs: `{ group, name, payload, events,
 * setup }`) and `BATCH` events per iteration.
 */
export function addBridgeCases(add, BATCH) {
  for (const [name, perf, scratch] of [
    [BRIDGE_FTRACE_ONLY, false, false],
    [BRIDGE_FTRACE_PERF, true, false],
    [BRIDGE_SCRATCH_FTRACE, false, true],
    [BRIDGE_SCRATCH_BOTH, true, true],
  ]) {
    add({
      group: 'writer',
      name,
      payload: PAYLOAD,
      events: BATCH,
      setup() {
        const def = define(`case${ids.next()}`)
        const enc = new EventEncoder(def)
        const tb = ring_buffer_alloc(1 << 20, RB_FL_OVERWRITE, { clock: 'mono' })
        const closePerf = perf ? openPerf(def) : () => undefined
        const values = [0, 0, NAME]
        if (!scratch)
          return {
            fn() {
              for (let i = 0; i < BATCH; i++) {
                values[0] = i
                values[1] = i * 1000
                trace_event_write(tb, enc, values)
              }
            },
            teardown() {
              closePerf()
              ring_buffer_free(tb)
            },
          }
        // encode once into a scratch, then every probe copies (ftrace through trace_event_reg)
        const tp = tracepointOf(def)
        trace_event_reg(tb, def)
        const bytes = new Uint8Array(256)
        const view = new DataView(bytes.buffer)
        const size = enc.size(stringFieldSize(NAME))
        return {
          fn() {
            for (let i = 0; i < BATCH; i++) {
              enc.begin(bytes, view, 0, size, 1)
              enc.setNumber(0, i)
              enc.setNumber(1, i * 1000)
              enc.setString(2, NAME)
              tp.emit(bytes, 0, enc.end(), monotonicNs(), 0)
            }
          },
          teardown() {
            trace_event_unreg(tb, def)
            closePerf()
            ring_buffer_free(tb)
          },
        }
      },
    })
  }
}

/** The bridge's ratios (cost per event, lower is better) from the run's `find(name, payload)`. */
export function bridgeRatios(find, nsRatio) {
  nsRatio(
    `bridge: ftrace + perf tracepoint / ftrace only, ${PAYLOAD} B payload (ns/event)`,
    find(BRIDGE_FTRACE_PERF, PAYLOAD),
    find(BRIDGE_FTRACE_ONLY, PAYLOAD),
  )
  nsRatio(
    `info: bridge via scratch, ftrace + perf / ftrace only in place, ${PAYLOAD} B (ns/event)`,
    find(BRIDGE_SCRATCH_BOTH, PAYLOAD),
    find(BRIDGE_FTRACE_ONLY, PAYLOAD),
  )
  nsRatio(
    `info: bridge via scratch, ftrace only / in place, ${PAYLOAD} B (ns/event)`,
    find(BRIDGE_SCRATCH_FTRACE, PAYLOAD),
    find(BRIDGE_FTRACE_ONLY, PAYLOAD),
  )
}
