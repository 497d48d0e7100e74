/**
 * Renderings of the structured changes of review/diff.ts: one sentence per change (describe), Markdown for a
 * pull-request comment, plain text, and JSON (the changes themselves). Nothing here decides anything.
 */
import { SECTIONS, setDiff, type Change, type Value } from "./diff.ts";

/**
 * Text as one line: control characters (line breaks included), line separators and bidirectional overrides
 * are shown as `\u` escapes, so a value printed into text cannot forge lines of its own or reorder them.
 * Validation refuses them in names (rule control-characters); this holds for whatever reaches a renderer.
 */
export function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * Text for Markdown: one line, with the markup that could hide or fake what follows made literal: code spans
 * (a backtick), HTML (comments and tags, `<`) and character references (`&`).
 */
export function mdText(s: string): string {
  return oneLine(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/`/g, "\\`");
}

/** A Markdown code span that its content cannot close: a fence longer than any run of backticks inside. */
export function mdCode(s: string): string {
  const text = oneLine(s);
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

const cell = (s: string): string => oneLine(s).replace(/\|/g, "\\|");

/** A Markdown table; pipes and newlines in cells are escaped. */
export function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${header.map(cell).join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)].join("\n");
}

const MARK: Record<Change["kind"], string> = { create: "+ CREATE", delete: "- DELETE", modify: "± MODIFY" };

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** At most `max` items, then "and N more". */
export function fmt(xs: readonly string[], max = 10): string {
  return xs.length > max ? `${xs.slice(0, max).join(", ")} and ${xs.length - max} more` : xs.join(", ");
}

