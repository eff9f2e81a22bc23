// Every test run gets one temporary folder of its own, removed when the run ends: the suites make
// thousands of temporary projects, homes and checkouts (os.tmpdir() reads TMPDIR, TEMP and TMP,
// which the test files' processes inherit from this one), and none is left behind on the machine.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export default function setup() {
  const root = mkdtempSync(join(tmpdir(), 'trust-native-tests-'))
  for (const name of ['TMPDIR', 'TEMP', 'TMP']) process.env[name] = root
  return () => rmSync(root, { recursive: true, force: true, maxRetries: 3 })
}
