/**
 * A deterministic generator of realistic orgs of N members in format v1 (no Math.random: a seeded PRNG),
 * for benchmarks and scale tests.
 *
 *   tsx bench/generate.ts <members> <dir> [--host]
 *
 * `--host` (or `{ mailboxHost: true }`) declares a mailbox host, so members hold their accounts on it and need
 * no IAM user: the shape of an org past IAM's 5,000 users per account. Linear in N (the 50,000-member org is
 * written in seconds).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";

/** mulberry32: a small, well-known seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SURNAMES = ["wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma", "zhu", "hu", "guo", "he", "lin", "luo", "gao"];
const GIVEN = ["wei", "fang", "na", "min", "jing", "lei", "jun", "yang", "tao", "ming", "chao", "xiu", "hua", "ping", "gang", "hui", "yan", "bo", "qiang", "li"];

export interface GeneratedOrg {
  readonly members: number;
  readonly departments: number;
  readonly groups: number;
  readonly mailboxes: number;
  readonly files: number;
}

export interface GenerateOptions {
  /** Declare a mailbox host (mail.example.com). Default false. */
  readonly mailboxHost?: boolean;
}

/** Writes an org of n members into dir (created), one members file per top-level department. */
export function generateOrg(n: number, dir: string, seed = 42, opts: GenerateOptions = {}): GeneratedOrg {
  const rand = prng(seed + n);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  mkdirSync(join(dir, "members"), { recursive: true });

  // Departments: ~1 per 25 members, a tree up to 4 levels below the head office.
  const depCount = Math.max(3, Math.round(n / 25));
  const departments: { id: string; name: string; parent?: string; admins?: string[] }[] = [
    { id: "hq", name: "Head Office", admins: ["@corp/leadership"] },
  ];
  const level = new Map<string, number>([["hq", 1]]);
  // Departments that may still take a child (less than 5 levels deep), in creation order.
  const candidates = [departments[0]!];
  for (let i = 1; i < depCount; i++) {
    const parent = i < 8 ? "hq" : pick(candidates).id;
    const id = `d${i}`;
    const dep = { id, name: `Department ${i}`, parent, admins: [`@corp/d${i}-leads`] };
    departments.push(dep);
    level.set(id, level.get(parent)! + 1);
    if (level.get(id)! < 5) candidates.push(dep);
  }
  const top = departments.filter((d) => d.parent === "hq").map((d) => d.id);
  const byId = new Map(departments.map((d) => [d.id, d]));
  const topOf = (id: string): string => {
    let cur = byId.get(id)!;
    while (cur.parent && cur.parent !== "hq") cur = byId.get(cur.parent)!;
    return cur.id === "hq" ? top[0]! : cur.id;
  };

  // Members, ~1 alias each on average (0-2), some departed/disabled/internal-only.
  const byFile = new Map<string, object[]>();
  const active: string[] = [];
  const memberDept: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = pick(SURNAMES);
    const g = pick(GIVEN);
    const address = `${s}.${g}.${i}@example.com`;
    const dep = departments[1 + (i % (departments.length - 1))]!.id;
    const aliasCount = Math.floor(rand() * 3);
    const aliases = Array.from({ length: aliasCount }, (_, k) => `${s[0]}${g[0]}${i}${k ? `.${k}` : ""}@example.com`);
    const r = rand();
    const member: Record<string, unknown> = { address, name: `${s} ${g}`, title: "Staff", departments: [dep] };
    if (aliases.length) member.aliases = aliases;
    if (i > 10 && r < 0.02) {
      member.status = "departed";
      member.forward_to = [active[active.length - 1]!];
    } else {
      if (r < 0.04) member.status = "disabled";
      else active.push(address);
      if (r > 0.97) member.internal_only = true;
    }
    if (rand() < 0.3) member.phone = `+86 10 5555 ${String(i % 10000).padStart(4, "0")}`;
    memberDept.push(dep);
    const file = topOf(dep);
    const list = byFile.get(file);
    if (list) list.push(member);
    else byFile.set(file, [member]);
  }

  // Mailboxes: one per top department plus service mailboxes, delegates from active members.
  const mailboxes = [
    ...top.map((d, i) => ({ address: `box-${d}@example.com`, name: `Mailbox ${d}`, department: d, delegates: [{ member: active[i % active.length]! }] })),
    { address: "hr@example.com", name: "HR", delegates: [{ member: active[0]! }, { member: active[1 % active.length]!, until: "2099-12-31" }] },
    { address: "lost@example.com", name: "Lost and found" },
    { address: "archive@example.com", name: "Archive" },
  ];

  // Groups: department groups, nested groups, member lists, a restricted all-staff.
  const groups: Record<string, unknown>[] = top.map((d) => ({ address: `team-${d}@example.com`, name: `Team ${d}`, members: [`department:${d}`] }));
  const listGroups = Math.max(1, Math.round(n / 100));
  for (let i = 0; i < listGroups; i++) {
    const size = 5 + Math.floor(rand() * 20);
    const members = new Set<string>();
    for (let k = 0; k < size; k++) members.add(pick(active));
    groups.push({ address: `project-${i}@example.com`, name: `Project ${i}`, members: [...members].sort(), senders: "members" });
  }
  groups.push({ address: "managers@example.com", name: "Managers", members: active.slice(0, Math.min(20, active.length)) });
  groups.push({ address: "everyone-teams@example.com", name: "All teams", members: top.map((d) => `team-${d}@example.com`) });
  groups.push({ address: "all@example.com", name: "All staff", members: ["department:hq"], senders: ["managers@example.com", "hr@example.com"] });

  const write = (name: string, doc: unknown): void => writeFileSync(join(dir, name), stringify(doc, { lineWidth: 0 }));
  write("organisation.yaml", {
    organisation: {
      name: "Bench Corp",
      region: "eu-west-1",
      default_department: "hq",
      catch_all: "lost@example.com",
      owners: ["@corp/mail-admins"],
      // 256 MB a mailbox and a data volume that holds them all (EBS allows 16,384 GB: 64,000 such mailboxes).
      ...(opts.mailboxHost ? { mailbox_host: { hostname: "mail.example.com", default_quota_mb: 256, volume_gb: Math.max(50, Math.ceil(((n + 100) * 256) / 1024)) } } : {}),
    },
    domains: [{ name: "example.com", hosted_zone_id: "Z0BENCHEXAMPLE", dmarc: { policy: "reject", rua: ["archive@example.com"] } }],
    departments,
    ip_ranges: { office: ["192.0.2.0/24", "2001:db8::/32"], vpn: ["198.51.100.0/24"] },
    sending: { allowed_ip_ranges: ["office", "vpn"], exempt: ["managers@example.com"], internal_only: [`department:${top[top.length - 1]}`] },
    inbound: { blocked: ["spam.example.net", "203.0.113.0/24"], allowed: ["partner.example.org"] },
    backups: [{ name: "all-from-bank", to: "archive@example.com", match: { senders: ["bank.example.net"] } }],
    signatures: [{ id: "std", applies_to: ["department:hq"], html: "<p>{{name}}{{#if title}}, {{title}}{{/if}}</p>", text: "{{name}}" }],
  });
  write("mailboxes.yaml", { mailboxes });
  write("groups.yaml", { groups });
  for (const [file, members] of [...byFile.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) write(`members/${file}.yaml`, { members });
  return { members: n, departments: departments.length, groups: groups.length, mailboxes: mailboxes.length, files: 3 + byFile.size };
}

if (process.argv[1]?.endsWith("generate.ts")) {
  const [n, dir, flag] = process.argv.slice(2);
  if (!n || !dir || !Number.isInteger(Number(n)) || (flag !== undefined && flag !== "--host")) {
    process.stderr.write("usage: tsx bench/generate.ts <members> <dir> [--host]\n");
    process.exit(2);
  }
  process.stdout.write(JSON.stringify(generateOrg(Number(n), dir, 42, { mailboxHost: flag === "--host" })) + "\n");
}
