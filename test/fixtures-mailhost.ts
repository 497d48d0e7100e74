/** An org with a mailbox host: active, disabled and departed members, a shared mailbox, a quota of its own. */
export const HOST_ORG = `organisation:
  name: Host Co
  region: eu-west-1
  default_department: hq
  owners: ["@hc/owners"]
  mailbox_host: { hostname: Mail.Example.com, volume_gb: 20, default_quota_mb: 512 }
domains:
  - { name: example.com, hosted_zone_id: Z0123456789ABC }
departments:
  - { id: hq, name: HQ }
  - { id: sales, name: Sales, parent: hq, admins: ["@hc/sales"] }
members:
  - { address: li.na@example.com, name: Li Na, quota_mb: 4096, aliases: [ln@example.com] }
  - { address: wu.bo@example.com, name: Wu Bo, departments: [sales] }
  - { address: dis@example.com, name: Dis, status: disabled }
  - { address: gone@example.com, name: Gone, status: departed, forward_to: [li.na@example.com] }
  - { address: kept@example.com, name: Kept, status: departed }
mailboxes:
  - { address: hr@example.com, name: HR }
`;
