'use strict'

// The entry point of `trust-native` (package.json `main` and `exports`). index.js is the platform
// loader that `napi build` generates; this file only puts a useful message on its failure: which
// platform this is, which package should have provided the addon, and how to fix it.
//
// `module.exports = require(...)` is kept literal so that Node.js sees the named exports of
// index.js from an ES module `import { ... } from 'trust-native'`.
try {
  module.exports = require('./index.js')
} catch (error) {
  throw require('./binding-error.js').explainBindingFailure(error)
}
