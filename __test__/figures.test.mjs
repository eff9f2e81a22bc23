// The README's size figures are what `npm run package` and `npm run bench` print
// (scripts/figures.mjs words them): the README's lines have the shape those scripts print, every
// word the same and only the numbers free. No release build here: __test__/package.test.mjs
// checks that scripts/package.mjs prints this paragraph for what it packed.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { addonRow, bytesParagraph, shape, size, sizesParagraph } from '../scripts/figures.mjs'

const README = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8')

/** The README's paragraph that starts with `start`. */
function paragraph(start) {
  const at = README.indexOf(start)
  expect(at, `README.md has a paragraph starting "${start}"`).toBeGreaterThan(-1)
  const end = README.indexOf('\n\n', at)
  return README.slice(at, end < 0 ? undefined : end)
}

const SAMPLE = {
  date: '2026-01-02',
  platform: 'linux-x64-gnu',
  main: { name: 'trust-native', version: '1.2.3', size: 12_345, unpackedSize: 123_456 },
  native: { name: 'trust-native-linux-x64-gnu', version: '1.2.3', size: 2_345_678, unpackedSize: 5_432_100 },
  addonBytes: 5_430_000,
}

describe('README figures', () => {
  it('Install: the sizes paragraph is the one `npm run package` prints', () => {
    expect(shape(paragraph('Sizes as `npm run package` packed them'))).toBe(shape(sizesParagraph(SAMPLE)))
  })

  it('Benchmark: the addon row is the one `npm run bench` prints', () => {
    const row = README.split('\n').find((line) => line.startsWith('| release addon,'))
    expect(row).toBeDefined()
    expect(shape(row)).toBe(shape(addonRow({ platform: 'linux-x64-gnu', bytes: 5_430_000 })))
  })

  it('Benchmark: where the bytes go is the paragraph `node bench/addon-size.mjs` prints', () => {
    const crates = Array.from({ length: 10 }, (_, i) => [`crate${'x'.repeat(i)}`, 100_000 - i])
    const printed = bytesParagraph({ sections: { code: 3_460_000, constants: 730_000, unwinding: 907_000, relocations: 183_000 }, crates, rest: 935_000 })
    const line = paragraph("Where the addon's bytes go").split('\n')[0]
    // Crate names are words the sample cannot know: compare the shape with each name a word.
    const words = (text) => {
      const [head, crates] = shape(text).split('by crate: ')
      return `${head}by crate: ${crates.replace(/[^ ,]+ # (k|M)B/g, 'NAME # $1B')}`
    }
    expect(words(line)).toBe(words(printed))
  })

  it('sizes are worded as npm words them', () => {
    expect([999, 70_049, 121_000, 421_999, 999_499, 999_500, 1_814_000, 5_400_000].map(size)).toEqual([
      '0.999 kB', '70.0 kB', '121 kB', '422 kB', '999 kB', '1.00 MB', '1.81 MB', '5.40 MB',
    ])
  })
})
