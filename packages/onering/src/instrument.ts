/**
 * What the recorder observes in a thread, without patching anything: Node's built-in
 * `diagnostics_channel` channels (HTTP server and client, undici/fetch, net, child processes,
 * workers) and `perf_hooks` (GC entries, event-loop delay and utilization). The built-in channels
 * are experimental and differ between Node majors, so each group subscribes to the names it
 * knows (several spellings where Node changed them) and uses what the running Node publishes:
 * a channel nobody publishes costs nothing. {@link detectSources} says which sources this Node
 * has.
 *
 * @packageDocumentation
 */
import * as dc from 'node:diagnostics_channel'
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks'
import type { EventLoopUtilization, PerformanceEntry } from 'node:perf_hooks'
import type { EventEncoder } from '@onering/trace-events'
import type { EventGroup } from './node-events.js'
import * as E from './node-events.js'
import type { Recorder } from './thread-recorder.js'

/** The built-in channels each group listens to (names of Node 18–24). */
export const CHANNELS: Readonly<Record<string, readonly string[]>> = {
  httpServerStart: ['http.server.request.start'],
  httpServerFinish: ['http.server.response.finish'],
  httpClientStart: ['http.client.request.start'],
  httpClientFinish: ['http.client.response.finish'],
  httpClientError: ['http.client.request.error'],
  fetchCreate: ['undici:request:create'],
  fetchHeaders: ['undici:request:headers'],
  fetchTrailers: ['undici:request:trailers'],
  fetchError: ['undici:request:error'],
  netClient: ['net.client.socket'],
  netServer: ['net.server.socket'],
  child: ['child_process'],
  worker: ['worker_threads'],
}

function entryTypes(): readonly string[] {
  return (
    (PerformanceObserver as unknown as { supportedEntryTypes?: readonly string[] })
      .supportedEntryTypes ?? []
  )
}

/** Which sources the running Node offers (diagnostics_channel itself, perf_hooks parts). */
export function detectSources(): Record<string, boolean> {
  return {
    subscribe: typeof dc.subscribe === 'function',
    tracingChannel: typeof (dc as { tracingChannel?: unknown }).tracingChannel === 'function',
    gc: entryTypes().includes('gc'),
    loopDelay: typeof monitorEventLoopDelay === 'function',
    loopUtilization: typeof performance.eventLoopUtilization === 'function',
  }
}

type Listener = (message: unknown) => void
const subscriptions: [string, Listener][] = []

function on(names: readonly string[], fn: Listener): void {
  for (const name of names) {
    const l = fn as (message: unknown, name: string | symbol) => void
    dc.subscribe(name, l)
    subscriptions.push([name, fn])
  }
}

/** Drop every subscription of this thread (the process is ending). */
export function unsubscribeAll(): void {
  for (const [name, fn] of subscriptions.splice(0)) dc.unsubscribe(name, fn)
}

const REQ_ID = Symbol('onering.req')
const REQ_START = Symbol('onering.start')
/** Start-time slots per thread (a power of two): requests open at once before spilling. */
const START_SLOTS = 4096

/** What an instrumented request carries: our id and start time. */
interface Stamped {
  [REQ_ID]?: number
  [REQ_START]?: number
}

/** A message of the HTTP or undici request channels: the request, its answer or its error. */
interface RequestMessage<R> {
  request: R & Stamped & { method?: string; path?: string; [k: symbol]: unknown }
  response?: { statusCode?: number }
  error?: { message?: string }
}
type HttpMessage = RequestMessage<{ url?: string; host?: string }>
type UndiciMessage = RequestMessage<{ origin?: string | { toString(): string } }>
interface SocketMessage {
  socket: {
    remoteAddress?: string
    remotePort?: number
    localPort?: number
    once?(event: string, fn: () => void): void
    [k: symbol]: unknown
  }
}

