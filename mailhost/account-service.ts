/**
 * The host's account service: the activation and password pages under /account/, and the endpoint Roundcube's
 * password plugin calls (httpapi driver), served on 127.0.0.1 behind nginx's HTTPS (accountNginxLocation); the
 * sandbox serves it over TLS itself with the sandbox certificate. Administrators' resets arrive on a root-only
 * Unix socket with the token's hash only. It is the one writer of the password store (mailhost/accounts.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Accounts, AccountResult } from "./accounts.ts";

/** The path prefix nginx hands to the service. */
export const ACCOUNT_PREFIX = "/account/";

/** nginx's location block for the service (#27's nginx.ts includes it in the host's server block). */
export function accountNginxLocation(port: number): string {
  return `# mailorg account service: activation links and password changes (mailhost/account-service.ts)
location ${ACCOUNT_PREFIX} {
    proxy_pass http://127.0.0.1:${port};
    proxy_set_header Host $host;
    proxy_set_header X-Real-IP $remote_addr;
    # Activation links carry a one-time token in the query: keep it out of the access log.
    access_log off;
    client_max_body_size 16k;
    add_header Cache-Control "no-store" always;
    add_header X-Frame-Options "DENY" always;
    add_header Content-Security-Policy "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'" always;
}
`;
}

/**
 * Dovecot's passwd-file driver looks at its file at most once a second (it stats it again only when the clock has
 * moved on to another second), so a change is certain to be seen by the next login only from the next second.
 * The service answers after that moment: when a reset returns, the old password no longer works.
 */
