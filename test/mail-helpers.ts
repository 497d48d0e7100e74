/** Shared by the sandbox tests: a free loopback port, and the subjects in an IMAP login's INBOX. */
import { createServer } from "node:net";
import type { ImapFlow } from "imapflow";

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Connects, reads the INBOX's subjects (sorted), logs out. */
export async function inboxSubjects(client: ImapFlow): Promise<string[]> {
  await client.connect();
  try {
    const box = await client.mailboxOpen("INBOX");
    if (box.exists === 0) return [];
    const out: string[] = [];
    for await (const m of client.fetch("1:*", { envelope: true })) out.push(m.envelope?.subject ?? "");
    return out.sort();
  } finally {
    await client.logout();
  }
}
