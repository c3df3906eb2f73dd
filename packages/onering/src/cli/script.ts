/**
 * `onering script FILE [--json]`: every event of a trace.dat or a perf.data, one line each, as
 * `trace-cmd report` / `perf script` print them, or one JSON object per line.
 *
 * @packageDocumentation
 */
import { parseArgs } from 'node:util'
import { PERF_RECORD_SAMPLE } from '@onering/perf'
import { callchainListing, hasJsStacks, StackSymbolizer } from '../cpu-stacks.js'
import { fileListing, openTraceFile, plainEvents } from '../trace-file.js'
import type { PlainEvent, TraceFile } from '../trace-file.js'
import { UsageError } from './usage-error.js'

export const SCRIPT_HELP: string = `Usage: onering script [--json] [--ns] FILE

Prints every event of FILE as its tool does: a trace.dat (ours or trace-cmd's) as
trace-cmd report, a perf.data (ours or perf's) as
perf script -G -F comm,tid,cpu,time,event,ip,period,trace; samples with a callchain
(--cpu-profile) with their frames under them, named from perf-<pid>.map, as
perf script -F comm,tid,cpu,time,event,ip,sym,period prints them.
  --json   one JSON object per event: cpu, time (ns), pid, tid, comm, event, system, fields
           (and callchain: [{ip, sym}], leaf first, for a stack sample)
  --ns     nanosecond timestamps (trace-cmd report -t, perf script --ns)
`

/** Lines written to stdout in chunks (a listing can hold millions of events). */
class Out {
  #lines: string[] = []
  push(line: string): void {
    this.#lines.push(line)
    if (this.#lines.length >= 1024) this.flush()
  }
  flush(): void {
    if (this.#lines.length === 0) return
    process.stdout.write(this.#lines.join('\n') + '\n')
    this.#lines = []
  }
}

/** Run `onering script`. */
export async function script(args: readonly string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        json: { type: 'boolean' },
        ns: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    })
  } catch (err) {
    throw new UsageError(`script: ${(err as Error).message.split('\n')[0]!}`)
  }
  if (parsed.values.help === true) {
    process.stdout.write(SCRIPT_HELP)
    return 0
  }
  if (parsed.positionals.length !== 1)
    throw new UsageError('script: expected one FILE (onering script trace.dat)')
  const path = parsed.positionals[0]!
  const file = await openTraceFile(path)
  const out = new Out()
  const stacks = file.kind === 'perf.data' && hasJsStacks(file.file)
  if (parsed.values.json === true)
    for (const ev of stacks ? withCallchains(file, path) : plainEvents(file))
      out.push(JSON.stringify(ev))
  else {
    const lines = fileListing(file, { ns: parsed.values.ns === true })
    for (const line of stacks && file.kind === 'perf.data'
      ? callchainListing(file.file, path, lines)
      : lines)
      out.push(line)
  }
  out.flush()
  return 0
}

/** The plain events of a perf.data, each stack sample with its `callchain` (leaf first). */
function* withCallchains(
  f: TraceFile,
  path: string,
): Generator<PlainEvent & { callchain?: { ip: number; sym: string }[] }> {
  if (f.kind !== 'perf.data') {
    yield* plainEvents(f)
    return
  }
  const sym = new StackSymbolizer(path)
  const samples = (function* () {
    for (const r of f.file.events())
      if (r.record.type === PERF_RECORD_SAMPLE && r.evsel !== undefined) yield r.record
  })()
  for (const ev of plainEvents(f)) {
    const rec = samples.next().value
    const cc = rec !== undefined && 'callchain' in rec ? rec.callchain : undefined
    yield cc === undefined ? ev : { ...ev, callchain: sym.frames(ev.pid, cc) }
  }
}
