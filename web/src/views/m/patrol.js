// patrol.js — the patrol that is on, as the phone knows it: the patrol tab
// keeps its id here (per user) so that a report or a screening finding
// filed while it is on is linked to it once the server has the report.
import { api } from '../../api.js'
import { session } from '../../session.js'

const key = () => `gridgov.patrol.open.${session.me?.id || 'anon'}`

/** Remembers the open patrol's id ('' when none is on). */
export function setOpenPatrol(id) {
  if (id) localStorage.setItem(key(), id)
  else localStorage.removeItem(key())
}

/** The id of the patrol that is on, or ''. */
export function openPatrol() {
  return localStorage.getItem(key()) || ''
}

/**
 * Links a report the server has to the patrol it was made in. A network
 * failure throws (the report's queue item waits and tries again); a
 * refusal (the patrol is gone) is let go: the report stands alone.
 */
export async function linkToPatrol(patrolId, kind, ref, at) {
  if (!patrolId || !ref) return
  try {
    await api.post(`/patrol/patrols/${patrolId}/reports`, { kind, ref, at })
  } catch (err) {
    if (err.status === 0 || err.status >= 500) throw err
  }
}
