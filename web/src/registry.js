// registry.js — shared pieces of the base-register pages (实有人口, 户情台账,
// 实有房屋, 实有单位, 关爱对象, 重点人员): the codes of each register, their
// display names, a cursor pager for the lists, the lists' kept filters and
// the loading of one record.
import { computed, onMounted, reactive, ref } from 'vue'
import { useRoute } from 'vue-router'
import { api } from './api.js'
import { t, tOr } from './i18n.js'
import { session, onSessionEnd } from './session.js'
import { SENSITIVE_PREFIX } from './perms.js'
import { showError } from './util.js'

export const PERSON_KINDS = ['registered', 'floating', 'foreign', 'unregistered']
export const PERSON_STATES = ['active', 'moved_out', 'deceased']
export const LEFT_BEHIND = ['elderly', 'woman', 'child']
export const RELATIONS = ['head', 'spouse', 'child', 'parent', 'grandchild', 'sibling', 'other']
export const RESIDENCES = ['owner', 'tenant', 'other']
export const SEXES = ['male', 'female']
export const HOUSE_PURPOSES = ['self_use', 'rental', 'business', 'vacant', 'other']
export const UNIT_KINDS = ['enterprise', 'shop', 'social_org', 'institution', 'other']
export const CARE_KINDS = ['elderly_alone', 'left_behind_elderly', 'left_behind_woman', 'left_behind_child', 'disabled', 'low_income']
export const CARE_STATES = ['active', 'ended']
export const CARE_END_REASONS = ['moved_away', 'deceased', 'no_longer_needed', 'other']
export const CATEGORIES = ['community_correction', 'mental_disorder', 'drug_user', 'key_petitioner', 'released_prisoner', 'key_youth', 'hiv_risk']
export const RISKS = ['red', 'yellow', 'green']
export const VISIT_LIGHTS = ['red', 'yellow', 'green']
export const VISIT_METHODS = ['home', 'phone', 'video', 'office']
export const VISIT_FINDINGS = ['normal', 'attention', 'abnormal']
export const IMPORT_KINDS = ['people', 'houses', 'units', 'households']
export const EXPORT_KINDS = ['people', 'households', 'houses', 'units', 'care_targets', 'key_persons']

const name = (prefix) => (code) => (code ? tOr(`ui.reg.${prefix}.${code}`, code) : '')

export const personKindName = name('person_kind')
export const personStateName = name('person_state')
export const leftBehindName = name('left_behind')
export const relationName = name('relation')
export const residenceName = name('residence')
export const sexName = name('sex')
export const purposeName = name('purpose')
export const unitKindName = name('unit_kind')
export const careKindName = name('care_kind')
export const careStateName = name('care_state')
export const careEndName = name('care_end')
export const riskName = name('risk')
export const visitLightName = name('visit_light')
export const methodName = name('method')
export const findingName = name('finding')
export const agencyName = name('agency')
export const changeName = name('change')
export const hitTypeName = name('hit')
export const importKindName = name('import_kind')
export const exportKindName = name('export_kind')
export const exportStateName = name('export_state')
export const categoryName = (c) => (c ? tOr(`pii.category.${c}`, c) : '')

/** The names of changed fields in a history line, translated where known. */
export function fieldNames(fields) {
  return (fields || []).map((f) => tOr(`ui.reg.field.${f}`, f)).join(t('ui.reg.list_sep'))
}

/** Key-person categories the signed-in user is granted (pii.sensitive.<category>). */
export function grantedCategories() {
  const perms = session.me?.permissions || []
  return CATEGORIES.filter((c) => perms.includes(SENSITIVE_PREFIX + c))
}

export function stateType(s) {
  return { active: 'success', moved_out: 'info', deceased: 'info' }[s] || 'info'
}

export function riskType(r) {
  return { red: 'danger', yellow: 'warning', green: 'success' }[r] || 'info'
}

