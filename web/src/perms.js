// perms.js — the permission each part of the console needs (codes of GET /permissions).
// The menu shows an item only to users holding its permission; the server checks anyway.
export const PERM = {
  orgRead: 'org.read',
  orgWrite: 'org.write',
  gridRead: 'grid.read',
  gridWrite: 'grid.write',
  gridImport: 'grid.import',
  gridExport: 'grid.export',
  userRead: 'user.read',
  userWrite: 'user.write',
  roleRead: 'role.read',
  roleWrite: 'role.write',
  roleAssign: 'role.assign',
  securityRead: 'security.read',
  securityWrite: 'security.write',
  auditRead: 'audit.read',
  eventRead: 'event.read',
  eventReadUnit: 'event.read_unit',
  eventReport: 'event.report',
  eventIntake: 'event.intake',
  eventDispatch: 'event.dispatch',
  eventHandle: 'event.handle',
  eventCheck: 'event.check',
  eventApprove: 'event.approve',
  eventSupervise: 'event.supervise',
  eventConfig: 'event.config',
  registryRead: 'registry.read',
  registryWrite: 'registry.write',
  registryImport: 'registry.import',
  registryExport: 'registry.export',
  registryExportApprove: 'registry.export_approve',
  registryCampaign: 'registry.campaign',
  keyPersonRead: 'keyperson.read',
  keyPersonWrite: 'keyperson.write',
  personalReveal: 'personal.reveal',
  personalLookup: 'personal.lookup',
  disputeRead: 'dispute.read',
  disputeReport: 'dispute.report',
  disputeWrite: 'dispute.write',
  disputeSubsidy: 'dispute.subsidy',
  petitionRead: 'petition.read',
  petitionWrite: 'petition.write',
  workforceRead: 'workforce.read',
  workforceWrite: 'workforce.write',
  gridworkDo: 'gridwork.do',
  gridworkRead: 'gridwork.read',
  gridworkSteer: 'gridwork.steer',
  assessRead: 'assess.read',
  assessWrite: 'assess.write',
  sensitivePsych: 'pii.sensitive.psych',
}

// Key-person categories: each needs its own permission pii.sensitive.<category>.
export const SENSITIVE_PREFIX = 'pii.sensitive.'

// Codes of the built-in roles: their names are translated from role.<code>
// in the message files (custom roles keep the name they were given).
export const BUILTIN_ROLES = [
  'sys_admin', 'sec_admin', 'audit_admin', 'intake', 'dispatcher', 'shift_lead',
  'dept_handler', 'grid_member', 'leader', 'mediator', 'party_member', 'resident',
  'police', 'justice', 'health', 'civil_affairs', 'judge', 'petition_clerk',
]
