// session.js — who is logged in (GET /me) and what they may do.
import { reactive } from 'vue'
import { api, setCsrfToken } from './api.js'

export const session = reactive({ me: null })

export async function loadMe() {
  const me = await api.get('/me', undefined, { quiet: true })
  setMe(me)
  return me
}

export function setMe(me, csrf) {
  session.me = me
  setCsrfToken(csrf || me?.csrf_token)
}

// Pages that keep something in memory between visits (a list's filters, the
// last search) register here to forget it when the user signs out.
const endHooks = []

export function onSessionEnd(fn) {
  endHooks.push(fn)
}

export function clearSession() {
  session.me = null
  setCsrfToken('')
  for (const fn of endHooks) fn()
}

/** Whether the user holds permission perm (the server checks again anyway). */
export function can(perm) {
  return !!session.me?.permissions?.includes(perm)
}

/** Whether the user holds at least one of the permissions. */
export function canAny(...perms) {
  return perms.some(can)
}
