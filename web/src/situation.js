// situation.js — the words of the situation room's 三情 (访情, 警情, 舆情):
// kinds, categories, levels, origins and statuses as the server names them
// (internal/situation), their display names, the China day helpers, and
// the sheet pasted from Excel read into the server's input rows.
import { t, tOr } from './i18n.js'

export const KINDS = ['petition', 'police', 'opinion']
export const CATEGORIES = {
  petition: ['collective', 'over_level', 'repeat', 'to_capital', 'online', 'other'],
  police: ['criminal', 'public_order', 'dispute', 'traffic', 'fire', 'fraud', 'help', 'other'],
  opinion: ['negative', 'demand', 'incident', 'rumor', 'other'],
}
export const LEVELS = ['general', 'serious', 'major']
export const STATUSES = ['open', 'closed']
export const ORIGINS = ['hand', 'sheet', 'feed']

export const kindName = (k) => tOr(`ui.situation.kind.${k}`, k || '')
export const categoryName = (kind, c) => tOr(`ui.situation.category.${kind}.${c}`, c || '')
/** "police/fraud" (the analysis's category key) → 警情·电诈. */
export const categoryKeyName = (key) => {
  const [kind, c] = String(key).split('/')
  return `${kindName(kind)}·${categoryName(kind, c)}`
}
export const levelName = (l) => tOr(`ui.situation.level.${l}`, l || '')
export const statusName = (s) => tOr(`ui.situation.status.${s}`, s || '')
export const originName = (o) => tOr(`ui.situation.origin.${o}`, o || '')

export const KIND_TYPES = { petition: 'warning', police: 'danger', opinion: 'primary' }
export const LEVEL_TYPES = { general: 'info', serious: 'warning', major: 'danger' }
export const LIGHT_TYPES = { green: 'success', yellow: 'warning', red: 'danger' }

const pad = (n) => String(n).padStart(2, '0')
const cst = (ms) => new Date(ms + 8 * 3600e3)

/** Today in China Standard Time, YYYY-MM-DD. */
export function today() {
  return cst(Date.now()).toISOString().slice(0, 10)
}
/** The day n days after day (YYYY-MM-DD). */
export function dayAdd(day, n) {
  const d = new Date(day + 'T00:00:00Z')
  d.setUTCDate(d.getUTCDate() + n)
  return d.toISOString().slice(0, 10)
}
/** Now in China Standard Time, "YYYY-MM-DD HH:mm" (the form's default). */
export function nowMinute() {
  return cst(Date.now()).toISOString().slice(0, 16).replace('T', ' ')
}
/** A time in milliseconds as "YYYY-MM-DD HH:mm" in China Standard Time. */
export function fmtTime(ms) {
  if (!ms) return '—'
  return cst(ms).toISOString().slice(0, 16).replace('T', ' ')
}
/** A time in milliseconds as "MM-DD HH:mm" in China Standard Time. */
export function fmtShort(ms) {
  if (!ms) return '—'
  return cst(ms).toISOString().slice(5, 16).replace('T', ' ')
}
/** The Monday of day's week (YYYY-MM-DD). */
export function monday(day) {
  const d = new Date(day + 'T00:00:00Z')
  return dayAdd(day, -((d.getUTCDay() + 6) % 7))
}
/** A lag in milliseconds as minutes, hours or days. */
export function fmtLag(ms) {
  if (!ms) return '—'
  const m = Math.round(ms / 60000)
  if (m < 60) return t('ui.situation.lag_min', { n: Math.max(m, 1) })
  if (m < 48 * 60) return t('ui.situation.lag_hour', { n: Math.round(m / 60) })
  return t('ui.situation.lag_day', { n: Math.round(m / 1440) })
}
/** "↑ 3", "↓ 2" or "持平" from the day before to the day. */
export function change(now, before) {
  const d = (now || 0) - (before || 0)
  if (d > 0) return { text: `↑ ${d}`, cls: 'up' }
  if (d < 0) return { text: `↓ ${-d}`, cls: 'down' }
  return { text: t('ui.situation.flat'), cls: 'flat' }
}

