/**
 * The libtraceevent oracle: builds `format-check.c` against the installed libtraceevent-dev
 * (`pkg-config --cflags --libs libtraceevent`, `$CC` or `cc`) and runs it on batches of formats
 * and payloads. Without the library or a compiler, {@link missing} says what is absent: the
 * suites then skip with a warning, or fail when `CI` is set (CI must run them).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const CC = process.env['CC'] ?? 'cc'
export const inCi: boolean = !['', '0', 'false'].includes((process.env['CI'] ?? '').toLowerCase())

function runs(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' })
  return r.error === undefined && r.status === 0
}

/** What is missing to build the checker, or null. */
export const missing: string | null = !runs('pkg-config', ['--exists', 'libtraceevent'])
  ? 'libtraceevent (`pkg-config --exists libtraceevent` failed; install pkg-config and libtraceevent-dev)'
  : !runs(CC, ['--version'])
    ? `a C compiler (\`${CC} --version\` failed; set CC or install gcc)`
    : null

/** A field as libtraceevent parsed it. */
export interface TepField {
  name: string
  offset: number
  size: number
  flags: number
  arrayLength: number
  elementSize: number
  type: string
}

/** libtraceevent's reading of one format and its payloads. */
export interface TepEvent {
  status: number
  printFailed: boolean
  fields: TepField[]
  /** per payload: field name → canonical value */
  values: Map<string, string>[]
  /** per payload: tep_print_event(TEP_PRINT_INFO) bytes as latin1 */
  printed: string[]
  /** payloads on which tep_print_event crashed (caught SIGSEGV/SIGBUS) */
  crashed: Set<number>
  /** payloads whose print read past the record (the text depends on memory after it) */
  pastRecord: Set<number>
}

/** One format of a batch and the payloads to decode with it. */
export interface BatchItem {
  system: string
  text: string
  payloads: Uint8Array[]
}

let dir = ''
let checker = ''

/** Build the checker into a temporary directory. */
export function buildChecker(): void {
  dir = mkdtempSync(join(tmpdir(), 'onering-format-check-'))
  checker = join(dir, 'format-check')
  const flags = spawnSync('pkg-config', ['--cflags', '--libs', 'libtraceevent'], {
    encoding: 'utf8',
  })
  if (flags.status !== 0)
    throw new Error(`pkg-config --cflags --libs libtraceevent: ${flags.stderr}`)
  const src = fileURLToPath(new URL('./format-check.c', import.meta.url))
  const args = ['-std=gnu11', '-O2', '-Wall', '-Wextra', '-Werror', '-o', checker, src]
  args.push(...flags.stdout.trim().split(/\s+/))
  const cc = spawnSync(CC, args, { encoding: 'utf8' })
  if (cc.status !== 0) throw new Error(`${CC} ${args.join(' ')} failed:\n${cc.stderr}`)
}

/** The built checker's path (after {@link buildChecker}). */
export const checkerPath = (): string => checker

/** Remove the checker. */
export function removeChecker(): void {
  if (dir !== '') rmSync(dir, { recursive: true, force: true })
}

const latin1 = new TextDecoder('latin1')

/** Run the checker on `items` (with `kallsyms` loaded into every tep handle). */
export function runChecker(name: string, items: readonly BatchItem[], kallsyms = ''): TepEvent[] {
  const parts: string[] = []
  if (kallsyms !== '') parts.push(`K ${Buffer.byteLength(kallsyms)}\n${kallsyms}\n`)
  for (const it of items) {
    parts.push(`F ${it.system} ${Buffer.byteLength(it.text)}\n${it.text}\n`)
    for (const p of it.payloads) parts.push(`P ${Buffer.from(p).toString('hex')}\n`)
  }
  const input = join(dir, `${name}.in`)
  writeFileSync(input, parts.join(''))
  const r = spawnSync(checker, [input], { encoding: 'utf8', maxBuffer: 1 << 30 })
  if (r.status !== 0) throw new Error(`format-check ${name}: status ${r.status}: ${r.stderr}`)
  const out: TepEvent[] = []
  let cur: TepEvent | undefined
  for (const line of r.stdout.split('\n')) {
    if (line === '') continue
    const kind = line[0]
    if (kind === 'F') {
      const f = line.split(' ')
      cur = {
        status: Number(f[2]),
        printFailed: f[3] === '1',
        fields: [],
        values: [],
        printed: [],
        crashed: new Set(),
        pastRecord: new Set(),
      }
      out.push(cur)
    } else if (kind === 'D') {
      const m = /^D (\S+) (\d+) (\d+) (\d+) (\d+) (\d+) (.*)$/.exec(line)
      if (m === null) throw new Error(`format-check: bad line ${line}`)
      cur!.fields.push({
        name: m[1]!,
        offset: Number(m[2]),
        size: Number(m[3]),
        flags: Number(m[4]),
        arrayLength: Number(m[5]),
        elementSize: Number(m[6]),
        type: m[7]!,
      })
    } else if (kind === 'V') {
      const [, p, field, value] = line.split(' ')
      const k = Number(p)
      ;(cur!.values[k] ??= new Map()).set(field!, value ?? '')
    } else if (kind === 'U') {
      const [, p] = line.split(' ')
      cur!.pastRecord.add(Number(p))
    } else if (kind === 'X') {
      const [, p] = line.split(' ')
      cur!.crashed.add(Number(p))
    } else if (kind === 'T') {
      const [, p, hex] = line.split(' ')
      cur!.printed[Number(p)] = latin1.decode(Buffer.from(hex ?? '', 'hex'))
    } else throw new Error(`format-check: unexpected line ${line}`)
  }
  if (out.length !== items.length)
    throw new Error(`format-check ${name}: ${out.length} results for ${items.length} formats`)
  return out
}
