/**
 * `onering record [options] -- <command> [args…]`: run a command with the recorder preloaded
 * in every Node process it starts, forward signals to it, and when it has exited assemble the
 * files from the spools each process left; exit as the command did.
 *
 * @packageDocumentation
 */
import { spawn } from 'node:child_process'
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { delimiter, isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { FILE_SINKS, readSpoolSet } from '../file-sink.js'
import type { SinkResult } from '../file-sink.js'
import { EVENT_GROUPS } from '../node-events.js'
import type { EventGroup } from '../node-events.js'
import { CONFIG_ENV, SPOOL_FILES } from '../session-config.js'
import type { SessionConfig, SpoolStatus } from '../session-config.js'
import { formatBytes, parseSize } from './sizes.js'
import { UsageError } from './usage-error.js'

/** Rings per process: the threads (main + workers) recorded at once. */
export const DEFAULT_RINGS = 32

export const RECORD_HELP: string = `Usage: onering record [options] -- <command> [args…]

Runs <command> with the onering recorder preloaded (NODE_OPTIONS=--require …) in every
Node process and worker it starts; exits with the command's exit code.

Options:
  -o, --output DIR      where the files go (default ./onering-trace): DIR/trace.dat and
                        DIR/perf.data for the command's process, trace-<pid>.dat and
                        perf-<pid>.data for each Node child
  --format LIST         trace.dat,perf.data (default: both)
  --overwrite SIZE      flight recorder: keep the newest SIZE per thread, written at exit,
                        on an uncaught exception, and on each --dump-on signal
  --dump-on SIGNAL      flight recorder: also dump on this signal (e.g. SIGUSR2)
  --buffer SIZE         ring size per thread (default 512k)
  --max-size SIZE       stop writing a process's data past SIZE (default: no cap)
  --events LIST         groups: http,net,fetch,worker,child,gc,loop,marks (default all)
  --interval MS         an event-loop sample per thread every MS (default 500)
  --clock NAME          mono (default: CLOCK_MONOTONIC, as perf and the kernel) or counter
  --rings N             threads recorded at once per process (default ${DEFAULT_RINGS})
  --cpu-profile[=T]     JS stacks every T (1ms; 250us) into perf.data, symbols: perf-<pid>.map
  -q, --quiet           no status line, no summary
  -h, --help            this text

Sizes: 4096, 64k, 16M, 1G.  Example: onering record -o out -- node server.js
`

const OPTIONS = {
  output: { type: 'string', short: 'o' },
  format: { type: 'string' },
  overwrite: { type: 'string' },
  'dump-on': { type: 'string', multiple: true },
  buffer: { type: 'string' },
  'max-size': { type: 'string' },
  events: { type: 'string' },
  interval: { type: 'string' },
  clock: { type: 'string' },
  rings: { type: 'string' },
  'cpu-profile': { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const

/** `--cpu-profile` takes its value only when one follows that looks like an interval. */
const OPTIONAL_VALUE = '--cpu-profile'
/** The `--cpu-profile` interval when none is given. */
export const DEFAULT_CPU_PROFILE = '1ms'
const INTERVAL = /^(\d+(?:\.\d+)?)(us|µs|ms|s)?$/

const VALUED = new Set(
  Object.entries(OPTIONS).flatMap(([name, o]) =>
    o.type === 'string' && `--${name}` !== OPTIONAL_VALUE
      ? [`--${name}`, ...('short' in o ? [`-${o.short}`] : [])]
      : [],
  ),
)

/**
 * The microseconds of a `--cpu-profile` interval (`250us`, `1ms`, `0.5ms`, `1s`; a bare number
 * is milliseconds, as `--interval`): 10us to 1s.
 */
export function parseCpuInterval(v: string): number {
  const m = INTERVAL.exec(v.trim())
  const scale = m === null ? NaN : m[2] === 's' ? 1e6 : m[2] === 'us' || m[2] === 'µs' ? 1 : 1e3
  const us = m === null ? NaN : Math.round(Number(m[1]) * scale)
  if (!(us >= 10 && us <= 1_000_000))
    throw new UsageError(
      `record: --cpu-profile: '${v}' is not an interval from 10us to 1s (e.g. 250us, 2ms)`,
    )
  return us
}

/** Split the arguments of `record` into its options and the command. */
export function splitCommand(args: readonly string[]): { options: string[]; command: string[] } {
  const dd = args.indexOf('--')
  if (dd >= 0)
    return { options: withOptionalValues(args.slice(0, dd)), command: args.slice(dd + 1) }
  let k = 0
  while (k < args.length && args[k]!.startsWith('-')) {
    if (VALUED.has(args[k]!)) k++
    else if (args[k] === OPTIONAL_VALUE && INTERVAL.test(args[k + 1] ?? '')) k++
    k++
  }
  return { options: withOptionalValues(args.slice(0, k)), command: args.slice(k) }
}

/** `--cpu-profile` alone becomes `--cpu-profile=1ms`; `--cpu-profile 250us`, `--cpu-profile=250us`. */
function withOptionalValues(options: readonly string[]): string[] {
  const out: string[] = []
  for (let k = 0; k < options.length; k++) {
    const o = options[k]!
    if (o !== OPTIONAL_VALUE) out.push(o)
    else if (k + 1 < options.length && !options[k + 1]!.startsWith('-'))
      out.push(`${o}=${options[++k]!}`)
    else out.push(`${o}=${DEFAULT_CPU_PROFILE}`)
  }
  return out
}

const SIGNALS = new Set([
  'SIGUSR1',
  'SIGUSR2',
  'SIGHUP',
  'SIGTERM',
  'SIGINT',
  'SIGQUIT',
  'SIGWINCH',
])

/** The settings of one `onering record`. */
export interface RecordSettings {
  readonly config: SessionConfig
  readonly formats: readonly string[]
  readonly command: readonly string[]
  readonly quiet: boolean
}

/** Parse and check the arguments of `record`; throws {@link UsageError}. Null for `--help`. */
export function parseRecordArgs(args: readonly string[], distDir: string): RecordSettings | null {
  const { options, command } = splitCommand(args)
  let values
  try {
    values = parseArgs({
      args: options,
      options: OPTIONS,
      strict: true,
      allowPositionals: false,
    }).values
  } catch (err) {
    throw new UsageError(
      `record: ${(err as Error).message.split('\n')[0]!} (see onering record --help)`,
    )
  }
  if (values.help === true) return null
  if (command.length === 0)
    throw new UsageError('record: no command to record (onering record -- node app.js)')
  const size = (name: string, v: string | undefined, dflt: number): number => {
    if (v === undefined) return dflt
    try {
      return parseSize(`--${name}`, v)
    } catch (err) {
      throw new UsageError(`record: ${(err as Error).message}`)
    }
  }
  const int = (
    name: string,
    v: string | undefined,
    dflt: number,
    min: number,
    max: number,
  ): number => {
    if (v === undefined) return dflt
    const n = Number(v)
    if (!Number.isInteger(n) || n < min || n > max)
      throw new UsageError(`record: --${name}: '${v}' is not an integer in [${min}, ${max}]`)
    return n
  }
  const list = (v: string | undefined): string[] =>
    v === undefined
      ? []
      : v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
  const formats = values.format === undefined ? [...FILE_SINKS.keys()] : list(values.format)
  for (const f of formats)
    if (!FILE_SINKS.has(f))
      throw new UsageError(
        `record: --format: unknown format '${f}' (${[...FILE_SINKS.keys()].join(', ')})`,
      )
  const events = values.events === undefined ? [...EVENT_GROUPS] : list(values.events)
  for (const e of events)
    if (!(EVENT_GROUPS as readonly string[]).includes(e))
      throw new UsageError(`record: --events: unknown group '${e}' (${EVENT_GROUPS.join(',')})`)
  const clock = values.clock ?? 'mono'
  if (clock !== 'mono' && clock !== 'counter')
    throw new UsageError(`record: --clock: '${clock}' is not mono or counter`)
  const dumpOn = (values['dump-on'] ?? []).map((s) =>
    (s.startsWith('SIG') ? s : `SIG${s}`).toUpperCase(),
  )
  for (const s of dumpOn)
    if (!SIGNALS.has(s))
      throw new UsageError(`record: --dump-on: '${s}' is not one of ${[...SIGNALS].join(', ')}`)
  if (dumpOn.length > 0 && values.overwrite === undefined)
    throw new UsageError('record: --dump-on needs --overwrite SIZE (a flight recorder)')
  const cpuProfile = values['cpu-profile']
  const cpuProfileUs = cpuProfile === undefined ? 0 : parseCpuInterval(cpuProfile)
  if (cpuProfileUs > 0 && clock === 'counter')
    throw new UsageError('record: --cpu-profile needs --clock mono (samples are stamped in time)')
  if (cpuProfileUs > 0 && !formats.includes('perf.data'))
    throw new UsageError(
      'record: --cpu-profile writes its samples into perf.data: keep it in --format',
    )
  const overwrite = values.overwrite !== undefined
  const dir = resolve(values.output ?? 'onering-trace')
  const config: SessionConfig = {
    dir,
    bufferSize: overwrite
      ? size('overwrite', values.overwrite, 0)
      : size('buffer', values.buffer, 512 * 1024),
    overwrite,
    maxSize: size('max-size', values['max-size'], 0),
    events: events as EventGroup[],
    clock,
    dumpOn,
    rings: int('rings', values.rings, DEFAULT_RINGS, 1, 1024),
    intervalMs: int('interval', values.interval, 500, 10, 60_000),
    consumer: join(distDir, 'consumer.cjs'),
    ...(cpuProfileUs > 0 ? { cpuProfileUs } : {}),
  }
  return { config, formats, command, quiet: values.quiet === true }
}

/** The path of `cmd` on PATH (or as given), or undefined. */
export function findCommand(cmd: string, env: NodeJS.ProcessEnv): string | undefined {
  const ok = (p: string): boolean => {
    try {
      accessSync(p, constants.X_OK)
      return statSync(p).isFile()
    } catch {
      return false
    }
  }
  if (cmd.includes('/')) return ok(cmd) ? cmd : undefined
  for (const d of (env['PATH'] ?? '').split(delimiter)) {
    if (d === '') continue
    const p = join(d, cmd)
    if (ok(p)) return p
  }
  return undefined
}

/** Make the output directory and clear what an earlier recording left in it. */
export function prepareOutput(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true })
    const probe = join(dir, `.onering-probe-${process.pid}`)
    writeFileSync(probe, '')
    rmSync(probe)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err)
    throw new UsageError(`record: cannot write to the output directory ${dir} (${code})`)
  }
  for (const name of readdirSync(dir))
    if (name.startsWith('.spool-') || /^trace(-\d+)?\.dat$|^perf-\d+\.map$/.test(name))
      rmSync(join(dir, name), { recursive: true, force: true })
}

