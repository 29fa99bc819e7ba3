// main.js — boots the gridgov web console.
import { createApp } from 'vue'
import ElementPlus from 'element-plus'
import 'element-plus/dist/index.css'
import 'leaflet/dist/leaflet.css'
import {
  ArrowDown, Bell, Calendar, Camera, CircleCheck, CirclePlus, Close, DataAnalysis, Delete, Refresh, Tickets, Document, Download, EditPen, Files, Grid,
  House, Key, Location, Lock, MapLocation, Notebook, OfficeBuilding, PieChart, Plus, Pointer, Reading, Search, Setting, Shop, Star, SwitchButton, Upload,
  User, UserFilled, View, Warning, Finished, Menu,
  Flag, Avatar, ChatLineSquare, ChatDotRound, Money, Aim,
} from '@element-plus/icons-vue'
import './style.css'

import App from './App.vue'
import router from './router.js'
import { onAuthProblem } from './api.js'
import { clearSession, session } from './session.js'
import { loadMessages, currentLang } from './i18n.js'

onAuthProblem({
  // The session is gone (idle or absolute timeout, logged out elsewhere).
  unauthenticated() {
    clearSession()
    const cur = router.currentRoute.value
    if (cur.name !== 'login') router.push({ name: 'login', query: { redirect: cur.fullPath, expired: '1' } })
  },
  // The password has expired: nothing else works until it is changed.
  passwordExpired() {
    if (session.me) session.me.password_expired = true
    if (router.currentRoute.value.name !== 'password') router.push({ name: 'password' })
  },
  // The account must use TOTP and has none yet: nothing else works until it is bound.
  totpMissing() {
    if (session.me) session.me.totp_missing = true
    if (router.currentRoute.value.name !== 'totp') router.push({ name: 'totp' })
  },
})

document.documentElement.lang = currentLang()

const app = createApp(App)
app.use(ElementPlus)
// Icons are used as <IconName /> (only those listed here are bundled).
const icons = {
  ArrowDown, Bell, Calendar, Camera, CircleCheck, CirclePlus, Close, DataAnalysis, Delete, Refresh, Tickets, Document, Download, EditPen, Files, Grid,
  House, Key, Location, Lock, MapLocation, Notebook, OfficeBuilding, PieChart, Plus, Pointer, Reading, Search, Setting, Shop, Star, SwitchButton, Upload,
  User, UserFilled, View, Warning, Finished, Menu,
  Flag, Avatar, ChatLineSquare, ChatDotRound, Money, Aim,
}
for (const [name, comp] of Object.entries(icons)) app.component(`Icon${name}`, comp)
app.use(router)

loadMessages().finally(() => app.mount('#app'))
