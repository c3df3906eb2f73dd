/**
 * Sizes on the command line: `64k`, `16M`, `1G` or a byte count (powers of 1024, as perf's
 * `--mmap-pages`/`--max-size` and trace-cmd's `-b` read them).
 *
 * @packageDocumentation
 */

const UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }

/** Parse a size; throws a RangeError naming `option` when it is not one. */
export function parseSize(option: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgb]?)(?:i?b)?$/i.exec(text.trim())
  const unit = m === null ? undefined : UNITS[m[2]!.toLowerCase()]
  if (m === null || unit === undefined)
    throw new RangeError(`${option}: '${text}' is not a size (e.g. 4096, 64k, 16M, 1G)`)
  const n = Math.floor(Number(m[1]) * unit)
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new RangeError(`${option}: '${text}' is not a positive size`)
  return n
}

/** `1.2 MB`-style text of a byte count. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} kB`
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`
  return `${(n / 1024 ** 3).toFixed(2)} GB`
}
