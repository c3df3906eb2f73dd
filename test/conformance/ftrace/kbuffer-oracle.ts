/**
 * Builds and runs `kbuffer-check.c` (libtraceevent's kbuffer, and with formats its
 * `tep_print_event`) for the kbuffer-API and tep-on-pages suites. Without pkg-config,
 * libtraceevent-dev or a C compiler {@link kbufferMissing} says what is absent: the suites skip
 * with a warning, or fail when `CI` is set.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'vitest'

const CC = process.env['CC'] ?? 'cc'
/** CI is set: a missing oracle is a failure. */
export const inCi: boolean = !['', '0', 'false'].includes((process.env['CI'] ?? '').toLowerCase())

function runs(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' })
  return r.error === undefined && r.status === 0
}

/** What is missing to build the checker, or null. */
export const kbufferMissing: string | null = !runs('pkg-config', ['--exists', 'libtraceevent'])
  ? 'libtraceevent (`pkg-config --exists libtraceevent` failed; install pkg-config and libtraceevent-dev)'
  : !runs(CC, ['--version'])
    ? `a C compiler (\`${CC} --version\` failed; set CC or install gcc)`
    : null

/**
 * Without the oracle: a failing suite when `CI` is set (CI must run it), else a warning. Call at
 * the top of a test file, then `describe.skipIf(kbufferMissing !== null)(…)`.
 */
export function reportMissingOracle(suite: string): void {
  if (kbufferMissing === null) return
  if (inCi)
    describe(`${suite} (CI)`, () => {
      it('has libtraceevent and a C compiler', () => {
        throw new Error(`${suite} cannot run: missing ${kbufferMissing}.`)
      })
    })
  else console.warn(`\n[${suite}] SKIPPED: missing ${kbufferMissing}.\n`)
}

let dir = ''
let checker = ''

/** Build the checker into a temporary directory. */
export function buildKbufferChecker(): void {
  dir = mkdtempSync(join(tmpdir(), 'onering-kbuffer-api-'))
  checker = join(dir, 'kbuffer-check')
  const flags = spawnSync('pkg-config', ['--cflags', '--libs', 'libtraceevent'], {
    encoding: 'utf8',
  })
  if (flags.status !== 0)
    throw new Error(`pkg-config --cflags --libs libtraceevent: ${flags.stderr}`)
  const src = fileURLToPath(new URL('./kbuffer-check.c', import.meta.url))
  const args = ['-std=gnu11', '-O2', '-Wall', '-Wextra', '-o', checker, src]
  args.push(...flags.stdout.trim().split(/\s+/))
  const cc = spawnSync(CC, args, { encoding: 'utf8' })
  if (cc.status !== 0) throw new Error(`${CC} ${args.join(' ')} failed:\n${cc.stderr}`)
}

/** Remove the checker. */
export function removeKbufferChecker(): void {
  if (dir !== '') rmSync(dir, { recursive: true, force: true })
}

/** One event format for the checker's tep handle. */
export interface CheckerFormat {
  system: string
  text: string
}

/**
 * Run the checker on `pages` (whole sub-buffers back to back). With `formats`, every event
 * line is followed by a `T` line: libtraceevent's `tep_print_event` of it (see the C file).
 * Returns stdout; throws with stderr on a non-zero exit.
 */
export function runKbufferChecker(
  name: string,
  pages: Uint8Array,
  subbufSize: number,
  formats?: { formats: CheckerFormat[]; cmdlines?: string; kallsyms?: string; cpu?: number },
): string {
  const file = join(dir, `${name}.raw`)
  writeFileSync(file, pages)
  const args = [file, String(subbufSize)]
  if (formats !== undefined) {
    const parts: string[] = []
    if (formats.kallsyms)
      parts.push(`K ${Buffer.byteLength(formats.kallsyms)}\n${formats.kallsyms}\n`)
    if (formats.cmdlines)
      parts.push(`C ${Buffer.byteLength(formats.cmdlines)}\n${formats.cmdlines}\n`)
    for (const f of formats.formats)
      parts.push(`F ${f.system} ${Buffer.byteLength(f.text)}\n${f.text}\n`)
    const ffile = join(dir, `${name}.formats`)
    writeFileSync(ffile, parts.join(''))
    args.push(ffile, String(formats.cpu ?? 0))
  }
  const r = spawnSync(checker, args, { encoding: 'utf8', maxBuffer: 1 << 28 })
  if (r.status !== 0) throw new Error(`kbuffer-check ${name}: status ${r.status}: ${r.stderr}`)
  return r.stdout
}
