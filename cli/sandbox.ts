/** `mailorg sandbox`: the org on one machine, with real SMTP, submission and IMAP (Dovecot) listeners. */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { resolve } from "node:path";
import { canon } from "../model/org.ts";
import { UsageError } from "../model/today.ts";
import { loadValidPlan } from "../plan/validate.ts";
import { looksLikeIp } from "../model/ip.ts";
import { SandboxError, startSandbox, type Endpoint } from "../simulate/sandbox.ts";
import { addressArg, EXIT_OK, runCommand, withOrg } from "./common.ts";

/** host:port, with a port from 1 to 65535. */
export function endpoint(flag: string, value: string): Endpoint {
  const m = value.match(/^(.+):(\d{1,5})$/);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) throw new UsageError(`${flag} is '${value}'; expected HOST:PORT such as 127.0.0.1:2525`);
  return { host: m[1]!.replace(/^\[(.*)\]$/, "$1"), port };
}

/** `address:password` lines (blank lines and # comments skipped); a malformed line is a usage error naming it. */
export function readPasswords(file: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`--passwords ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
  const out = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "" || line.startsWith("#")) return;
    const at = line.indexOf(":");
    if (at < 1 || at === line.length - 1) throw new UsageError(`--passwords ${file}:${i + 1}: expected address:password`);
    out.set(canon(addressArg(`--passwords ${file}:${i + 1}`, line.slice(0, at))), line.slice(at + 1));
  });
  return out;
}

export function register(program: Command): void {
  const cmd = program
    .command("sandbox")
    .description("run the org locally: an MX that behaves as SES, a submission port that enforces can-send, Dovecot IMAP over Maildirs")
    .requiredOption("--smtp <host:port>", "the MX listener (as SES receives for the org)")
    .requiredOption("--submission <host:port>", "the submission listener (AUTH PLAIN/LOGIN as an active member)")
    .requiredOption("--imap <host:port>", "the IMAP listener (Dovecot)")
    .requiredOption("--maildir <dir>", "Maildirs: <dir>/<address>/{new,cur,tmp}; <dir>/_store (archive), <dir>/_outbound (never sent)")
    .option("--password <pw>", "the one password of every login (submission and IMAP)")
    .option("--passwords <file>", "address:password lines: each login's own password (others use --password)")
    .option("--relay <host:port>", "with organisation.mailbox_host: Postfix's relay listener (default: the IMAP host, port + 1)")
    .option("--webmail <host:port>", "with organisation.mailbox_host: webmail (Roundcube) and client set-up over HTTPS, from the host's nginx files (needs nginx, php-fpm, roundcube-core, roundcube-plugins, roundcube-sqlite3)")
    .option("--sieve <host:port>", "with organisation.mailbox_host: Dovecot's ManageSieve listener, STARTTLS (default: the IMAP host, port + 3)")
    .option("--client-ip <ip>", "the client IP the rules see, instead of the connection's")
    .option("--public", "allow listening on non-loopback addresses (plain-text AUTH, one shared password: for a trusted network only)", false);
  withOrg(cmd);
  cmd.action((opts: { org: string; smtp: string; submission: string; imap: string; maildir: string; password?: string; passwords?: string; relay?: string; sieve?: string; webmail?: string; clientIp?: string; public: boolean }) =>
    runCommand(async () => {
      const smtp = endpoint("--smtp", opts.smtp);
      const submission = endpoint("--submission", opts.submission);
      const imap = endpoint("--imap", opts.imap);
      if (opts.clientIp !== undefined && !looksLikeIp(opts.clientIp)) throw new UsageError(`--client-ip is '${opts.clientIp}'; expected an IPv4 or IPv6 address`);
      if (opts.password === undefined && opts.passwords === undefined) throw new UsageError("give --password, --passwords FILE, or both");
      if (opts.password?.length === 0) throw new UsageError("--password must not be empty");
      const passwords = opts.passwords === undefined ? undefined : readPasswords(opts.passwords);
      const relay = opts.relay === undefined ? undefined : endpoint("--relay", opts.relay);
      const sieve = opts.sieve === undefined ? undefined : endpoint("--sieve", opts.sieve);
      const webmail = opts.webmail === undefined ? undefined : endpoint("--webmail", opts.webmail);
      const { org, index, today: day } = loadValidPlan(opts.org);
      const maildir = resolve(opts.maildir);
      let sandbox;
      try {
        sandbox = await startSandbox({ org, index, today: day, smtp, submission, imap, maildir, password: opts.password ?? randomBytes(18).toString("base64url"), passwords, mailhostRelay: relay, sieve, webmail, clientIp: opts.clientIp, public: opts.public });
      } catch (err) {
        if (err instanceof SandboxError) throw new UsageError(`sandbox: ${err.message}`);
        throw err;
      }
      process.stdout.write(
        `sandbox ready: smtp ${opts.smtp}, submission ${opts.submission}, imap ${opts.imap}${sandbox.mailhost ? ` (IMAPS, Dovecot of the mailbox host ${sandbox.mailhost.hostname}; Postfix relay and members' submission ${sandbox.mailhost.relay}${sandbox.mailhost.accountUrl ? `; account pages ${sandbox.mailhost.accountUrl}` : ""}), managesieve ${sandbox.mailhost.sieve.host}:${sandbox.mailhost.sieve.port}${webmail ? `, webmail https://${webmail.host.includes(":") ? `[${webmail.host}]` : webmail.host}:${webmail.port}/` : ""}` : ""}, maildir ${maildir} (stop with Ctrl-C)\n`,
      );
      // Stop on SIGINT, SIGTERM or SIGHUP, and when the parent goes away: `npx` (npm exec) does not pass
      // SIGTERM on through its shell, so a sandbox whose parent died stops itself, Dovecot with it.
      const parent = process.ppid;
      let watch: NodeJS.Timeout | undefined;
      await new Promise<void>((done) => {
        for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(sig, () => done());
        watch = setInterval(() => process.ppid !== parent && done(), 250);
      });
      clearInterval(watch);
      await sandbox.close();
      process.stdout.write("sandbox stopped\n");
      return EXIT_OK;
    }),
  );
}
