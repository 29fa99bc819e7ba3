// events.js — shared pieces of the events (work order) pages: reference data,
// lights, the actions each state offers and who may take them.
import { reactive } from 'vue'
import { api } from './api.js'
import { can } from './session.js'
import { t, tOr } from './i18n.js'

export const STATES = ['reported', 'filed', 'dispatched', 'handling', 'handled', 'closed', 'refused', 'merged']
export const OPEN_STATES = ['reported', 'filed', 'dispatched', 'handling', 'handled']
export const LIGHTS = ['red', 'yellow', 'green']
export const RATINGS = ['satisfied', 'basically', 'dissatisfied']
export const LEVELS = ['village', 'town', 'county', 'city'] // where a matter was settled, up to the city's 综治中心

export const LIGHT_COLORS = { red: '#e53935', yellow: '#f9a825', green: '#43a047', none: '#b0b7c3' }

export const stateName = (s) => tOr(`state.${s}`, s || '')
export const lightName = (l) => tOr(`light.${l}`, l || '')
export const channelName = (c) => tOr(`channel.${c}`, c || '')
export const actionName = (a) => tOr(`event_action.${a}`, a || '')
// what a button says: the action to take (Rate), where a timeline step says what was done (rated)
export const verbName = (a) => tOr(`ui.event.do.${a}`, actionName(a))
export const ratingName = (r) => tOr(`rating.${r}`, r || '')
export const levelName = (l) => tOr(`level.${l}`, l || '')
export const urgencyName = (u) => tOr(`urgency.${u}`, u || '')
export const stageName = (s) => tOr(`stage.${s}`, s || '')

export function stateType(s) {
  return { reported: 'warning', filed: 'primary', dispatched: 'primary', handling: 'primary', handled: 'warning', closed: 'success', refused: 'info', merged: 'info' }[s] || 'info'
}

// Reference data, loaded once per page load (names come in the current language).
const cache = reactive({ categories: null, channels: null })

export async function loadCategories() {
  if (!cache.categories) cache.categories = (await api.get('/categories')).items || []
  return cache.categories
}

export async function loadChannels() {
  if (!cache.channels) cache.channels = (await api.get('/channels')).items || []
  return cache.channels
}

export function resetRefData() {
  cache.categories = null
  cache.channels = null
}

/** Categories as option groups: [{code, name, children: [level-2 categories]}]. */
export function categoryGroups(cats) {
  const groups = []
  const byCode = new Map()
  for (const c of cats || []) {
    if (c.level === 1 || !c.parent_code) {
      const g = { code: c.code, name: c.name, children: [] }
      groups.push(g)
      byCode.set(c.code, g)
    }
  }
  for (const c of cats || []) {
    if (c.level !== 1 && c.parent_code && c.active !== false) byCode.get(c.parent_code)?.children.push(c)
  }
  return groups.filter((g) => g.children.length)
}

const isOpen = (e) => OPEN_STATES.includes(e.state)

// disputes (11) and security matters (12) are never published
export const publishable = (e) => !['11', '12'].includes((e.category_code || '').slice(0, 2))

// Every action of the loop: when it is offered (state, flags) and the permission it needs.
// fields: what its dialog asks for.
export const ACTIONS = [
  { action: 'file', perm: 'event.intake', when: (e) => e.state === 'reported', fields: ['category', 'urgency', 'publish', 'note', 'public_note'], type: 'primary' },
  { action: 'refuse', perm: 'event.intake', when: (e) => e.state === 'reported', fields: ['note', 'public_note'], noteRequired: true, type: 'danger' },
  { action: 'merge', perm: 'event.intake', when: (e) => ['reported', 'filed'].includes(e.state), fields: ['into', 'note', 'public_note'] },
  { action: 'dispatch', perm: 'event.dispatch', when: (e) => e.state === 'filed', fields: ['units', 'note', 'public_note'], type: 'primary' },
  { action: 'escalate', perm: 'event.dispatch', when: (e) => ['reported', 'filed'].includes(e.state) && e.level !== 'county', fields: ['note'] },
  { action: 'sign', perm: 'event.handle', when: (e) => e.state === 'dispatched', fields: [], type: 'primary' },
  { action: 'return', perm: 'event.handle', when: (e) => ['dispatched', 'handling'].includes(e.state), fields: ['note'], noteRequired: true, type: 'warning' },
  { action: 'request_extension', perm: 'event.handle', when: (e) => e.state === 'handling' && !e.extension_requested_hours, fields: ['hours', 'note'] },
  { action: 'report_result', perm: 'event.handle', when: (e) => e.state === 'handling', fields: ['note', 'public_note', 'photo'], noteRequired: true, type: 'primary' },
  { action: 'approve_extension', perm: 'event.approve', when: (e) => e.state === 'handling' && e.extension_requested_hours > 0, fields: ['note'], type: 'primary' },
  { action: 'reject_extension', perm: 'event.approve', when: (e) => e.state === 'handling' && e.extension_requested_hours > 0, fields: ['note'] },
  { action: 'check_pass', perm: 'event.check', when: (e) => e.state === 'handled' && !e.own_result, fields: ['note', 'public_note'], type: 'success' },
  { action: 'check_fail', perm: 'event.check', when: (e) => e.state === 'handled' && !e.own_result, fields: ['note', 'public_note'], noteRequired: true, type: 'danger' },
  { action: 'supervise', perm: 'event.supervise', when: isOpen, fields: ['hours', 'note'], type: 'warning' },
  { action: 'take_case', perm: 'event.supervise', when: (e) => isOpen(e) && !e.leader_case, fields: ['note'] },
  { action: 'park', perm: 'event.approve', when: (e) => isOpen(e) && !e.parked, fields: ['note'] },
  { action: 'unpark', perm: 'event.approve', when: (e) => isOpen(e) && e.parked, fields: ['note'] },
  { action: 'reopen', perm: 'event.approve', when: (e) => e.state === 'closed', fields: ['note', 'public_note'], noteRequired: true },
  // what Open311 publishes: the intake desk's decision, with a summary for the public
  { action: 'publish', perm: 'event.intake', when: (e) => !e.published && e.state !== 'merged' && publishable(e), fields: ['public_description', 'public_note'] },
  { action: 'unpublish', perm: 'event.intake', when: (e) => e.published && e.state !== 'merged', fields: ['note'] },
  // the reporter (a resident's own report) or the centre's callback 回访
  { action: 'rate', perm: ['event.intake', 'event.report'], when: (e) => e.state === 'closed' && !e.rating, fields: ['rating', 'note'] },
]

/** The actions the current user may take on the event now. */
export function actionsFor(e) {
  if (!e) return []
  return ACTIONS.filter((a) => (Array.isArray(a.perm) ? a.perm.some(can) : can(a.perm)) && a.when(e))
}

/** 0.8567 → "85.7%"; null → "—". */
export function pct(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—'
  return `${(v * 100).toFixed(1)}%`
}

/** A short label for the stage deadline ("处置 · 11-22 16:00"). */
export function dueLabel(e, fmt) {
  if (!e?.stage_due_at) return ''
  return `${stageName(e.stage)} · ${fmt(e.stage_due_at)}`
}

export { t }
