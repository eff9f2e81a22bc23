// Writes the README's "Why did my publish fail?" table from __test__/why-cases.mjs: every case
// is run against the emulator, so the table shows what trust-native really says.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { END, START, context, rows, table } from '../__test__/why-cases.mjs'

const readme = fileURLToPath(new URL('../README.md', import.meta.url))
const ctx = await context()
try {
  const text = readFileSync(readme, 'utf8')
  const start = text.indexOf(START)
  const end = text.indexOf(END)
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} ... ${END} block`)
  writeFileSync(readme, `${text.slice(0, start + START.length)}\n${table(await rows(ctx))}\n${text.slice(end)}`)
} finally {
  ctx.emulator.stop()
}
