/**
 * The summary `onering report` gives of a recording: events per type and per thread, the
 * slowest HTTP requests and the latency percentiles of each route (server side, and the
 * requests the app made with `http` and fetch), a histogram of GC pauses, event-loop delay
 * percentiles and utilization per thread, and the events lost.
 *
 * @packageDocumentation
 */
import type { ThreadFunctions } from './cpu-stacks.js'
import type { PlainEvent } from './trace-file.js'

/** Latency percentiles of a group of requests, in milliseconds. */
export interface Latency {
  readonly count: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
}

/** One request with its outcome. */
export interface RequestLine {
  readonly kind: 'server' | 'client' | 'fetch'
  readonly method: string
  readonly target: string
  readonly status: number
  readonly ms: number
  readonly thread: string
}

/** What {@link summarize} returns (`onering report --json`). */
export interface TraceSummary {
  readonly events: number
  readonly lost: number
  readonly first: number
  readonly last: number
  readonly byEvent: Record<string, number>
  readonly byThread: Record<string, number>
  readonly slowest: readonly RequestLine[]
  readonly routes: Record<string, Latency & { readonly statuses: Record<string, number> }>
  readonly gc: {
    readonly count: number
    readonly totalMs: number
    readonly histogram: Record<string, number>
    readonly byKind: Record<string, number>
  }
  readonly loop: Record<
    string,
    { samples: number; p50Ms: number; p99Ms: number; maxMs: number; utilization: number }
  >
  /** Stack samples (`--cpu-profile`) by thread: the top functions by self and total samples. */
  readonly cpu?: Record<string, CpuThreadProfile>
}

/** The top functions of one thread's stack samples. */
export interface CpuThreadProfile {
  /** Samples of the thread. */
  readonly samples: number
  /**
   * The functions among the {@link TOP_FUNCTIONS} first by self or by total samples, by self
   * then total: `self` samples had it as the leaf, `total` had it anywhere on the stack.
   */
  readonly top: readonly {
    readonly function: string
    readonly self: number
    readonly total: number
  }[]
}

/** Functions listed per thread, by self and by total samples. */
export const TOP_FUNCTIONS = 10

/** The top functions of each thread's samples (see {@link CpuThreadProfile}). */
export function topFunctions(
  threads: Record<string, ThreadFunctions>,
): Record<string, CpuThreadProfile> {
  const out: Record<string, CpuThreadProfile> = {}
  const first = (m: Record<string, number>): string[] =>
    Object.entries(m)
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP_FUNCTIONS)
      .map(([k]) => k)
  for (const [thread, t] of Object.entries(threads).sort((a, b) => b[1].samples - a[1].samples)) {
    const names = new Set([...first(t.self), ...first(t.total)])
    out[thread] = {
      samples: t.samples,
      top: [...names]
        .map((f) => ({ function: f, self: t.self[f] ?? 0, total: t.total[f] ?? 0 }))
        .sort((a, b) => b.self - a.self || b.total - a.total),
    }
  }
  return out
}

const GC_BUCKETS: readonly [string, number][] = [
  ['<0.1ms', 0.1],
  ['<0.5ms', 0.5],
  ['<1ms', 1],
  ['<5ms', 5],
  ['<10ms', 10],
  ['<50ms', 50],
  ['>=50ms', Infinity],
]
const GC_KINDS: Readonly<Record<number, string>> = {
  1: 'minor',
  2: 'mark-compact-2',
  4: 'major',
  8: 'incremental',
  16: 'weakcb',
}

function pct(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[k]!
}

function latency(values: number[]): Latency {
  const s = values.sort((a, b) => a - b)
  return { count: s.length, p50: pct(s, 50), p90: pct(s, 90), p99: pct(s, 99), max: s.at(-1) ?? 0 }
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v))
const str = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : ''
const ms = (ns: unknown): number => Math.round(num(ns) / 1e3) / 1e3
const route = (url: string): string => url.split('?')[0]!

/**
 * Summarize the events of a file; `statsLost` is what the file's ring counters say was lost
 * (the report shows the larger of it and the pages' missed counts).
 */
