import { describe, expect, it } from "vitest";
import { findings } from "../helpers.ts";

describe("cidr-valid", () => {
  it("accepts IPv4 and IPv6 addresses and networks, and sender patterns", async () => {
    expect(await findings({ "s.yaml": "ip_ranges:\n  office: [192.0.2.0/24, 198.51.100.7, 2001:db8::/32, \"2001:db8:1::1\"]\ninbound:\n  blocked: [spam.example.net, bad@example.org, 203.0.113.0/24]\n  allowed: [partner.example.com]\n" })).toEqual([]);
  });
  it("rejects malformed entries and names the network for host bits", async () => {
    const f = await findings({ "s.yaml": "ip_ranges:\n  office: [192.0.2.1/24, 300.1.1.1, \"2001:db8::1/32\", 10.0.0.0/33]\ninbound:\n  blocked: [not a domain]\n" });
    expect(f).toEqual([
      "s.yaml:2:12: error [cidr-valid] ip range office has '192.0.2.1/24', a CIDR with host bits set; write the network 192.0.2.0/24",
      "s.yaml:2:26: error [cidr-valid] ip range office has '300.1.1.1', which is not a valid IPv4/IPv6 address or CIDR (e.g. 192.0.2.0/24, 2001:db8::/32)",
      "s.yaml:2:37: error [cidr-valid] ip range office has '2001:db8::1/32', a CIDR with host bits set; write the network 2001:db8::/32",
      "s.yaml:2:55: error [cidr-valid] ip range office has '10.0.0.0/33', which is not a valid IPv4/IPv6 address or CIDR (e.g. 192.0.2.0/24, 2001:db8::/32)",
      "s.yaml:4:13: error [cidr-valid] inbound.blocked has 'not a domain', which is neither a domain, an address nor an IP/CIDR",
    ]);
  });
  it("checks a domain's spf.ip4 and spf.ip6: valid, of their family", async () => {
    const dom = (spf: string) => ({ "a.yaml": `organisation: { name: T, region: eu-west-1, default_department: hq }\ndomains:\n  - { name: example.com, spf: ${spf} }\ndepartments: [{ id: hq, name: HQ }]\n` });
    expect(await findings(dom('{ ip4: [192.0.2.25, 198.51.100.0/24], ip6: ["2001:db8::/48"] }'))).toEqual([]);
    expect(await findings(dom('{ ip4: ["2001:db8::1", 192.0.2.1/24], ip6: [192.0.2.9] }'))).toEqual([
      "a.yaml:3:39: error [cidr-valid] spf.ip4 of example.com has '2001:db8::1', an IPv6 entry; list it under spf.ip6",
      "a.yaml:3:54: error [cidr-valid] spf.ip4 of example.com has '192.0.2.1/24', a CIDR with host bits set; write the network 192.0.2.0/24",
      "a.yaml:3:75: error [cidr-valid] spf.ip6 of example.com has '192.0.2.9', an IPv4 entry; list it under spf.ip4",
    ]);
  });
});
