/**
 * Byte-exact edits of a raw RFC 5322 message's header block, for delivery: everything not named here is
 * left as received (the body and the other header fields keep their bytes, so DKIM signatures over them
 * stay valid). Works on latin1 strings, which map bytes one-to-one. Not a MIME parser: it only finds the
 * end of the header block and the header fields' boundaries (a field continues on lines starting with
 * space or tab, RFC 5322 2.2.3).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import addressparser from "nodemailer/lib/addressparser";

export interface HeaderField {
  /** Lowercase field name. */
  readonly name: string;
  /** The field's raw text, continuation lines and line breaks included. */
  readonly raw: string;
  /** The unfolded value, trimmed. */
  readonly value: string;
}

export interface SplitMessage {
  readonly fields: HeaderField[];
  /** The line break the message uses ("\r\n" or "\n"). */
  readonly eol: string;
  /** The empty line and the body, exactly as received. */
  readonly rest: string;
}

export function splitMessage(raw: Buffer): SplitMessage {
  const text = raw.toString("latin1");
  const crlf = text.indexOf("\r\n\r\n");
  const lf = text.indexOf("\n\n");
  const useCrlf = crlf !== -1 && (lf === -1 || crlf < lf + 1);
  const eol = useCrlf ? "\r\n" : "\n";
  const end = useCrlf ? crlf + 2 : lf === -1 ? text.length : lf + 1;
  const head = text.slice(0, end);
  const rest = text.slice(end);
  const fields: HeaderField[] = [];
  const lines = head.split(/(?<=\n)/);
  for (const line of lines) {
    if ((line.startsWith(" ") || line.startsWith("\t")) && fields.length > 0) {
      const last = fields.pop()!;
      fields.push({ ...last, raw: last.raw + line });
    } else if (line.length > 0) {
      const colon = line.indexOf(":");
      fields.push({ name: colon > 0 ? line.slice(0, colon).trim().toLowerCase() : "", raw: line, value: "" });
    }
  }
  return {
    eol,
    rest,
    fields: fields.map((f) => ({ ...f, value: f.raw.slice(f.raw.indexOf(":") + 1).replace(/\r?\n[ \t]/g, " ").trim() })),
  };
}

export function joinMessage(m: SplitMessage): Buffer {
  return Buffer.from(m.fields.map((f) => f.raw).join("") + m.rest, "latin1");
}

/** A new header field in the message's own line-break style. Values are ASCII (addresses). */
function field(name: string, value: string, eol: string): HeaderField {
  return { name: name.toLowerCase(), raw: `${name}: ${value}${eol}`, value };
}

/** The header a quarantined (DMARC) copy carries; one arriving from outside is removed from every relayed copy. */
export const QUARANTINE_HEADER = "X-Mailorg-Quarantine";

/**
 * The message with `Delivered-To: <address>` on top (what a mailbox host expects); for a quarantined copy also
 * `X-Mailorg-Quarantine: <reason>` and `X-Spam-Flag: YES` (what mailbox servers' Junk rules read). A
 * X-Mailorg-Quarantine field the sender wrote is removed; all else unchanged.
 */
export function withDeliveredTo(raw: Buffer, address: string, quarantine?: string): Buffer {
  const m = splitMessage(raw);
  const top = [field("Delivered-To", address, m.eol)];
  if (quarantine !== undefined) top.push(field(QUARANTINE_HEADER, quarantine.replace(/[\r\n]+/g, " "), m.eol), field("X-Spam-Flag", "YES", m.eol));
  return joinMessage({ ...m, fields: [...top, ...m.fields.filter((f) => f.name !== QUARANTINE_HEADER.toLowerCase())] });
}

/** Values of every field with this (case-insensitive) name, in order. */
export function headerValues(raw: Buffer, name: string): string[] {
  const n = name.toLowerCase();
  return splitMessage(raw).fields.filter((f) => f.name === n).map((f) => f.value);
}

/**
 * The addresses in From (or Sender, Reply-To) header values, as written, in order, parsed as RFC 5322
 * address lists by nodemailer's addressparser (the parser mailparser uses): display names, quoted strings,
 * comments (`"x" <a@b> (c)`) and groups are understood the same way in the router and the sandbox. Entries
 * without an address (a bare display name, an empty group) are left out.
 */
export function parseAddresses(values: readonly string[]): string[] {
  return values.flatMap((v) => addressparser(v, { flatten: true }).map((a) => a.address.trim()).filter((a) => a.includes("@")));
}

