/**
 * `npx tsx bench/sandbox-data.ts [MB]` (default 300): how much the sandbox's memory grows while a client
 * sends MB of DATA without SIZE to its MX (limit max_message_size_mb 10): the peak RSS above the idle RSS,
 * sampled every 20 ms. Needs Dovecot. Prints one JSON line; asserts nothing.
 */
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SMTPConnection from "nodemailer/lib/smtp-connection";
import { Readable } from "node:stream";
import { validateOrg } from "../model/validate.ts";
import { startSandbox } from "../simulate/sandbox.ts";

const mb = Number(process.argv[2] ?? 300);
const ORG = `organisation: { name: Bench Co, region: eu-west-1, default_department: hq, max_message_size_mb: 10 }
domains: [{ name: example.com }]
departments: [{ id: hq, name: HQ }]
members: [{ address: ann@example.com, name: Ann }]
`;

const port = (): Promise<number> =>
  new Promise((r) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => r(p));
    });
  });

const dir = mkdtempSync(join(tmpdir(), "mailorg-bench-data-"));
(await import("node:fs")).chmodSync(dir, 0o755); // as root, Dovecot's mail user must enter it
const { writeFileSync } = await import("node:fs");
writeFileSync(join(dir, "org.yaml"), ORG);
const { org, index } = validateOrg(dir, { today: "2026-06-01" });
const smtp = await port();
const sandbox = await startSandbox({
  org, index: index!, today: "2026-06-01", password: "pw", log: () => undefined, maildir: join(dir, "mail"),
  smtp: { host: "127.0.0.1", port: smtp }, submission: { host: "127.0.0.1", port: await port() }, imap: { host: "127.0.0.1", port: await port() },
});
global.gc?.();
const idle = process.memoryUsage().rss;
let peak = idle;
const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
const line = Buffer.from("x".repeat(998) + "\r\n");
const lines = Math.ceil((mb * 1048576) / line.length);
const body = Readable.from((function* () {
  yield Buffer.from("From: x@elsewhere.example.net\r\nSubject: big\r\n\r\n");
  for (let i = 0; i < lines; i++) yield line;
})());
const conn = new SMTPConnection({ host: "127.0.0.1", port: smtp, ignoreTLS: true, socketTimeout: 600_000 });
await new Promise<void>((r, j) => (conn.once("error", j), conn.connect(() => r())));
const reply = await new Promise<string>((r) => conn.send({ from: "x@elsewhere.example.net", to: ["ann@example.com"] }, body, (e) => r(e ? `${(e as { responseCode?: number }).responseCode} ${e.message.split("\n")[0]}` : "accepted")));
conn.quit();
clearInterval(timer);
await sandbox.close();
console.log(JSON.stringify({ sentMB: mb, reply, idleRssMB: Math.round(idle / 1048576), peakGrowthMB: Math.round((peak - idle) / 1048576) }));
