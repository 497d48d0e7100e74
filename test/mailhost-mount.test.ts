/**
 * The data volume is the EBS volume the stack made (issue #30): the host's mount script, run on image files
 * linked as udev links them under /dev/disk/by-id, formats and accepts only the device whose NVMe serial is the
 * volume's id, never the blank instance-store disk beside it, and refuses a foreign file system on it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, truncateSync, writeFileSync, closeSync, openSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DATA_LABEL, mountScript } from "../mailhost/cloud-init.ts";

const tools = ["/usr/sbin/blkid", "/usr/sbin/mkfs.ext4", "/usr/bin/sh"].every(existsSync) || ["/sbin/blkid", "/sbin/mkfs.ext4"].every(existsSync);

function disks() {
  const dir = mkdtempSync(join(tmpdir(), "mailorg-mount-"));
  const byId = join(dir, "by-id");
  mkdirSync(byId);
  const image = (name: string): string => {
    const p = join(dir, name);
    closeSync(openSync(p, "w"));
    truncateSync(p, 16 * 1024 * 1024);
    return p;
  };
  const ebs = image("ebs.img");
  const local = image("instance-store.img");
  // The instance store is listed first, as on m7gd/r8gd where it is present before the EBS volume attaches.
  symlinkSync(local, join(byId, "nvme-Amazon_EC2_NVMe_Instance_Storage_AWS1A2B3C4D5E6F7"));
  symlinkSync(ebs, join(byId, "nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0"));
  writeFileSync(join(dir, "mount.sh"), mountScript("/srv/mail", 5000, "eu-west-1", "/hc/mailhost/data-volume"));
  const run = (volumeId: string) => spawnSync("sh", [join(dir, "mount.sh")], { encoding: "utf8", env: { ...process.env, MAILORG_BY_ID_DIR: byId, MAILORG_DATA_VOLUME_ID: volumeId, MAILORG_NO_MOUNT: "1" } });
  const probe = (p: string, tag: string) => spawnSync("blkid", ["-p", "-s", tag, "-o", "value", p], { encoding: "utf8" }).stdout.trim();
  return { ebs, local, run, probe };
}

describe.skipIf(!tools)("the data volume by its EBS volume id", () => {
  it("formats the EBS volume with the mail label, never the blank instance-store disk, and never formats it twice", () => {
    const d = disks();
    const r = d.run("vol-0123456789abcdef0");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("formatting the data volume vol-0123456789abcdef0");
    expect(d.probe(d.ebs, "LABEL")).toBe(DATA_LABEL);
    expect(d.probe(d.local, "TYPE")).toBe(""); // untouched: still no file system
    const uuid = d.probe(d.ebs, "UUID");
    const again = d.run("vol-0123456789abcdef0");
    expect(again.status).toBe(0);
    expect(again.stdout).toBe("");
    expect(d.probe(d.ebs, "UUID")).toBe(uuid);
  });

  it("refuses a file system on the volume that is not the mail's, and an id that is not a volume id", () => {
    const d = disks();
    spawnSync("mkfs.ext4", ["-q", "-L", "backup", d.ebs]);
    const uuid = d.probe(d.ebs, "UUID");
    const r = d.run("vol-0123456789abcdef0");
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`mailorg: the data volume vol-0123456789abcdef0 (${d.ebs}) holds a file system labelled 'backup', not ${DATA_LABEL}; not formatting or mounting it (check the volume attached as the data volume)\n`);
    expect(d.probe(d.ebs, "UUID")).toBe(uuid);
    const bad = d.run("/dev/nvme1n1");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("mailorg: the data volume id is '/dev/nvme1n1', not an EBS volume id (vol-...); see the SSM parameter /hc/mailhost/data-volume");
    expect(d.probe(d.local, "TYPE")).toBe("");
  });
});
