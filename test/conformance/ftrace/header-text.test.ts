import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { entryHeaderText, pageHeaderText } from '@onering/ftrace'

const text = (name: string): string =>
  readFileSync(new URL(`../../fixtures/kernel/ftrace/${name}`, import.meta.url), 'utf8')

describe('format self-description equals the kernel text', () => {
  it('header_page', () => {
    expect(pageHeaderText(4096)).toBe(text('header_page'))
  })
  it('header_event', () => {
    expect(entryHeaderText()).toBe(text('header_event'))
  })
  it('scales the data size with the sub-buffer size', () => {
    expect(pageHeaderText(8192)).toContain('size:8176;')
    expect(() => pageHeaderText(16)).toThrow(RangeError)
  })
})