export function summarize(events: Iterable<PlainEvent>, statsLost = 0): TraceSummary {
  const byEvent: Record<string, number> = {}
  const byThread: Record<string, number> = {}
  const requests: RequestLine[] = []
  const routeTimes = new Map<string, { times: number[]; statuses: Record<string, number> }>()
  const starts = new Map<string, { method: string; target: string }>()
  const gcTimes: number[] = []
  const gcKinds: Record<string, number> = {}
  const loops = new Map<
    string,
    { p50: number[]; p99: number[]; max: number; util: number[]; samples: number }
  >()
  let count = 0
  let lost = 0
  let first = Infinity
  let last = 0
  for (const ev of events) {
    count++
    if (ev.missed !== 0) lost += ev.missed < 0 ? 1 : ev.missed
    first = Math.min(first, ev.time)
    last = Math.max(last, ev.time)
    // perf names a tracepoint system:name, trace-cmd by its name only
    const event = ev.event.startsWith(`${ev.system}:`)
      ? ev.event.slice(ev.system.length + 1)
      : ev.event
    const name =
      ev.system === 'node' || ev.system === 'ftrace' || ev.system === ''
        ? event
        : `${ev.system}:${event}`
    byEvent[name] = (byEvent[name] ?? 0) + 1
    const thread = `${ev.comm}-${ev.tid}`
    byThread[thread] = (byThread[thread] ?? 0) + 1
    if (ev.system !== 'node') continue
    const f = ev.fields
    switch (event) {
      case 'http_server_end': {
        const line: RequestLine = {
          kind: 'server',
          method: str(f['method']),
          target: str(f['url']),
          status: num(f['status']),
          ms: ms(f['dur_ns']),
          thread,
        }
        requests.push(line)
        const key = `${line.method} ${route(line.target)}`
        const r = routeTimes.get(key) ?? { times: [], statuses: {} }
        r.times.push(line.ms)
        r.statuses[line.status] = (r.statuses[line.status] ?? 0) + 1
        routeTimes.set(key, r)
        break
      }
      case 'http_client_start':
        starts.set(`c${ev.tid}:${num(f['req'])}`, {
          method: str(f['method']),
          target: `${str(f['host'])}${str(f['path'])}`,
        })
        break
      case 'fetch_start':
        starts.set(`f${ev.tid}:${num(f['req'])}`, {
          method: str(f['method']),
          target: `${str(f['origin'])}${str(f['path'])}`,
        })
        break
      case 'http_client_end':
      case 'fetch_end': {
        const kind = event === 'fetch_end' ? 'fetch' : 'client'
        const s = starts.get(`${kind === 'fetch' ? 'f' : 'c'}${ev.tid}:${num(f['req'])}`)
        requests.push({
          kind,
          method: s?.method ?? '?',
          target: s?.target ?? '?',
          status: num(f['status']),
          ms: ms(f['dur_ns']),
          thread,
        })
        break
      }
      case 'gc': {
        const d = num(f['dur_ns']) / 1e6
        gcTimes.push(d)
        const k = GC_KINDS[num(f['kind'])] ?? `kind-${num(f['kind'])}`
        gcKinds[k] = (gcKinds[k] ?? 0) + 1
        break
      }
      case 'loop_delay': {
        const l = loops.get(thread) ?? { p50: [], p99: [], max: 0, util: [], samples: 0 }
        if (num(f['samples']) > 0) {
          l.p50.push(num(f['p50_ns']) / 1e6)
          l.p99.push(num(f['p99_ns']) / 1e6)
          l.max = Math.max(l.max, num(f['max_ns']) / 1e6)
        }
        l.samples += num(f['samples'])
        l.util.push(num(f['util_ppm']) / 1e6)
        loops.set(thread, l)
        break
      }
    }
  }
  const histogram: Record<string, number> = {}
  for (const [label] of GC_BUCKETS) histogram[label] = 0
  for (const t of gcTimes) {
    const b = GC_BUCKETS.find(([, lim]) => t < lim)!
    histogram[b[0]]!++
  }
  const routes: TraceSummary['routes'] = {}
  for (const [k, r] of [...routeTimes].sort((a, b) => b[1].times.length - a[1].times.length))
    routes[k] = { ...latency(r.times), statuses: r.statuses }
  const loop: TraceSummary['loop'] = {}
  for (const [t, l] of loops) {
    const r3 = (x: number): number => Math.round(x * 1000) / 1000
    loop[t] = {
      samples: l.samples,
      p50Ms: r3(
        pct(
          l.p50.sort((a, b) => a - b),
          50,
        ),
      ),
      p99Ms: r3(
        pct(
          l.p99.sort((a, b) => a - b),
          99,
        ),
      ),
      maxMs: r3(l.max),
      utilization: r3(l.util.reduce((a, b) => a + b, 0) / Math.max(1, l.util.length)),
    }
  }
  return {
    events: count,
    lost: Math.max(lost, statsLost),
    first: count === 0 ? 0 : first,
    last,
    byEvent,
    byThread,
    slowest: requests.sort((a, b) => b.ms - a.ms).slice(0, 10),
    routes,
    gc: {
      count: gcTimes.length,
      totalMs: Math.round(gcTimes.reduce((a, b) => a + b, 0) * 1000) / 1000,
      histogram,
      byKind: gcKinds,
    },
    loop,
  }
}

