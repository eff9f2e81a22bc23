// Packing speed against npm: `publish({ dryRun: true })` (which packs the folder, gzip and
// digests included) and `npm pack --dry-run --json` on the same large real package, timed in
// one run on this machine, as a ratio (the README's figure). The package is npm/cli's root
// (thousands of files, most in bundled dependencies), cloned from a local mirror (see
// scripts/compare-pack.mjs) or given as a folder:
//
//   npx napi build --platform --release && node bench/pack.mjs [folder] [--mirrors /work/.mirror]
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'

const tn = createRequire(import.meta.url)('../index.js')
const args = process.argv.slice(2)
const mirrorsAt = args.indexOf('--mirrors')
const mirrors = mirrorsAt === -1 ? '/work/.mirror' : args.splice(mirrorsAt, 2)[1]
let folder = args[0]
let scratch
if (!folder) {
  scratch = mkdtempSync(join(tmpdir(), 'tn-bench-pack-'))
  folder = join(scratch, 'cli')
  try {
    execFileSync('git', ['clone', '--quiet', join(mirrors, 'npm+cli', 'repo'), folder], { stdio: 'ignore' })
  } catch {
    // A mirror may lack a few blobs: git checks out the rest, which is what both tools pack.
  }
}
const RUNS = 5

function median(list) {
  const sorted = [...list].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

try {
  const npmTimes = []
  const ourTimes = []
  let files
  for (let i = 0; i < RUNS; i++) {
    let start = performance.now()
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: folder, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 }))
    npmTimes.push(performance.now() - start)
    start = performance.now()
    const ours = await tn.publish({ cwd: folder, dryRun: true, registry: 'http://127.0.0.1:9/', token: 'npm_FAKE-bench' })
    ourTimes.push(performance.now() - start)
    files = [packed.files.length, ours.files.length]
  }
  const [npmMs, ourMs] = [median(npmTimes), median(ourTimes)]
  console.log(`pack ${folder}: ${files[0]} files (npm), ${files[1]} (trust-native); median of ${RUNS}`)
  console.log(`npm pack --dry-run ${npmMs.toFixed(0)} ms, publish({ dryRun: true }) ${ourMs.toFixed(0)} ms: ${(npmMs / ourMs).toFixed(1)}x npm's speed`)
} finally {
  if (scratch) rmSync(scratch, { recursive: true, force: true })
}
