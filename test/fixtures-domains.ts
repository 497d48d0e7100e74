/** A three-domain org for the domain tests: receiving with a zone, send-only with a zone, receiving without a zone. */
export const DOMAINS_ORG = `organisation:
  name: Acme Mail
  region: eu-west-1
  default_department: hq
domains:
  - name: acme.example
    hosted_zone_id: Z111ACME
    dmarc: { policy: reject, rua: [dmarc@acme.example, postmaster@acme.example] }
    bimi_logo_url: https://acme.example/logo.svg
  - name: acme-send.example
    hosted_zone_id: Z222SEND
    receive: false
    mail_from: bounce
  - name: acme-elsewhere.example
departments:
  - { id: hq, name: HQ }
mailboxes:
  - { address: dmarc@acme.example, name: DMARC }
  - { address: postmaster@acme.example, name: Postmaster }
`;