function table(rows: (string | number)[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)))
  return rows.map((r) =>
    r
      .map((cell, c) =>
        typeof cell === 'number' ? String(cell).padStart(widths[c]!) : cell.padEnd(widths[c]!),
      )
      .join('  ')
      .trimEnd(),
  )
}

/** The report as text for a person. */
export function reportText(s: TraceSummary): string {
  const out: string[] = []
  const secs = ((s.last - s.first) / 1e9).toFixed(3)
  out.push(`${s.events} events over ${secs} s, ${s.lost} lost`)
  out.push('', 'Events by type:')
  out.push(
    ...table(
      Object.entries(s.byEvent)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => ['  ' + k, v]),
    ),
  )
  out.push('', 'Events by thread:')
  out.push(
    ...table(
      Object.entries(s.byThread)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => ['  ' + k, v]),
    ),
  )
  const routes = Object.entries(s.routes)
  if (routes.length > 0) {
    out.push('', 'HTTP server routes (ms):')
    out.push(
      ...table([
        ['  route', 'count', 'p50', 'p90', 'p99', 'max', 'statuses'],
        ...routes.map(([k, r]) => [
          '  ' + k,
          r.count,
          r.p50,
          r.p90,
          r.p99,
          r.max,
          Object.entries(r.statuses)
            .map(([c, n]) => `${c}×${n}`)
            .join(' '),
        ]),
      ]),
    )
  }
  if (s.slowest.length > 0) {
    out.push('', 'Slowest requests:')
    out.push(
      ...table(
        s.slowest.map((r) => ['  ' + r.kind, r.method, r.target, r.status, `${r.ms} ms`, r.thread]),
      ),
    )
  }
  out.push('', `GC: ${s.gc.count} pauses, ${s.gc.totalMs} ms in total`)
  if (s.gc.count > 0) {
    out.push(
      ...table(
        Object.entries(s.gc.histogram).map(([k, v]) => [
          '  ' + k,
          v,
          '#'.repeat(Math.ceil((40 * v) / Math.max(1, s.gc.count))),
        ]),
      ),
    )
    out.push(
      '  by kind: ' +
        Object.entries(s.gc.byKind)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
    )
  }
  const loops = Object.entries(s.loop)
  if (loops.length > 0) {
    out.push('', 'Event-loop delay (ms) and utilization:')
    out.push(
      ...table([
        ['  thread', 'p50', 'p99', 'max', 'util'],
        ...loops.map(([t, l]) => [
          '  ' + t,
          l.p50Ms,
          l.p99Ms,
          l.maxMs,
          `${Math.round(l.utilization * 100)}%`,
        ]),
      ]),
    )
  }
  if (s.cpu !== undefined && Object.keys(s.cpu).length > 0) {
    out.push('', 'CPU samples: top functions by self and total samples:')
    for (const [thread, t] of Object.entries(s.cpu)) {
      out.push(`  ${thread}: ${t.samples} samples`)
      out.push(
        ...table([
          ['    self', '', 'total', '', 'function'],
          ...t.top.map((f) => [
            f.self,
            pctText(f.self, t.samples),
            f.total,
            pctText(f.total, t.samples),
            f.function,
          ]),
        ]),
      )
    }
  }
  return out.join('\n') + '\n'
}

function pctText(n: number, of: number): string {
  return `${((100 * n) / Math.max(1, of)).toFixed(1)}%`.padStart(6)
}
