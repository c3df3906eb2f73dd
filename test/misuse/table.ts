/**
 * The misuse table's engine (issue "Reliability", points 6–8). A package's table has one row per
 * exported function, per exported class's constructor and per public method of its prototype;
 * the rows are checked against the package's export list and its `dist/index.d.ts` (a member is
 * public unless it is `private`, `protected` or documented `@internal`), so a new export or
 * method without a row fails. A row makes fresh valid arguments; the engine replaces one
 * argument at a time (and, for a plain options/fields object, one of its keys at a time) with
 * each bad value below, calls, and sorts the outcome:
 *
 * - a typed error naming the argument — TypeError/RangeError whose message starts with the
 *   argument's name (or `name.key`) and a colon, a PerfError whose `.field` names it, or another
 *   error class of the packages — is right;
 * - a call that returns is right only where the row says that bad value is documented to work
 *   (`ok`), and then the buffer must still work;
 * - anything else (an untyped error, a typed error naming something else, a quiet acceptance,
 *   a buffer broken afterwards, a promise that never settles) is a finding.
 */
import { appendFileSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { expect, it } from 'vitest'
// @ts-expect-error plain .mjs module without types
import * as classifier from '../../tools/fuzz/classify.mjs'

/** The names of the bad values. */
export type BadName =
  | 'string'
  | 'numeric'
  | 'NaN'
  | 'Infinity'
  | '-Infinity'
  | 'negative'
  | 'fraction'
  | 'huge'
  | 'bigint'
  | 'boolean'
  | 'null'
  | 'undefined'
  | 'object'
  | 'array'
  | 'function'
  | 'bytes'

/** The bad values tried at every argument position. */
const BAD: Readonly<Record<BadName, unknown>> = {
  string: 'x',
  numeric: '1',
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
  negative: -1,
  fraction: 1.5,
  huge: 2 ** 53,
  bigint: 1n,
  boolean: true,
  null: null,
  undefined: undefined,
  object: {},
  array: [],
  function: (): number => 0,
  bytes: new Uint8Array(3),
}

/** What one call of the row needs: fresh valid arguments, and a check that the buffer works. */
export interface Made {
  args: unknown[]
  /** `this` for a method */
  self?: unknown
  /** write and read a record through whatever buffer the arguments hold; throws if broken */
  probe?: () => void | Promise<void>
}

export interface Row {
  /** fresh valid arguments (and `this`, for a method) */
  make: () => Made
  /** the arguments' names, by position (as the TSDoc `@param`s name them) */
  names: string[]
  /**
   * Bad values documented to work, by argument name (`'cpu'`, `'options.force'`), or `'*'`
   * for every one (a parameter that takes anything, e.g. an ignored context).
   */
  ok?: Record<string, readonly BadName[] | '*'>
  /** other names an error may give for an argument (e.g. the kernel's field name) */
  aka?: Record<string, readonly string[]>
  /** make a `this`/first argument that was freed: the call must refuse it, typed */
  freed?: (() => Made) | undefined
  /** the call is documented to work on a freed buffer (a pure computation, or a loop that ends) */
  freedOk?: true
  /**
   * Known findings left open (argument paths, with the reason in a comment): they must still be
   * findings — the row fails once they are fixed, so that the entry is removed.
   */
  open?: readonly string[]
  /**
   * Not called: a RingClient callback, whose caller is the engine with its own arguments (the
   * reason is the value). The row still has to exist.
   */
  engineOnly?: string
  /** keys of object arguments not to vary one by one (`'fields'`: none of its keys) */
  shallow?: readonly string[]
}

export type { Invoke }
export type Table = Record<string, Row>

interface Outcome {
  call: string
  path: string
  what: string
}

const PACKAGE_ERRORS = new Set([
  'PerfError',
  'BusyError',
  'EventFormatError',
  'PrintFmtError',
  'TracingDataError',
  'PerfDataError',
  'TraceDatError',
])

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)
  )
}

/** The project's rule for a typed error (tools/fuzz/classify.mjs). */
const { classify } = classifier as { classify: (e: unknown) => 'typed' | 'untyped' }

