/**
 * cloud-init user data for the mailbox host on Debian 12: Debian's packages (Postfix, Dovecot, certbot with its
 * Route 53 plugin, fail2ban, unattended-upgrades), the vmail user, the data volume found by its EBS volume id and
 * mounted (formatted only when it carries no file system at all, so a replacement instance finds the mail where it was), the SSM and
 * CloudWatch agents (Session Manager instead of SSH; the mail log to CloudWatch Logs), the certificate by the DNS
 * challenge with a deploy hook that reloads both services, and the sync timer. Nothing here is a secret: the host
 * reads its configuration with its instance role, and members' password hashes only from its data volume.
 */
import { stringify } from "yaml";
import type { MailhostPlan } from "../plan/mailhost.ts";
import { hostLayout, passwordStorePath } from "./layout.ts";
import { MIGRATE_SCRIPT } from "./migrate-script.ts";
import { SYNC_SCRIPT } from "./sync-script.ts";
import { DES_KEY_FILE, ROUNDCUBE_SQL } from "./roundcube.ts";

/** The data volume's file system label. */
export const DATA_LABEL = "mailorg-mail";

/** Debian 12 packages the host installs. */
export const HOST_PACKAGES = ["postfix", "dovecot-imapd", "dovecot-lmtpd", "dovecot-sieve", "dovecot-managesieved", "nodejs", "curl", "nginx", "php-fpm", "roundcube-core", "roundcube-plugins", "roundcube-sqlite3", "certbot", "python3-certbot-dns-route53", "python3-boto3", "fail2ban", "nftables", "unattended-upgrades", "logrotate"];

/**
 * Mounts the mail data volume at mailRoot. The volume is found by its EBS volume id (the mailhost stack writes
 * it to an SSM parameter; MAILORG_DATA_VOLUME_ID overrides it), as the NVMe serial udev links under
 * /dev/disk/by-id: never "the first blank disk", which on instance types with local NVMe (m7gd, r8gd) is
 * ephemeral instance storage. Only that device is ever formatted, and only when it has no file system at all;
 * a file system on it without the mail label is refused. MAILORG_BY_ID_DIR and MAILORG_NO_MOUNT are for the
 * tests, which run this very script on image files.
 */
export function mountScript(mailRoot: string, uid: number, region: string, parameter: string): string {
  return `#!/bin/sh
set -eu
by_id=\${MAILORG_BY_ID_DIR:-/dev/disk/by-id}
vol=\${MAILORG_DATA_VOLUME_ID:-$(python3 -c 'import boto3, sys; print(boto3.client("ssm", region_name=sys.argv[1]).get_parameter(Name=sys.argv[2])["Parameter"]["Value"])' ${region} ${parameter})}
case "$vol" in
  vol-[0-9a-f]*) ;;
  *) echo "mailorg: the data volume id is '$vol', not an EBS volume id (vol-...); see the SSM parameter ${parameter}" >&2; exit 1 ;;
esac
dev="$by_id/nvme-Amazon_Elastic_Block_Store_$(echo "$vol" | tr -d -)"
# The volume is attached after the instance starts: wait for it (at most 10 minutes).
i=0
while [ ! -e "$dev" ]; do
  i=$((i + 1)); [ $i -ge 120 ] && { echo "mailorg: the data volume $vol is not attached ($dev missing after 10 minutes)" >&2; exit 1; }
  sleep 5
done
disk=$(readlink -f "$dev")
if ! blkid -p "$disk" >/dev/null 2>&1; then
  echo "mailorg: formatting the data volume $vol ($disk): it has no file system"
  mkfs.ext4 -q -L ${DATA_LABEL} "$disk"
fi
label=$(blkid -p -s LABEL -o value "$disk" || true)
if [ "$label" != "${DATA_LABEL}" ]; then
  echo "mailorg: the data volume $vol ($disk) holds a file system labelled '$label', not ${DATA_LABEL}; not formatting or mounting it (check the volume attached as the data volume)" >&2
  exit 1
fi
[ -n "\${MAILORG_NO_MOUNT:-}" ] && exit 0
mkdir -p ${mailRoot}
grep -q " ${mailRoot} " /etc/fstab || echo "$dev ${mailRoot} ext4 defaults,nofail,x-systemd.device-timeout=10min 0 2" >> /etc/fstab
mountpoint -q ${mailRoot} || mount ${mailRoot}
chown ${uid}:${uid} ${mailRoot}
chmod 0750 ${mailRoot}
`;
}

