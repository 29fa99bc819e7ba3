// calendar.js — the work calendar's status shared by the notice and the
// calendar page: which years should be loaded by now and are not
// (GET /calendar/status), and whether the user may load them.
import { reactive } from 'vue'
import { api } from './api.js'
import { onSessionEnd } from './session.js'

export const calendarStatus = reactive({ missing: [], can_load: false, loaded: false })

/** Reads the status again (after a year is loaded, or at sign-in). */
export async function loadCalendarStatus() {
  try {
    Object.assign(calendarStatus, await api.get('/calendar/status'), { loaded: true })
  } catch {
    // the notice is a hint: no error box on every page for it
  }
}

// Another user may sign in next: forget this one's status.
onSessionEnd(() => Object.assign(calendarStatus, { missing: [], can_load: false, loaded: false }))
