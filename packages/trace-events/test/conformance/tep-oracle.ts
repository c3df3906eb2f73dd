/**
 * Records for `format-check.c`'s `R` lines and what libtraceevent printed for them:
 * `tep_print_event` under three formats (`Q` lines) and `tep_get_field_val` /
 * `tep_get_field_raw` of every field (`G` lines). The checker is the one `oracle.ts` builds.
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { checkerPath } from './oracle.js'

/** One record: CPU, timestamp, payload. */
export interface CheckRecord {
  cpu: number
  ts: bigint
  payload: Uint8Array
}

/** One format and its records. */
export interface RecordBatchItem {
  system: string
  text: string
  records: CheckRecord[]
}

/** tep_get_field_val / tep_get_field_raw of one field. */
export interface FieldGet {
  status: number
  value: string
  len: number
  offset: number
}

/** libtraceevent's output for one format. */
export interface RecordResult {
  /** per record, per format k: the printed bytes as latin1, 'X' (crashed) or 'U' (read past) */
  printed: string[][]
  /** per record: field name → get results */
  gets: Map<string, FieldGet>[]
  /** the format was parsed into an event */
  parsed: boolean
}

const latin1 = new TextDecoder('latin1')

/** Run the checker on `items` with `kallsyms` and `cmdlines` loaded into every handle. */
export function runRecordChecker(
  name: string,
  items: readonly RecordBatchItem[],
  kallsyms: string,
  cmdlines: string,
): RecordResult[] {
  const parts: string[] = [`K ${Buffer.byteLength(kallsyms)}\n${kallsyms}\n`]
  parts.push(`C ${Buffer.byteLength(cmdlines)}\n${cmdlines}\n`)
  for (const it of items) {
    parts.push(`F ${it.system} ${Buffer.byteLength(it.text)}\n${it.text}\n`)
    for (const r of it.records)
      parts.push(`R ${r.cpu} ${r.ts} ${Buffer.from(r.payload).toString('hex')}\n`)
  }
  const input = join(dirname(checkerPath()), `${name}.records.in`)
  writeFileSync(input, parts.join(''))
  const r = spawnSync(checkerPath(), [input], { encoding: 'utf8', maxBuffer: 1 << 30 })
  if (r.status !== 0) throw new Error(`format-check ${name}: status ${r.status}: ${r.stderr}`)
  const out: RecordResult[] = []
  let cur: RecordResult | undefined
  for (const line of r.stdout.split('\n')) {
    if (line === '') continue
    const f = line.split(' ')
    if (f[0] === 'F') {
      cur = { printed: [], gets: [], parsed: false }
      out.push(cur)
    } else if (f[0] === 'D') cur!.parsed = true
    else if (f[0] === 'Q') {
      const p = Number(f[1])
      const v = f[3] ?? ''
      ;(cur!.printed[p] ??= [])[Number(f[2])] =
        v === 'X' || v === 'U' ? v : latin1.decode(Buffer.from(v, 'hex'))
    } else if (f[0] === 'G') {
      const p = Number(f[1])
      ;(cur!.gets[p] ??= new Map()).set(f[2]!, {
        status: Number(f[3]),
        value: f[4]!,
        len: Number(f[5]),
        offset: Number(f[6]),
      })
    } else throw new Error(`format-check ${name}: unexpected line ${line}`)
  }
  if (out.length !== items.length)
    throw new Error(`format-check ${name}: ${out.length} results for ${items.length} formats`)
  return out
}
