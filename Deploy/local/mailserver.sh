#!/usr/bin/env bash
# Starts, stops and checks a development mail server: a Postfix instance of its own (never the
# system's /etc/postfix), for notification's e-mail channel and its tests. Called by servers.sh.
#   Deploy/local/mailserver.sh install|start|stop|status|env
# SMTP on 127.0.0.1:${TTHC_SMTP_PORT:-2525}: STARTTLS (certificate of the development CA), then
# AUTH PLAIN/LOGIN as tthc-notification. Mail for any address at any domain lands in the Maildir
# <mail_home>/mail/<domain>/<local part>/; nothing is ever relayed. Local parts starting with
# "khongtontai" are refused at RCPT (550 5.1.1 User unknown), for tests of a refused address.
set -euo pipefail
umask 022  # Postfix's unprivileged processes read the files written here

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
port="${TTHC_SMTP_PORT:-2525}"
# At a fixed place, like the Erlang cookie and the development CA in servers.sh: a second
# checkout on the same machine (a fresh clone running .ci/run) finds the running instance, its
# password and its Maildirs. Also: Postfix writes its log only under /var (maillog_file_prefixes)
# and its unprivileged processes must reach the queue, which a private checkout may not allow.
mail_home="${TTHC_MAIL_HOME:-/var/tmp/tthc-mail}"
tls_dir="${TTHC_ERLANG_HOME:-/var/tmp/tthc-erlang}/tls"  # servers.sh's development CA (make_tls_files)
etc="$mail_home/etc"
# Debian's Postfix reads smtpd.conf from <config directory>/sasl whatever cyrus_sasl_config_path says.
sasl_dir="$etc/sasl"
password_file="$mail_home/password"
username=tthc-notification
realm=tthc
sender=thongbao@tthc.dang.vn
packages=(postfix postfix-sqlite libsasl2-modules sasl2-bin)

log() { printf '[mailserver] %s\n' "$*" >&2; }

install_packages() {
  local missing=() p
  for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ "${#missing[@]}" -eq 0 ] && return 0
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # "No configuration": the package writes no /etc/postfix/main.cf, so the system's own instance
  # stays unconfigured and its init script does not start it; we run our own instance instead.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
}

postfix_cmd() { postfix -c "$etc" "$@"; }
# Our instance's master process is alive (its pid file in our queue directory).
running() { [ -f "$etc/main.cf" ] && postfix_cmd status >/dev/null 2>&1; }

# The port answers with an SMTP greeting (smtpd itself is up, not only master's socket).
smtp_ready() {
  local greeting
  greeting="$(timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && head -c 3 <&3 && printf 'QUIT\r\n' >&3" 2>/dev/null)" \
    && [ "$greeting" = 220 ]
}
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; }

# Polls CHECK until it succeeds (or, with "!", until it fails) or LIMIT seconds have passed.
wait_until() {
  local what="$1" limit="$2" negate=""; shift 2
  [ "$1" = "!" ] && { negate=1; shift; }
  local deadline=$((SECONDS + limit))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if [ -n "$negate" ]; then "$@" || return 0; else "$@" && return 0; fi
    sleep 0.1
  done
  log "$what not reached within ${limit}s"; return 1
}

password() {
  [ -s "$password_file" ] || { mkdir -p "$mail_home"; openssl rand -hex 16 > "$password_file"; chmod 600 "$password_file"; }
  cat "$password_file"
}

# Replaces FILE by standard input only if that differs: Postfix waits for a main.cf changed in the
# last second to "cool down" (re-reading it every 0.3 s), which would slow every restart by ~2 s.
put() {
  cat > "$1.new"
  if cmp -s "$1.new" "$1"; then rm -f "$1.new"; else mv "$1.new" "$1"; fi
}

