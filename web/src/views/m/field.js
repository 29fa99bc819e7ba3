// field.js — what the field tabs (待办, inbox) share: taking an action of
// the loop on the version shown, and sending its photos after it, so they
// sit on the step they show (the result, the re-check).
import { api, upload } from '../../api.js'
import { shrinkPhoto } from '../../photo.js'

/** POST /events/{id}/actions with the version the card shows. */
export function act(e, action, fields = {}) {
  return api.post(`/events/${e.id}/actions`, { action, version: e.version, ...fields })
}

/** Uploads the photos (Files) to the event's latest step, shrunk first. */
export async function sendPhotos(id, files, kind = 'after') {
  for (const f of files) {
    const fd = new FormData()
    fd.append('file', await shrinkPhoto(f))
    fd.append('kind', kind)
    await upload(`/events/${id}/media`, fd)
  }
}

/** A Unix-ms deadline as "MM-DD HH:mm". */
export function shortTime(ms) {
  if (!ms) return ''
  const d = new Date(ms)
  const p = (n) => String(n).padStart(2, '0')
  return `${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`
}
