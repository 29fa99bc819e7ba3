// api.js — the one wrapper around fetch for the gridgov JSON API (/api/v1).
//
// It sends the session cookie, Accept-Language and, on unsafe methods, the
// X-CSRF-Token header. Error answers (application/problem+json) become an
// ApiError carrying status, code, detail, params and per-field errors. A 401
// auth.unauthenticated calls the handler set with onAuthProblem (→ login page),
// a 403 auth.password_expired the other one (→ change password page).
import { currentLang, t } from './i18n.js'

const BASE = '/api/v1'
const SAFE = ['GET', 'HEAD', 'OPTIONS']

let csrfToken = ''
const handlers = { unauthenticated: null, passwordExpired: null }

export function setCsrfToken(token) {
  csrfToken = token || ''
}

export function onAuthProblem({ unauthenticated, passwordExpired }) {
  handlers.unauthenticated = unauthenticated
  handlers.passwordExpired = passwordExpired
}

export class ApiError extends Error {
  constructor(status, problem = {}) {
    super(problem.detail || problem.title || `HTTP ${status}`)
    this.name = 'ApiError'
    this.status = status
    this.code = problem.code || ''
    this.detail = problem.detail || problem.title || ''
    this.params = problem.params || {}
    this.errors = Array.isArray(problem.errors) ? problem.errors : []
    this.requestId = problem.request_id || ''
    this.body = problem
  }

  /** {field: message} of the per-field problems, for showing beside form fields. */
  get fields() {
    const out = {}
    for (const e of this.errors) {
      if (!e.field || out[e.field]) continue
      let msg = e.message || e.code
      // "password：…" / "password: …" — the field name is redundant beside the field
      for (const sep of ['：', ': ']) if (msg.startsWith(e.field + sep)) msg = msg.slice(e.field.length + sep.length)
      out[e.field] = msg
    }
    return out
  }
}

function buildURL(path, query) {
  let url = path.startsWith('/api/') ? path : BASE + path
  if (query) {
    const qs = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') qs.append(k, v)
    }
    const s = qs.toString()
    if (s) url += (url.includes('?') ? '&' : '?') + s
  }
  return url
}

/**
 * request('POST', '/org/nodes', {body, query}) → parsed JSON (null for 204).
 * Options: raw (return the Response), quiet (do not call the auth handlers),
 * headers, contentType (send body as is with that type).
 */
export async function request(method, path, opts = {}) {
  const headers = { Accept: 'application/json', 'Accept-Language': currentLang(), ...(opts.headers || {}) }
  if (!SAFE.includes(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken
  let body
  if (opts.body !== undefined) {
    if (opts.multipart) {
      body = opts.body // FormData: fetch sets Content-Type with the boundary
    } else if (opts.contentType) {
      headers['Content-Type'] = opts.contentType
      body = opts.body
    } else {
      headers['Content-Type'] = 'application/json'
      body = JSON.stringify(opts.body)
    }
  }
  let res
  try {
    res = await fetch(buildURL(path, opts.query), { method, headers, body, credentials: 'include' })
  } catch {
    throw new ApiError(0, { code: 'network', detail: t('ui.error.network') })
  }
  if (res.ok) {
    if (opts.raw) return res
    if (res.status === 204) return null
    const type = res.headers.get('Content-Type') || ''
    return type.includes('json') ? res.json() : res.text()
  }
  let problem
  try {
    problem = await res.json()
  } catch {
    problem = { detail: `${res.status} ${res.statusText}` }
  }
  const err = new ApiError(res.status, problem)
  if (!opts.quiet) {
    if (res.status === 401 && err.code === 'auth.unauthenticated' && handlers.unauthenticated) {
      handlers.unauthenticated(err)
    } else if (res.status === 403 && err.code === 'auth.password_expired' && handlers.passwordExpired) {
      handlers.passwordExpired(err)
    } else if (res.status === 403 && err.code === 'auth.totp_enrolment_required' && handlers.totpMissing) {
      handlers.totpMissing(err)
    }
  }
  throw err
}

export const api = {
  get: (path, query, opts) => request('GET', path, { ...opts, query }),
  post: (path, body, opts) => request('POST', path, { ...opts, body }),
  put: (path, body, opts) => request('PUT', path, { ...opts, body }),
  patch: (path, body, opts) => request('PATCH', path, { ...opts, body }),
  del: (path, opts) => request('DELETE', path, opts),
}

/** Downloads a GET answer as a file (name from Content-Disposition, else fallbackName). */
export async function download(path, query, fallbackName) {
  const res = await request('GET', path, { query, raw: true, headers: { Accept: '*/*' } })
  const blob = await res.blob()
  const cd = res.headers.get('Content-Disposition') || ''
  const m = /filename\*=UTF-8''([^;]+)|filename="?([^";]+)"?/i.exec(cd)
  const name = m ? decodeURIComponent(m[1] || m[2]) : fallbackName
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

/** Sends a multipart form (FormData) with POST; the browser sets the boundary. */
export async function upload(path, formData) {
  return request('POST', path, { body: formData, contentType: null, multipart: true })
}
