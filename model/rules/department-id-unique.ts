import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

export const rule: Rule = {
  id: "department-id-unique",
  summary: "each department id is declared once",
  explanation: "A department id is a stable key (references, Terraform addresses, approvals); two declarations make it ambiguous. Rename or merge them.",
  check({ org, index }) {
    const out: Finding[] = [];
    org.departments.forEach((d, i) => {
      const first = index.departmentIndex.get(d.id);
      if (first !== undefined && first !== i) {
        out.push({ pointer: pointer("departments", i, "id"), message: `department id '${d.id}' is already declared (departments #${first + 1}); rename or merge them` });
      }
    });
    return out;
  },
};