function spoolDirs(dir: string): { pid: number; path: string }[] {
  return readdirSync(dir)
    .map((n) => /^\.spool-(\d+)$/.exec(n))
    .filter((m) => m !== null)
    .map((m) => ({ pid: Number(m[1]), path: join(dir, m[0]) }))
    .sort((a, b) => a.pid - b.pid)
}

function readStatus(path: string): SpoolStatus | undefined {
  try {
    return JSON.parse(readFileSync(join(path, SPOOL_FILES.status), 'utf8')) as SpoolStatus
  } catch {
    return undefined
  }
}

/** The files written for the processes of a recording. */
export interface RecordResult {
  readonly files: (SinkResult & { pid: number })[]
  readonly errors: string[]
}

/** Assemble every process's files from its spools (and remove the spools that worked). */
export function assemble(dir: string, formats: readonly string[], mainPid: number): RecordResult {
  const files: (SinkResult & { pid: number })[] = []
  const errors: string[] = []
  for (const { pid, path } of spoolDirs(dir)) {
    let ok = true
    try {
      const set = readSpoolSet(path)
      for (const f of formats) {
        const sink = FILE_SINKS.get(f)!
        files.push({ pid, ...sink.write(set, join(dir, sink.fileName(pid, pid === mainPid))) })
      }
    } catch (err) {
      ok = false
      errors.push(
        `process ${pid}: ${process.env['ONERING_DEBUG'] ? String((err as Error).stack) : (err as Error).message}`,
      )
    }
    if (ok) rmSync(path, { recursive: true, force: true })
  }
  return { files, errors }
}