// ---- the sheet: rows copied from Excel ----

// The columns, in order, as the template's header names them.
export const SHEET_COLUMNS = ['occurred_at', 'kind', 'category', 'level', 'place', 'area', 'lng', 'lat', 'summary', 'people', 'external_id']
export const sheetHeader = () => SHEET_COLUMNS.map((c) => t(`ui.situation.col.${c}`)).join('\t')

// Chinese names (and the codes themselves) to codes.
const byName = (codes, name) => Object.fromEntries(codes.flatMap((c) => [[c, c], [t(name(c)), c]]))
function kindCodes() {
  return { ...byName(KINDS, (k) => `ui.situation.kind.${k}`), 访: 'petition', 警: 'police', 舆: 'opinion' }
}
function categoryCodes(kind) {
  return byName(CATEGORIES[kind] || [], (c) => `ui.situation.category.${kind}.${c}`)
}
function levelCodes() {
  return { ...byName(LEVELS, (l) => `ui.situation.level.${l}`), 一般: 'general', 较大: 'serious', 重大: 'major' }
}

// "2025/5/3 9:05", "2025.05.03 09:05:00", "2025年5月3日 9:05" → "2025-05-03 09:05"; else as typed.
function normalTime(v) {
  const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*(?:T|\s)\s*(\d{1,2})[:：](\d{1,2})(?:[:：]\d{1,2})?$/.exec(v)
  return m ? `${m[1]}-${pad(m[2])}-${pad(m[3])} ${pad(m[4])}:${pad(m[5])}` : v
}

/**
 * The pasted text as the server's input rows and the rows' own problems
 * (a coordinate that is not a number): {items, problems: [{row, field, msg}]}.
 * Names the server does not know are sent as typed, for it to name the row.
 * A first line that is the template's header is skipped.
 */
export function parseSheet(text) {
  const lines = text.split(/\r?\n/).filter((l) => l.trim())
  if (lines.length && lines[0].split('\t')[0].trim() === t('ui.situation.col.occurred_at')) lines.shift()
  const kinds = kindCodes()
  const levels = levelCodes()
  const items = []
  const problems = []
  lines.forEach((line, i) => {
    const c = line.split('\t').map((x) => x.trim())
    const kind = kinds[c[1]] || c[1] || ''
    const cats = categoryCodes(kind)
    const item = {
      occurred_at: normalTime(c[0] || ''),
      kind,
      category: cats[c[2]] || c[2] || '',
      level: levels[c[3]] || c[3] || '',
      place: c[4] || '',
      area: c[5] || '',
      lat: null,
      lng: null,
      summary: c[8] || '',
      people: (c[9] || '').split(/[、,，;；]/).map((x) => x.trim()).filter(Boolean).map((name) => ({ name })),
      external_id: c[10] || '',
    }
    for (const [field, v] of [['lng', c[6]], ['lat', c[7]]]) {
      if (!v) continue
      const n = Number(v)
      if (Number.isFinite(n)) item[field] = n
      else problems.push({ row: i, field, msg: t('ui.situation.not_number') })
    }
    items.push(item)
  })
  return { items, problems }
}

/**
 * The rows' field errors of an API error (items[3].category, or
 * people[0].id_number with prefix 'people') as lines "第 4 行「分类」：…".
 */
export function rowErrors(fields, prefix = 'items') {
  const re = new RegExp(`^${prefix}\\[(\\d+)\\]\\.(\\w+)`)
  return Object.entries(fields || {}).flatMap(([k, msg]) => {
    const m = re.exec(k)
    return m ? [rowError(Number(m[1]), m[2], msg)] : []
  })
}
export function rowError(row, field, msg) {
  return t('ui.situation.row_error', { row: row + 1, field: tOr(`ui.situation.col.${field}`, field), msg })
}

/** Copies text to the clipboard (a hidden textarea where the page is not secure). */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    const ta = document.createElement('textarea')
    ta.value = text
    ta.style.position = 'fixed'
    ta.style.opacity = '0'
    document.body.appendChild(ta)
    ta.select()
    const ok = document.execCommand('copy')
    ta.remove()
    return ok
  }
}