/** Does a thrown value name `path` (an argument, or `arg.key`)? */
function names(e: unknown, path: string, aka: readonly string[], objectArg: boolean): boolean {
  // the packages' own error classes are typed whatever their message (classify.mjs lists only
  // some of them)
  const cls = (e as Error | null)?.constructor?.name ?? ''
  if (classify(e) !== 'typed' && !PACKAGE_ERRORS.has(cls)) return false
  // a bad options/fields object: the error names the key of it that is wrong
  if (objectArg && !path.includes('.')) return true
  const err = e as Error & { field?: unknown }
  // the argument, the key inside it, or (for a key) the argument holding it; an error may
  // qualify a key by its record (`COMM.pid` for `fields.pid`)
  const segs = path.split('.')
  const accepted = [path, ...aka, segs[0]!, segs.at(-1)!]
  const matches = (head: string): boolean =>
    accepted.some(
      (n) =>
        head === n ||
        head.endsWith(`.${n}`) ||
        head.startsWith(`${n}.`) ||
        head.startsWith(`${n}[`) ||
        head.startsWith(`${n} `) ||
        head.startsWith(`${n}(`),
    )
  if (err.constructor.name === 'PerfError')
    return (
      typeof err.field !== 'string' ||
      matches(err.field) ||
      accepted.some((n) => err.message.includes(` ${n}:`))
    )
  if (PACKAGE_ERRORS.has(err.constructor.name)) return true
  return matches(err.message.slice(0, err.message.indexOf(':')))
}

const HANG_MS = 2000

async function settle(v: unknown): Promise<unknown> {
  if (
    v !== null &&
    typeof v === 'object' &&
    typeof (v as AsyncIterator<unknown>).next === 'function' &&
    Symbol.asyncIterator in v
  ) {
    const it = v as AsyncGenerator
    const r = await settle(it.next())
    await it.return(undefined)
    return r
  }
  if (v instanceof Promise) {
    let timer: NodeJS.Timeout | undefined
    const hang = new Promise((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error('HANG'))
      }, HANG_MS)
    })
    try {
      return await Promise.race([v, hang])
    } finally {
      clearTimeout(timer)
    }
  }
  return v
}

type Invoke = (made: Made) => unknown

/** Every variant of one row: [label, argument path, bad name, how to build the bad Made]. */
function* variants(
  row: Row,
): Generator<
  [string, BadName | 'freed', (m: Made) => Made] | [string, BadName, (m: Made) => Made]
> {
  const sample = row.make()
  for (let i = 0; i < row.names.length; i++) {
    const name = row.names[i]!
    for (const bad of Object.keys(BAD) as BadName[]) {
      yield [
        name,
        bad,
        (m) => {
          const args = [...m.args]
          while (args.length <= i) args.push(undefined)
          args[i] = BAD[bad]
          return { ...m, args }
        },
      ]
    }
    const valid = sample.args[i]
    if (!isPlainObject(valid) || row.shallow?.includes(name)) continue
    for (const key of Object.keys(valid))
      for (const bad of Object.keys(BAD) as BadName[]) {
        if (bad === 'undefined') continue // an absent key is the documented default
        yield [
          `${name}.${key}`,
          bad,
          (m) => {
            const args = [...m.args]
            args[i] = { ...(args[i] as object), [key]: BAD[bad] }
            return { ...m, args }
          },
        ]
      }
  }
}

/** The valid value at an argument path (`'fields'`, `'fields.pid'`). */
function validAt(args: unknown[], names: string[], path: string): unknown {
  const [arg, key] = path.split('.')
  const v = args[names.indexOf(arg!)]
  return key === undefined ? v : (v as Record<string, unknown> | undefined)?.[key]
}

