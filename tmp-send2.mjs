import { createTransport } from "nodemailer";
import { readFileSync } from "node:fs";
const ca = readFileSync("/tmp/mhs1/tls/cert.pem");
const t = createTransport({ host: "127.0.0.1", port: 25870, secure: false, requireTLS: true, auth: { user: process.argv[3] ?? "mailorg-router", pass: process.argv[4] ?? "relaypw" }, tls: { ca, servername: "mail.example.com" } });
const raw = "From: x@partner.example\r\nTo: li.na@example.com\r\nSubject: big\r\n\r\n" + ("x".repeat(76) + "\r\n").repeat(9000);
try { const r = await t.sendMail({ envelope: { from: "x@partner.example", to: [process.argv[2]], size: raw.length }, raw }); console.log(r.response); } catch (e) { console.log("ERR", e.code, e.responseCode, e.message); }
