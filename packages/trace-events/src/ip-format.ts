/**
 * The kernel's `%pI4` / `%pI6` / `%pI6c` address formats as libtraceevent prints them
 * (`print_ip4_addr`, `print_ip6_addr`, `print_ip6c_addr`): dotted IPv4 (`%pi4` with leading
 * zeros), IPv6 as eight hex words, and the compressed IPv6 form with `::` for the longest run of
 * zero words and a dotted tail for v4-mapped and ISATAP addresses.
 *
 * @packageDocumentation
 */

/** `%pI4` (`%pi4` when `leadingZeros`): bytes `at..at+3`, reversed when `reverse`. */
export function formatIp4(
  bytes: Uint8Array,
  at: number,
  leadingZeros: boolean,
  reverse: boolean,
): string {
  const b = (k: number): number => bytes[at + (reverse ? 3 - k : k)] ?? 0
  const part = (k: number): string => (leadingZeros ? String(b(k)).padStart(3, '0') : String(b(k)))
  return `${part(0)}.${part(1)}.${part(2)}.${part(3)}`
}

/** `%pI6` (`%pi6` without colons): 16 bytes as eight 4-digit hex words. */
export function formatIp6(bytes: Uint8Array, at: number, colons: boolean): string {
  let out = ''
  for (let j = 0; j < 16; j += 2) {
    out +=
      (bytes[at + j] ?? 0).toString(16).padStart(2, '0') +
      (bytes[at + j + 1] ?? 0).toString(16).padStart(2, '0')
    if (colons && j < 14) out += ':'
  }
  return out
}

/** `%pI6c`: the compressed IPv6 form, as libtraceevent's `print_ip6c_addr` writes it. */
export function formatIp6Compressed(bytes: Uint8Array, at: number): string {
  const a = (k: number): number => bytes[at + k] ?? 0
  const word = (k: number): number => (a(2 * k) << 8) | a(2 * k + 1)
  const v4mapped =
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].every((k) => a(k) === 0) && a(10) === 0xff && a(11) === 0xff
  const isatap = (a(8) | 0x02) === 0x02 && a(9) === 0 && a(10) === 0x5e && a(11) === 0xfe
  const useIp4 = v4mapped || isatap
  const range = useIp4 ? 6 : 8
  const zeros: number[] = []
  for (let i = 0; i < range; i++) {
    let n = 0
    for (let j = i; j < range && word(j) === 0; j++) n++
    zeros.push(n)
  }
  let longest = 1
  let colonpos = -1
  for (let i = 0; i < range; i++)
    if (zeros[i]! > longest) {
      longest = zeros[i]!
      colonpos = i
    }
  if (longest === 1) colonpos = -1
  let out = ''
  let needColon = false
  for (let i = 0; i < range; i++) {
    if (i === colonpos) {
      if (needColon || i === 0) out += ':'
      out += ':'
      needColon = false
      i += longest - 1
      continue
    }
    if (needColon) out += ':'
    const w = word(i)
    const hi = w >> 8
    const lo = w & 0xff
    out += hi !== 0 ? hi.toString(16) + lo.toString(16).padStart(2, '0') : lo.toString(16)
    needColon = true
  }
  if (useIp4) {
    if (needColon) out += ':'
    out += formatIp4(bytes, at + 12, false, false)
  }
  return out
}