/** Run every bad variant of a row; return the findings (empty when the row holds). */
export async function runRow(
  label: string,
  row: Row,
  invoke: Invoke,
  count: { calls: number; open: number },
): Promise<Outcome[]> {
  const findings: Outcome[] = []
  if (row.engineOnly !== undefined) return findings
  // the valid call itself must work
  {
    const m = row.make()
    count.calls++
    try {
      await settle(invoke(m))
      await m.probe?.()
    } catch (e) {
      findings.push({ call: `${label}(valid)`, path: '', what: `threw ${String(e)}` })
      return findings
    }
  }
  const cases = [...variants(row)]
  const sample = row.make().args
  const objectArgs = new Set(row.names.filter((_, i) => isPlainObject(sample[i])))
  if (row.freed) cases.push(['this', 'freed', () => row.freed!()])
  for (const [path, bad, build] of cases) {
    const m = build(row.make())
    const call = `${label}: ${path} = ${bad}`
    count.calls++
    let threw: unknown = undefined
    let returned = false
    try {
      await settle(invoke(m))
      returned = true
    } catch (e) {
      threw = e
    }
    if (returned) {
      const okList = row.ok?.[path]
      // a value of the documented type (a string for a string, a bigint for a bigint, …) is
      // no misuse of type: only numbers, whose bad values share their type, are always tried
      const valid = validAt(sample, row.names, path)
      const sameType =
        ['string', 'bigint', 'boolean', 'function'].includes(typeof valid) &&
        typeof valid === typeof BAD[bad as BadName]
      const fine =
        bad === ('freed' as BadName)
          ? row.freedOk === true
          : sameType || okList === '*' || okList?.includes(bad as BadName)
      if (!fine) findings.push({ call, path, what: 'accepted' })
    } else if (threw instanceof Error && threw.message === 'HANG') {
      findings.push({ call, path, what: 'never settled' })
      continue
    } else if (!names(threw, path, row.aka?.[path] ?? [], objectArgs.has(path))) {
      if (!(bad === ('freed' as BadName) && classify(threw) === 'typed'))
        findings.push({
          call,
          path,
          what: `${(threw as Error)?.constructor?.name ?? typeof threw}: ${(threw as Error)?.message ?? String(threw)}`,
        })
    }
    if (bad === ('freed' as BadName)) continue
    try {
      await m.probe?.()
    } catch (e) {
      findings.push({ call, path, what: `buffer broken afterwards: ${String(e)}` })
    }
  }
  return findings
}

