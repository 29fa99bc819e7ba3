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
// sessions, performance), each replaced by its name.
const NOTE_CODES = new Map([
  ...ROUTES.map((v) => [v, () => routeName(v)]),
  ...COMPLEXITIES.map((v) => [v, () => complexityName(v)]),
  ...['agreement', 'oral_agreement', 'failed'].map((v) => [v, () => outcomeName(v)]),
  ...JOINT_KINDS.map((v) => [v, () => jointName(v)]),
  ...PERFORMANCES.map((v) => [v, () => performanceName(v)]),
])

/** A timeline note in words: "simple → people_mediation: …" → "简易 → 人民调解: …". */
export function noteText(note) {
  return (note || '').replace(/[a-z_]+/g, (w) => (NOTE_CODES.has(w) ? NOTE_CODES.get(w)() : w))
}
