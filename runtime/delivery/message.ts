/**
 * Byte-exact edits of a raw RFC 5322 message's header block, for delivery: everything not named here is
 * left as received (the body and the other header fields keep their bytes, so DKIM signatures over them
 * stay valid). Works on latin1 strings, which map bytes one-to-one. Not a MIME parser: it only finds the
 * end of the header block and the header fields' boundaries (a field continues on lines starting with
 * space or tab, RFC 5322 2.2.3).
 */

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

/** The message with `Delivered-To: <address>` on top (what a mailbox host expects); all else unchanged. */
export function withDeliveredTo(raw: Buffer, address: string): Buffer {
  const m = splitMessage(raw);
  return joinMessage({ ...m, fields: [field("Delivered-To", address, m.eol), ...m.fields] });
}

/** Values of every field with this (case-insensitive) name, in order. */
export function headerValues(raw: Buffer, name: string): string[] {
  const n = name.toLowerCase();
  return splitMessage(raw).fields.filter((f) => f.name === n).map((f) => f.value);
}

/** The header that marks a message forwarded by a member; a message carrying the member's own mark is a loop. */
export const FORWARDED_BY = "X-Mailorg-Forwarded-By";
/** A message already forwarded this many times is not forwarded again. */
export const MAX_FORWARD_HOPS = 3;

/** Why a member's forward must not send this message again, or null. */
export function forwardLoop(raw: Buffer, member: string): string | null {
  const marks = headerValues(raw, FORWARDED_BY).map((v) => v.toLowerCase());
  if (marks.includes(member.toLowerCase())) return `forwarding loop: the message was already forwarded by ${member}`;
  if (marks.length >= MAX_FORWARD_HOPS) return `forwarding loop: the message was forwarded ${marks.length} times (at most ${MAX_FORWARD_HOPS})`;
  return null;
}

/** Fields removed from a forwarded copy: they speak for the original sender's envelope or signature. */
const DROPPED_ON_FORWARD = new Set(["return-path", "sender", "dkim-signature", "delivered-to"]);

/**
 * A member's forward: From becomes the member's address (so the copy aligns with the org's DKIM and SPF
 * under DMARC), the original From moves to Reply-To unless the sender set one, the original sender's
 * DKIM-Signature, Sender and Return-Path are removed (they no longer hold), and a mark for loop detection
 * is added. Every other header field and the body keep their bytes.
 */
export function forwardedCopy(raw: Buffer, member: string): Buffer {
  const m = splitMessage(raw);
  const from = m.fields.find((f) => f.name === "from");
  const hasReplyTo = m.fields.some((f) => f.name === "reply-to");
  const fields: HeaderField[] = [field(FORWARDED_BY, member, m.eol)];
  for (const f of m.fields) {
    if (DROPPED_ON_FORWARD.has(f.name)) continue;
    if (f.name === "from") {
      fields.push(field("From", member, m.eol));
      if (!hasReplyTo) fields.push({ name: "reply-to", raw: "Reply-To:" + f.raw.slice(f.raw.indexOf(":") + 1), value: f.value });
    } else fields.push(f);
  }
  if (!from) fields.push(field("From", member, m.eol));
  return joinMessage({ ...m, fields });
}
