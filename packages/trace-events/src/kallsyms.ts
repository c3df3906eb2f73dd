/**
 * Kernel symbols from `/proc/kallsyms` text, as trace.dat and perf's tracing data carry them,
 * looked up the way libtraceevent resolves `%ps` / `%pS` (`tep_parse_kallsyms`, `find_func`):
 * an address belongs to the symbol at or below it, up to the next symbol; the highest symbol
 * matches only its own address. Absolute symbols (type `a`/`A`) and `$`-names are skipped.
 *
 * @packageDocumentation
 */
import { shown } from './args.js'

/** A symbol found for an address. */
export interface SymbolMatch {
  /** Symbol name. */
  readonly name: string
  /** Symbol start address. */
  readonly address: bigint
  /** Module name from `[module]`, if any. */
  readonly module: string | undefined
}

/** A sorted kallsyms table (libtraceevent's `func_map`). */
export class Kallsyms {
  readonly #addresses: bigint[]
  readonly #names: string[]
  readonly #modules: (string | undefined)[]

  private constructor(entries: [bigint, string, string | undefined][]) {
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    this.#addresses = entries.map((e) => e[0])
    this.#names = entries.map((e) => e[1])
    this.#modules = entries.map((e) => e[2])
  }

  /** Number of symbols. */
  get size(): number {
    return this.#addresses.length
  }

  /**
   * Parse kallsyms text: lines `<hex address> <type> <name>[\t[module]]`.
   *
   * @throws TypeError naming the 1-based line that is not a kallsyms line.
   */
  static parse(text: string): Kallsyms {
    if (typeof text !== 'string')
      throw new TypeError(`text: expected /proc/kallsyms text, got ${shown(text)}`)
    const entries: [bigint, string, string | undefined][] = []
    const lines = text.split('\n')
    lines.forEach((line, n) => {
      if (line === '') return
      const m = /^([0-9a-fA-F]{1,16}) (\S) (\S+)(?:\t\[(\S+)\])?/.exec(line)
      if (m === null)
        throw new TypeError(`text: line ${n + 1} is not a kallsyms line: ${JSON.stringify(line)}`)
      const type = m[2]!
      const name = m[3]!
      if (name.startsWith('$') || type === 'a' || type === 'A') return
      entries.push([BigInt(`0x${m[1]!}`), name, m[4]])
    })
    return new Kallsyms(entries)
  }

  /** The symbol containing `address` (libtraceevent `find_func`), or undefined. */
  lookup(address: bigint): SymbolMatch | undefined {
    if (typeof address !== 'bigint')
      throw new TypeError(`address: expected a bigint, got ${shown(address)}`)
    const a = this.#addresses
    let lo = 0
    let hi = a.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const start = a[mid]!
      const last = mid === a.length - 1
      if (address === start || (address > start && !last && address < a[mid + 1]!))
        return { name: this.#names[mid]!, address: start, module: this.#modules[mid] }
      if (address < start) hi = mid - 1
      else lo = mid + 1
    }
    return undefined
  }
}
