'use strict'

// The action's post step, run when the job ends (whatever happened): the token line the main
// step wrote to an .npmrc (`write-npmrc`) is removed, every other line kept; a file left with
// nothing else in it is removed. Replaced atomically, readable by its owner only.

const { chmodSync, existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } = require('node:fs')
const { randomUUID } = require('node:crypto')
const { dirname, join } = require('node:path')
const { state } = require('./runner.js')

function removeWritten() {
  const saved = state('npmrc')
  if (!saved) return
  const { path, key } = JSON.parse(saved)
  if (!existsSync(path)) return
  const text = readFileSync(path, 'utf8')
  const kept = text.split(/(?<=\n)/).filter((line) => line.split('=')[0].trim() !== key)
  if (!kept.join('').trim()) {
    unlinkSync(path)
    return
  }
  const temporary = join(dirname(path), `.${randomUUID()}.tmp`)
  writeFileSync(temporary, kept.join(''), { mode: 0o600 })
  chmodSync(temporary, 0o600)
  renameSync(temporary, path)
}

removeWritten()
