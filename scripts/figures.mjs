// The README's size figures, in the README's words: `npm run package` (scripts/package.mjs) and
// `npm run bench` (bench/per-call.mjs) print these lines from what they measured, to be pasted
// into the README as they are, and __test__/figures.test.mjs checks that the README's lines
// have the shape these functions print (every word the same, numbers aside).

/** Bytes as npm prints sizes: three significant digits, kB under a megabyte, else MB. */
export function size(bytes) {
  return bytes < 999_500 ? `${(bytes / 1e3).toPrecision(3)} kB` : `${(bytes / 1e6).toPrecision(3)} MB`
}

/** Bytes in megabytes to one decimal, for the rounded totals. */
const megabytes = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`

/**
 * The README's paragraph on install sizes (section Install), from a run of scripts/package.mjs:
 * `main` and `native` are its entries for the main package and for one platform package
 * (`{ name, version, size, unpackedSize }`, sizes in bytes), `addonBytes` the size of that
 * package's `.node` file, `platform` its key (`linux-x64-gnu`), `date` the day (YYYY-MM-DD).
 */
export function sizesParagraph({ date, platform, main, native, addonBytes }) {
  return (
    `Sizes as \`npm run package\` packed them on ${date} (version ${main.version}, ${platform}): ` +
    `\`${main.name}\` ${size(main.size)} packed, ${size(main.unpackedSize)} installed; ` +
    `\`${native.name}\` ${size(native.size)} packed, ${size(native.unpackedSize)} installed ` +
    `(the addon is ${addonBytes.toLocaleString('en-US')} bytes). An install on ${platform} is about ` +
    `${megabytes(main.size + native.size)} to download and ${megabytes(main.unpackedSize + native.unpackedSize)} on disk.`
  )
}

/** The README's benchmark table row on the addon's size (section Benchmark). */
export function addonRow({ platform, bytes }) {
  return `| release addon, ${platform} | ${size(bytes)} (no server, certificate generator or key in it) |`
}

/**
 * The README's paragraph on where the addon's bytes go (section Benchmark), from a run of
 * bench/addon-size.mjs: the release build's `sections` (`{ code, constants, unwinding,
 * relocations }`, bytes) and `crates`, its `[name, bytes]` largest first, then `rest` (bytes).
 */
export function bytesParagraph({ sections, crates, rest }) {
  return (
    `Where the addon's bytes go (\`node bench/addon-size.mjs\`): code ${size(sections.code)}, constants ${size(sections.constants)}, ` +
    `unwinding tables ${size(sections.unwinding)}, relocations ${size(sections.relocations)}. Code and constants by crate: ` +
    `${crates.map(([crate, n]) => `${crate} ${size(n)}`).join(', ')}, the rest ${size(rest)}.`
  )
}

/** A text's shape: its words with every number a `#`, whitespace as single spaces. */
export const shape = (text) => text.replace(/\d+(?:[.,]\d+)*/g, '#').replace(/\s+/g, ' ').trim()
