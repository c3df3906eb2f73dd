/**
 * The shape of `packages/core/src` (issue 14): no runtime import cycle between its modules,
 * and no module over 450 lines. The imports are read with the TypeScript parser, so comments,
 * strings and multi-line import lists cannot fool it.
 */
import { readdirSync, readFileSync } from 'node:fs'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const SRC = new URL('../src/', import.meta.url)
const MAX_LINES = 450

/**
 * The modules `source` loads when it is evaluated: `import … from`, `import '…'`,
 * `export … from` and `export * from`, relative ones only. `import type` and `export type` are
 * erased. `import { type A }` is not: under `verbatimModuleSyntax` (tsconfig.base.json) it
 * compiles to `import {} from`, which still evaluates the module. Dynamic `import()` runs
 * later and is no edge.
 */
function runtimeImports(file: string, source: string): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS)
  const out: string[] = []
  for (const st of sf.statements) {
    let spec: ts.Expression | undefined
    if (ts.isImportDeclaration(st)) {
      if (st.importClause?.phaseModifier === ts.SyntaxKind.TypeKeyword) continue
      spec = st.moduleSpecifier
    } else if (ts.isExportDeclaration(st)) {
      if (st.isTypeOnly) continue
      spec = st.moduleSpecifier
    }
    if (spec === undefined || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) continue
    out.push(spec.text.replace(/^\.\//, '').replace(/\.js$/, '.ts'))
  }
  return out
}

/** The import cycles of a graph: the modules of each strongly connected component (Tarjan). */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const cycles: string[][] = []
  const visit = (v: string): void => {
    index.set(v, index.size)
    low.set(v, index.get(v)!)
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) !== index.get(v)) return
    const scc: string[] = []
    for (let w = stack.pop()!; ; w = stack.pop()!) {
      onStack.delete(w)
      scc.push(w)
      if (w === v) break
    }
    if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(scc.reverse())
  }
  for (const v of graph.keys()) if (!index.has(v)) visit(v)
  return cycles
}

function graphOf(sources: Record<string, string>): Map<string, string[]> {
  return new Map(Object.entries(sources).map(([f, s]) => [f, runtimeImports(f, s)]))
}

const files = readdirSync(SRC)
  .filter((f) => f.endsWith('.ts'))
  .sort()
const sources = Object.fromEntries(files.map((f) => [f, readFileSync(new URL(f, SRC), 'utf8')]))

describe('import graph of packages/core/src', () => {
  it('tells runtime imports from erased ones, and finds a cycle through them', () => {
    const g = graphOf({
      'a.ts':
        "import type { B } from './b.js'\nimport { c } from './c.js'\nexport type { D } from './d.js'",
      'b.ts': "import { a } from './a.js'",
      'c.ts': "import { type B } from './b.js'\nexport const c = 1",
      'd.ts': "export * from './a.js'\nconst later = () => import('./c.js')",
    })
    expect(g.get('a.ts')).toEqual(['c.ts'])
    expect(g.get('c.ts')).toEqual(['b.ts'])
    expect(g.get('d.ts')).toEqual(['a.ts'])
    expect(importCycles(g)).toEqual([['a.ts', 'c.ts', 'b.ts']])
    g.set('c.ts', [])
    expect(importCycles(g)).toEqual([])
  })

  it('reads every module and resolves every relative import to one of them', () => {
    expect(files).toContain('ring-buffer.ts')
    const g = graphOf(sources)
    for (const [f, deps] of g) for (const d of deps) expect(files, `${f} → ${d}`).toContain(d)
  })

  it('has no runtime import cycle', () => {
    expect(importCycles(graphOf(sources))).toEqual([])
  })

  it('keeps the concept modules off the buffer class at run time', () => {
    const g = graphOf(sources)
    const importers = [...g].filter(([, deps]) => deps.includes('ring-buffer.ts')).map(([f]) => f)
    expect(importers).toEqual(['index.ts'])
  })

  it(`has no module over ${MAX_LINES} lines`, () => {
    const long = files
      .map((f) => [f, sources[f]!.split('\n').length - 1] as const)
      .filter(([, n]) => n > MAX_LINES)
    expect(long).toEqual([])
  })
})