/** Run `onering record`; resolves to the exit code (or re-raises the command's signal). */
export async function record(args: readonly string[], distDir: string): Promise<number> {
  const s = parseRecordArgs(args, distDir)
  if (s === null) {
    process.stdout.write(RECORD_HELP)
    return 0
  }
  const [cmd, ...cmdArgs] = s.command as [string, ...string[]]
  if (findCommand(cmd, process.env) === undefined)
    throw new UsageError(`record: command not found: ${cmd}`, 127)
  prepareOutput(s.config.dir)
  const preload = join(distDir, 'preload.cjs')
  const env = {
    ...process.env,
    NODE_OPTIONS:
      `${process.env['NODE_OPTIONS'] ?? ''} --require ${JSON.stringify(preload)}`.trim(),
    [CONFIG_ENV]: JSON.stringify(s.config),
  }
  const child = spawn(cmd, cmdArgs, { stdio: 'inherit', env })
  const forward = (sig: NodeJS.Signals): void => {
    child.kill(sig)
  }
  // a terminal sends SIGINT to the whole group: the command gets it without us
  const forwarded = [...SIGNALS].filter((x) => !(x === 'SIGINT' && process.stdin.isTTY))
  for (const sig of forwarded) process.on(sig, forward)
  if (process.stdin.isTTY) process.on('SIGINT', () => undefined)
  const live = !s.quiet && process.stderr.isTTY ? liveStatus(s.config.dir) : undefined
  const { code, signal } = await new Promise<{
    code: number | null
    signal: NodeJS.Signals | null
  }>((done, fail) => {
    child.once('error', fail)
    child.once('exit', (c, sg) => {
      done({ code: c, signal: sg })
    })
  })
  live?.stop()
  for (const sig of forwarded) process.removeListener(sig, forward)
  const result = assemble(s.config.dir, s.formats, child.pid ?? -1)
  if (!s.quiet) process.stderr.write(summary(result) + '\n')
  for (const e of result.errors) process.stderr.write(`onering: ${e}\n`)
  if (signal !== null) {
    process.removeAllListeners(signal)
    process.kill(process.pid, signal)
    // the signal may be ignored (SIGINT here while interactive): exit as a shell would
    return 128 + (osSignalNumber(signal) ?? 0)
  }
  return code ?? 1
}