const strings = (v: Value): string[] => (Array.isArray(v) ? (v as string[]) : []);
const obj = (v: Value): Record<string, Value> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, Value>) : {});
function show(v: Value): string {
  if (v === null || v === "") return "none";
  if (Array.isArray(v)) return fmt(v as string[]) || "none";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** Addresses with how each is reached: "sue@example.com (through department hr)"; `*` is anyone. */
function labelled(xs: readonly string[], via: Change["via"]): string {
  const shown = xs.slice(0, 10).map((x) => (x === "*" ? "anyone" : via?.[x] && via[x] !== "listed" ? `${x} (${via[x]})` : x));
  return shown.join(", ") + (xs.length > 10 ? ` and ${xs.length - 10} more` : "");
}

/** Gains and losses of an address list, with one verb pair. */
function gainsLosses(c: Change, gain: string, lose: string, counted = false): string {
  const d = setDiff(strings(c.before), strings(c.after));
  const parts: string[] = [];
  if (d.added.length) parts.push(`${gain}${counted ? ` ${d.added.length}` : ""}: ${labelled(d.added, c.via)}`);
  if (d.removed.length) parts.push(`${lose}${counted ? ` ${d.removed.length}` : ""}: ${labelled(d.removed, c.via)}`);
  return parts.join("; ");
}

/** The change in one sentence, from its structured fields, on one line (oneLine). */
export function describe(c: Change): string {
  return oneLine(sentence(c));
}

function sentence(c: Change): string {
  const b = obj(c.before);
  const a = obj(c.after);
  switch (c.section) {
    case "Members":
      if (c.subject === "members" && c.field === "count") return `${Number(c.before) - Number(c.after)} of ${c.before} members removed at once`;
      if (c.kind === "create") return `added to ${strings(a.departments!).join(", ")} (${a.status})`;
      if (c.kind === "delete") return b.status === "departed" ? "removed (had departed)" : `removed while ${b.status}`;
      if (c.field === "status") {
        const word = c.after === "departed" ? "departed" : c.after === "disabled" ? "disabled" : "re-enabled";
        return `${word}: ${c.before} -> ${c.after}`;
      }
      if (c.field === "departments") return `moves ${strings(c.before).join(", ")} -> ${strings(c.after).join(", ")}`;
      if (c.field === "name" || c.field === "title" || c.field === "phone" || c.field === "signature") return `${c.field} ${JSON.stringify(c.before)} -> ${JSON.stringify(c.after)}`;
      if (c.field === "forward_to") return `forward_to ${show(c.before)} -> ${show(c.after)}`;
      if (c.field === "forward") {
        const fwd = (v: Value) => (v === null ? "none" : `to ${strings(obj(v).to!).join(", ")} (${obj(v).keep_copy ? "mailbox keeps a copy" : "no copy kept"})`);
        if (c.before === null) return `forwards all mail out of the company ${fwd(c.after)}`;
        if (c.after === null) return `no longer forwards mail out of the company (was ${fwd(c.before)})`;
        return `forward ${fwd(c.before)} -> ${fwd(c.after)}`;
      }
      break;
    case "Credentials": {
      if (c.kind === "create") return `SMTP credentials created (IAM user and access key in stack ${a.stack}${a.status === "disabled" ? ", key inactive" : ""})`;
      if (c.kind === "delete") return `SMTP credentials revoked (IAM user and access key deleted from stack ${b.stack})`;
      return c.after === "disabled" ? "SMTP credentials disabled (access key set inactive)" : "SMTP credentials re-enabled (access key set active)";
    }
    case "Aliases":
      return c.kind === "create" ? `alias of ${c.after} added` : `alias of ${c.before} removed`;
    case "Departments":
      if (c.kind === "create") return `created${a.parent ? ` under ${a.parent}` : ""}${a.admins ? ` with admins ${strings(a.admins).join(", ")}, who approve its changes from now on` : ""}`;
      if (c.field === "admins") return `admins: ${gainsLosses(c, "adds", "removes")}, who approve its changes from now on`;
      if (c.kind === "delete") return "removed";
      break;
    case "Groups":
      if (c.kind === "create") return `created with ${plural(strings(a.recipients!).length, "recipient")}; senders ${show(a.senders!)}`;
      if (c.kind === "delete") return `removed (had ${plural(strings(b.recipients!).length, "recipient")})`;
      if (c.field === "members") return gainsLosses(c, "lists", "no longer lists");
      break;
    case "Group recipients":
      return `${gainsLosses(c, "gains", "loses", true)} (${strings(c.before).length} -> ${strings(c.after).length} recipients)`;
    case "Group senders":
      if (c.field === "may mail") return gainsLosses(c, "may now be mailed by", "may no longer be mailed by");
      if (c.field === "reaches restricted groups") return `its senders now reach restricted group${strings(c.after).length === 1 ? "" : "s"} ${fmt(strings(c.after))} through nesting (each keeps its own sender rules; its owners approve)`;
      return `senders ${show(c.before)} -> ${show(c.after)}`;
    case "Sending rights":
      return gainsLosses(c, "gains", "loses");
    case "Mailboxes":
      if (c.kind === "create") return `created${a.department ? ` in ${a.department}` : ""}`;
      if (c.kind === "delete") return "removed";
      break;
    case "Delegations": {
      const until = (v: Value) => obj(v).until ?? "no end date";
      if (c.kind === "create") return `delegated to ${a.member} until ${until(c.after)}`;
      if (c.kind === "delete") return `no longer delegated to ${b.member} (was until ${until(c.before)})`;
      return `delegation to ${a.member}: until ${until(c.before)} -> ${until(c.after)}`;
    }
    case "Blocked senders":
      return gainsLosses(c, "blocks", "unblocks");
    case "Inbound":
      if (c.field === "receiver") return `mail to it goes to ${c.after ?? "nobody (refused)"} instead of ${c.before ?? "nobody (refused)"}`;
    // falls through
    case "Internal only":
    case "Sending":
    case "IP ranges":
      if (c.field === "covers") return gainsLosses(c, "now covers", "no longer covers");
      if (c.field === "list") return gainsLosses(c, "adds", "removes");
      break;
    case "Backups":
      if (c.kind === "create" || c.kind === "delete") {
        const r = c.kind === "create" ? a : b;
        const whose = [strings(r.recipients!).length ? `mail to ${fmt(strings(r.recipients!))}` : "", strings(r.senders!).length ? `mail from ${fmt(strings(r.senders!))}` : ""].filter(Boolean).join(" and ");
        return `${c.kind === "create" ? "copies" : "no longer copies"} ${whose || "all mail"} to ${r.to}`;
      }
      if (c.field === "recipients") return gainsLosses(c, "now copies mail to", "no longer copies mail to");
      if (c.field === "senders") return gainsLosses(c, "now copies mail from", "no longer copies mail from");
      break;
    case "Domains":
      if (c.kind === "create") return `added (${a.receive ? "receiving" : "send-only"})`;
      if (c.kind === "delete") return "removed";
      if (c.field === "dmarc") {
        const dm = (v: Record<string, Value>) => `p=${v.policy} pct=${v.pct}${strings(v.rua!).length ? ` rua=${strings(v.rua!).join(",")}` : ""}`;
        return `DMARC ${dm(b)} -> ${dm(a)}`;
      }
      if (c.field === "receive") return c.after ? "receive turned on (MX points at SES)" : "receive turned off (MX removed)";
      break;
    case "DNS":
      if (c.kind === "create") return `record added: ${strings(c.after).join(" | ")}`;
      if (c.kind === "delete") return `record removed: ${strings(c.before).join(" | ")}`;
      return `${strings(c.before).join(" | ")} -> ${strings(c.after).join(" | ")}`;
    case "Signatures":
      if (c.field === "member's template") return `signature template ${show(c.before)} -> ${show(c.after)} (the first template whose applies_to covers them)`;
      return c.kind === "create" ? "added" : c.kind === "delete" ? "removed" : "template changed";
    case "Organisation":
      if (c.subject === "mailbox_host") return mailboxHost(c);
      if (c.field === undefined && c.kind !== "modify" && c.subject !== "catch_all") return organisationChange(c);
      break;
    case "Delivery":
      if (c.subject === "relay" && c.kind !== "modify") {
        const r = c.kind === "create" ? a : b;
        const to = `${r.host}:${r.port} (STARTTLS required${r.auth_secret ? `, AUTH with secret ${r.auth_secret}` : ""})`;
        return c.kind === "create" ? `every delivered copy is relayed to ${to}` : `relay to ${to} removed: delivered mail is kept in the mail store only`;
      }
      break;
  }
  if (Array.isArray(c.before) || Array.isArray(c.after)) return `${c.field === c.subject ? "" : `${c.field}: `}${gainsLosses(c, "adds", "removes")}`;
  return `${c.field ?? c.subject} ${show(c.before)} -> ${show(c.after)}`;
}

/** The mailbox host created, removed or changed: its hostname and size, and whose mail it receives. */
function mailboxHost(c: Change): string {
  const who = c.reroutes?.length ? `: it receives the mail of ${plural(c.reroutes.length, "address", "addresses")}` : "";
  const host = (v: Value): string => {
    const h = obj(v);
    return `${h.hostname} (${h.instance_type}, ${h.volume_gb} GB mail volume, backups kept ${h.backup_retention_days} days, default quota ${h.default_quota_mb} MB)`;
  };
  if (c.kind === "create") return `mailbox host ${host(c.after)} created${who}`;
  if (c.kind === "delete") return `mailbox host ${host(c.before)} removed${who ? `: it received the mail of ${plural(c.reroutes!.length, "address", "addresses")}` : ""}`;
  const unit: Record<string, string> = { volume_gb: " GB", default_quota_mb: " MB", backup_retention_days: " days" };
  const label: Record<string, string> = { volume_gb: "mail volume", default_quota_mb: "default quota", backup_retention_days: "backups kept", instance_type: "instance type", hostname: "hostname" };
  const u = unit[c.field ?? ""] ?? "";
  return `mailbox host ${label[c.field ?? ""] ?? c.field} ${show(c.before)}${u} -> ${show(c.after)}${u}${who}`;
}

/** A whole organisation created, replaced or removed (review/diff.ts diffSides): what it holds. */
function organisationChange(c: Change): string {
  const holds = (v: Record<string, Value>): string => {
    const one = { domains: "domain", departments: "department", members: "member", groups: "group", mailboxes: "mailbox", backups: "backup rule", signatures: "signature" } as const;
    const parts = (Object.keys(one) as (keyof typeof one)[])
      .map((k) => [k, strings(v[k] ?? [])] as const)
      .filter(([, xs]) => xs.length > 0)
      .map(([k, xs]) => `${plural(xs.length, one[k], k === "mailboxes" ? "mailboxes" : `${one[k]}s`)} (${fmt(xs, 5)})`);
    return [...parts, ...(v.relay ? [`the relay to ${v.relay}`] : [])].join("; ") || "nothing";
  };
  if (c.kind === "delete") return `organisation removed with all it held: ${holds(obj(c.before))}`;
  const now = obj(c.after);
  const was = obj(c.before);
  return `a new organisation in ${now.region} (state: ${now.state})${was.id ? `, replacing ${was.id}` : ""}, creating ${holds(now)}`;
}

/** Whose mail a rerouting change sends elsewhere, in a few words. */
function rerouted(c: Change): string {
  const who = c.reroutes ?? [];
  return `mail of ${who.map((x) => (x.startsWith("*@") ? `every address @${x.slice(2)}` : x)).slice(0, 10).join(", ")}${who.length > 10 ? ` and ${who.length - 10} more` : ""}`;
}

function summaryLine(changes: readonly Change[], base: string, head: string): string {
  const destructive = changes.filter((c) => c.destructive).length;
  const reroutes = changes.filter((c) => c.reroutes).length;
  return `**mailorg diff** ${mdCode(base)} → ${mdCode(head)}: ${plural(changes.length, "change")}${destructive ? `, **${destructive} destructive**` : ""}${reroutes ? `, **${reroutes} rerouting mail**` : ""}`;
}

/** Markdown for a pull-request comment: a caution block for destructive changes, then one table per section. */
export function renderMarkdown(changes: readonly Change[], base: string, head: string): string {
  const lines = [summaryLine(changes, base, head)];
  if (changes.length === 0) return lines[0] + "\n\nNo change to the organisation.\n";
  const destructive = changes.filter((c) => c.destructive);
  if (destructive.length) lines.push("", "> [!CAUTION]", ...destructive.map((c) => `> ${mdText(c.reason ?? "")}`));
  const reroutes = changes.filter((c) => c.reroutes);
  if (reroutes.length) lines.push("", "> [!WARNING]", "> Mail goes somewhere else (organisation owners approve):", ...reroutes.map((c) => `> - ${c.section}: ${mdCode(c.subject)} ${mdText(describe(c))}: ${mdText(rerouted(c))}`));
  const warned = changes.filter((c) => c.warning);
  if (warned.length) lines.push("", "> [!WARNING]", "> Role addresses change hands (organisation owners approve):", ...warned.map((c) => `> - ${mdText(c.warning!)}`));
  for (const section of SECTIONS) {
    const rows = changes.filter((c) => c.section === section);
    if (rows.length) lines.push("", `### ${section}`, "", mdTable(["", "subject", "change"], rows.map((c) => [MARK[c.kind], mdCode(c.subject), mdText(describe(c)) + (c.destructive ? " ⚠️" : "")])));
  }
  return lines.join("\n") + "\n";
}

export function renderText(changes: readonly Change[]): string {
  return changes.map((c) => `${MARK[c.kind]} [${c.section}] ${oneLine(c.subject)}: ${describe(c)}${c.reroutes ? `  (reroutes ${oneLine(rerouted(c))})` : ""}${c.warning ? `  (warning: ${oneLine(c.warning)})` : ""}${c.destructive ? "  (destructive)" : ""}`).join("\n") + (changes.length ? "\n" : "no change to the organisation\n");
}

/** The JSON document: the changes as they are, with a summary. */
export function renderJson(changes: readonly Change[], base: string, head: string): unknown {
  return { base, head, summary: { changes: changes.length, destructive: changes.filter((c) => c.destructive).length, reroutes: changes.filter((c) => c.reroutes).length }, changes };
}
