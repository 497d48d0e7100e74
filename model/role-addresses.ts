/**
 * Role addresses: RFC 2142's mailbox names, and those certificate authorities accept for domain validation
 * (CA/Browser Forum Baseline Requirements 3.2.2.4.4: admin, administrator, webmaster, hostmaster, postmaster).
 * Whoever receives one speaks for the domain, so review always asks the organisation owners.
 */
export const ROLE_ADDRESSES = ["abuse", "admin", "administrator", "ftp", "hostmaster", "info", "marketing", "noc", "postmaster", "sales", "security", "support", "usenet", "uucp", "webmaster", "www"] as const;

/** Role addresses whose holder can obtain certificates for the domain. */
export const CERTIFICATE_ROLES: ReadonlySet<string> = new Set(["admin", "administrator", "hostmaster", "postmaster", "webmaster"]);

/** The local part of an address, lowercase. */
export const localPart = (address: string): string => address.slice(0, address.lastIndexOf("@")).toLowerCase();

export const isRoleAddress = (address: string): boolean => (ROLE_ADDRESSES as readonly string[]).includes(localPart(address));
