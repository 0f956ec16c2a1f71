// Writes the npm version comparison table: every ordered pair of the versions in the
// given file, compared by npm's own `semver` package (strict parsing, as npm uses it).
// `!` = one side is not a valid version (semver.valid is null). Run through gen.sh.
'use strict'
const fs = require('fs')
const semver = require('semver')
const pkg = require('semver/package.json')
const versions = fs.readFileSync(process.argv[2], 'utf8').split('\n')
  .filter((l) => l && !l.startsWith('#'))
const out = [`# a b result, produced by npm's semver ${pkg.version} (semver.compare; ! = semver.valid is null)`]
for (const a of versions) {
  for (const b of versions) {
    let r = '!'
    if (semver.valid(a) !== null && semver.valid(b) !== null) {
      r = ['<', '=', '>'][semver.compare(a, b) + 1]
    }
    out.push(`${a} ${b} ${r}`)
  }
}
process.stdout.write(out.join('\n') + '\n')