/** The header that marks a message forwarded by a member: `<member>; mac=<HMAC>`, which only the router can write. */
export const FORWARDED_BY = "X-Mailorg-Forwarded-By";
/** A message already forwarded this many times is not forwarded again. */
export const MAX_FORWARD_HOPS = 3;

/**
 * The mark's MAC: HMAC-SHA256 over the member's address and the message's Message-ID, keyed with the
 * organisation's secret forwarding key (kept in the mail store, never in a message), truncated to 128 bits.
 * A stranger cannot write a mark the router accepts, and a mark copied from one message does not fit another.
 */
export function forwardMac(key: Buffer, member: string, raw: Buffer): string {
  const messageId = headerValues(raw, "message-id")[0] ?? "";
  return createHmac("sha256", key).update(`${member.toLowerCase()}\n${messageId}`).digest("base64url").slice(0, 22);
}

/** The member a mark names when the router itself wrote it (its MAC verifies for this message), else null. */
function markedBy(value: string, key: Buffer, raw: Buffer): string | null {
  const m = /^\s*([^\s;]+@[^\s;]+)\s*;\s*mac=([A-Za-z0-9_-]{22})\s*$/.exec(value);
  if (!m) return null;
  const want = Buffer.from(forwardMac(key, m[1]!, raw));
  const got = Buffer.from(m[2]!);
  return want.length === got.length && timingSafeEqual(want, got) ? m[1]!.toLowerCase() : null;
}

/** The members whose marks on this message the router itself wrote; marks that do not verify are ignored. */
export function verifiedMarks(raw: Buffer, key: Buffer): string[] {
  return headerValues(raw, FORWARDED_BY).flatMap((v) => markedBy(v, key, raw) ?? []);
}

/** Why a member's forward must not send this message again, or null. Only marks the router wrote count. */
export function forwardLoop(raw: Buffer, member: string, key: Buffer): string | null {
  const marks = verifiedMarks(raw, key);
  if (marks.includes(member.toLowerCase())) return `forwarding loop: the message was already forwarded by ${member}`;
  if (marks.length >= MAX_FORWARD_HOPS) return `forwarding loop: the message was forwarded ${marks.length} times (at most ${MAX_FORWARD_HOPS})`;
  return null;
}

/** Fields removed from a forwarded copy: they speak for the original sender's envelope or signature. */
const DROPPED_ON_FORWARD = new Set(["return-path", "sender", "dkim-signature", "delivered-to"]);

/**
 * A member's forward: From becomes the member's address (so the copy aligns with the org's DKIM and SPF
 * under DMARC), the original author moves to Reply-To unless the sender set one, the original sender's
 * DKIM-Signature, Sender and Return-Path are removed (they no longer hold), marks that do not verify are
 * removed, and the router's own mark for loop detection is added. The copy has exactly one From and at most
 * one Reply-To even when the message had several (invalid RFC 5322 mail): the authors of every From field
 * become one Reply-To, and only the first Reply-To is kept. Every other header field and the body keep their bytes.
 */
export function forwardedCopy(raw: Buffer, member: string, key: Buffer): Buffer {
  const m = splitMessage(raw);
  const froms = m.fields.filter((f) => f.name === "from");
  const hasReplyTo = m.fields.some((f) => f.name === "reply-to");
  const fields: HeaderField[] = [field(FORWARDED_BY, `${member}; mac=${forwardMac(key, member, raw)}`, m.eol)];
  let from = false;
  let replyTo = false;
  for (const f of m.fields) {
    if (DROPPED_ON_FORWARD.has(f.name)) continue;
    if (f.name === FORWARDED_BY.toLowerCase()) {
      if (markedBy(f.value, key, raw) !== null) fields.push(f);
    } else if (f.name === "from") {
      if (from) continue;
      from = true;
      fields.push(field("From", member, m.eol));
      if (!hasReplyTo) {
        fields.push(froms.length === 1 ? { name: "reply-to", raw: "Reply-To:" + f.raw.slice(f.raw.indexOf(":") + 1), value: f.value } : field("Reply-To", parseAddresses(froms.map((x) => x.value)).join(", "), m.eol));
      }
    } else if (f.name === "reply-to") {
      if (replyTo) continue;
      replyTo = true;
      fields.push(f);
    } else fields.push(f);
  }
  if (!from) fields.push(field("From", member, m.eol));
  return joinMessage({ ...m, fields });
}
