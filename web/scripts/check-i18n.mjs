// Checks the shared message files (internal/i18n/messages): zh-CN.json and
// en.json hold the same keys, and every literal t('ui.…') key used in src/
// exists. Run with `npm run check`.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src')
const messages = join(src, '..', '..', 'internal', 'i18n', 'messages')
const zh = JSON.parse(readFileSync(join(messages, 'zh-CN.json'), 'utf8'))
const en = JSON.parse(readFileSync(join(messages, 'en.json'), 'utf8'))
const problems = []

for (const k of Object.keys(zh)) if (!(k in en)) problems.push(`en.json lacks ${k}`)
for (const k of Object.keys(en)) if (!(k in zh)) problems.push(`zh-CN.json lacks ${k}`)

function walk(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? walk(p) : /\.(vue|js)$/.test(f) ? [p] : []
  })
}
let used = 0
for (const file of walk(src)) {
  const text = readFileSync(file, 'utf8')
  for (const m of text.matchAll(/['"](ui\.[a-z0-9_]+(?:\.[a-z0-9_]+)+)['"]/g)) {
    used++
    if (!(m[1] in zh)) problems.push(`${file.slice(src.length + 1)}: unknown key ${m[1]}`)
  }
}
for (const p of problems) console.error(p)
console.log(`i18n: ${Object.keys(zh).length} keys, ${used} uses, ${problems.length} problems`)
process.exit(problems.length ? 1 : 0)
