// screening.js — the words of the screening rounds (排查) the pages share.
import { t, tOr } from './i18n.js'

/** The kinds of round: 周排查, 月排查, 节前排查, 敏感节点排查. */
export const ROUND_KINDS = ['weekly', 'monthly', 'holiday', 'sensitive']

/** The dispute types (internal/dispute/vocab.go Types), the seeds' six first. */
export const DISPUTE_TYPES = ['neighbour', 'marriage_family', 'land_forest', 'land_acquisition', 'labour_wages', 'property_mgmt',
  'contract_debt', 'traffic', 'medical', 'other']

/** A finding's risk levels, high (red) to low (green). */
export const RISKS = ['high', 'medium', 'low']

export const kindName = (k) => tOr(`ui.screening.kind.${k}`, k)
export const typeName = (v) => tOr(`dispute.type.${v}`, v)
export const riskName = (r) => tOr(`ui.screening.risk.${r}`, r)
export const riskType = (r) => ({ high: 'danger', medium: 'warning', low: 'success' })[r] || 'info'
export const statusName = (s) => tOr(`ui.screening.status.${s}`, s)
export const lightName = (l) => (l ? t(`ui.screening.light.${l}`) : '')
export const lightType = (l) => ({ red: 'danger', yellow: 'warning', green: 'success' })[l] || 'info'

/** Today as YYYY-MM-DD on this device. */
export function today(offset = 0) {
  const d = new Date(Date.now() + offset * 86400000)
  const p = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`
}