function osSignalNumber(sig: NodeJS.Signals): number | undefined {
  const table: Record<string, number> = {
    SIGHUP: 1,
    SIGINT: 2,
    SIGQUIT: 3,
    SIGABRT: 6,
    SIGKILL: 9,
    SIGUSR1: 10,
    SIGSEGV: 11,
    SIGUSR2: 12,
    SIGPIPE: 13,
    SIGALRM: 14,
    SIGTERM: 15,
  }
  return table[sig]
}

/** The summary line: events, lost, files. */
export function summary(r: RecordResult): string {
  // each format of a process holds the same events: count a process once
  const byPid = new Map<number, { events: number; lost: number }>()
  for (const f of r.files) {
    const p = byPid.get(f.pid)
    byPid.set(f.pid, {
      events: Math.max(p?.events ?? 0, f.events),
      lost: Math.max(p?.lost ?? 0, f.lost),
    })
  }
  let events = 0
  let lost = 0
  for (const p of byPid.values()) {
    events += p.events
    lost += p.lost
  }
  if (r.files.length === 0) return 'onering: no Node process was recorded (no files written)'
  const cwd = process.cwd()
  const names = r.files.map((f) => {
    const p = f.path.startsWith(cwd + '/') ? f.path.slice(cwd.length + 1) : f.path
    return `${p} (${formatBytes(f.size)})`
  })
  return `onering: ${events} events, ${lost} lost; wrote ${names.join(', ')}`
}

/** The one-line status on a terminal: events/s, bytes spooled, lost so far. */
function liveStatus(dir: string): { stop(): void } {
  let lastEvents = 0
  let lastAt = Date.now()
  const t = setInterval(() => {
    let events = 0
    let bytes = 0
    let lost = 0
    for (const { path } of existsSync(dir) ? spoolDirs(dir) : []) {
      const st = readStatus(path)
      if (st === undefined) continue
      events += st.events
      bytes += st.bytes
      lost += st.lost
    }
    const now = Date.now()
    const rate = Math.max(0, Math.round(((events - lastEvents) * 1000) / Math.max(1, now - lastAt)))
    lastEvents = events
    lastAt = now
    process.stderr.write(
      `\r\x1b[Konering: ${rate} events/s, ${formatBytes(bytes)} written, ${lost} lost`,
    )
  }, 1000)
  t.unref()
  return {
    stop() {
      clearInterval(t)
      process.stderr.write('\r\x1b[K')
    },
  }
}

/** The `dist` directory of this package (where preload.cjs and consumer.cjs are). */
export function distDirOf(moduleUrl: string): string {
  const p = fileURLToPath(new URL('.', moduleUrl))
  return isAbsolute(p) ? p : resolve(p)
}
