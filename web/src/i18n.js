// i18n.js — the console's translations.
//
// The console and the server share one set of message files,
// internal/i18n/messages/{zh-CN,en}.json: the server embeds them for its
// error messages, the console bundles them here. A missing key shows as the
// key itself.
import { reactive } from 'vue'
import zhCN from '../../internal/i18n/messages/zh-CN.json'
import en from '../../internal/i18n/messages/en.json'

export const LANGS = [
  { code: 'zh-CN', label: '中文' },
  { code: 'en', label: 'English' },
]
const bundled = { 'zh-CN': zhCN, en }
const STORAGE_KEY = 'gridgov.lang'

function initialLang() {
  const saved = localStorage.getItem(STORAGE_KEY)
  return bundled[saved] ? saved : 'zh-CN'
}

const state = reactive({ lang: initialLang(), messages: { ...bundled[initialLang()] }, version: 0 })

/** The current language code: 'zh-CN' or 'en'. */
export function currentLang() {
  return state.lang
}

/** A counter that changes after every language switch (used to re-mount pages). */
export function langVersion() {
  return state.version
}

/** Makes lang's messages current. */
export async function loadMessages(lang = state.lang) {
  state.messages = bundled[lang] || bundled['zh-CN']
}

/** Switches the language, reloads messages, and tells pages to re-render. */
export async function setLang(lang) {
  if (!bundled[lang]) return
  localStorage.setItem(STORAGE_KEY, lang)
  state.lang = lang
  document.documentElement.lang = lang
  await loadMessages(lang)
  state.version++
}

/** t('ui.login.title', {name: 'x'}) → translated text with {name} filled in; the key when unknown. */
export function t(key, params) {
  const msg = state.messages[key]
  if (msg == null) return key
  if (!params) return msg
  return msg.replace(/\{(\w+)\}/g, (m, name) => (params[name] != null ? String(params[name]) : m))
}

/** Whether a key has a translation. */
export function te(key) {
  return state.messages[key] != null
}

/** Translation of key, or fallback (e.g. the raw enum value) when there is none. */
export function tOr(key, fallback) {
  return te(key) ? t(key) : fallback
}
