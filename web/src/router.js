// router.js — pages of the console (hash history: #/org, #/grids, …).
import { createRouter, createWebHashHistory } from 'vue-router'
import { session, loadMe, can, canAny } from './session.js'
import { PERM } from './perms.js'
import { fieldRole, narrowScreen, partyMember } from './mobile.js'
import { briefingReader } from './briefing.js'
import Layout from './components/Layout.vue'
import Login from './views/Login.vue'

// Pages shown in the sidebar, in order. meta.perm hides the item (and the page)
// from users without that permission.
// Who uses the API: those who connect outside systems and load data through
// it (categories Open311 publishes, alert keys, grid imports). Others never
// call it by hand, so its documentation stays out of their menu.
const API_PERMS = [PERM.eventConfig, PERM.orgWrite]

// The steps of the loop: whoever takes one has a to-do list (我的待办).
const WORK_PERMS = [PERM.eventIntake, PERM.eventDispatch, PERM.eventHandle, PERM.eventCheck, PERM.eventApprove]

export const menuRoutes = [
  { path: 'todo', name: 'todo', redirect: { name: 'events', query: { tab: 'todo' } }, meta: { title: 'ui.menu.my_todo', icon: 'Bell', perm: WORK_PERMS, group: 'events' } },
  { path: 'dashboard', name: 'dashboard', component: () => import('./views/Dashboard.vue'), meta: { title: 'ui.menu.dashboard', icon: 'DataAnalysis', perm: PERM.eventRead, group: 'events' } },
  { path: 'safety-index', name: 'safety-index', component: () => import('./views/SafetyIndex.vue'), meta: { title: 'ui.menu.safety', icon: 'PieChart', perm: PERM.safetyRead, group: 'events' } },
  { path: 'safety-tasks', name: 'safety-tasks', component: () => import('./views/SafetyTasks.vue'), meta: { title: 'ui.menu.safety_tasks', icon: 'Flag', perm: [PERM.safetyRead, PERM.safetyTask, PERM.safetyReport], group: 'events' } },
  { path: 'safety-cells', name: 'safety-cells', component: () => import('./views/SafetyCells.vue'), meta: { title: 'ui.menu.safety_cells', icon: 'House', perm: PERM.safetyRead, group: 'events' } },
  { path: 'drives', name: 'drives', component: () => import('./views/Drives.vue'), meta: { title: 'ui.menu.drives', icon: 'Aim', perm: [PERM.driveRead, PERM.driveDo, PERM.safetyReport], group: 'events' } },
  { path: 'drive-clues', name: 'drive-clues', component: () => import('./views/DriveClues.vue'), meta: { title: 'ui.menu.drive_clues', icon: 'Lock', perm: PERM.driveClues, group: 'events' } },
  { path: 'antifraud', name: 'antifraud', component: () => import('./views/Antifraud.vue'), meta: { title: 'ui.menu.antifraud', icon: 'Warning', perm: [PERM.antifraudRead, PERM.antifraudImport], group: 'events' } },
  { path: 'situations', name: 'situations', component: () => import('./views/Situations.vue'), meta: { title: 'ui.menu.situations', icon: 'View', perm: [PERM.situationRead, PERM.situationEnter], group: 'events' } },
  // 平安稳定专报: read by the staff of the units they are issued to, whatever
  // their role (the server answers for their unit), so the page is open to
  // everyone signed in and the menu shows it to those with briefings to read.
  { path: 'situation-briefings', name: 'situation-briefings', component: () => import('./views/SituationBriefings.vue'), meta: { title: 'ui.menu.situation_briefings', icon: 'Document', shown: briefingReader, group: 'events' } },
  { path: 'safety-report', name: 'safety-report', component: () => import('./views/SafetyReport.vue'), meta: { title: 'ui.menu.safety_report', icon: 'EditPen', perm: PERM.safetyReport, group: 'events' } },
  { path: 'events', name: 'events', component: () => import('./views/Events.vue'), meta: { title: 'ui.menu.events', icon: 'Tickets', perm: [PERM.eventRead, PERM.eventReadUnit, PERM.eventReport], group: 'events' } },
  { path: 'supervision', name: 'supervision', component: () => import('./views/Supervision.vue'), meta: { title: 'ui.menu.supervision', icon: 'Flag', perm: [PERM.eventSupervise, PERM.eventRead], group: 'events' } },
  { path: 'events/new', name: 'event-new', component: () => import('./views/EventNew.vue'), meta: { title: 'ui.menu.event_new', icon: 'CirclePlus', perm: PERM.eventReport, group: 'events' } },
  { path: 'disputes', name: 'disputes', component: () => import('./views/Disputes.vue'), meta: { title: 'ui.menu.disputes', icon: 'ChatDotRound', perm: PERM.disputeRead, group: 'disputes' } },
  { path: 'disputes/figures', name: 'dispute-figures', component: () => import('./views/DisputeFigures.vue'), meta: { title: 'ui.menu.dispute_figures', icon: 'DataAnalysis', perm: PERM.disputeRead, group: 'disputes' } },
  { path: 'screening', name: 'screening', component: () => import('./views/screening/Rounds.vue'), meta: { title: 'ui.menu.screening', icon: 'Search', perm: [PERM.disputeRead, PERM.disputeReport, PERM.disputeWrite], group: 'disputes' } },
  { path: 'petitions', name: 'petitions', component: () => import('./views/Petitions.vue'), meta: { title: 'ui.menu.petitions', icon: 'Document', perm: PERM.petitionRead, group: 'disputes' } },
  { path: 'petitions/review', name: 'petition-review', component: () => import('./views/PetitionReview.vue'), meta: { title: 'ui.menu.petition_review', icon: 'DataAnalysis', perm: PERM.petitionRead, group: 'disputes' } },
  { path: 'face-to-face', name: 'face-to-face', component: () => import('./views/FaceToFace.vue'), meta: { title: 'ui.menu.face_to_face', icon: 'UserFilled', perm: PERM.petitionRead, group: 'disputes' } },
  { path: 'registry', name: 'registry', component: () => import('./views/reg/Overview.vue'), meta: { title: 'ui.menu.registry', icon: 'PieChart', perm: PERM.registryRead, group: 'registry' } },
  { path: 'people', name: 'people', component: () => import('./views/reg/People.vue'), meta: { title: 'ui.menu.people', icon: 'User', perm: PERM.registryRead, group: 'registry' } },
  { path: 'households', name: 'households', component: () => import('./views/reg/Households.vue'), meta: { title: 'ui.menu.households', icon: 'Notebook', perm: PERM.registryRead, group: 'registry' } },
  { path: 'addresses', name: 'addresses', component: () => import('./views/reg/Addresses.vue'), meta: { title: 'ui.menu.addresses', icon: 'Location', perm: PERM.registryRead, group: 'registry' } },
  { path: 'houses', name: 'houses', component: () => import('./views/reg/Houses.vue'), meta: { title: 'ui.menu.houses', icon: 'House', perm: PERM.registryRead, group: 'registry' } },
  { path: 'register-units', name: 'register-units', component: () => import('./views/reg/Units.vue'), meta: { title: 'ui.menu.register_units', icon: 'Shop', perm: PERM.registryRead, group: 'registry' } },
  { path: 'care-targets', name: 'care-targets', component: () => import('./views/reg/CareTargets.vue'), meta: { title: 'ui.menu.care_targets', icon: 'Star', perm: PERM.registryRead, group: 'registry' } },
  { path: 'key-persons', name: 'key-persons', component: () => import('./views/reg/KeyPersons.vue'), meta: { title: 'ui.menu.key_persons', icon: 'Warning', perm: PERM.keyPersonRead, group: 'registry' } },
  { path: 'visit-tasks', name: 'visit-tasks', component: () => import('./views/reg/VisitTasks.vue'), meta: { title: 'ui.menu.visit_tasks', icon: 'Calendar', perm: PERM.keyPersonWrite, group: 'registry' } },
  { path: 'registry-search', name: 'registry-search', component: () => import('./views/reg/Search.vue'), meta: { title: 'ui.menu.registry_search', icon: 'Search', perm: PERM.registryRead, group: 'registry' } },
  { path: 'registry-import', name: 'registry-import', component: () => import('./views/reg/Import.vue'), meta: { title: 'ui.menu.registry_import', icon: 'Upload', perm: PERM.registryImport, group: 'registry' } },
  { path: 'duplicate-reviews', name: 'duplicate-reviews', component: () => import('./views/reg/Duplicates.vue'), meta: { title: 'ui.menu.duplicates', icon: 'Files', perm: PERM.registryWrite, group: 'registry' } },
  { path: 'exports', name: 'exports', component: () => import('./views/reg/Exports.vue'), meta: { title: 'ui.menu.exports', icon: 'Download', perm: [PERM.registryExport, PERM.registryExportApprove], group: 'registry' } },
  { path: 'campaigns', name: 'campaigns', component: () => import('./views/reg/Campaigns.vue'), meta: { title: 'ui.menu.campaigns', icon: 'Finished', perm: [PERM.registryRead, PERM.registryCampaign], group: 'registry' } },
  { path: 'duty', name: 'duty', component: () => import('./views/Duty.vue'), meta: { title: 'ui.menu.duty', icon: 'Finished', perm: PERM.gridworkRead, group: 'gridwork' } },
  { path: 'mediators', name: 'mediators', component: () => import('./views/Mediators.vue'), meta: { title: 'ui.menu.mediators', icon: 'Avatar', perm: PERM.disputeRead, group: 'disputes' } },
  { path: 'dispute-subsidies', name: 'dispute-subsidies', component: () => import('./views/DisputeSubsidies.vue'), meta: { title: 'ui.menu.dispute_subsidies', icon: 'Money', perm: PERM.disputeSubsidy, group: 'disputes' } },
  { path: 'roster', name: 'roster', component: () => import('./views/Roster.vue'), meta: { title: 'ui.menu.roster', icon: 'Avatar', perm: PERM.workforceRead, group: 'gridwork' } },
  { path: 'callkey', name: 'callkey', component: () => import('./views/CallKey.vue'), meta: { title: 'ui.menu.callkey', icon: 'Bell', perm: PERM.gridworkRead, group: 'gridwork' } },
  { path: 'psych', name: 'psych', component: () => import('./views/Psych.vue'), meta: { title: 'ui.menu.psych', icon: 'Warning', perm: PERM.sensitivePsych, group: 'gridwork' } },
  { path: 'home-visits', name: 'home-visits', component: () => import('./views/HomeVisits.vue'), meta: { title: 'ui.menu.home_visits', icon: 'House', perm: PERM.gridworkRead, group: 'gridwork' } },
  { path: 'patrols', name: 'patrols', component: () => import('./views/PatrolBoard.vue'), meta: { title: 'ui.menu.patrols', icon: 'MapLocation', perm: [PERM.gridworkRead, PERM.gridworkSteer], group: 'gridwork' } },
  { path: 'volunteers', name: 'volunteers', component: () => import('./views/Volunteers.vue'), meta: { title: 'ui.menu.volunteers', icon: 'Flag', perm: [PERM.volunteerRead, PERM.volunteerPolice], group: 'gridwork' } },
  { path: 'red-orders', name: 'red-orders', component: () => import('./views/RedOrders.vue'), meta: { title: 'ui.menu.red_orders', icon: 'Flag', perm: PERM.redOrderManage, group: 'party' } },
  { path: 'points', name: 'points', component: () => import('./views/Points.vue'), meta: { title: 'ui.menu.points', icon: 'Star', perm: PERM.pointsRead, group: 'party' } },
  { path: 'assess', name: 'assess', component: () => import('./views/Assess.vue'), meta: { title: 'ui.menu.assess', icon: 'Star', perm: PERM.assessRead, group: 'gridwork' } },
  { path: 'village', name: 'village', component: () => import('./views/village/Village.vue'), meta: { title: 'ui.menu.village', icon: 'Star', perm: PERM.villageRead, group: 'village' } },
  { path: 'party', name: 'party', component: () => import('./views/party/Party.vue'), meta: { title: 'ui.menu.party', icon: 'Flag', perm: PERM.partyRead, group: 'party' } },
  { path: 'compounds', name: 'compounds', component: () => import('./views/party/Compounds.vue'), meta: { title: 'ui.menu.compounds', icon: 'House', perm: PERM.partyRead, group: 'party' } },
  { path: 'party-reports', name: 'party-reports', component: () => import('./views/party/Reports.vue'), meta: { title: 'ui.menu.party_reports', icon: 'Checked', perm: PERM.partyRead, group: 'party' } },
  { path: 'org', name: 'org', component: () => import('./views/Org.vue'), meta: { title: 'ui.menu.org', icon: 'OfficeBuilding', perm: PERM.orgRead, group: 'grids' } },
  { path: 'grids', name: 'grids', component: () => import('./views/Grids.vue'), meta: { title: 'ui.menu.grids', icon: 'Grid', perm: PERM.gridRead, group: 'grids' } },
  { path: 'locate', name: 'locate', component: () => import('./views/Locate.vue'), meta: { title: 'ui.menu.locate', icon: 'Location', perm: PERM.gridRead, group: 'grids' } },
  { path: 'users', name: 'users', component: () => import('./views/Users.vue'), meta: { title: 'ui.menu.users', icon: 'User', perm: PERM.userRead, group: 'system' } },
  { path: 'roles', name: 'roles', component: () => import('./views/Roles.vue'), meta: { title: 'ui.menu.roles', icon: 'Key', perm: PERM.roleRead, group: 'system' } },
  { path: 'security', name: 'security', component: () => import('./views/Security.vue'), meta: { title: 'ui.menu.security', icon: 'Lock', perm: PERM.securityRead, group: 'system' } },
  { path: 'calendar', name: 'calendar', component: () => import('./views/Calendar.vue'), meta: { title: 'ui.menu.calendar', icon: 'Calendar', perm: PERM.eventConfig, group: 'system' } },
  { path: 'audit', name: 'audit', component: () => import('./views/Audit.vue'), meta: { title: 'ui.menu.audit', icon: 'Document', perm: PERM.auditRead, group: 'system' } },
  { path: 'password', name: 'password', component: () => import('./views/Password.vue'), meta: { title: 'ui.menu.password', icon: 'EditPen', group: 'system' } },
  { path: 'totp', name: 'totp', component: () => import('./views/Totp.vue'), meta: { title: 'ui.menu.totp', icon: 'Key', group: 'system' } },
  { path: 'api-docs', name: 'api-docs', component: () => import('./views/ApiDocs.vue'), meta: { title: 'ui.menu.api_docs', icon: 'Reading', perm: API_PERMS, group: 'system' } },
]

