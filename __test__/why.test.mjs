// The README's "Why did my publish fail?" table is what the code says today: each case is
// built against the emulator and its error checked, and the table must match what
// `node scripts/why-table.mjs` would write.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { END, START, context, rows, table } from './why-cases.mjs'

let ctx, rendered
beforeAll(async () => {
  ctx = await context()
  rendered = await rows(ctx)
})
afterAll(() => ctx.emulator.stop())

describe('Why did my publish fail?', () => {
  it('each case fails with its code, and says why without a token', () => {
    for (const { item, error, says } of rendered) {
      expect(error.code, item.failure).toBe(item.code)
      expect(says, item.failure).not.toMatch(/eyJ[\w-]+\.eyJ/)
    }
  })

  it('each row is what the CI job prints, with no maintainer\'s token to read the configuration', () => {
    const says = (failure) => rendered.find((r) => r.item.failure.startsWith(failure)).says
    // The job's own token says what it needs, and the command that configures it.
    expect(says('The workflow file differs')).toContain('file publish.yml')
    expect(says('The workflow file differs')).toContain('`npm trust github why-file --repository acme/why-file --file publish.yml --allow-publish`')
    expect(says('The job runs in an environment')).toContain('`npm trust github why-environment --repository acme/why-environment --file release.yml --environment npm --allow-publish`')
    for (const { item, says } of rendered) expect(says, item.failure).not.toMatch(/configuration <id>|listPublishers/)
  })

  it('the README table is up to date (node scripts/why-table.mjs)', () => {
    // A checkout with CRLF line ends (Windows without .gitattributes) has the same table.
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8').replace(/\r\n/g, '\n')
    const start = readme.indexOf(START)
    const end = readme.indexOf(END)
    expect(start, 'README.md has the why-table block').toBeGreaterThan(-1)
    expect(readme.slice(start + START.length, end).trim()).toBe(table(rendered))
  })
})
