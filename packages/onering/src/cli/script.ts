/**
 * `onering script FILE [--json]`: every event of a trace.dat or a perf.data, one line each, as
 * `trace-cmd report` / `perf script` print them, or one JSON object per line.
 *
 * @packageDocumentation
 */
import { parseArgs } from 'node:util'
import { fileListing, openTraceFile, plainEvents } from '../trace-file.js'
import { UsageError } from './usage-error.js'

export const SCRIPT_HELP: string = `Usage: onering script [--json] [--ns] FILE

Prints every event of FILE as its tool does: a trace.dat (ours or trace-cmd's) as
trace-cmd report, a perf.data (ours or perf's) as
perf script -G -F comm,tid,cpu,time,event,ip,period,trace.
  --json   one JSON object per event: cpu, time (ns), pid, tid, comm, event, system, fields
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
  const file = await openTraceFile(parsed.positionals[0]!)
  const out = new Out()
  if (parsed.values.json === true) for (const ev of plainEvents(file)) out.push(JSON.stringify(ev))
  else for (const line of fileListing(file, { ns: parsed.values.ns === true })) out.push(line)
  out.flush()
  return 0
}
