// inbox.js — the caller's unread messages for a bell (the console's and the
// phone's): refreshed every minute while the bell is shown; a message read
// leaves the list at once and is marked read on the server (if that fails
// it stays unread there, and the next refresh shows it again).
import { ref, onMounted, onBeforeUnmount } from 'vue'
import { api } from './api.js'

/** useInbox() gives the unread messages and marks one read. */
export function useInbox() {
  const items = ref([])
  let timer = null

  async function refresh() {
    try {
      items.value = (await api.get('/inbox', { unread: 'true' }, { quiet: true })).items || []
    } catch {
      // no answer: shown again on the next refresh
    }
  }
  function markRead(m) {
    items.value = items.value.filter((x) => x.id !== m.id)
    return api.post(`/inbox/${m.id}/read`, undefined, { quiet: true }).catch(() => null)
  }

  onMounted(() => {
    refresh()
    timer = setInterval(refresh, 60000)
  })
  onBeforeUnmount(() => clearInterval(timer))
  return { items, refresh, markRead }
}
