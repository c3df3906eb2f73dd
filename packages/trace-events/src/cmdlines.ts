/**
 * `saved_cmdlines`: the pid → comm table tracefs keeps and trace.dat / perf's tracing data
 * carry (lines `<pid> <comm>\n`). trace-cmd prints `<...>` for a pid missing from it.
 *
 * @packageDocumentation
 */
import { shown } from './args.js'

/** Parse `saved_cmdlines` text into a pid → comm map (a later line wins). */
export function parseCmdlines(text: string): Map<number, string> {
  if (typeof text !== 'string')
    throw new TypeError(`text: expected the saved_cmdlines text, got ${shown(text)}`)
  const out = new Map<number, string>()
  for (const line of text.split('\n')) {
    const m = /^(-?\d+) (.*)$/.exec(line)
    if (m !== null) out.set(Number(m[1]), m[2]!)
  }
  return out
}

/**
 * `saved_cmdlines` text for `comms` (pid → comm).
 *
 * @throws TypeError if a comm holds a newline or a pid is not an integer.
 */
export function formatCmdlines(comms: ReadonlyMap<number, string>): string {
  if (!(comms instanceof Map))
    throw new TypeError(`comms: expected a Map of pid to comm, got ${shown(comms)}`)
  let out = ''
  for (const [pid, comm] of comms) {
    if (!Number.isInteger(pid)) throw new TypeError(`comms: pid ${pid} is not an integer`)
    if (typeof comm !== 'string') throw new TypeError(`comms: comm of pid ${pid} is not a string`)
    if (comm.includes('\n')) throw new TypeError(`comms: comm of pid ${pid} holds a newline`)
    out += `${pid} ${comm}\n`
  }
  return out
}
