/**
 * Login records (console 4.1.3): every IMAP login and failed attempt, read from Dovecot's log lines as the
 * mailbox host writes them (log_timestamp ISO, login_log_format_elements with user, method, rip). The host ships
 * that log to CloudWatch Logs; the sandbox keeps it in <maildir>/_mailhost/log/dovecot.log. One parser for both.
 */
import { FilterLogEventsCommand, type CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";

export interface LoginRecord {
  /** UTC, YYYY-MM-DDTHH:MM:SSZ (the host runs in UTC). */
  readonly time: string;
  readonly address: string;
  readonly ip: string;
  /** imap: a login; account: a password set, changed or reset, or a failed attempt at it (the account service). */
  readonly protocol: "imap" | "account";
  readonly method: string;
  readonly result: "success" | "failure";
}

const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d) imap-login: Info: (Login|(?:Disconnected|Aborted login)[^(]*\((?:auth failed|tried to use disallowed)[^)]*\)): user=<([^>]*)>, method=([A-Z0-9-]+), rip=([0-9a-fA-F.:]+)/;

/** The account service's lines (mailhost/accounts.ts): "<time> mailorg-account: Info: <event>: user=<a>, method=m, rip=ip". */
const ACCOUNT_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d) mailorg-account: Info: ([^:]+): user=<([^>]*)>, method=([a-z]+), rip=(\S+)$/;

/** The login record of one Dovecot or account-service log line, or undefined for any other line. */
export function parseLoginLine(line: string): LoginRecord | undefined {
  const a = ACCOUNT_LINE.exec(line);
  if (a) return { time: `${a[1]}Z`, address: a[3]!.toLowerCase(), ip: a[5]!, protocol: "account", method: a[4]!, result: / failed/.test(a[2]!) ? "failure" : "success" };
  const m = LINE.exec(line);
  if (!m || m[3] === "") return undefined;
  return { time: `${m[1]}Z`, address: m[3]!.toLowerCase(), ip: m[5]!, protocol: "imap", method: m[4]!, result: m[2] === "Login" ? "success" : "failure" };
}

export interface LoginFilter {
  readonly address?: string;
  /** YYYY-MM-DD: records on or after that day (UTC). */
  readonly since?: string;
}

/** The records of a log text that pass the filter, in time order. */
export function loginsFromLog(text: string, filter: LoginFilter = {}): LoginRecord[] {
  return text
    .split("\n")
    .map(parseLoginLine)
    .filter((r): r is LoginRecord => r !== undefined && (!filter.address || r.address === filter.address.toLowerCase()) && (!filter.since || r.time >= `${filter.since}T00:00:00Z`))
    .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

/** The records in the host's CloudWatch log group (its dovecot streams), every page, filtered as asked. */
export async function loginsFromCloudWatch(client: CloudWatchLogsClient, logGroup: string, filter: LoginFilter = {}): Promise<LoginRecord[]> {
  const lines: string[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const r = await client.send(
      new FilterLogEventsCommand({
        logGroupName: logGroup,
        filterPattern: filter.address ? `"user=<${filter.address.toLowerCase()}>"` : '?"imap-login" ?"mailorg-account"',
        ...(filter.since ? { startTime: Date.parse(`${filter.since}T00:00:00Z`) } : {}),
        ...(nextToken ? { nextToken } : {}),
      }),
    );
    for (const e of r.events ?? []) if (e.message) lines.push(e.message.trimEnd());
    nextToken = r.nextToken;
    if (!nextToken) break;
  }
  return loginsFromLog(lines.join("\n"), filter);
}
