// outbox.js — the phone's outbox. What a field user files (a report, a
// screening finding, a dispute) is first written here — localStorage, one
// list per user and kind, so a phone passed on shows no one else's — with
// an Idempotency-Key, then sent. A network failure or a server error leaves
// it queued: it goes again when the phone is back online or on 立即发送,
// and the server answers a retry with what the first made, never a second.
// A refusal (4xx) keeps it with the server's words, to be edited or
// dropped. The item leaves the phone once the server has it.
import { ref, computed, onMounted, onBeforeUnmount } from 'vue'
import { session } from '../../session.js'
import { t } from '../../i18n.js'

/**
 * useOutbox(name, send, opts) keeps the outbox stored as gridgov.<name>.<user
 * id> (reports: 'outbox', as phones already hold it). send(item, save)
 * sends one item (its body, its key as the Idempotency-Key) and returns
 * the server's answer; it may note progress on the item and save() it.
 * opts.onSent(answer, item) runs after each item the server has, opts.slim(item)
 * is the item kept when storage is full (a photo left out).
 */
export function useOutbox(name, send, opts = {}) {
  const storageKey = computed(() => `gridgov.${name}.${session.me?.id || 'anon'}`)
  const queue = ref([])
  const sending = ref(false)

  function load() {
    try {
      queue.value = JSON.parse(localStorage.getItem(storageKey.value) || '[]')
    } catch {
      queue.value = []
    }
  }
  function save() {
    try {
      localStorage.setItem(storageKey.value, JSON.stringify(queue.value))
    } catch (err) {
      if (!opts.slim) throw err
      localStorage.setItem(storageKey.value, JSON.stringify(queue.value.map(opts.slim)))
    }
  }

  /** Queues body (with extra fields kept on the item) and sends what waits. */
  function add(body, extra = {}) {
    queue.value.push({ key: crypto.randomUUID(), body, at: Date.now(), status: 'queued', error: '', ...extra })
    save()
    return sendAll()
  }

  async function sendOne(item) {
    try {
      const answer = await send(item, save)
      queue.value = queue.value.filter((x) => x.key !== item.key)
      save()
      opts.onSent?.(answer, item)
      return true
    } catch (err) {
      const q = queue.value.find((x) => x.key === item.key)
      if (q) {
        if (err.status === 0 || err.status >= 500) {
          q.status = 'queued'
          q.error = err.status === 0 ? t('ui.mobile.offline') : err.detail
        } else {
          q.status = 'failed' // refused: edit and send again (with a new key)
          const fields = Object.values(err.fields || {})
          q.error = fields.length ? fields.join(' ') : err.detail || err.message
        }
        save()
      }
      return false
    }
  }

  /**
   * Sends the waiting items in order, stopping at the first the network
   * keeps. Items added while it sends are sent in the same run.
   */
  let again = false
  async function sendAll() {
    if (sending.value) {
      again = true
      return
    }
    sending.value = true
    try {
      do {
        again = false
        for (const item of [...queue.value]) {
          if (item.status === 'failed') continue
          const ok = await sendOne(item)
          if (!ok && queue.value.find((q) => q.key === item.key)?.status === 'queued') return // still offline
        }
      } while (again)
    } finally {
      sending.value = false
    }
  }

  /** Takes an item off the phone (dropped, or back into the form to edit). */
  function remove(item) {
    queue.value = queue.value.filter((q) => q.key !== item.key)
    save()
  }

  const onOnline = () => sendAll()
  onMounted(() => {
    load()
    window.addEventListener('online', onOnline)
    if (queue.value.some((q) => q.status !== 'failed')) sendAll()
  })
  onBeforeUnmount(() => window.removeEventListener('online', onOnline))
  return { queue, sending, add, sendAll, remove, save }
}
