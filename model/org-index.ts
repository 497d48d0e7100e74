/**
 * The address index and department tree: the lookups every rule and derived view shares.
 * Built once per Org in O(size of the org); all keys are canonical (lowercase) addresses.
 */
import {
  canon,
  domainOf,
  memberDepartments,
  memberStatus,
  type Department,
  type Group,
  type Mailbox,
  type Member,
  type Org,
} from "./org.ts";
import { pointer } from "./pointer.ts";

export type AddressKind = "member" | "alias" | "group" | "mailbox";

export interface AddressEntry {
  readonly kind: AddressKind;
  /** The address as written. */
  readonly address: string;
  /** For an alias, the canonical address of its member; otherwise the canonical address itself. */
  readonly target: string;
  /** Where it is declared in the merged Org. */
  readonly pointer: string;
}

export type ResolvedRef =
  | { kind: "member"; address: string; member: Member }
  | { kind: "alias"; address: string; member: Member }
  | { kind: "group"; address: string; group: Group }
  | { kind: "mailbox"; address: string; mailbox: Mailbox }
  | { kind: "department"; id: string; department: Department };

export class OrgIndex {
  /** First declaration of each canonical address. */
  readonly addresses = new Map<string, AddressEntry>();
  /** Every declaration, in order (duplicates included), for the uniqueness rule. */
  readonly declarations: AddressEntry[] = [];
  readonly members = new Map<string, Member>();
  readonly groups = new Map<string, Group>();
  readonly mailboxes = new Map<string, Mailbox>();
  readonly departments = new Map<string, Department>();
  /** Index in org.members / org.groups / org.mailboxes / org.departments of each key's first declaration. */
  readonly memberIndex = new Map<string, number>();
  readonly groupIndex = new Map<string, number>();
  readonly mailboxIndex = new Map<string, number>();
  readonly departmentIndex = new Map<string, number>();
  /** Children of each department id. */
  readonly children = new Map<string, string[]>();
  /** Canonical domain names. */
  readonly domains = new Set<string>();
  /** Canonical addresses of members by department id (direct membership). */
  readonly directMembers = new Map<string, string[]>();

  constructor(readonly org: Org) {
    for (const d of org.domains) this.domains.add(canon(d.name));
    org.departments.forEach((d, i) => {
      keepFirst(this.departments, this.departmentIndex, d.id, d, i);
      if (d.parent !== undefined) pushTo(this.children, d.parent, d.id);
    });
    org.members.forEach((m, i) => {
      const key = canon(m.address);
      this.declare("member", m.address, key, "members", i, "address");
      keepFirst(this.members, this.memberIndex, key, m, i);
      (m.aliases ?? []).forEach((a, j) =>
        this.declare("alias", a, key, "members", i, "aliases", j),
      );
      for (const dep of memberDepartments(org, m)) pushTo(this.directMembers, dep, key);
    });
    org.groups.forEach((g, i) => {
      const key = canon(g.address);
      this.declare("group", g.address, key, "groups", i, "address");
      keepFirst(this.groups, this.groupIndex, key, g, i);
    });
    org.mailboxes.forEach((mb, i) => {
      const key = canon(mb.address);
      this.declare("mailbox", mb.address, key, "mailboxes", i, "address");
      keepFirst(this.mailboxes, this.mailboxIndex, key, mb, i);
    });
  }

  /** Records a declaration; its pointer is written out on first read (a rule reads it only for a finding). */
  private declare(kind: AddressKind, address: string, target: string, ...at: (string | number)[]): void {
    let at1: string | undefined;
    const entry: AddressEntry = {
      kind,
      address,
      target,
      get pointer() {
        return (at1 ??= pointer(...at));
      },
    };
    this.declarations.push(entry);
    const key = canon(entry.address);
    if (!this.addresses.has(key)) this.addresses.set(key, entry);
  }

