import { pointer } from "../pointer.ts";
import type { Rule } from "./types.ts";

/**
 * Regions with an SES email receiving endpoint (inbound-smtp.<region>.amazonaws.com), per the AWS General
 * Reference, "Amazon Simple Email Service endpoints and quotas", Email Receiving endpoints. Add a region
 * here when AWS adds one.
 */
export const RECEIVING_REGIONS: readonly string[] = [
  "af-south-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-south-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ca-central-1",
  "eu-central-1",
  "eu-north-1",
  "eu-south-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "il-central-1",
  "me-south-1",
  "sa-east-1",
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
];

export const rule: Rule = {
  id: "region-receives-mail",
  summary: "organisation.region is a region where SES receives email",
  explanation:
    "Receipt rules, the MX record and the mail store live in organisation.region, so it must be one of the " +
    "regions with an SES email receiving endpoint (AWS General Reference: SES endpoints, Email Receiving).",
  check({ org }) {
    const region = org.organisation.region;
    const receives = org.domains.some((d) => d.receive !== false);
    if (!receives || RECEIVING_REGIONS.includes(region)) return [];
    return [
      {
        pointer: pointer("organisation", "region"),
        message: `region ${region} has no SES email receiving endpoint; use one of ${RECEIVING_REGIONS.join(", ")}`,
      },
    ];
  },
};
