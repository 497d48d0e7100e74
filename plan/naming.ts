/**
 * Names shared by several stacks and by the runtime, computed in one place so that stacks refer to each
 * other's resources by name instead of by cross-stack references.
 */
import { createHash } from "node:crypto";
import { slug, type Org } from "../model/org.ts";

/**
 * The organisation's id (at most 24 characters), the prefix of AWS resource names: `organisation.id` when set,
 * else derived from the name (see orgIdFromName).
 */
export function orgSlug(org: Org): string {
  return org.organisation.id ?? orgIdFromName(org.organisation.name);
}

/**
 * An id derived from an organisation name. An ASCII name gives its slug ("Example Trading" ->
 * "example-trading"), as before. A name with non-ASCII characters gives the slug of its ASCII letters (accents
 * stripped: "Café Müller" -> "cafe-muller", "示例贸易" -> "org") followed by 7 hex digits of the name's SHA-256,
 * so two such names never share an id (a plain slug would turn both into "x"). An ASCII name without letters
or digits is hashed the same way.
 */
export function orgIdFromName(name: string): string {
  // An ASCII name with letters or digits keeps its plain slug; one without any ("!!!") would slug to "x".
  if (/^[\x00-\x7f]*$/.test(name) && /[A-Za-z0-9]/.test(name)) return slug(name).slice(0, 24).replace(/-+$/, "");
  const stripped = slug(name.normalize("NFKD").replace(/\p{M}/gu, "").replace(/[^\x00-\x7f]/g, " "));
  const head = (stripped === "x" ? "org" : stripped).slice(0, 16).replace(/-+$/, "");
  return `${head}-${createHash("sha256").update(name, "utf8").digest("hex").slice(0, 7)}`;
}

/**
 * The mail store bucket's name. S3 names are global, so it includes the account id and region;
 * `accountId` is usually a Terraform expression (data.aws_caller_identity...account_id).
 */
export function mailStoreBucketName(org: Org, accountId: string): string {
  return `${orgSlug(org)}-mail-${accountId}-${org.organisation.region}`;
}

export { STORE_PREFIX } from "./contract.ts";

/** SES receipt rule and filter names: at most 64 characters (letters, digits, dots, underscores, dashes). */
export const SES_NAME_MAX = 64;

/**
 * `<prefix>-<id>` as an SES receipt rule or filter name. Past 64 characters it keeps the first 55 and appends
 * `-` and 8 hex digits of the whole name's SHA-256, so two long names sharing their first 64 characters (two
 * long domains, two IPv6 ranges) still get distinct names, and the same input always gets the same name.
 */
export function sesName(prefix: string, id: string): string {
  const full = `${prefix}-${id}`;
  if (full.length <= SES_NAME_MAX) return full;
  const hash = createHash("sha256").update(full).digest("hex").slice(0, 8);
  return `${full.slice(0, SES_NAME_MAX - 9).replace(/[-_.]+$/, "")}-${hash}`;
}

/** FNV-1a (32 bit) of a string's UTF-16 code units: the one stable hash behind shard numbers and short names. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
