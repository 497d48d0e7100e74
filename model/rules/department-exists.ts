import { closest } from "../schema.ts";
import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "department-exists",
  summary: "every department id used (member departments, mailbox department, parent, default_department) is declared",
  explanation:
    "Departments decide group membership, approvals and signatures; an id that names no department would " +
    "leave a member outside every department group. Declare the department or fix the id.",
  check({ org, index }) {
    const out: Finding[] = [];
    const known = [...index.departments.keys()];
    const check = (id: string, at: string, what: string): void => {
      if (index.departments.has(id)) return;
      const guess = closest(id, known);
      out.push({
        pointer: at,
        message: `${what} names department '${id}', which is not declared${guess ? `; did you mean '${guess}'?` : "; declare it under departments"}`,
      });
    };
    check(org.organisation.default_department, pointer("organisation", "default_department"), "organisation.default_department");
    org.departments.forEach((d, i) => {
      if (d.parent !== undefined) check(d.parent, pointer("departments", i, "parent"), `department ${d.id}`);
    });
    org.members.forEach((m, i) =>
      (m.departments ?? []).forEach((id, j) => check(id, pointer("members", i, "departments", j), `member ${m.address}`)),
    );
    org.mailboxes.forEach((mb, i) => {
      if (mb.department !== undefined) check(mb.department, pointer("mailboxes", i, "department"), `mailbox ${mb.address}`);
    });
    return out;
  },
};
