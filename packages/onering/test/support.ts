/**
 * Running the built CLI on the small apps of `test/apps` in real subprocesses, and reading
 * what it wrote with our reader and with trace-cmd.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { eventFields, readTraceDat, traceDatEvents } from '@onering/trace-dat'

const here = dirname(fileURLToPath(import.meta.url))
/** The built CLI. */
export const CLI: string = join(here, '..', 'dist', 'cli.js')
/** The test apps. */
export const APPS: string = join(here, 'apps')

/** A fresh output directory. */
export function outDir(): string {
  return mkdtempSync(join(tmpdir(), 'onering-cli-'))
}

/** What a finished CLI run gave. */
export interface Run {
  readonly status: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Run `onering <args>` to the end. */
export function onering(args: readonly string[], env: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: APPS,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 90_000,
  })
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }
}

/** Start `onering <args>`; `ready` resolves at the first stdout line containing `READY`. */
export function start(args: readonly string[]): {
  child: ReturnType<typeof spawn>
  ready: Promise<void>
  done: Promise<Run>
} {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: APPS })
  let stdout = ''
  let stderr = ''
  let onReady: () => void = () => undefined
  const ready = new Promise<void>((r) => (onReady = r))
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString()
    if (stdout.includes('READY')) onReady()
  })
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const done = new Promise<Run>((r) =>
    child.on('exit', (status, signal) => {
      r({ status, signal, stdout, stderr })
    }),
  )
  return { child, ready, done }
}

/** One event of a file, read by our reader. */
export interface Ev {
  readonly event: string
  readonly system: string
  readonly cpu: number
  readonly tid: number
  readonly comm: string
  readonly fields: Record<string, unknown>
  readonly missed: number
}

/** The events of a trace.dat (our reader). */
export function events(path: string): Ev[] {
  const file = readTraceDat(readFileSync(path))
  return [...traceDatEvents(file)].map((e) => ({
    event: e.format?.name ?? `id_${e.id}`,
    system: e.format?.system ?? '',
    cpu: e.cpu,
    tid: e.pid,
    comm: e.comm,
    fields: eventFields(e),
    missed: e.missed,
  }))
}

/** The text of a `print` event's buf (trailing newline dropped). */
export function markText(e: Ev): string {
  return String(e.fields['buf']).replace(/\n$/, '')
}

/** `trace-cmd report` of a file (throws when it fails). */
export function traceCmdReport(path: string): string[] {
  const r = spawnSync('trace-cmd', ['report', path], { encoding: 'utf8', maxBuffer: 1 << 28 })
  if (r.status !== 0) throw new Error(`trace-cmd report ${path}: ${r.stderr}`)
  return r.stdout.split('\n')
}
