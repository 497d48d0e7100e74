/**
 * The mailbox host's client set-up, proven by its consumers: nginx -t accepts the generated nginx.conf, a real
 * nginx serves Thunderbird's autoconfig (GET, both paths) and answers Outlook's Autodiscover POST in any case
 * of the path, and Python's XML and plist parsers read the files: the host's names and ports are in them, and
 * the Apple profile has no password.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { autoconfigXml, autodiscoverXml, mobileconfig } from "../mailhost/client-setup.ts";
import { ACCOUNT_PORT, configFiles } from "../mailhost/files.ts";
import { hostLayout, type MailhostLayout } from "../mailhost/layout.ts";
import { roundcubeConfig } from "../mailhost/roundcube.ts";
import { validateOrg } from "../model/validate.ts";
import type { MailhostPlan } from "../plan/mailhost.ts";
import { planOrg } from "../plan/plan.ts";
import { HOST_ORG } from "./fixtures-mailhost.ts";
import { runCli, writeOrg } from "./helpers.ts";
import { freePort, selfSigned } from "./mail-helpers.ts";

const nginx = existsSync("/usr/sbin/nginx");
const python = spawnSync("python3", ["-c", "import plistlib, xml.etree.ElementTree"]).status === 0;
const ORG = HOST_ORG.replace("  - { name: example.com, hosted_zone_id: Z0123456789ABC }", "  - { name: example.com, hosted_zone_id: Z0123456789ABC }\n  - { name: example.net }");

let plan: MailhostPlan;
let orgDir: string;
beforeAll(() => {
  orgDir = writeOrg({ "org.yaml": ORG });
  const r = validateOrg(orgDir, { today: "2026-06-01" });
  plan = planOrg(r.org, r.index!, { today: "2026-06-01" }).mailhost!;
});

/** Python reads XML (ElementTree) and prints what a client takes from it: [tag, text] of every leaf. */
function xmlLeaves(xml: string): [string, string][] {
  const py = "import sys, json, xml.etree.ElementTree as E\nr = E.fromstring(sys.stdin.buffer.read())\nprint(json.dumps([[e.tag.split('}')[-1], (e.text or '').strip()] for e in r.iter() if len(e) == 0]))";
  const r = spawnSync("python3", ["-c", py], { input: xml, encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as [string, string][];
}

describe.skipIf(!python)("client set-up files, read by Python's parsers", () => {
  it("autoconfig: every receiving domain, IMAP at the host on 993 over TLS and its submission on 587 with STARTTLS, the address as login", () => {
    expect(xmlLeaves(autoconfigXml(plan))).toEqual([
      ["domain", "example.com"],
      ["domain", "example.net"],
      ["displayName", "Host Co"],
      ["displayShortName", "Host Co"],
      ["hostname", "mail.example.com"],
      ["port", "993"],
      ["socketType", "SSL"],
      ["authentication", "password-cleartext"],
      ["username", "%EMAILADDRESS%"],
      ["hostname", "mail.example.com"],
      ["port", "587"],
      ["socketType", "STARTTLS"],
      ["authentication", "password-cleartext"],
      ["username", "%EMAILADDRESS%"],
    ]);
  });
  it("Autodiscover: IMAP and SMTP with their servers, ports and encryption", () => {
    const leaves = xmlLeaves(autodiscoverXml(plan.clients));
    expect(leaves.filter(([t]) => ["Type", "Server", "Port", "Encryption"].includes(t))).toEqual([
      ["Type", "IMAP"], ["Server", "mail.example.com"], ["Port", "993"], ["Encryption", "SSL"],
      ["Type", "SMTP"], ["Server", "mail.example.com"], ["Port", "587"], ["Encryption", "TLS"],
    ]);
  });
  it("mailorg client-profile: an Apple profile plistlib reads, with the member's login and servers and no password; the same bytes every time", () => {
    const r = runCli(["client-profile", "LN@example.com", "--org", orgDir]);
    expect([r.status, r.stderr]).toEqual([2, "mailorg: LN@example.com is not a member's primary address\n"]);
    const ok = runCli(["client-profile", "li.na@example.com", "--org", orgDir]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe(mobileconfig(plan, { address: "li.na@example.com", name: "Li Na" }));
    const py = "import sys, json, plistlib\np = plistlib.loads(sys.stdin.buffer.read())\nprint(json.dumps(p))";
    const parsed = JSON.parse(spawnSync("python3", ["-c", py], { input: ok.stdout, encoding: "utf8" }).stdout) as { PayloadType: string; PayloadContent: Record<string, unknown>[] };
    expect(parsed.PayloadType).toBe("Configuration");
    expect(parsed.PayloadContent[0]).toMatchObject({
      PayloadType: "com.apple.mail.managed",
      EmailAccountType: "EmailTypeIMAP",
      EmailAddress: "li.na@example.com",
      EmailAccountName: "Li Na",
      IncomingMailServerHostName: "mail.example.com",
      IncomingMailServerPortNumber: 993,
      IncomingMailServerUseSSL: true,
      IncomingMailServerUsername: "li.na@example.com",
      OutgoingMailServerHostName: "mail.example.com",
      OutgoingMailServerPortNumber: 587,
      OutgoingMailServerUsername: "li.na@example.com",
      OutgoingPasswordSameAsIncomingPassword: true,
    });
    expect(Object.keys(parsed.PayloadContent[0]!).filter((k) => /^(Incoming|Outgoing)Password$/.test(k))).toEqual([]);
    expect(runCli(["client-profile", "li.na@example.com", "--org", orgDir]).stdout).toBe(ok.stdout);
    // A member without a login gets none.
    const dis = runCli(["client-profile", "dis@example.com", "--org", orgDir]);
    expect([dis.status, dis.stderr]).toEqual([1, "mailorg: dis@example.com is disabled and has no login on the mailbox host; no profile written\n"]);
  });
});

describe.skipIf(!existsSync("/usr/bin/php"))("Roundcube's configuration, loaded by PHP", () => {
  it("php -l accepts it, and PHP reads the organisation's name, logo, folders, plugins and the host's servers from it", () => {
    const withLogo = { ...plan, webmail: { logo: "https://www.example.com/logo's.svg" } };
    const dir = mkdtempSync(join(tmpdir(), "mailorg-rc-"));
    writeFileSync(join(dir, "config.inc.php"), roundcubeConfig(withLogo, hostLayout(plan.hostname)));
    writeFileSync(join(dir, "des_key"), "k");
    const lint = spawnSync("php", ["-l", join(dir, "config.inc.php")], { encoding: "utf8" });
    expect(lint.stdout).toContain("No syntax errors detected");
    const keys = ["product_name", "skin_logo", "imap_host", "smtp_host", "managesieve_host", "archive_mbox", "junk_mbox", "plugins", "login_username_filter", "log_logins", "password_driver", "password_httpapi_url", "password_httpapi_var_curpass", "password_httpapi_expect"];
    const read = spawnSync("php", ["-r", `include "${join(dir, "config.inc.php")}"; echo json_encode(array_intersect_key($config, array_flip(${JSON.stringify(keys).replace(/"/g, "'")})));`], { encoding: "utf8" });
    expect(JSON.parse(read.stdout)).toEqual({
      product_name: "Host Co",
      skin_logo: "https://www.example.com/logo's.svg",
      imap_host: "ssl://mail.example.com:993",
      smtp_host: "tls://mail.example.com:587",
      managesieve_host: "tls://mail.example.com:4190",
      archive_mbox: "Archive",
      junk_mbox: "Junk",
      plugins: ["archive", "managesieve", "markasjunk", "password"],
      login_username_filter: "email",
      log_logins: true,
      password_driver: "httpapi",
      // The host's account service, on the port it listens on (#26's contract: user, curpass, newpass; 200 OK).
      password_httpapi_url: `http://127.0.0.1:${ACCOUNT_PORT}/account/api/password`,
      password_httpapi_var_curpass: "curpass",
      password_httpapi_expect: "/^OK$/",
    });
  });
});

describe.skipIf(!nginx)("nginx with the host's configuration", () => {
  let root: string;
  let layout: MailhostLayout;
  let server: ChildProcess | undefined;
  let port: number;
  let ca: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "mailorg-nginx-"));
    chmodSync(root, 0o755); // nginx's workers run as www-data
    port = await freePort();
    const tls = await selfSigned(join(root, "tls"), [plan.hostname, ...plan.clients.autoconfigNames, ...plan.clients.autodiscoverNames]);
    ca = (await import("node:fs")).readFileSync(tls.cert, "utf8");
    layout = { ...hostLayout(plan.hostname), nginxDir: join(root, "nginx"), wwwDir: join(root, "www"), nginxPid: join(root, "run", "nginx.pid"), nginxTempDir: join(root, "run"), logDir: join(root, "log"), tlsCert: tls.cert, tlsKey: tls.key, httpsListen: [`127.0.0.1:${port}`], httpListen: [] };
    for (const d of [layout.nginxTempDir, layout.logDir]) mkdirSync(d, { recursive: true });
    for (const [rel, text] of Object.entries(configFiles(plan, layout))) {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), text);
    }
  });
  afterAll(() => {
    server?.kill("SIGTERM");
  });

  it("nginx -t accepts the configuration and refuses a broken one", () => {
    const t = spawnSync("nginx", ["-t", "-c", join(root, "nginx/nginx.conf")], { encoding: "utf8" });
    expect(t.stderr).toContain("syntax is ok");
    expect(t.status).toBe(0);
    writeFileSync(join(root, "nginx/bad.conf"), "events {}\nhttp { server { listen 1 sssl; } }\n");
    expect(spawnSync("nginx", ["-t", "-c", join(root, "nginx/bad.conf")]).status).not.toBe(0);
  });

  it("serves autoconfig at both paths and answers Autodiscover's POST whatever the case of its path, over HTTPS for every set-up name", async () => {
    server = spawn("nginx", ["-c", join(root, "nginx/nginx.conf"), "-g", "daemon off;"], { stdio: "ignore" });
    const fetch = (host: string, path: string, method = "GET", body = ""): Promise<{ status: number; type: string; body: string }> =>
      new Promise((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, path, method, servername: host, headers: { host, "content-type": "text/xml" }, ca }, (res) => {
          let text = "";
          res.on("data", (d: Buffer) => (text += d.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body: text }));
        });
        req.on("error", reject);
        req.end(body);
      });
    const deadline = Date.now() + 10_000;
    while (await fetch("mail.example.com", "/mail/config-v1.1.xml").then(() => false, () => Date.now() < deadline)) await new Promise((r) => setTimeout(r, 100));
    const auto = autoconfigXml(plan);
    expect(await fetch("autoconfig.example.com", "/mail/config-v1.1.xml")).toEqual({ status: 200, type: "application/xml", body: auto });
    expect(await fetch("autoconfig.example.net", "/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=li.na%40example.net")).toEqual({ status: 200, type: "application/xml", body: auto });
    const ask = `<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>li.na@example.com</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>`;
    for (const path of ["/autodiscover/autodiscover.xml", "/Autodiscover/Autodiscover.xml", "/AutoDiscover/AutoDiscover.xml"]) {
      expect(await fetch("autodiscover.example.com", path, "POST", ask)).toEqual({ status: 200, type: "application/xml", body: autodiscoverXml(plan.clients) });
    }
    expect((await fetch("mail.example.com", "/.mailorg-autodiscover.xml")).status).toBe(404);
  });
});