// The sidebar's groups, in order (menuRoutes name theirs in meta.group).
export const menuGroups = [
  { id: 'events', title: 'ui.menu_group.events', icon: 'Tickets' },
  { id: 'registry', title: 'ui.menu_group.registry', icon: 'Files' },
  { id: 'disputes', title: 'ui.menu_group.disputes', icon: 'ChatLineSquare' },
  { id: 'gridwork', title: 'ui.menu_group.gridwork', icon: 'Flag' },
  { id: 'village', title: 'ui.menu_group.village', icon: 'Star' },
  { id: 'party', title: 'ui.menu_group.party', icon: 'Flag' },
  { id: 'grids', title: 'ui.menu_group.grids', icon: 'MapLocation' },
  { id: 'system', title: 'ui.menu_group.system', icon: 'Setting' },
]

/** Whether the current user may open a page with this meta.perm (one code or any of a list). */
export function allowed(perm) {
  if (!perm) return true
  return Array.isArray(perm) ? canAny(...perm) : can(perm)
}

/** Whether the menu shows the page to the current user: its permission, and its own test where it has one (meta.shown). */
export function inMenu(r) {
  return allowed(r.meta.perm) && (!r.meta.shown || r.meta.shown())
}

/** The first page the current user may open (residents: the mobile page). */
export function homePath() {
  // Field roles (grid member, handler) on a phone-sized screen: the phone pages.
  if (narrowScreen() && (fieldRole() || partyMember() || can(PERM.redOrderServe))) return '/m' // party members: 党员接单 and their tasks are on the phone
  if (!can(PERM.eventRead) && !can(PERM.eventReadUnit) && can(PERM.eventReport) && !can(PERM.orgRead)) return '/m'
  if (can(PERM.volunteerDo) && !can(PERM.orgRead)) return '/m' // a volunteer: the phone pages
  const work = workHome()
  if (work) return work
  const r = menuRoutes.find((r) => !r.meta.shown && allowed(r.meta.perm)) // a page shown by its own test is no one's landing page
  return '/' + (r ? r.path : 'password')
}