/** The user data (#cloud-config), checked in tests by cloud-init's own `cloud-init schema --config-file`. */
export function cloudInitUserData(plan: MailhostPlan): string {
  const layout = hostLayout(plan.hostname);
  const deb = plan.arch === "arm64" ? "arm64" : "amd64";
  const syncConf = {
    hostname: plan.hostname,
    region: plan.region,
    bucket: plan.configBucket,
    key: plan.configKey,
    passwd_file: passwordStorePath(layout),
    relay_parameter: plan.relayPasswdParameter,
  };
  const cloudwatch = {
    agent: { run_as_user: "root" },
    logs: {
      logs_collected: {
        files: {
          collect_list: [
            { file_path: `${layout.logDir}/dovecot.log`, log_group_name: plan.logGroup, log_stream_name: "{instance_id}/dovecot", timestamp_format: "%Y-%m-%dT%H:%M:%S" },
            { file_path: `${layout.logDir}/postfix.log`, log_group_name: plan.logGroup, log_stream_name: "{instance_id}/postfix" },
            { file_path: `${layout.logDir}/account.log`, log_group_name: plan.logGroup, log_stream_name: "{instance_id}/account", timestamp_format: "%Y-%m-%dT%H:%M:%S" },
            { file_path: "/var/log/mailorg-sync.log", log_group_name: plan.logGroup, log_stream_name: "{instance_id}/sync" },
            { file_path: `${layout.logDir}/roundcube/userlogins.log`, log_group_name: plan.logGroup, log_stream_name: "{instance_id}/webmail-logins" },
          ],
        },
      },
    },
  };
  const file = (path: string, content: string, permissions = "0644") => ({ path, content, owner: "root:root", permissions, defer: true });
  const doc = {
    package_update: true,
    package_upgrade: true,
    packages: HOST_PACKAGES,
    apt: {
      debconf_selections: {
        postfix: `postfix postfix/main_mailer_type select No configuration\npostfix postfix/mailname string ${plan.hostname}\n`,
        unattended: "unattended-upgrades unattended-upgrades/enable_auto_updates boolean true\n",
      },
    },
    fqdn: plan.hostname,
    hostname: plan.hostname.split(".")[0],
    ssh_pwauth: false,
    write_files: [
      file("/usr/local/sbin/mailorg-mount-data", mountScript(layout.mailRoot, layout.mailUid, plan.region, plan.dataVolumeParameter), "0755"),
      file("/usr/local/sbin/mailorg-sync", SYNC_SCRIPT, "0755"),
      file("/usr/local/sbin/mailorg-migrate", MIGRATE_SCRIPT, "0700"),
      file("/etc/mailorg/sync.json", JSON.stringify(syncConf, null, 1) + "\n"),
      file(
        "/etc/systemd/system/mailorg-sync.service",
        `[Unit]\nDescription=mailorg: fetch, check and switch the mailbox host's configuration\nAfter=network-online.target\nWants=network-online.target\n\n[Service]\nType=oneshot\nExecStart=/bin/sh -c '/usr/local/sbin/mailorg-sync >>/var/log/mailorg-sync.log 2>&1'\n`,
      ),
      file(
        "/etc/systemd/system/mailorg-sync.timer",
        `[Unit]\nDescription=mailorg: sync the mailbox host's configuration every two minutes\n\n[Timer]\nOnBootSec=1min\nOnUnitActiveSec=2min\nRandomizedDelaySec=15s\n\n[Install]\nWantedBy=timers.target\n`,
      ),
      // The account service (mailhost/account-service.ts): the password store's one writer, on 127.0.0.1 behind HTTPS.
      file(
        "/etc/systemd/system/mailorg-account.service",
        `[Unit]\nDescription=mailorg: members' activation and password pages\nRequiresMountsFor=${layout.mailRoot}\nAfter=dovecot.service\n\n[Service]\nExecStart=/usr/bin/node /etc/mailorg/account.mjs /etc/mailorg/account.json\nRestart=always\nUMask=0077\n\n[Install]\nWantedBy=multi-user.target\n`,
      ),
      // Mail services start only with the data volume mounted.
      file("/etc/systemd/system/dovecot.service.d/mailorg.conf", `[Unit]\nRequiresMountsFor=${layout.mailRoot}\n`),
      file("/etc/systemd/system/postfix@-.service.d/mailorg.conf", `[Unit]\nRequiresMountsFor=${layout.mailRoot}\n`),
      file("/etc/letsencrypt/renewal-hooks/deploy/mailorg-reload", "#!/bin/sh\n# A renewed certificate: reload the services that read it.\npostfix reload\ndoveadm reload\nsystemctl reload nginx\n", "0755"),
      file(
        "/etc/fail2ban/jail.d/mailorg.local",
        `# Debian 12 has nftables, not iptables: bans are nftables rules (the default iptables action would fail).\n[DEFAULT]\nbanaction = nftables-multiport\nbanaction_allports = nftables-allports\n\n# No SSH on this host (Session Manager instead), so no sshd jail.\n[sshd]\nenabled = false\n\n[dovecot]\nenabled = true\nport = imaps,${plan.managesievePort}\nbackend = polling\nlogpath = ${layout.logDir}/dovecot.log\nmaxretry = 5\nfindtime = 10m\nbantime = 1h\n\n[postfix-sasl]\nenabled = true\nport = ${plan.relayPort}\nbackend = polling\nlogpath = ${layout.logDir}/postfix.log\nmaxretry = 5\nfindtime = 10m\nbantime = 1h\n`,
      ),
      file("/etc/apt/apt.conf.d/21mailorg-auto-upgrades", 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n'),
      file("/etc/logrotate.d/mailorg", `${layout.logDir}/*.log /var/log/mailorg-sync.log {\n  weekly\n  rotate 8\n  compress\n  missingok\n  notifempty\n  copytruncate\n}\n`),
      file("/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json", JSON.stringify(cloudwatch, null, 1) + "\n"),
    ],
    runcmd: [
      ["sh", "-c", `getent group vmail || groupadd -g ${layout.mailGid} vmail`],
      ["sh", "-c", `id vmail || useradd -u ${layout.mailUid} -g vmail -d ${layout.mailRoot} -M -s /usr/sbin/nologin vmail`],
      ["install", "-d", "-m", "0755", "/etc/mailorg", "/var/lib/mailorg"],
      // Postfix's postlogd writes postfix.log as the postfix user; Dovecot's log process (root) writes dovecot.log.
      ["install", "-d", "-m", "0750", "-o", "postfix", "-g", "adm", layout.logDir],
      ["/usr/local/sbin/mailorg-mount-data"],
      // The members' password store lives on the data volume, readable by root only (Dovecot's auth runs as root).
      ["install", "-d", "-m", "0700", passwordStorePath(layout).replace(/\/[^/]+$/, "")],
      // Webmail: Roundcube's database, temporary files and logs (www-data), and its session key, made here and never in the plan.
      ["install", "-d", "-m", "0750", "-o", "www-data", "-g", "www-data", layout.roundcubeDataDir, `${layout.roundcubeDataDir}/temp`, `${layout.logDir}/roundcube`],
      ["sh", "-c", `[ -s ${layout.roundcubeDataDir}/${DES_KEY_FILE} ] || (umask 027; head -c 24 /dev/urandom | base64 > ${layout.roundcubeDataDir}/${DES_KEY_FILE}; chgrp www-data ${layout.roundcubeDataDir}/${DES_KEY_FILE})`],
      ["sh", "-c", `[ -e ${layout.roundcubeDataDir}/roundcube.sqlite ] || (php -r '$d = new PDO("sqlite:${layout.roundcubeDataDir}/roundcube.sqlite"); $d->exec(file_get_contents("${ROUNDCUBE_SQL}"));' && chown www-data:www-data ${layout.roundcubeDataDir}/roundcube.sqlite)`],
      // Session Manager and CloudWatch agents: AWS's Debian packages for this architecture.
      ["sh", "-c", `curl -fsSLo /tmp/ssm.deb https://s3.${plan.region}.amazonaws.com/amazon-ssm-${plan.region}/latest/debian_${deb}/amazon-ssm-agent.deb && dpkg -i /tmp/ssm.deb`],
      ["sh", "-c", `curl -fsSLo /tmp/cwa.deb https://amazoncloudwatch-agent-${plan.region}.s3.${plan.region}.amazonaws.com/debian/${deb}/latest/amazon-cloudwatch-agent.deb && dpkg -i /tmp/cwa.deb`],
      ["/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl", "-a", "fetch-config", "-m", "ec2", "-s", "-c", "file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json"],
      ["certbot", "certonly", "--dns-route53", "--non-interactive", "--agree-tos", "-m", plan.postmaster, "--cert-name", plan.hostname, ...plan.certificateNames.flatMap((c) => ["-d", c.name])],
      ["systemctl", "daemon-reload"],
      ["/usr/local/sbin/mailorg-sync"],
      ["systemctl", "enable", "--now", "mailorg-sync.timer", "fail2ban", "mailorg-account"],
      ["systemctl", "restart", "postfix", "dovecot", "fail2ban"],
    ],
  };
  return `#cloud-config\n# Generated by mailorg from the org's plan (mailorg mailhost-config): the mailbox host ${plan.hostname}.\n${stringify(doc, { lineWidth: 0 })}`;
}
