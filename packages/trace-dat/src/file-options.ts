/**
 * The options a trace.dat writer puts in every file: TRACECLOCK, UNAME, VERSION, CPUCOUNT
 * (and, in version 7, BUFFER and the section pointers, written by the v7 writer). No DATE: it
 * would shift every timestamp.
 *
 * @packageDocumentation
 */
import { ByteWriter } from './byte-writer.js'
import { TRACECMD_OPTION, traceClockText } from './options.js'

/** What the common options say. */
export interface FileOptions {
  /** The buffer's trace clock under its kernel name (`mono`, `counter`, …). */
  readonly clock: string
  /** `sysname nodename release machine`. */
  readonly uname: string
  /** The writer's version string. */
  readonly version: string
  /** Number of CPUs (rings). */
  readonly cpus: number
}

/** The writer version this package records in the VERSION option. */
export const WRITER_VERSION = 'onering trace-dat 0.1.0'

function stringOption(w: ByteWriter, id: number, text: string): void {
  const b = new TextEncoder().encode(text)
  w.u16(id)
    .u32(b.length + 1)
    .raw(b)
    .zeros(1)
}

/** Append TRACECLOCK, UNAME, VERSION and CPUCOUNT as {u16 id, u32 size, payload} entries. */
export function writeCommonOptions(w: ByteWriter, o: FileOptions): void {
  stringOption(w, TRACECMD_OPTION.TRACECLOCK, traceClockText(o.clock))
  stringOption(w, TRACECMD_OPTION.UNAME, o.uname)
  stringOption(w, TRACECMD_OPTION.VERSION, o.version)
  w.u16(TRACECMD_OPTION.CPUCOUNT).u32(4).u32(o.cpus)
}

/** `Linux vm 6.18.44 x86_64` for this machine (`uname -snrm`). */
export function unameText(os: {
  type(): string
  hostname(): string
  release(): string
  machine(): string
}): string {
  return `${os.type()} ${os.hostname()} ${os.release()} ${os.machine()}`
}
