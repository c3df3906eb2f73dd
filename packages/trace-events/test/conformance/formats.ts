/**
 * The format corpora of the conformance suites: the committed snapshot of a Linux 6.18 tracefs
 * (test/fixtures/tracefs-formats.json.gz, made by snapshot-formats.mjs), the live tracefs when
 * it is readable, and formats this package generates.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'

/** A format file and where it came from. */
export interface FormatSource {
  /** `system/event` */
  key: string
  system: string
  text: string
}

/** The committed snapshot. */
export interface Snapshot {
  kernel: string
  machine: string
  headerPage: string
  headerEvent: string
  formats: Record<string, string>
}

/** Read the committed snapshot. */
export function loadSnapshot(): Snapshot {
  const gz = readFileSync(new URL('../fixtures/tracefs-formats.json.gz', import.meta.url))
  return JSON.parse(gunzipSync(gz).toString('utf8')) as Snapshot
}

/** The snapshot's formats as sources. */
export function snapshotFormats(snapshot: Snapshot): FormatSource[] {
  return Object.entries(snapshot.formats).map(([key, text]) => ({
    key,
    system: key.split('/')[0]!,
    text,
  }))
}

/** The live tracefs root, when `events/` can be listed. */
export const TRACEFS = '/sys/kernel/tracing'

/** Every readable `events/*\/*\/format` of the live tracefs (empty if tracefs is not readable). */
export function liveFormats(root: string = TRACEFS): FormatSource[] {
  const events = join(root, 'events')
  const out: FormatSource[] = []
  let systems
  try {
    systems = readdirSync(events, { withFileTypes: true })
  } catch {
    return out
  }
  for (const s of systems) {
    if (!s.isDirectory()) continue
    for (const e of readdirSync(join(events, s.name), { withFileTypes: true })) {
      if (!e.isDirectory()) continue
      try {
        const text = readFileSync(join(events, s.name, e.name, 'format'), 'utf8')
        out.push({ key: `${s.name}/${e.name}`, system: s.name, text })
      } catch {
        // not readable: skipped
      }
    }
  }
  return out
}