/** Unix milliseconds → local "2026-05-01 08:00" (or the date only). */
export function fmtMs(ms, dateOnly = false) {
  if (ms === null || ms === undefined || ms === '') return ''
  const d = new Date(Number(ms))
  if (Number.isNaN(d.getTime())) return ''
  const p = (n) => String(n).padStart(2, '0')
  const day = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`
  return dateOnly ? day : `${day} ${p(d.getHours())}:${p(d.getMinutes())}`
}

/** Whole days from now until ms (negative when past). */
export function daysUntil(ms) {
  return Math.floor((Number(ms) - Date.now()) / 86400000)
}

/**
 * A cursor pager over a list endpoint: load(query) fetches the first page,
 * next() and prev() walk the pages. The query is what the caller passes;
 * empty values are left out of the URL by api.get.
 */
export function usePager(path, pageSize = 50) {
  const items = ref([])
  const loading = ref(false)
  const cursors = ref([''])
  const nextCursor = ref('')
  let query = {}

  async function fetchPage(cursor) {
    loading.value = true
    try {
      const res = await api.get(path, { ...query, limit: pageSize, cursor })
      items.value = res.items || []
      nextCursor.value = res.next_cursor || ''
    } catch (err) {
      items.value = []
      nextCursor.value = ''
      showError(err)
    } finally {
      loading.value = false
    }
  }
  return {
    items,
    loading,
    cursors,
    nextCursor,
    load(q) {
      query = { ...q }
      cursors.value = ['']
      return fetchPage('')
    },
    reload() {
      return fetchPage(cursors.value[cursors.value.length - 1])
    },
    next() {
      cursors.value.push(nextCursor.value)
      return fetchPage(nextCursor.value)
    },
    prev() {
      cursors.value.pop()
      return fetchPage(cursors.value[cursors.value.length - 1])
    },
  }
}

/** {id, name} of an org node, for an OrgPicker that starts on it (null when unknown). */
export async function orgInitial(id) {
  if (!id) return null
  try {
    const n = await api.get(`/org/nodes/${id}`)
    return { id: n.id, name: n.name }
  } catch {
    return null
  }
}

// The kept filters of each list, by list name.
const savedFilters = {}

/**
 * The filters of a register list: kept in memory while the user opens a
 * record and comes back, reset at sign-out, never put in the URL or in
 * storage (a name is personal). initial() gives the fresh values.
 */
export function savedFilter(list, initial) {
  if (!savedFilters[list]) {
    const f = reactive(initial())
    onSessionEnd(() => Object.assign(f, initial()))
    savedFilters[list] = f
  }
  return savedFilters[list]
}

/**
 * The working parts of a register list page: its kept filter (see
 * savedFilter), the pager, query (the filter as request parameters: its
 * display-only `org` left out, text trimmed), search(), onOrg(id) — a new
 * area clears the grid — and the first search once the URL's filter
 * (applyRouteFilter with routeKeys) is in.
 */
export function useRegisterList(list, path, initial, routeKeys = []) {
  const route = useRoute()
  const filter = savedFilter(list, initial)
  const pager = usePager(path)
  const query = computed(() =>
    Object.fromEntries(Object.entries(filter).filter(([k]) => k !== 'org').map(([k, v]) => [k, typeof v === 'string' ? v.trim() : v])),
  )
  function search() {
    pager.load(query.value)
  }
  function onOrg(id) {
    filter.org_id = id
    filter.grid_id = ''
    search()
  }
  onMounted(async () => {
    await applyRouteFilter(route, filter, routeKeys)
    search()
  })
  return { filter, pager, query, search, onOrg }
}

/**
 * Applies what the overview's links put in the URL — an area (?org_id=,
 * nothing personal) and the named code filters — before a list's first search.
 */
export async function applyRouteFilter(route, filter, keys = []) {
  if (typeof route.query.org_id === 'string' && route.query.org_id !== filter.org_id) {
    filter.org_id = route.query.org_id
    if ('grid_id' in filter) filter.grid_id = ''
    filter.org = await orgInitial(filter.org_id)
  }
  for (const k of keys) {
    if (typeof route.query[k] === 'string') filter[k] = route.query[k]
  }
}

/**
 * One record of a register, loaded by the route's :id from path (e.g.
 * '/houses') when the page mounts: data, loading, missing (404) and load()
 * to reload it after a change.
 */
export function useRecord(path) {
  const route = useRoute()
  const data = ref(null)
  const loading = ref(false)
  const missing = ref(false)
  async function load() {
    loading.value = true
    try {
      data.value = await api.get(`${path}/${route.params.id}`)
      missing.value = false
    } catch (err) {
      missing.value = err.status === 404
      showError(err)
    } finally {
      loading.value = false
    }
  }
  onMounted(load)
  return { data, loading, missing, load }
}
