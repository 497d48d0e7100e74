import { memberDepartments, memberStatus } from "../org.ts";
import { pointer } from "../pointer.ts";
import type { Finding, Rule } from "./types.ts";

/** What AWS accepts in a tag value: letters, digits, spaces and _ . : / = + - @ (any script), at most 256. */
export const AWS_TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
export const AWS_TAG_VALUE_MAX = 256;

export const rule: Rule = {
  id: "tag-values",
  summary: "values written to AWS tags (the organisation name, a member's departments) use only characters AWS accepts",
  explanation:
    "Every resource carries the tag Organisation=<organisation.name>, and each member's IAM user the tag Departments=<ids>. " +
    "AWS accepts in a tag value only letters, digits, spaces and _ . : / = + - @, at most 256 characters; anything else " +
    "passes synthesis and fails at apply time. Rename, or shorten the department list.",
  check({ org }) {
    const out: Finding[] = [];
    const name = org.organisation.name;
    const bad = [...new Set([...name].filter((c) => !AWS_TAG_VALUE.test(c)))];
    if (bad.length > 0) {
      out.push({
        pointer: pointer("organisation", "name"),
        message: `organisation name '${name}' becomes the Organisation tag, and AWS tag values may not contain ${bad.map((c) => JSON.stringify(c)).join(", ")}; allowed: letters, digits, spaces and _ . : / = + - @ (remove them)`,
      });
    }
    org.members.forEach((m, i) => {
      if (memberStatus(m) === "departed") return;
      const tag = memberDepartments(org, m).join(" ");
      if (tag.length > AWS_TAG_VALUE_MAX) {
        out.push({ pointer: pointer("members", i, "departments"), message: `member ${m.address}'s departments make a ${tag.length}-character Departments tag; AWS allows ${AWS_TAG_VALUE_MAX} (list fewer departments or shorter ids)` });
      }
    });
    return out;
  },
};