  /** Resolves a reference (address or department:<id>); undefined when it names nothing. */
  resolve(ref: string): ResolvedRef | undefined {
    if (ref.startsWith("department:")) {
      const id = ref.slice("department:".length);
      const department = this.departments.get(id);
      return department ? { kind: "department", id, department } : undefined;
    }
    const key = canon(ref);
    const entry = this.addresses.get(key);
    if (!entry) return undefined;
    switch (entry.kind) {
      case "member":
        return { kind: "member", address: key, member: this.members.get(key)! };
      case "alias":
        return { kind: "alias", address: key, member: this.members.get(entry.target)! };
      case "group":
        return { kind: "group", address: key, group: this.groups.get(key)! };
      case "mailbox":
        return { kind: "mailbox", address: key, mailbox: this.mailboxes.get(key)! };
    }
  }

  /** A department and all its sub-departments (cycle-safe), in breadth-first order. */
  subtree(id: string): string[] {
    const out: string[] = [];
    const seen = new Set<string>();
    const queue = [id];
    for (let head = 0; head < queue.length; head++) {
      const d = queue[head]!;
      if (seen.has(d)) continue;
      seen.add(d);
      out.push(d);
      for (const c of this.children.get(d) ?? []) queue.push(c);
    }
    return out;
  }

  /** departmentMembers and expand results, computed once per key (the index never changes once built); callers get copies. */
  private readonly memo = new Map<string, string[]>();

  /** Canonical addresses of the members in a department or any sub-department, sorted. Departed members included. */
  departmentMembers(id: string): string[] {
    return this.departmentList(id).slice();
  }

  private departmentList(id: string): readonly string[] {
    const key = `department\0${id}`;
    let list = this.memo.get(key);
    if (!list) {
      const set = new Set<string>();
      for (const d of this.subtree(id)) for (const m of this.directMembers.get(d) ?? []) set.add(m);
      list = [...set].sort();
      this.memo.set(key, list);
    }
    return list;
  }

  /** Whether an address's domain is one of the org's domains. */
  isOrgAddress(address: string): boolean {
    return this.domains.has(domainOf(address));
  }

  /**
   * The member and mailbox addresses that a list of references stands for: groups expanded through
   * nested groups, departments through sub-departments, aliases to their member. Departed members are
   * left out unless includeDeparted. Cycle-safe. Sorted, canonical.
   */
  expand(refs: readonly string[], opts: { includeDeparted?: boolean } = {}): string[] {
    // One reference (a group, a department) is what the plan, the rules and review ask for again and again.
    if (refs.length !== 1) return this.expandUncached(refs, opts);
    const ref = refs[0]!;
    // Department ids are case-sensitive; addresses are not.
    const key = `expand\0${opts.includeDeparted ? 1 : 0}\0${ref.startsWith("department:") ? ref : canon(ref)}`;
    let list = this.memo.get(key);
    if (!list) {
      list = this.expandUncached(refs, opts);
      this.memo.set(key, list);
    }
    return list.slice();
  }

  private expandUncached(refs: readonly string[], opts: { includeDeparted?: boolean }): string[] {
    const out = new Set<string>();
    const seenGroups = new Set<string>();
    const visit = (ref: string): void => {
      const r = this.resolve(ref);
      if (!r) return;
      switch (r.kind) {
        case "member":
        case "alias": {
          if (opts.includeDeparted || memberStatus(r.member) !== "departed") out.add(canon(r.member.address));
          return;
        }
        case "mailbox":
          out.add(r.address);
          return;
        case "group":
          if (seenGroups.has(r.address)) return;
          seenGroups.add(r.address);
          for (const m of r.group.members) visit(m);
          return;
        case "department":
          for (const m of this.departmentList(r.id)) {
            if (opts.includeDeparted || memberStatus(this.members.get(m)!) !== "departed") out.add(m);
          }
          return;
      }
    };
    for (const ref of refs) visit(ref);
    return [...out].sort();
  }
}

/** Records the first declaration of a key (a duplicate is reported by the uniqueness rules) and its position. */
function keepFirst<T>(byKey: Map<string, T>, position: Map<string, number>, key: string, value: T, i: number): void {
  if (byKey.has(key)) return;
  byKey.set(key, value);
  position.set(key, i);
}

function pushTo(lists: Map<string, string[]>, key: string, value: string): void {
  const list = lists.get(key);
  if (list) list.push(value);
  else lists.set(key, [value]);
}
