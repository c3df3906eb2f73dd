/**
 * Typed or untyped: an error the project means to throw is a TypeError or RangeError (or a
 * package error class: PerfError, BusyError, …) whose message starts with the name of what was
 * wrong — an argument, a field, a section or a byte offset — and a colon, as every check in the
 * packages writes them ("bytes: page 3 is corrupt: …", "offset: …"). Everything else is untyped:
 * the engine's own errors ("Invalid atomic access index", "Offset is outside the bounds of the
 * DataView", "Cannot read properties of undefined", "x is not a function", stack overflow, …).
 */
const PACKAGE_ERRORS = new Set([
  'PerfError',
  'BusyError',
  'TraceDatError',
  'PerfDataError',
  'TraceEventError',
])
const NAMED = /^[A-Za-z_$][\w$.[\]()' -]{0,80}: \S/
const ENGINE = [
  /^Invalid atomic access index/,
  /^Offset is outside the bounds of the DataView/,
  /^Start offset -?\d+ is outside the bounds of the buffer/,
  /^Invalid (typed array|DataView) length/,
  /^Cannot (read|set) properties of/,
  /is not a function$/,
  /is not iterable/,
  /^Maximum call stack size exceeded/,
  /^Array buffer allocation failed/,
  /^Invalid array length/,
  /^Cannot convert .* to a BigInt/,
  /^Cannot mix BigInt and other types/,
]

/** @returns {'typed' | 'untyped'} */
export function classify(e) {
  if (e === null || typeof e !== 'object') return 'untyped'
  const name = e.constructor?.name ?? ''
  const message = typeof e.message === 'string' ? e.message : ''
  if (ENGINE.some((re) => re.test(message))) return 'untyped'
  if (PACKAGE_ERRORS.has(name)) return 'typed'
  if ((name === 'TypeError' || name === 'RangeError') && NAMED.test(message)) return 'typed'
  return 'untyped'
}
