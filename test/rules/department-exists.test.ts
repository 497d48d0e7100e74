import { describe, expect, it } from "vitest";
import { findings } from "../helpers.ts";

describe("department-exists", () => {
  it("accepts declared departments", async () => {
    expect(await findings({ "m.yaml": "departments:\n  - { id: hr, name: HR, parent: hq }\nmembers:\n  - { address: a@example.com, name: A, departments: [hr] }\nmailboxes:\n  - { address: hr@example.com, name: HR, department: hr }\n" })).toEqual([]);
  });
  it("names unknown ids in members, mailboxes and parents", async () => {
    const f = await findings({
      "m.yaml": "departments:\n  - { id: hr, name: HR, parent: head }\nmembers:\n  - { address: a@example.com, name: A, departments: [hr, sales] }\nmailboxes:\n  - { address: hr@example.com, name: HR, department: h }\n",
    });
    expect(f).toEqual([
      "m.yaml:2:33: error [department-exists] department hr names department 'head', which is not declared; declare it under departments",
      "m.yaml:4:58: error [department-exists] member a@example.com names department 'sales', which is not declared; declare it under departments",
      "m.yaml:6:54: error [department-exists] mailbox hr@example.com names department 'h', which is not declared; did you mean 'hq'?",
    ]);
  });
  it("checks the default department", async () => {
    const f = await findings({ "a.yaml": "organisation: { name: T, region: eu-west-1, default_department: nowhere }\ndomains: [{ name: example.com }]\ndepartments: [{ id: hq, name: HQ }]\n" });
    expect(f).toEqual(["a.yaml:1:65: error [department-exists] organisation.default_department names department 'nowhere', which is not declared; declare it under departments"]);
  });
});
