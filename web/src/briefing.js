// briefing.js — the 平安稳定专报 (numbered safety-and-stability briefings)
// as the console shows them: a briefing's number or status, its default
// period, its body's paragraphs, the units it goes to by default, the
// issuer's name from the county's, and whether the signed-in user reads
// briefings at all (the menu's 平安稳定专报).
import { ref } from 'vue'
import { api } from './api.js'
import { t } from './i18n.js'
import { can, onSessionEnd, session } from './session.js'
import { PERM } from './perms.js'
import { dayAdd, today } from './situation.js'

export const STATUS_TYPES = { draft: 'info', review: 'warning', issued: 'success' }
export const briefingStatus = (s) => t(`ui.situation.briefing.status.${s}`)

/** The period a new draft covers: the seven days ending yesterday. */
export function defaultPeriod() {
  const to = dayAdd(today(), -1)
  return [dayAdd(to, -6), to]
}

/** A day as 2026年3月5日 (from YYYY-MM-DD or a time in milliseconds, China time). */
export function dayCN(v) {
  if (!v) return ''
  const day = typeof v === 'number' ? new Date(v + 8 * 3600e3).toISOString().slice(0, 10) : v
  const [y, m, d] = day.split('-')
  return `${y}年${Number(m)}月${Number(d)}日`
}

/**
 * The body as paragraphs (split on blank lines), each a list of lines; a
 * short line opening with 一、 二、 … is a heading.
 */
export function paragraphs(body) {
  return String(body || '')
    .split(/\n\s*\n/)
    .map((p) => p.split('\n').map((l) => l.trim()).filter(Boolean))
    .filter((p) => p.length)
    .map((lines) => lines.map((text) => ({ text, heading: text.length <= 30 && /^[一二三四五六七八九十]+、/.test(text) })))
}

/** A unit a briefing goes to unless the leader says otherwise: the towns' 综治中心 and the police. */
export function defaultUnit(u) {
  return (u.kind === 'center' && u.level === 'town') || (u.kind === 'department' && /公安(分)?局$/.test(u.name))
}

// The levels from the top: a briefing goes to the units of its county (or
// city) and below, not above.
const LEVELS = ['province', 'city', 'county', 'town', 'village']
/** The units of GET /units?org_id=root that a briefing of root may go to, grouped for a select. */
export function unitGroups(units, root) {
  const top = LEVELS.indexOf(root.kind)
  const ok = units.filter((u) => LEVELS.indexOf(u.level) >= top)
  const groups = [
    { key: 'center', items: ok.filter((u) => u.kind === 'center' && u.level !== 'village') },
    { key: 'department', items: ok.filter((u) => u.kind === 'department') },
    { key: 'town', items: ok.filter((u) => u.kind !== 'center' && u.kind !== 'department' && u.level !== 'village') },
    { key: 'village', items: ok.filter((u) => u.level === 'village') },
  ]
  return groups.filter((g) => g.items.length).map((g) => ({ ...g, label: t(`ui.situation.briefing.unit_group.${g.key}`) }))
}

/** The area's name: the county itself, else found among the user's area's ancestors (a town's staff). */
export async function areaName(id) {
  try {
    return (await api.get(`/org/nodes/${id}`, undefined, { quiet: true })).name
  } catch {
    // not readable from here: look among the ancestors of the user's own area
  }
  try {
    const own = await api.get(`/org/nodes/${session.me?.org_id}`, undefined, { quiet: true })
    return [own, ...(own.ancestors || [])].find((n) => n.id === id)?.name || ''
  } catch {
    return ''
  }
}

/** 县委政法委, 区委政法委, …: the issuer as the county's name makes it. */
export function issuerOf(name) {
  return name ? `${name}委政法委` : '政法委'
}

// ---- who reads briefings ----

// Briefings go to units: whoever works for one reads those sent to it,
// whatever their role, as do the situation room's readers. /me names no
// unit yet, so a user of neither kind is asked once per sign-in whether
// any briefing has reached them.
let asked = false
const received = ref(false)
onSessionEnd(() => {
  asked = false
  received.value = false
})

/** Whether the signed-in user has 平安稳定专报 to read (the menu item shows then). */
export function briefingReader() {
  const me = session.me
  if (!me) return false
  if (can(PERM.situationRead) || can(PERM.situationSteer) || can(PERM.situationSign)) return true
  if ('unit_id' in me) return !!me.unit_id
  if (!asked) {
    asked = true
    api.get('/situation-briefings/mine', undefined, { quiet: true })
      .then((r) => (received.value = (r.items || []).length > 0))
      .catch(() => null)
  }
  return received.value
}

/** Remembers that briefings reached the user (the list page found some). */
export function briefingsReceived() {
  received.value = true
}