write_config() {
  local uid gid
  uid="$(id -u postfix)" gid="$(id -g postfix)"
  mkdir -p "$etc" "$sasl_dir" "$mail_home/queue" "$mail_home/data" "$mail_home/mail"
  # Postfix wants its configuration and queue directories owned by root ("postfix check");
  # smtpd (user postfix) reads the SASL files; virtual(8) writes the Maildirs as user postfix.
  chown root:root "$etc" "$mail_home/queue"
  chown postfix:postfix "$mail_home/data" "$mail_home/mail"
  chown root:postfix "$sasl_dir"; chmod 750 "$sasl_dir"

  put "$etc/main.cf" <<EOF
# Written by Deploy/local/mailserver.sh at start; edits are lost.
compatibility_level = 3.6
queue_directory = $mail_home/queue
data_directory = $mail_home/data
mail_owner = postfix
setgid_group = postdrop
myhostname = localhost
mydomain = localdomain
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.1/32
# No syslog: Postfix's own log file, written by the postlog service of master.cf.
maillog_file = $mail_home/maillog
syslog_name = tthc-mail
# Never relay, never consult DNS: everything is delivered here or refused.
default_transport = error:the TTHC development mail server delivers nothing outside
relay_transport = error:the TTHC development mail server delivers nothing outside
relayhost =
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
soft_bounce = no
# Every domain is a virtual mailbox domain; mailbox = <domain>/<local part>/ (trailing /: Maildir).
virtual_mailbox_domains = regexp:$etc/virtual-domains
virtual_mailbox_maps = sqlite:$etc/virtual-mailboxes.cf
virtual_mailbox_base = $mail_home/mail
virtual_uid_maps = static:$uid
virtual_gid_maps = static:$gid
smtpd_reject_unlisted_recipient = yes
disable_vrfy_command = yes
# STARTTLS required before MAIL, AUTH only after it, and sending only once authenticated.
smtpd_tls_security_level = encrypt
smtpd_tls_auth_only = yes
smtpd_tls_chain_files = $tls_dir/server.key, $tls_dir/server.pem
smtpd_tls_loglevel = 1
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = $sasl_dir
# The sasldb realm of the user (saslpasswd2 -u below); left empty, Cyrus would use the host name.
smtpd_sasl_local_domain = $realm
smtpd_sasl_security_options = noanonymous
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions =
smtpd_banner = \$myhostname ESMTP TTHC development mail server
biff = no
EOF

  # master.cf: the services this instance uses, none chrooted (smtpd reads the sasldb at each AUTH,
  # which a chroot jail would hide); smtpd listens only on 127.0.0.1:$port.
  put "$etc/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$port inet n - n - - smtpd
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF

  printf '/./\tOK\n' | put "$etc/virtual-domains"
  # virtual(8) refuses $1 substitutions from regexp/pcre tables in its mailbox map, so the path
  # comes from an SQLite query on no table (%d, %u: the recipient's domain and local part, quoted
  # by Postfix) over an empty database file. No row: an unknown user, refused at RCPT time. Only
  # plain names become directories (no "/", no leading "."); "khongtontai..." is refused on purpose.
  [ -f "$etc/empty.sqlite" ] || : > "$etc/empty.sqlite"
  put "$etc/virtual-mailboxes.cf" <<EOF
dbpath = $etc/empty.sqlite
query = SELECT '%d/%u/' WHERE '%u' NOT LIKE 'khongtontai%%' AND '%u' NOT GLOB '.*' AND '%u' NOT GLOB '*[^a-z0-9._+=-]*'
  AND '%d' NOT GLOB '.*' AND '%d' NOT GLOB '*[^a-z0-9.-]*'
EOF

  # Cyrus SASL for smtpd: PLAIN and LOGIN checked against a sasldb of one user.
  put "$sasl_dir/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $sasl_dir/sasldb2
mech_list: PLAIN LOGIN
EOF
  password | saslpasswd2 -p -c -f "$sasl_dir/sasldb2" -u "$realm" "$username"
  chown root:postfix "$sasl_dir/sasldb2" "$sasl_dir/smtpd.conf"
  chmod 640 "$sasl_dir/sasldb2" "$sasl_dir/smtpd.conf"
}

start() {
  if running; then
    if smtp_ready; then log "Postfix already running on $port"; return 0; fi
    log "Postfix runs but does not answer on $port (another port configured?): restarting"; stop
  fi
  if port_open; then log "port $port is taken by another process (set TTHC_SMTP_PORT)"; return 1; fi
  [ -f "$tls_dir/server.pem" ] || { log "no development CA in $tls_dir: run Deploy/local/servers.sh start"; return 1; }
  write_config
  postfix_cmd start || { log "Postfix did not start; see $mail_home/maillog"; tail -5 "$mail_home/maillog" >&2; return 1; }
  wait_until "Postfix on $port" 30 smtp_ready
  log "Postfix ready: smtp://127.0.0.1:$port (STARTTLS, AUTH as $username), Maildirs in $mail_home/mail"
}

stop() {
  if running; then
    postfix_cmd stop || true
    # master has gone; its smtpd children may hold the listening socket a moment longer.
    wait_until "port $port closed" 10 ! port_open
    log "Postfix stopped"
  fi
}

print_env() {
  cat <<EOF
export TTHC_SMTP_URL=smtp://127.0.0.1:$port TTHC_SMTP_USERNAME=$username TTHC_SMTP_PASSWORD='$(password)'
export TTHC_SMTP_CA_FILE='$tls_dir/ca.pem' TTHC_SMTP_FROM=$sender
export TTHC_MAILDIR_ROOT='$mail_home/mail' TTHC_MAILSERVER='$repo/Deploy/local/mailserver.sh'
EOF
}

case "${1:-status}" in
  install) install_packages ;;
  start) start ;;
  stop) stop ;;
  status) if running && smtp_ready; then log "Postfix up"; else log "Postfix down"; exit 1; fi ;;
  env) print_env ;;
  *) echo "usage: $0 install|start|stop|status|env" >&2; exit 2 ;;
esac
