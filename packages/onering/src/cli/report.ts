/**
 * `onering report FILE [--json]`: a summary of a recording for a person.
 *
 * @packageDocumentation
 */
import { parseArgs } from 'node:util'
import { fileLost, openTraceFile, plainEvents } from '../trace-file.js'
import { hasJsStacks, stackProfile } from '../cpu-stacks.js'
import { reportText, summarize, topFunctions } from '../trace-summary.js'
import { UsageError } from './usage-error.js'

export const REPORT_HELP: string = `Usage: onering report [--json] FILE

Summarizes FILE (a trace.dat or a perf.data): events per type and thread, HTTP routes with latency
percentiles and the slowest requests, a GC pause histogram, event-loop delay and
utilization per thread, lost events; for stack samples (record --cpu-profile),
the top functions per thread by self and total samples.  --json prints the same as one JSON object.
`

/** Run `onering report`. */
export async function report(args: readonly string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: [...args],
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    })
  } catch (err) {
    throw new UsageError(`report: ${(err as Error).message.split('\n')[0]!}`)
  }
  if (parsed.values.help === true) {
    process.stdout.write(REPORT_HELP)
    return 0
  }
  if (parsed.positionals.length !== 1)
    throw new UsageError('report: expected one FILE (onering report trace.dat)')
  const path = parsed.positionals[0]!
  const file = await openTraceFile(path)
  const base = summarize(plainEvents(file), fileLost(file))
  const s =
    file.kind === 'perf.data' && hasJsStacks(file.file)
      ? { ...base, cpu: topFunctions(stackProfile(file.file, path)) }
      : base
  process.stdout.write(
    parsed.values.json === true ? JSON.stringify(s, null, 2) + '\n' : reportText(s),
  )
  return 0
}