/** Subscribe the groups in `groups` for this thread's recorder. */
export function instrument(
  rec: Recorder,
  groups: ReadonlySet<EventGroup>,
  onWorker: (worker: WorkerLike) => void,
  intervalMs: number,
): void {
  let nextReq = 1
  // the start time of an open request lives in a slot of `starts` (its id's low bits) while
  // the slot is free: the request object only gets its id (a small integer), no boxed number;
  // when the slot is taken by a request still open, the start time goes on the object
  const slotIds = new Uint32Array(START_SLOTS)
  const starts = new Float64Array(START_SLOTS)
  const stamp = (o: Stamped, t: number): number => {
    const id = nextReq++ >>> 0
    o[REQ_ID] = id
    const k = id & (START_SLOTS - 1)
    if (slotIds[k] === 0) {
      slotIds[k] = id
      starts[k] = t
    } else o[REQ_START] = t
    return id
  }
  /** Nanoseconds from the request's start to `t` (0 for a request not stamped). */
  const dur = (o: Stamped, t: number): number => {
    const id = o[REQ_ID]
    if (id === undefined || id === 0) return 0
    const k = id & (START_SLOTS - 1)
    if (slotIds[k] === id) return t - starts[k]!
    const s = o[REQ_START]
    return s === undefined ? 0 : t - s
  }
  /** The request ended: free its slot. */
  const release = (o: Stamped): void => {
    const id = o[REQ_ID]
    if (id !== undefined && slotIds[id & (START_SLOTS - 1)] === id)
      slotIds[id & (START_SLOTS - 1)] = 0
  }
  /**
   * A client request (HTTP or fetch) ended, answered or failed: write its end event (id,
   * `status`, duration, `error`) with `enc` from the reused `v`, free its slot and mark it
   * ended. A request not stamped, or already ended, writes nothing.
   */
  const requestEnd = (
    req: Stamped,
    status: number,
    error: string,
    enc: EventEncoder,
    v: [number, number, number, string],
  ): void => {
    const id = req[REQ_ID]
    if (id === undefined || id === 0) return
    const t = rec.now()
    v[0] = id
    v[1] = status
    v[2] = dur(req, t)
    v[3] = error
    release(req)
    rec.writeAt(enc, v, t)
    req[REQ_ID] = 0
  }

  if (groups.has('http')) {
    const start = rec.encoder(E.HTTP_SERVER_START)
    const end = rec.encoder(E.HTTP_SERVER_END)
    const cStart = rec.encoder(E.HTTP_CLIENT_START)
    const cEnd = rec.encoder(E.HTTP_CLIENT_END)
    const vStart: [number, string, string] = [0, '', '']
    const vEnd: [number, number, number, string, string] = [0, 0, 0, '', '']
    const vcStart: [number, string, string, string] = [0, '', '', '']
    const vcEnd: [number, number, number, string] = [0, 0, 0, '']
    on(CHANNELS['httpServerStart']!, (m) => {
      const req = (m as HttpMessage).request
      const t = rec.now()
      vStart[0] = stamp(req, t)
      vStart[1] = req.method ?? ''
      vStart[2] = req.url ?? ''
      rec.writeAt(start, vStart, t)
    })
    on(CHANNELS['httpServerFinish']!, (m) => {
      const msg = m as HttpMessage
      const req = msg.request
      const t = rec.now()
      vEnd[0] = req[REQ_ID] ?? 0
      vEnd[1] = msg.response?.statusCode ?? 0
      vEnd[2] = dur(req, t)
      vEnd[3] = req.method ?? ''
      vEnd[4] = req.url ?? ''
      release(req)
      rec.writeAt(end, vEnd, t)
    })
    on(CHANNELS['httpClientStart']!, (m) => {
      const req = (m as HttpMessage).request
      const t = rec.now()
      vcStart[0] = stamp(req, t)
      vcStart[1] = req.method ?? ''
      vcStart[2] = req.host ?? ''
      vcStart[3] = req.path ?? ''
      rec.writeAt(cStart, vcStart, t)
    })
    const clientEnd = (m: unknown): void => {
      const msg = m as HttpMessage
      requestEnd(msg.request, msg.response?.statusCode ?? 0, msg.error?.message ?? '', cEnd, vcEnd)
    }
    on(CHANNELS['httpClientFinish']!, clientEnd)
    on(CHANNELS['httpClientError']!, clientEnd)
  }

  if (groups.has('fetch')) {
    const fStart = rec.encoder(E.FETCH_START)
    const fHeaders = rec.encoder(E.FETCH_HEADERS)
    const fEnd = rec.encoder(E.FETCH_END)
    const vStart: [number, string, string, string] = [0, '', '', '']
    const vHeaders: [number, number, number] = [0, 0, 0]
    const vEnd: [number, number, number, string] = [0, 0, 0, '']
    const status = Symbol('onering.status')
    on(CHANNELS['fetchCreate']!, (m) => {
      const req = (m as UndiciMessage).request
      const t = rec.now()
      vStart[0] = stamp(req, t)
      vStart[1] = req.method ?? ''
      vStart[2] = req.origin === undefined ? '' : String(req.origin)
      vStart[3] = req.path ?? ''
      rec.writeAt(fStart, vStart, t)
    })
    on(CHANNELS['fetchHeaders']!, (m) => {
      const msg = m as UndiciMessage
      const req = msg.request
      if (req[REQ_ID] === undefined || req[REQ_ID] === 0) return
      const t = rec.now()
      vHeaders[0] = req[REQ_ID]
      vHeaders[1] = msg.response?.statusCode ?? 0
      vHeaders[2] = dur(req, t)
      req[status] = vHeaders[1]
      rec.writeAt(fHeaders, vHeaders, t)
    })
    const fetchEnd = (m: unknown): void => {
      const msg = m as UndiciMessage
      const req = msg.request
      requestEnd(
        req,
        (req[status] as number | undefined) ?? 0,
        msg.error?.message ?? '',
        fEnd,
        vEnd,
      )
    }
    on(CHANNELS['fetchTrailers']!, fetchEnd)
    on(CHANNELS['fetchError']!, fetchEnd)
  }

  if (groups.has('net')) {
    const connect = rec.encoder(E.NET_CONNECT)
    const accept = rec.encoder(E.NET_ACCEPT)
    const vConnect: [number, string] = [0, '']
    const vAccept: [number, number, string] = [0, 0, '']
    on(CHANNELS['netClient']!, (m) => {
      const s = (m as SocketMessage).socket
      // the peer is known once connected
      s.once?.('connect', () => {
        vConnect[0] = s.remotePort ?? 0
        vConnect[1] = s.remoteAddress ?? ''
        rec.write(connect, vConnect)
      })
    })
    on(CHANNELS['netServer']!, (m) => {
      const s = (m as SocketMessage).socket
      vAccept[0] = s.remotePort ?? 0
      vAccept[1] = s.localPort ?? 0
      vAccept[2] = s.remoteAddress ?? ''
      rec.write(accept, vAccept)
    })
  }

  if (groups.has('child')) {
    const spawn = rec.encoder(E.CHILD_SPAWN)
    const v: [number, string] = [0, '']
    on(CHANNELS['child']!, (m) => {
      const cp = (
        m as {
          process: { pid?: number; spawnfile?: string; once?(e: string, f: () => void): void }
        }
      ).process
      const write = (): void => {
        v[0] = cp.pid ?? -1
        v[1] = cp.spawnfile ?? ''
        rec.write(spawn, v)
      }
      // the channel fires before spawn(): the pid is known once it returns
      if (cp.pid !== undefined) write()
      else queueMicrotask(write)
    })
  }

  // workers are followed whatever the groups: their rings are recovered when they exit
  on(CHANNELS['worker']!, (m) => {
    onWorker((m as { worker: WorkerLike }).worker)
  })

  if (groups.has('gc') && entryTypes().includes('gc')) {
    const gc = rec.encoder(E.GC)
    const v: [number, number, number, number] = [0, 0, 0, 0]
    // performance.now() is ms since this thread's timeOrigin; its CLOCK_MONOTONIC offset
    const base = rec.now() - performance.now() * 1e6
    const obs = new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as (PerformanceEntry & {
        detail?: { kind?: number; flags?: number }
      })[]) {
        const start = base + entry.startTime * 1e6
        v[0] = entry.detail?.kind ?? 0
        v[1] = entry.detail?.flags ?? 0
        v[2] = Math.round(entry.duration * 1e6)
        v[3] = Math.round(start)
        rec.writeAt(gc, v, start)
      }
    })
    obs.observe({ entryTypes: ['gc'] })
  }

  if (groups.has('loop') && typeof monitorEventLoopDelay === 'function') {
    const loop = rec.encoder(E.LOOP_DELAY)
    const v: [number, number, number, number, number, number] = [0, 0, 0, 0, 0, 0]
    const h = monitorEventLoopDelay({ resolution: 10 })
    h.enable()
    let elu: EventLoopUtilization | undefined = performance.eventLoopUtilization()
    const t = setInterval(() => {
      const now = performance.eventLoopUtilization()
      const d = performance.eventLoopUtilization(now, elu)
      elu = now
      v[0] = h.count > 0 ? h.min : 0
      v[1] = h.count > 0 ? h.percentile(50) : 0
      v[2] = h.count > 0 ? h.percentile(99) : 0
      v[3] = h.count > 0 ? h.max : 0
      v[4] = h.count
      v[5] = Math.round(d.utilization * 1e6)
      h.reset()
      rec.write(loop, v)
    }, intervalMs)
    t.unref()
  }
}

/** What the recorder needs of a `Worker`. */
export interface WorkerLike {
  readonly threadId: number
  once(event: 'exit', fn: (code: number) => void): unknown
}
