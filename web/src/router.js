// router.js — pages of the console (hash history: #/org, #/grids, …).
import { createRouter, createWebHashHistory } from 'vue-router'
import { session, loadMe, can, canAny } from './session.js'
import { PERM } from './perms.js'
import Layout from './components/Layout.vue'
import Login from './views/Login.vue'

// Pages shown in the sidebar, in order. meta.perm hides the item (and the page)
// from users without that permission.
export const menuRoutes = [
  { path: 'dashboard', name: 'dashboard', component: () => import('./views/Dashboard.vue'), meta: { title: 'ui.menu.dashboard', icon: 'DataAnalysis', perm: PERM.eventRead } },
  { path: 'events', name: 'events', component: () => import('./views/Events.vue'), meta: { title: 'ui.menu.events', icon: 'Tickets', perm: [PERM.eventRead, PERM.eventReadUnit, PERM.eventReport] } },
  { path: 'events/new', name: 'event-new', component: () => import('./views/EventNew.vue'), meta: { title: 'ui.menu.event_new', icon: 'CirclePlus', perm: PERM.eventReport } },
  { path: 'org', name: 'org', component: () => import('./views/Org.vue'), meta: { title: 'ui.menu.org', icon: 'OfficeBuilding', perm: PERM.orgRead } },
  { path: 'grids', name: 'grids', component: () => import('./views/Grids.vue'), meta: { title: 'ui.menu.grids', icon: 'Grid', perm: PERM.gridRead } },
  { path: 'locate', name: 'locate', component: () => import('./views/Locate.vue'), meta: { title: 'ui.menu.locate', icon: 'Location', perm: PERM.gridRead } },
  { path: 'users', name: 'users', component: () => import('./views/Users.vue'), meta: { title: 'ui.menu.users', icon: 'User', perm: PERM.userRead } },
  { path: 'roles', name: 'roles', component: () => import('./views/Roles.vue'), meta: { title: 'ui.menu.roles', icon: 'Key', perm: PERM.roleRead } },
  { path: 'security', name: 'security', component: () => import('./views/Security.vue'), meta: { title: 'ui.menu.security', icon: 'Lock', perm: PERM.securityRead } },
  { path: 'audit', name: 'audit', component: () => import('./views/Audit.vue'), meta: { title: 'ui.menu.audit', icon: 'Document', perm: PERM.auditRead } },
  { path: 'password', name: 'password', component: () => import('./views/Password.vue'), meta: { title: 'ui.menu.password', icon: 'EditPen' } },
  { path: 'api-docs', name: 'api-docs', component: () => import('./views/ApiDocs.vue'), meta: { title: 'ui.menu.api_docs', icon: 'Reading' } },
]

/** Whether the current user may open a page with this meta.perm (one code or any of a list). */
export function allowed(perm) {
  if (!perm) return true
  return Array.isArray(perm) ? canAny(...perm) : can(perm)
}

/** The first page the current user may open (residents: the mobile page). */
export function homePath() {
  if (!can(PERM.eventRead) && !can(PERM.eventReadUnit) && can(PERM.eventReport) && !can(PERM.orgRead)) return '/m'
  const r = menuRoutes.find((r) => allowed(r.meta.perm))
  return '/' + (r ? r.path : 'password')
}

const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/login', name: 'login', component: Login, meta: { public: true } },
    {
      path: '/',
      component: Layout,
      children: [
        { path: '', name: 'home', redirect: () => homePath() },
        ...menuRoutes,
        { path: 'events/:id', name: 'event', component: () => import('./views/EventDetail.vue'), meta: { title: 'ui.event.detail', perm: [PERM.eventRead, PERM.eventReadUnit, PERM.eventReport], menu: 'events' } },
        { path: 'forbidden', name: 'forbidden', component: () => import('./views/Forbidden.vue'), meta: { title: 'ui.forbidden.title' } },
      ],
    },
    { path: '/m', name: 'mobile', component: () => import('./views/Mobile.vue'), meta: { perm: PERM.eventReport } },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  if (!session.me) {
    try {
      await loadMe()
    } catch {
      return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
    }
  }
  if (session.me.password_expired && to.name !== 'password') return { name: 'password' }
  if (!allowed(to.meta.perm)) return { name: 'forbidden' }
  return true
})

export default router