/**
 * Each role lands on its own work: the audit administrator on the audit
 * log; whoever takes a step of the loop (grid member, intake, dispatcher,
 * handler, shift lead) on 我的待办, the event list's to-do tab — 待受理 for
 * the intake desk, 待签收 for a department's handler, 待核查 and their
 * unit's work for a grid member. Others land on the first page of the menu.
 */
function workHome() {
  if (can(PERM.auditRead)) return '/audit'
  if (canAny(...WORK_PERMS)) return '/events?tab=todo'
  return ''
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
        { path: 'disputes/new', name: 'dispute-new', component: () => import('./views/DisputeNew.vue'), meta: { title: 'ui.dispute.new', perm: [PERM.disputeReport, PERM.disputeWrite], menu: 'disputes' } },
        { path: 'disputes/:id', name: 'dispute', component: () => import('./views/DisputeDetail.vue'), meta: { title: 'ui.dispute.detail', perm: PERM.disputeRead, menu: 'disputes' } },
        { path: 'people/:id', name: 'person', component: () => import('./views/reg/Person.vue'), meta: { title: 'ui.person.title', perm: PERM.registryRead, menu: 'people' } },
        { path: 'households/:id', name: 'household', component: () => import('./views/reg/Household.vue'), meta: { title: 'ui.household.title', perm: PERM.registryRead, menu: 'households' } },
        { path: 'addresses/:id', name: 'address', component: () => import('./views/reg/Address.vue'), meta: { title: 'ui.address.title', perm: PERM.registryRead, menu: 'addresses' } },
        { path: 'houses/:id', name: 'house', component: () => import('./views/reg/House.vue'), meta: { title: 'ui.house.title', perm: PERM.registryRead, menu: 'houses' } },
        { path: 'register-units/:id', name: 'register-unit', component: () => import('./views/reg/Unit.vue'), meta: { title: 'ui.reg_unit.title', perm: PERM.registryRead, menu: 'register-units' } },
        { path: 'key-persons/:id', name: 'key-person', component: () => import('./views/reg/KeyPerson.vue'), meta: { title: 'ui.key_person.title', perm: PERM.keyPersonRead, menu: 'key-persons' } },
        { path: 'petitions/:id', name: 'petition', component: () => import('./views/PetitionDetail.vue'), meta: { title: 'ui.petition.detail', perm: PERM.petitionRead, menu: 'petitions' } },
        { path: 'campaigns/:id', name: 'campaign', component: () => import('./views/reg/Campaign.vue'), meta: { title: 'ui.campaign.title', perm: [PERM.registryRead, PERM.registryCampaign], menu: 'campaigns' } },
        { path: 'screening/:id', name: 'screening-round', component: () => import('./views/screening/Round.vue'), meta: { title: 'ui.screening.round', perm: [PERM.disputeRead, PERM.disputeReport, PERM.disputeWrite], menu: 'screening' } },
        { path: 'forbidden', name: 'forbidden', component: () => import('./views/Forbidden.vue'), meta: { title: 'ui.forbidden.title' } },
      ],
    },
    // 人民调解协议书: the agreement as an A4 page
    { path: '/print/disputes/:id', name: 'dispute-print', component: () => import('./views/DisputePrint.vue'), meta: { perm: PERM.disputeRead } },
    // 平安指数通报: a month's bulletin as an A4 page
    { path: '/print/safety/:root/:month', name: 'safety-bulletin', component: () => import('./views/SafetyBulletin.vue'), meta: { perm: PERM.safetyRead } },
    // 平安稳定专报: a briefing as an A4 page (whoever may read it: the server decides)
    { path: '/situation-briefings/:id/print', name: 'situation-briefing-print', component: () => import('./views/SituationBriefingPrint.vue') },
    // 交办单: a print page of its own, without the console's frame
    { path: '/print/events/:id', name: 'event-print', component: () => import('./views/EventPrint.vue'), meta: { perm: [PERM.eventRead, PERM.eventReadUnit, PERM.eventReport] } },
    // The village's published monthly list (评分榜单): public, no sign-in
    { path: '/p/village/:code/scores/:month?', name: 'village-public', component: () => import('./views/village/Public.vue'), meta: { public: true } },
    { path: '/m', name: 'mobile', component: () => import('./views/Mobile.vue'), meta: { perm: [PERM.eventReport, PERM.eventCheck, PERM.eventHandle, PERM.disputeReport, PERM.gridworkDo, PERM.villageOpine, PERM.villageScore, PERM.volunteerDo, PERM.driveDo, PERM.driveClue, PERM.antifraudDo] } },
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
  if (session.me.totp_missing && !session.me.password_expired && to.name !== 'totp') return { name: 'totp' }
  if (!allowed(to.meta.perm)) return { name: 'forbidden' }
  return true
})

export default router
