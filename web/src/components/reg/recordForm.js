// recordForm.js — the add / edit dialog of a register record (household,
// house, unit): the form values, the field errors shown beside the fields,
// a version conflict, and save(): POST path for a new record, PUT path/id
// with the version read for a change (409 when someone saved first). A new
// record's POST carries an Idempotency-Key made when the dialog opens: a
// save sent again after a lost answer adds nothing twice.
import { reactive, watch } from 'vue'
import { api } from '../../api.js'
import { t } from '../../i18n.js'
import { session } from '../../session.js'
import { formError, clearErrors, showError, showOK } from '../../util.js'
import { orgInitial } from '../../registry.js'

/**
 * props: { modelValue, record (null: a new one), orgId (the area a new one
 * starts in) }. opts: path ('/houses'); fill(record or null) → the
 * form values; body(form) → the request body (the grid is added); required:
 * the fields that must be filled; sealed: the fields the server keeps
 * sealed and sends masked only. On a change, a sealed field left empty
 * keeps the stored value; state.clear[field] asks the server to empty it.
 */
export function useRecordForm(props, emit, { path, fill, body, required = [], sealed = [] }) {
  const form = reactive({})
  const errors = reactive({})
  const state = reactive({ busy: false, conflict: '', org: null, current: null, clear: {} })
  let idemKey = ''

  function start(rec) {
    state.current = rec
    idemKey = crypto.randomUUID()
    Object.assign(form, fill(rec), { org_id: rec?.org_id || '', grid_id: rec?.grid_id || '' })
    state.org = rec ? { id: rec.org_id, name: rec.org_name } : null
    state.clear = {}
    state.conflict = ''
    clearErrors(errors)
  }

  watch(() => props.modelValue, async (open) => {
    if (!open) return
    start(props.record)
    if (!props.record) {
      // a new record starts in the list's area, else in the user's own
      state.org = await orgInitial(props.orgId || session.me?.org_id)
      form.org_id = state.org?.id || ''
    }
  }, { immediate: true })

  function onOrg(id) {
    form.org_id = id
    form.grid_id = ''
  }

  async function save() {
    clearErrors(errors)
    state.conflict = ''
    for (const f of required) {
      if (form[f] === null || form[f] === undefined || String(form[f]).trim() === '') errors[f] = t('registry.required')
    }
    if (Object.keys(errors).length) return
    const rec = state.current
    const b = { ...body(form), grid_id: form.grid_id }
    const clear = sealed.filter((f) => rec && state.clear[f])
    if (clear.length) b.clear = clear
    state.busy = true
    try {
      const saved = rec ? await api.put(`${path}/${rec.id}`, { ...b, version: rec.version }) : await api.post(path, b, { headers: { 'Idempotency-Key': idemKey } })
      emit('update:modelValue', false)
      showOK()
      emit('saved', saved)
    } catch (err) {
      if (err.status === 409) state.conflict = err.detail
      else formError(err, errors, Object.keys(form))
    } finally {
      state.busy = false
    }
  }

  // After a conflict: load the saved record and start again from it.
  async function reload() {
    try {
      const rec = await api.get(`${path}/${state.current.id}`)
      start(rec)
      emit('reloaded', rec)
    } catch (err) {
      showError(err)
    }
  }

  return { form, errors, state, onOrg, save, reload }
}
