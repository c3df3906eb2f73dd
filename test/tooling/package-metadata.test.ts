// What the packages and their texts promise stays true (issue "Reliability", point 12): every
// package declares the root's Node.js engine range and the same license, and ships a LICENSE;
// the READMEs state the same Node.js version as `engines`, advertise no registry install
// without saying that nothing is published yet, and carry no stale status words; the benchmark
// notes hold no machine-specific path. (The quick start of each README, and the LICENSE in each
// tarball, are checked from `npm pack` tarballs in test/pack/quick-start.test.ts; the bench
// ratios in bench-ratios.test.ts.)
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

interface Manifest {
  name: string
  private?: boolean
  license?: string
  engines?: { node?: string }
}
const read = (path: string): string => readFileSync(join(root, path), 'utf8')
const rootManifest = JSON.parse(read('package.json')) as Manifest
const packages = readdirSync(join(root, 'packages')).map((dir) => ({
  dir,
  manifest: JSON.parse(read(`packages/${dir}/package.json`)) as Manifest,
}))
const published = packages.filter((p) => p.manifest.private !== true)
const readmes = ['README.md', ...packages.map((p) => `packages/${p.dir}/README.md`)]
const docs = readdirSync(join(root, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`)

describe('package metadata', () => {
  it('every package requires the root engine range of Node.js', () => {
    const want = rootManifest.engines?.node
    expect(want).toMatch(/^>=\d+\.\d+/)
    for (const p of packages) expect(p.manifest.engines?.node, p.manifest.name).toBe(want)
  })

  it('every published package has a license field and a LICENSE file, the same for all', () => {
    const licenses = new Set<string>()
    for (const p of published) {
      expect(p.manifest.license, p.manifest.name).toBe('MIT')
      expect(existsSync(join(root, 'packages', p.dir, 'LICENSE')), p.manifest.name).toBe(true)
      licenses.add(read(`packages/${p.dir}/LICENSE`).replace(/\s+/g, ' '))
    }
    expect(licenses.size).toBe(1)
  })
})

describe('texts', () => {
  it('a README that states a Node.js version states the engine range', () => {
    const min = rootManifest.engines!.node!.replace(/^>=/, '')
    for (const f of readmes)
      for (const m of read(f).matchAll(/Node(?:\.js)? *(?:≥|>=) *(\d+(?:\.\d+)*)/g))
        expect(m[1], `${f}: "${m[0]}"`).toBe(min)
  })

  it('a README that shows a registry install says the packages are not published yet', () => {
    for (const f of readmes) {
      const text = read(f)
      if (!/npm install (?:--save-dev )?(?:@onering\/[\w-]+|onering)\b/.test(text)) continue
      expect(text, f).toMatch(/not on the npm registry yet/i)
    }
  })

  it('no stale status words in the READMEs and docs', () => {
    for (const f of [...readmes, ...docs]) {
      const text = read(f)
      expect(text, f).not.toMatch(/under construction/i)
      expect(text, f).not.toMatch(/\((?:still )?in progress\)/i)
    }
  })

  it('the benchmark notes hold no machine-specific path', () => {
    const text = read('docs/benchmarks.md')
    expect(text).not.toMatch(/(?:^|[\s`(])\/(?:work|home|root|Users|tmp)\//m)
    expect(text).not.toMatch(/[A-Z]:\\/)
  })
})
