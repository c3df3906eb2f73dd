/**
 * What a user who installs the packages gets: every published package is packed with `npm pack`,
 * the tarballs are installed into an empty project outside the repository, and each README's
 * quick start runs there, as ESM and as CommonJS. The code is taken from the READMEs at test time:
 * every fenced block whose first line is `// file: NAME` is written to NAME, and the first such
 * file of a README is run with node. The CommonJS run rewrites the same files mechanically
 * (`import … from` → `require`, `.mjs` → `.cjs`, top-level `await` in an async function).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

interface Pkg {
  name: string
  dir: string
  private?: boolean
}
const published: Pkg[] = readdirSync(join(root, 'packages'))
  .map((d) => ({
    ...(JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')) as Pkg),
    dir: d,
  }))
  .filter((p) => p.private !== true)

/** The `// file: NAME` blocks of a markdown text, in order. */
export function quickStartFiles(markdown: string): { name: string; code: string }[] {
  const files: { name: string; code: string }[] = []
  for (const m of markdown.matchAll(
    /^```(?:js|ts|javascript|typescript)\n\/\/ file: (\S+)\n([\s\S]*?)^```/gm,
  ))
    files.push({ name: m[1]!, code: m[2]! })
  return files
}

/** The CommonJS form of an ES module quick start file. */
export function toCommonJs(code: string): string {
  let out = code
    .replace(/^import \* as (\w+) from ('[^']+')/gm, 'const $1 = require($2)')
    .replace(/^import (\w+) from ('[^']+')/gm, 'const $1 = require($2)')
    .replace(/^import \{([^}]*)\} from ('[^']+')/gm, (_, names: string, from: string) => {
      const list = names
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean)
        .map((n) => n.replace(/^(\w+) as (\w+)$/, '$1: $2'))
      return `const { ${list.join(', ')} } = require(${from})`
    })
    .replace(/import\.meta\.url/g, "require('node:url').pathToFileURL(__filename).href")
    .replace(/\.mjs'/g, ".cjs'")
  if (/^import /m.test(out))
    throw new Error(`quick start: an import form the CJS rewrite does not know:\n${out}`)
  if (/\bawait\b/.test(out))
    out = `;(async () => {\n${out}\n})().catch((e) => {\n  console.error(e)\n  process.exitCode = 1\n})\n`
  return out
}

const readmes = [
  { label: 'README.md', path: join(root, 'README.md') },
  ...published.map((p) => ({
    label: `packages/${p.dir}/README.md`,
    path: join(root, 'packages', p.dir, 'README.md'),
  })),
]

describe('npm pack + install outside the repository, then each README quick start', () => {
  let app = ''
  beforeAll(() => {
    const tmp = mkdtempSync(join(tmpdir(), 'onering-pack-'))
    const tarballs = published.map((p) => {
      const out = execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], {
        cwd: join(root, 'packages', p.dir),
        encoding: 'utf8',
      })
      const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[]
      // what a user gets: the built files and the sources they map to, never the tests
      const paths = info!.files.map((f) => f.path)
      expect(paths, p.name).toContain('dist/index.js')
      expect(paths, p.name).toContain('dist/index.cjs')
      expect(paths, p.name).toContain('LICENSE')
      expect(
        paths.filter((f) => /\.test\.ts$|^test\//.test(f)),
        p.name,
      ).toEqual([])
      return join(tmp, info!.filename)
    })
    app = join(tmp, 'app')
    mkdirSync(app)
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'app', private: true, version: '1.0.0' }),
    )
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], {
      cwd: app,
      encoding: 'utf8',
    })
  }, 240_000)
  afterAll(() => {
    if (app !== '') rmSync(join(app, '..'), { recursive: true, force: true })
  })

  it('installs every published package from its tarball alone', () => {
    for (const p of published) {
      const pkg = JSON.parse(
        readFileSync(join(app, 'node_modules', p.name, 'package.json'), 'utf8'),
      ) as Pkg
      expect(pkg.name).toBe(p.name)
    }
    expect(published.map((p) => p.name)).toContain('@onering/core')
  })

  for (const readme of readmes) {
    for (const format of ['esm', 'cjs'] as const) {
      it(`${readme.label}: the quick start runs (${format})`, () => {
        const files = quickStartFiles(readFileSync(readme.path, 'utf8'))
        expect(
          files.length,
          `${readme.label} has no \`// file: NAME\` quick start block`,
        ).toBeGreaterThan(0)
        const dir = join(app, `${readme.label.replace(/\W+/g, '-')}-${format}`)
        mkdirSync(dir, { recursive: true })
        for (const f of files) {
          const name =
            format === 'cjs' ? f.name.replace(/\.m?js$/, '.cjs') : f.name.replace(/\.js$/, '.mjs')
          writeFileSync(join(dir, name), format === 'cjs' ? toCommonJs(f.code) : f.code)
        }
        const entry = files[0]!.name
        const run =
          format === 'cjs' ? entry.replace(/\.m?js$/, '.cjs') : entry.replace(/\.js$/, '.mjs')
        const out = execFileSync(process.execPath, [run], {
          cwd: dir,
          encoding: 'utf8',
          timeout: 60_000,
          env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
        })
        expect(out.trim().length, `${readme.label} printed nothing`).toBeGreaterThan(0)
      })
    }
  }
})
