// Checks the shared message files (internal/i18n/messages/*.json) against
// each other and against the console's code. Run with `npm run check`.
//
//   - every language file holds the same keys;
//   - every key src/ names — t('…'), te('…'), tOr('…', …) with a literal key,
//     and any quoted 'ui.…' string, which the code passes to t later — is in
//     every language file;
//   - a key built at run time — tOr(`ui.kind.${kind}`, …), or the prefix of
//     enumName('ui.status', row.status) — has at least one key under its
//     fixed start ('ui.kind.', 'ui.status.') in every language file, and
//     enumName('ui.status', 'active') has its whole key.
//
// Problems are listed as file:line, and the exit status is 1 when there is one.
// Plain Node, no dependencies.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, dirname, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const web = join(dirname(fileURLToPath(import.meta.url)), '..')
const src = join(web, 'src')
const messagesDir = join(web, '..', 'internal', 'i18n', 'messages')
const problems = []

// lineOf is the 1-based line of offset in text.
function lineOf(text, offset) {
  let n = 1
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) n++
  return n
}

// The language files, each with its keys and the line each key is on.
const langs = readdirSync(messagesDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => {
    const path = join(messagesDir, f)
    const text = readFileSync(path, 'utf8')
    const keys = Object.keys(JSON.parse(text))
    const lines = new Map()
    for (const k of keys) {
      const at = text.indexOf(JSON.stringify(k) + ':')
      lines.set(k, at < 0 ? 1 : lineOf(text, at))
    }
    return { name: f, path, keys: new Set(keys), lines }
  })
if (langs.length === 0) {
  console.error(`no message files in ${messagesDir}`)
  process.exit(1)
}
const rel = (p) => relative(process.cwd(), p) || p

// Every language holds the keys of every other.
for (const a of langs) {
  for (const b of langs) {
    if (a === b) continue
    for (const k of a.keys) {
      if (!b.keys.has(k)) problems.push(`${rel(a.path)}:${a.lines.get(k)}: ${k} is missing from ${b.name}`)
    }
  }
}

function walk(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? walk(p) : /\.(vue|js|mjs|ts)$/.test(f) ? [p] : []
  })
}

const key = String.raw`[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+`
// A translate call with a literal key: t('a.b'), te("a.b"), tOr(`a.b`, …).
const callRe = new RegExp(String.raw`\b(?:t|te|tOr)\(\s*(['"\x60])(${key})\1`, 'g')
// A quoted ui.* key anywhere (labels in tables, passed to t later).
const uiRe = new RegExp(String.raw`(['"\x60])(ui\.${key.slice(0, -1)}*)\1`, 'g')
// A key built at run time: tOr(`ui.kind.${kind}`, …): its fixed start.
const builtRe = /\b(?:t|te|tOr)\(\s*`([A-Za-z0-9_.-]+\.)\$\{/g
// enumName(prefix, value) of util.js: tOr(`${prefix}.${value}`, value).
const enumRe = /\benumName\(\s*(['"])([A-Za-z0-9_.-]+)\1\s*,\s*(?:(['"])([A-Za-z0-9_-]+)\3)?/g

let uses = 0
let built = 0
for (const file of walk(src)) {
  const text = readFileSync(file, 'utf8')
  const seen = new Set() // offsets already checked: a call's key is also a quoted ui.* key
  const check = (k, offset) => {
    if (seen.has(offset)) return
    seen.add(offset)
    uses++
    for (const l of langs) {
      if (!l.keys.has(k)) problems.push(`${rel(file)}:${lineOf(text, offset)}: ${k} is missing from ${l.name}`)
    }
  }
  const checkStart = (start, offset) => {
    built++
    for (const l of langs) {
      if (![...l.keys].some((k) => k.startsWith(start))) {
        problems.push(`${rel(file)}:${lineOf(text, offset)}: no key starts with ${start} in ${l.name}`)
      }
    }
  }
  for (const m of text.matchAll(enumRe)) {
    const at = m.index + m[0].indexOf(m[2])
    if (m[4]) {
      check(`${m[2]}.${m[4]}`, at) // marks the prefix as checked too
    } else {
      seen.add(at) // the prefix is not a key of its own
      checkStart(`${m[2]}.`, at)
    }
  }
  for (const m of text.matchAll(callRe)) check(m[2], m.index + m[0].length - m[2].length - 1)
  for (const m of text.matchAll(uiRe)) check(m[2], m.index + 1)
  for (const m of text.matchAll(builtRe)) checkStart(m[1], m.index)
}

for (const p of problems) console.error(p)
console.log(
  `i18n: ${langs.map((l) => `${l.name} ${l.keys.size} keys`).join(', ')}; ` +
    `${uses} literal keys and ${built} built keys in src/; ${problems.length} problems`,
)
process.exit(problems.length ? 1 : 0)
