// disputes.js — the words of dispute cases (the server's vocabulary in
// internal/dispute) and their display names.
import { tOr } from './i18n.js'

export const TYPES = ['neighbour', 'marriage_family', 'land_forest', 'land_acquisition', 'labour_wages', 'property_mgmt', 'contract_debt', 'traffic', 'medical', 'other']
export const ROUTES = ['people_mediation', 'admin_mediation', 'industry_mediation', 'arbitration', 'litigation', 'petition', 'admin_handling']
export const SOURCES = ['screening', 'event', 'grid', 'hotline', 'walk_in', 'police', 'court_referral', 'petition']
export const COMPLEXITIES = ['simple', 'complex']
export const STATUSES = ['registered', 'accepted', 'mediating', 'settled', 'failed']
export const ROLES = ['applicant', 'respondent', 'third']
export const JOINT_KINDS = ['four_heads', 'three_links']
export const LEVELS = ['village', 'town', 'county', 'city']
// The list filters the figures page drills down with (纠纷统计).
export const DRILL_KEYS = ['settled_level', 'next_route', 'confirmation', 'from', 'to', 'at_org']
export const PERFORMANCES = ['performed', 'partly', 'not_performed']

export const typeName = (v) => tOr(`dispute.type.${v}`, v || '')
export const routeName = (v) => tOr(`dispute.route.${v}`, v || '')
export const sourceName = (v) => tOr(`dispute.source.${v}`, v || '')
export const complexityName = (v) => tOr(`dispute.complexity.${v}`, v || '')
export const statusName = (v) => tOr(`ui.dispute.status.${v}`, v || '')
export const roleName = (v) => tOr(`ui.dispute.role.${v}`, v || '')
export const outcomeName = (v) => tOr(`ui.dispute.outcome.${v}`, v || '')
export const stepName = (v) => tOr(`ui.dispute.step.${v}`, v || '')
export const jointName = (v) => tOr(`ui.dispute.joint.${v}`, v || '')
export const performanceName = (v) => tOr(`ui.dispute.performance.${v}`, v || '')

export const levelLabel = (v) => tOr(`level.${v}`, v || '—')

/** The drill-down filters in force, in words, or '' for none. */
export function drillText(f) {
  const out = []
  if (f.from || f.to) out.push(`${f.from || '…'} – ${f.to || '…'}`)
  if (f.settled_level) out.push(`${tOr('ui.dispute.settled_level', '')} ${levelLabel(f.settled_level)}`)
  if (f.next_route) out.push(`→ ${routeName(f.next_route)}`)
  if (f.confirmation) out.push(tOr(`ui.dispute.confirmation_filter.${f.confirmation}`, f.confirmation))
  if (f.at_org) out.push(tOr('ui.dispute.figures.own_level', '').replace('{name}', ''))
  return out.join(' · ')
}

// The case-list filter of each figure of the figures page (纠纷统计).
export const FIGURE_FILTERS = {
  accepted: {},
  mediated: { status: 'settled' },
  closed: { light: 'none' },
  red: { light: 'red' },
  yellow: { light: 'yellow' },
  confirm_applied: { confirmation: 'applied' },
  confirmed: { confirmation: 'confirmed' },
  referrals: { source: 'court_referral' },
  referrals_settled: { source: 'court_referral', status: 'settled' },
  litigation: { route: 'litigation' },
  sent_to_court: { next_route: 'litigation' },
  settled_village: { settled_level: 'village' },
  settled_town: { settled_level: 'town' },
  settled_county: { settled_level: 'county' },
  settled_city: { settled_level: 'city' },
}

/** The list query of a figure of a row (its drill), or null when the
 * figure's filter contradicts the row's: that figure counts none. */
export function figureLink(drill, key) {
  const extra = FIGURE_FILTERS[key] || {}
  for (const [k, v] of Object.entries(extra)) if (drill[k] && drill[k] !== v) return null
  return { ...drill, ...extra }
}

export function statusType(s) {
  return { registered: 'warning', accepted: 'primary', mediating: 'primary', settled: 'success', failed: 'info' }[s] || 'info'
}

/** Yuan with two decimals, or — . */
export function yuan(v) {
  return v == null ? '—' : '¥' + Number(v).toFixed(2)
}

/** The date (YYYY-MM-DD) of a Unix-ms time in local time. */
export function dateOf(ms) {
  if (!ms) return ''
  const d = new Date(ms)
  const p = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`
}

// The codes a timeline note carries (routes, complexities, outcomes, joint
// sessions, performance, levels), each replaced by its name.
const NOTE_CODES = new Map([
  ...ROUTES.map((v) => [v, () => routeName(v)]),
  ...COMPLEXITIES.map((v) => [v, () => complexityName(v)]),
  ...['agreement', 'oral_agreement', 'failed'].map((v) => [v, () => outcomeName(v)]),
  ...JOINT_KINDS.map((v) => [v, () => jointName(v)]),
  ...PERFORMANCES.map((v) => [v, () => performanceName(v)]),
  ...LEVELS.map((v) => [v, () => levelLabel(v)]),
])

/** A timeline note in words: "simple → people_mediation: …" → "简易 → 人民调解: …". */
export function noteText(note) {
  return (note || '').replace(/[a-z_]+/g, (w) => (NOTE_CODES.has(w) ? NOTE_CODES.get(w)() : w))
}