/** Public members of the classes a package's `dist/index.d.ts` declares. */
function hiddenMembers(dts: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>()
  const classRe = /^(?:export )?declare (?:abstract )?class (\w+)[^{]*\{$/gm
  for (let m = classRe.exec(dts); m; m = classRe.exec(dts)) {
    const hidden = new Set<string>()
    const end = dts.indexOf('\n}', m.index)
    const body = dts.slice(m.index + m[0].length, end)
    let doc = ''
    for (const line of body.split('\n')) {
      const t = line.trim()
      if (t.startsWith('/**')) doc = ''
      if (t.startsWith('/**') || t.startsWith('*')) {
        doc += t
        continue
      }
      const member = /^(?:(private|protected) )?(?:static )?(?:readonly )?(?:get |set )?(\w+)/.exec(
        t,
      )
      if (member && line.startsWith('    ') && !line.startsWith('     ')) {
        if (member[1] || doc.includes('@internal')) hidden.add(member[2]!)
        doc = ''
      }
    }
    out.set(m[1]!, hidden)
  }
  return out
}

/** Callables a package exports: functions, constructors, static and public prototype methods. */
export function callables(pkg: string, mod: Record<string, unknown>): Map<string, Invoke> {
  const require = createRequire(import.meta.url)
  const dts = readFileSync(require.resolve(pkg).replace(/index\.cjs$/, 'index.d.ts'), 'utf8')
  const hidden = hiddenMembers(dts)
  const out = new Map<string, Invoke>()
  for (const [name, v] of Object.entries(mod)) {
    if (typeof v !== 'function') continue
    const fn = v as (...a: unknown[]) => unknown
    if (!/^class\b/.test(Function.prototype.toString.call(fn))) {
      out.set(name, (m) => fn.apply(m.self, m.args))
      continue
    }
    const C = fn as unknown as new (...a: unknown[]) => unknown
    if (
      !(hidden.get(name)?.has('constructor') ?? false) &&
      !classBlock(dts, name).includes('private constructor();')
    )
      out.set(`new ${name}`, (m) => new C(...m.args))
    for (const s of Object.getOwnPropertyNames(fn)) {
      const d = Object.getOwnPropertyDescriptor(fn, s)!
      if (typeof d.value !== 'function' || hidden.get(name)?.has(s)) continue
      out.set(`${name}.${s}`, (m) => (d.value as (...a: unknown[]) => unknown).apply(fn, m.args))
    }
    for (
      let p = fn.prototype as object;
      p && p !== Object.prototype && p !== Error.prototype;
      p = Object.getPrototypeOf(p) as object
    ) {
      const owner = (p.constructor as { name: string }).name
      for (const k of Object.getOwnPropertyNames(p)) {
        if (k === 'constructor' || out.has(`${name}#${k}`)) continue
        const d = Object.getOwnPropertyDescriptor(p, k)!
        if (typeof d.value !== 'function') continue // accessors take no arguments
        if (hidden.get(owner)?.has(k) || hidden.get(name)?.has(k) || k.endsWith('_')) continue
        out.set(`${name}#${k}`, (m) =>
          (d.value as (...a: unknown[]) => unknown).apply(m.self, m.args),
        )
      }
    }
  }
  return out
}

/** The methods an exported interface of the package's `dist/index.d.ts` declares. */
export function interfaceMethods(pkg: string, name: string): string[] {
  const require = createRequire(import.meta.url)
  const dts = readFileSync(require.resolve(pkg).replace(/index\.cjs$/, 'index.d.ts'), 'utf8')
  const at = dts.search(new RegExp(`interface ${name}\\b`))
  if (at < 0) throw new Error(`no interface ${name} in ${pkg}`)
  const body = dts.slice(at, dts.indexOf('\n}', at))
  return [...body.matchAll(/^ {4}(\w+)\??\(/gm)].map((m) => m[1]!)
}

function classBlock(dts: string, name: string): string {
  const at = dts.search(new RegExp(`declare (?:abstract )?class ${name}\\b`))
  return at < 0 ? '' : dts.slice(at, dts.indexOf('\n}', at))
}

/** The vitest cases of one package's table: every callable has a row, every row holds. */
export function checkTable(
  pkg: string,
  mod: Record<string, unknown>,
  table: Table,
  extra: Record<string, Invoke> = {},
): void {
  const all = callables(pkg, mod)
  for (const [k, v] of Object.entries(extra)) all.set(k, v)
  const count = { calls: 0, open: 0 }
  it(`${pkg}: every exported function, constructor and public method has a row`, () => {
    expect([...all.keys()].filter((k) => !(k in table))).toEqual([])
    expect(Object.keys(table).filter((k) => !all.has(k))).toEqual([])
  })
  for (const [label, invoke] of all) {
    const row = table[label]
    if (!row) continue
    it(label, async () => {
      const all = await runRow(label, row, invoke, count)
      const text = (fs: Outcome[]): string[] => fs.map((f) => `${f.call} → ${f.what}`)
      const open = row.open ?? []
      const findings = text(all.filter((f) => !open.includes(f.path)))
      if (process.env['MISUSE_DUMP'])
        appendFileSync(process.env['MISUSE_DUMP'], findings.map((f) => `${f}\n`).join(''))
      expect(findings).toEqual([])
      // a known open finding that is gone: remove it from the row
      expect(open.filter((p) => !all.some((f) => f.path === p))).toEqual([])
      count.open += all.length - findings.length
    })
  }
  it(`${pkg}: calls made`, () => {
    // printed for the record (issue 12 wants the table's size); every row ran at least its valid call
    console.log(
      `${pkg}: ${Object.keys(table).length} rows, ${count.calls} calls, ${count.open} known open findings`,
    )
    expect(count.calls).toBeGreaterThan(Object.keys(table).length)
  })
}
