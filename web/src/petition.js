// petition.js — the petition desk's words (信访): channels, statuses,
// satisfactions, flags, routes and types, and the day helpers its pages share.
import { tOr } from './i18n.js'

export const CHANNELS = ['visit', 'letter', 'online', 'hotline']
export const STATUSES = ['registered', 'accepted', 'not_accepted', 'replied', 'closed']
export const SATISFACTIONS = ['satisfied', 'basically', 'dissatisfied']
export const FLAGS = ['repeat', 'over_level', 'collective']
// dispute.Types and dispute.Routes (internal/dispute/vocab.go)
export const TYPES = ['neighbour', 'marriage_family', 'land_forest', 'land_acquisition', 'labour_wages', 'property_mgmt', 'contract_debt', 'traffic', 'medical', 'other']
export const ROUTES = ['people_mediation', 'admin_mediation', 'industry_mediation', 'arbitration', 'litigation', 'petition', 'admin_handling']
export const MEDIATION_ROUTES = ['people_mediation', 'admin_mediation', 'industry_mediation']

export const channelName = (c) => tOr(`ui.petition.channel.${c}`, c || '')
export const statusName = (s) => tOr(`ui.petition.status.${s}`, s || '')
export const satisfactionName = (s) => tOr(`ui.petition.satisfaction.${s}`, s || '')
export const flagName = (f) => tOr(`ui.petition.flag.${f}`, f || '')
export const typeName = (x) => tOr(`dispute.type.${x}`, x || '')
export const routeName = (x) => tOr(`dispute.route.${x}`, x || '')
export const stepName = (a) => tOr(`ui.petition.step.${a}`, a || '')
export const decisionName = (k) => tOr(`ui.petition.decision.${k}`, k || '')

const STATUS_TYPES = { registered: 'warning', accepted: 'primary', not_accepted: 'info', replied: 'success', closed: 'info' }
export const statusType = (s) => STATUS_TYPES[s] || 'info'

/** Today in China Standard Time, YYYY-MM-DD (the desk's day). */
export function today() {
  const d = new Date(Date.now() + 8 * 3600 * 1000)
  return d.toISOString().slice(0, 10)
}

/** The caller's own area (their first grant), the forms' default place: {id, name}. */
export function homeOrg(me) {
  const r = (me?.roles || [])[0]
  return r ? { id: r.org_id, name: r.org_name } : { id: me?.org_id || '', name: '' }
}
