/** Organisation-wide settings: the catch-all (rerouting), names and ids, limits, owners, and where Terraform's state lives. */
import { canon, type Org } from "../../model/org.ts";
import { anyAddress, ORG_WIDE, union, type DiffContext } from "./context.ts";

export const FIELDS = {
  organisation: ["name", "id", "timezone", "region", "default_department", "catch_all", "retention_days", "max_message_size_mb", "owners", "state", "delivery", "mailbox_host", "address_book", "welcome"],
  addressBook: ["hide"],
  welcome: ["subject", "html", "text"],
  state: ["bucket", "region", "key_prefix", "role_arn", "kms_key_id"],
} as const;

/** Where the stacks' Terraform state lives, as one string: `s3://bucket/prefix/ (region)` or the local files. */
export function stateLocation(state: Org["organisation"]["state"]): string {
  return state ? `s3://${state.bucket}/${state.key_prefix ?? "mailorg"}/ (${state.region})` : "local files (<out>/state/)";
}

export function diffOrganisation(ctx: DiffContext): void {
  const { add, field, rest } = ctx;
  const orgWide = ORG_WIDE;
  const bo = ctx.base.org.organisation;
  const ho = ctx.head.org.organisation;
  if (canon(bo.catch_all ?? "") !== canon(ho.catch_all ?? "")) {
    add({
      section: "Organisation",
      kind: ho.catch_all ? (bo.catch_all ? "modify" : "create") : "delete",
      subject: "catch_all",
      before: bo.catch_all ? canon(bo.catch_all) : null,
      after: ho.catch_all ? canon(ho.catch_all) : null,
      ...orgWide,
      reroutes: union(anyAddress(ctx.basePlan), anyAddress(ctx.headPlan)),
      reason: ho.catch_all ? undefined : "the catch-all is removed: mail to mistyped addresses will be rejected",
    });
  }
  const baseId = ctx.basePlan.organisation.prefix;
  const headId = ctx.headPlan.organisation.prefix;
  const destructiveSetting = (f: string): string | undefined => {
    if (f === "region") return "the region changes: identities, rules and the mail store would be recreated elsewhere";
    if (f === "retention_days" && (ho.retention_days ?? 365) < (bo.retention_days ?? 365)) {
      return `retention_days is lowered from ${bo.retention_days ?? 365} to ${ho.retention_days ?? 365}: stored mail older than ${ho.retention_days ?? 365} days (incoming/, mailboxes/, quarantine/) expires at the next lifecycle run (export what must be kept, then pass --allow-destructive)`;
    }
    if (f === "max_message_size_mb" && (ho.max_message_size_mb ?? 40) < (bo.max_message_size_mb ?? 40)) {
      return `max_message_size_mb is cut from ${bo.max_message_size_mb ?? 40} to ${ho.max_message_size_mb ?? 40}: messages between ${ho.max_message_size_mb ?? 40} and ${bo.max_message_size_mb ?? 40} MB are dropped instead of delivered (tell senders first, then pass --allow-destructive)`;
    }
    if ((f === "name" || f === "id") && baseId !== headId) {
      return `the organisation's ${f} change renames every AWS resource named after it (${baseId} -> ${headId}): the mail store bucket, IAM groups, receipt rules and the configuration set would be destroyed and recreated, and stored mail would be left in the old bucket (set organisation.id: ${baseId} to keep the names)`;
    }
    return undefined;
  };
  for (const f of ["name", "id", "region", "default_department", "retention_days", "max_message_size_mb", "timezone"] as const) {
    if (String(bo[f] ?? "") !== String(ho[f] ?? "")) add({ section: "Organisation", kind: "modify", subject: f, field: f, before: bo[f] ?? null, after: ho[f] ?? null, ...orgWide, reason: destructiveSetting(f) });
  }
  field("Organisation", "owners", "owners", [...(bo.owners ?? [])].sort(), [...(ho.owners ?? [])].sort(), orgWide);
  // Where Terraform keeps each stack's state: a new location starts empty.
  const where = stateLocation(bo.state);
  const whereNow = stateLocation(ho.state);
  if (where !== whereNow) {
    add({
      section: "Organisation",
      kind: "modify",
      subject: "state",
      field: "location",
      before: where,
      after: whereNow,
      ...orgWide,
      reason: `organisation.state moves from ${where} to ${whereNow}: Terraform would find no state there and the next apply would try to create every resource again (copy each stack's state first: terraform init -migrate-state per stack, docs/deploying.md), then declare the migration done with --allow-destructive (in CI: the allow-destructive label)`,
    });
  }
  for (const f of ["role_arn", "kms_key_id"] as const) field("Organisation", "state", f, bo.state?.[f] ?? null, ho.state?.[f] ?? null, orgWide);
  rest("Organisation", "state", "", bo.state, ho.state, FIELDS.state, orgWide);
  rest("Organisation", "organisation", "", bo, ho, FIELDS.organisation, orgWide);
  // The company address book: who is kept out of it (members see everyone else).
  const hidden = (o: Org["organisation"]): string[] => [...new Set((o.address_book?.hide ?? []).map((r) => (r.startsWith("department:") ? r : canon(r))))].sort();
  field("Organisation", "address_book", "hide", hidden(bo), hidden(ho), orgWide);
  // The welcome letter every new member finds in their INBOX: its templates as written.
  for (const f of ["subject", "html", "text"] as const) field("Organisation", "welcome", f, bo.welcome?.[f] ?? null, ho.welcome?.[f] ?? null, orgWide);
}
