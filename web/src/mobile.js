// mobile.js — the phone pages (/m): which tabs a user gets, chosen by the
// permissions they hold, and whether a field role lands there first.
import { can, session } from './session.js'
import { PERM } from './perms.js'

/**
 * The tabs of /m the current user gets, in order: the member's 今日 (the
 * day's tasks and closing the day) and patrols (巡查), for gridwork.do
 * (grid members and the village police), the grid member's 待办
 * (re-checks and key-person visits) and their home visits and reception
 * days (走访), the handler's inbox (their unit's work orders), then report,
 * for those who hold dispute.report the screening finding (排查) and — in
 * the field — a dispute met there (纠纷, filed for the centre to classify),
 * and my reports; then the grid member's household scores of the
 * village's score sheet (评分) and the resident's opinions on the village's
 * proposals under consultation (议事); 红色订单 (red orders) for those who place or serve them.
 * 反诈劝导 (the police's anti-fraud warnings: people of one's grids to
 * call or visit within hours) comes right after 今日, being urgent.
 * 专项行动 (special campaigns) comes after 走访 for those who report on
 * what a campaign pushed to them, after my reports for those who only give
 * clues (residents).
 */
export function phoneTabs() {
  const tabs = []
  if (can(PERM.volunteerDo)) tabs.push('vshifts', 'vclue') // a volunteer's shifts (walked as patrols) and clues
  if (can(PERM.gridworkDo)) tabs.push('today')
  if (can(PERM.antifraudDo)) tabs.push('antifraud') // 反诈劝导: people to reach within hours, right after the day's tasks
  if (can(PERM.gridworkDo)) tabs.push('patrol')
  if (can(PERM.eventCheck)) tabs.push('todo')
  if (can(PERM.gridworkDo)) tabs.push('visits')
  if (can(PERM.driveDo)) tabs.push('drive') // 专项行动: what the campaigns pushed to one's grids, area or unit
  if (can(PERM.redOrderServe)) tabs.push('red') // 党员接单 comes early for party members
  if (can(PERM.eventHandle) && can(PERM.eventReadUnit)) tabs.push('inbox')
  if (can(PERM.eventReport)) tabs.push('report')
  if (can(PERM.redOrderPlace) && !can(PERM.redOrderServe)) tabs.push('red') // 红色订单: residents and grid members
  if (can(PERM.disputeReport)) tabs.push('screening')
  if (can(PERM.disputeReport) && fieldRole()) tabs.push('dispute')
  if (can(PERM.eventReport)) tabs.push('mine')
  if (can(PERM.driveClue) && !can(PERM.driveDo)) tabs.push('drive') // a resident's clues to the campaigns, after their reports
  if (can(PERM.villageScore) && fieldRole()) tabs.push('vscore')
  if (can(PERM.villageOpine)) tabs.push('opinions')
  if (partyMember()) tabs.push('party')
  return tabs
}

/** Whether the user is a party member or secretary: 党员 gets its own tab (my organisation, tasks, 双报到). */
export function partyMember() {
  return !!session.me?.roles?.some((r) => r.role === 'party_member' || r.role === 'party_secretary')
}

/** Whether the user works in the field: re-checks on site (grid member) or handles their unit's orders (handler). */
export function fieldRole() {
  return can(PERM.eventCheck) || (can(PERM.eventHandle) && can(PERM.eventReadUnit))
}

/** A phone-sized screen: narrower than 768 px. */
export function narrowScreen() {
  return !!window.matchMedia?.('(max-width: 767.98px)').matches
}