export function dovecotSees(now: () => number = Date.now): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1050 - (now() % 1000)));
}

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escape(title)}</title>
<style>body{font-family:sans-serif;max-width:32em;margin:3em auto}label{display:block;margin:.8em 0}input{width:100%;padding:.4em}.error{color:#a00}</style>
</head><body><h1>${escape(title)}</h1>
${body}
</body></html>
`;
}

const rules = "<p>At least 12 characters, not containing your address, not a common password.</p>";

function activateForm(token: string, address: string, error?: string): string {
  return page(
    "Set your password",
    `<p>Account <strong id="address">${escape(address)}</strong></p>${error ? `<p class="error" id="error">${escape(error)}</p>` : ""}${rules}
<form method="post" action="${ACCOUNT_PREFIX}activate">
<input type="hidden" name="token" value="${escape(token)}">
<label>New password <input type="password" name="password" id="password" autocomplete="new-password" required></label>
<label>Repeat it <input type="password" name="confirm" id="confirm" autocomplete="new-password" required></label>
<button type="submit" id="submit">Set password</button>
</form>`,
  );
}

function changeForm(error?: string): string {
  return page(
    "Change your password",
    `${error ? `<p class="error" id="error">${escape(error)}</p>` : ""}${rules}
<form method="post" action="${ACCOUNT_PREFIX}password">
<label>Address <input type="email" name="address" id="address" autocomplete="username" required></label>
<label>Current password <input type="password" name="current" id="current" autocomplete="current-password" required></label>
<label>New password <input type="password" name="password" id="password" autocomplete="new-password" required></label>
<label>Repeat it <input type="password" name="confirm" id="confirm" autocomplete="new-password" required></label>
<button type="submit" id="submit">Change password</button>
</form>`,
  );
}

async function body(req: IncomingMessage, limit = 16_384): Promise<string> {
  let text = "";
  for await (const chunk of req) {
    text += (chunk as Buffer).toString("utf8");
    if (text.length > limit) throw Object.assign(new Error("request too large"), { status: 413 });
  }
  return text;
}

const send = (res: ServerResponse, status: number, type: string, text: string): void => {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store", "x-frame-options": "DENY" });
  res.end(text);
};

/** The client's address: nginx's X-Real-IP when the connection comes from nginx on this host, else the socket's. */
const clientIp = (req: IncomingMessage): string => {
  const peer = (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
  const real = req.headers["x-real-ip"];
  return (peer === "127.0.0.1" || peer === "::1") && typeof real === "string" && real !== "" ? real : peer;
};

/** The public handler (/account/...). */
export function accountHandler(accounts: Accounts): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const html = (status: number, text: string) => send(res, status, "text/html; charset=utf-8", text);
      const ip = clientIp(req);
      if (req.method === "GET" && url.pathname === `${ACCOUNT_PREFIX}activate`) {
        const token = url.searchParams.get("t") ?? "";
        const owner = accounts.tokenValid(token);
        return owner ? html(200, activateForm(token, owner)) : html(403, page("Link not valid", '<p class="error" id="error">This link is not valid (used, expired or replaced by a newer one). Ask the office for a new one.</p>'));
      }
      if (req.method === "POST" && url.pathname === `${ACCOUNT_PREFIX}activate`) {
        const form = new URLSearchParams(await body(req));
        const token = form.get("token") ?? "";
        const owner = accounts.tokenValid(token) ?? "";
        if (form.get("password") !== form.get("confirm")) return html(400, activateForm(token, owner, "the two passwords differ"));
        const r = accounts.activate(token, form.get("password") ?? "", ip);
        if (r.ok) await dovecotSees();
        return r.ok ? html(200, page("Password set", `<p id="done">Your password for <strong>${escape(r.address)}</strong> is set. Use it for mail (IMAP and sending) from now on.</p>`)) : html(r.status, r.status === 400 ? activateForm(token, owner, r.error) : page("Link not valid", `<p class="error" id="error">${escape(r.error)}</p>`));
      }
      if (req.method === "GET" && (url.pathname === ACCOUNT_PREFIX || url.pathname === `${ACCOUNT_PREFIX}password`)) return html(200, changeForm());
      if (req.method === "POST" && url.pathname === `${ACCOUNT_PREFIX}password`) {
        const form = new URLSearchParams(await body(req));
        if (form.get("password") !== form.get("confirm")) return html(400, changeForm("the two passwords differ"));
        const r = accounts.change(form.get("address") ?? "", form.get("current") ?? "", form.get("password") ?? "", ip);
        if (r.ok) await dovecotSees();
        return r.ok ? html(200, page("Password changed", `<p id="done">The password of <strong>${escape(r.address)}</strong> is changed.</p>`)) : html(r.status, changeForm(r.error));
      }
      // Roundcube's password plugin (httpapi driver): POST user, curpass, newpass as a form; 200 "OK" or an error text.
      if (req.method === "POST" && url.pathname === `${ACCOUNT_PREFIX}api/password`) {
        const form = new URLSearchParams(await body(req));
        const r = accounts.change(form.get("user") ?? "", form.get("curpass") ?? "", form.get("newpass") ?? "", ip);
        if (r.ok) await dovecotSees();
        return send(res, r.ok ? 200 : r.status, "text/plain; charset=utf-8", r.ok ? "OK\n" : `${r.error}\n`);
      }
      html(404, page("Not found", "<p>Nothing here.</p>"));
    })().catch((err: Error & { status?: number }) => send(res, err.status ?? 500, "text/plain; charset=utf-8", `${err.status ? err.message : "internal error"}\n`));
  };
}

/** The administrators' handler, on the root-only Unix socket: POST /reset {"address","sha256"} (the token's hash only). */
export function adminHandler(accounts: Accounts): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      if (req.method !== "POST" || req.url !== "/reset") return send(res, 404, "application/json", '{"error":"not found"}');
      const { address, sha256 } = JSON.parse(await body(req)) as { address?: string; sha256?: string };
      const r: AccountResult = typeof address === "string" && address.includes("@") ? accounts.reset(address, String(sha256 ?? ""), "admin") : { ok: false, status: 400, error: "address missing" };
      if (r.ok) await dovecotSees();
      send(res, r.ok ? 200 : r.status, "application/json", JSON.stringify(r.ok ? { ok: true, address: r.address } : { ok: false, error: r.error }));
    })().catch((err: Error) => send(res, 400, "application/json", JSON.stringify({ ok: false, error: err.message })));
  };
}
