/**
 * `saved_cmdlines`: the pid → comm table tracefs keeps and trace.dat / perf's tracing data
 * carry (lines `<pid> <comm>\n`). trace-cmd prints `<...>` for a pid missing from it.
 *
 * @packageDocumentation
 */

/** Parse `saved_cmdlines` text into a pid → comm map (a later line wins). */
export function parseCmdlines(text: string): Map<number, string> {
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
  let out = ''
  for (const [pid, comm] of comms) {
    if (!Number.isInteger(pid)) throw new TypeError(`comms: pid ${pid} is not an integer`)
    if (comm.includes('\n')) throw new TypeError(`comms: comm of pid ${pid} holds a newline`)
    out += `${pid} ${comm}\n`
  }
  return out
}
