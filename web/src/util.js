// util.js — small helpers shared by the pages.
import { ElMessage } from 'element-plus'
import { t, tOr } from './i18n.js'
import { BUILTIN_ROLES } from './perms.js'

/** Shows an API (or any) error as a message box at the top. */
export function showError(err) {
  const msg = err?.detail || err?.message || String(err)
  ElMessage.error({ message: msg, grouping: true, showClose: true, duration: 5000 })
}

export function showOK(key = 'ui.common.saved', params) {
  ElMessage.success({ message: t(key, params), grouping: true })
}

/**
 * Handles a failed form submit: puts per-field messages into fieldErrors
 * (a reactive object: field → message) and shows the detail when no
 * field message is visible for it.
 */
export function formError(err, fieldErrors, knownFields = []) {
  for (const k of Object.keys(fieldErrors)) delete fieldErrors[k]
  const fields = err?.fields || {}
  Object.assign(fieldErrors, fields)
  const shown = Object.keys(fields).some((f) => knownFields.includes(f))
  if (!shown || Object.keys(fields).length === 0) showError(err)
}

export function clearErrors(fieldErrors) {
  for (const k of Object.keys(fieldErrors)) delete fieldErrors[k]
}

/** Display name of an enum value: kind.town → 乡镇/街道, falling back to the value. */
export function enumName(prefix, value) {
  if (value === undefined || value === null || value === '') return ''
  return tOr(`${prefix}.${value}`, String(value))
}

/**
 * Display name of an org level for the console (ui.kind.town → 乡镇（街道） /
 * Town / subdistrict). The server's kind.* names are for use inside sentences
 * ("A town code must be…"), so they stay lower-case in English.
 */
export function kindName(kind) {
  if (!kind) return ''
  return tOr(`ui.kind.${kind}`, enumName('kind', kind))
}

/** 2024-05-01T08:00:00Z → local "2024-05-01 16:00:00". */
export function fmtTime(s) {
  if (!s) return ''
  const d = new Date(s)
  if (Number.isNaN(d.getTime())) return s
  const p = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

/** The next level of the organisation tree: city → county → town → village. */
export const KINDS = ['city', 'county', 'town', 'village']
export function nextKind(kind) {
  const i = KINDS.indexOf(kind)
  return i >= 0 && i < KINDS.length - 1 ? KINDS[i + 1] : ''
}

/** Digits a code of each kind has (GB/T 2260 + statistical codes). */
export const CODE_LENGTH = { city: 6, county: 6, town: 9, village: 12 }

export function statusType(status) {
  return status === 'active' ? 'success' : 'info'
}

/** Escapes text for use inside HTML (Leaflet tooltips take HTML strings). */
export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c])
}

/** The display name of a role: role.<code> for built-in roles, else the name the server gives. */
export function roleLabel(code, name) {
  return BUILTIN_ROLES.includes(code) ? tOr(`role.${code}`, name || code) : name || code
}

/**
 * How many days are left or overdue, from the server's count of calendar
 * days in China (due_days, stage_due_days): 0 → 今天到期, -2 → 已逾期 2 天.
 */
export function dueDaysText(days) {
  if (days === null || days === undefined) return ''
  if (days === 0) return t('ui.due.today')
  if (days === 1) return t('ui.due.tomorrow')
  if (days === -1) return t('ui.due.overdue_one')
  return days < 0 ? t('ui.due.overdue_days', { n: -days }) : t('ui.due.in_days', { n: days })
}
