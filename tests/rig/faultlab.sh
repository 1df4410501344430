#!/usr/bin/env bash
# The fault-matrix rig: a home PC, its router, an ISP, "the internet", and a company with a real
# SSL-VPN (ocserv) — each a Linux network namespace (rcfm-*) — plus faults to inject into it.
# See tests/rig/README.md for the topology, the addresses and every fault.
#
#   faultlab.sh up            build the rig from scratch (clears leftovers of an earlier run first)
#   faultlab.sh down          tear everything down: processes, namespaces, files, mounts
#   faultlab.sh fault NAME    inject one fault into a healthy rig (names: faultlab.sh faults)
#   faultlab.sh heal          bring every part back to healthy, VPN connected
#   faultlab.sh status        what is running
#   faultlab.sh faults        the fault names
#
# Every command is bounded by a timeout and every wait loop by a count. Needs root, iproute2,
# nftables, dnsmasq, ocserv, openconnect, vpnc-scripts, certtool (gnutls-bin) and python3.
set -uo pipefail

RIG="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ST="${RCFM_STATE:-/run/rcfm}"
PKI="$ST/pki"
NSS=(pc router isp inet corp)
VPN_USER=alice
VPN_PASS='rig-Passw0rd'
VPNC_SCRIPT=/usr/share/vpnc-scripts/vpnc-script
PY="$(command -v python3 || echo python3)"

log() { printf 'faultlab: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# ip netns exec, bounded.
nsx() { local ns="$1"; shift; timeout 20 ip netns exec "rcfm-$ns" "$@"; }
# ip -n, bounded.
ipn() { local ns="$1"; shift; timeout 10 ip -n "rcfm-$ns" "$@"; }

need_tools() {
  local t missing=()
  for t in ip nft dnsmasq ocserv ocpasswd openconnect certtool timeout python3 setsid; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  [ -x "$VPNC_SCRIPT" ] || missing+=("$VPNC_SCRIPT")
  [ ${#missing[@]} -eq 0 ] || die "missing: ${missing[*]}"
  [ "$(id -u)" = 0 ] || die "needs root"
}

# ---------------------------------------------------------------- processes

pidfile() { echo "$ST/pids/$1.pid"; }

# alive PID: the process exists and is not a zombie (an init that is slow to reap leaves those).
alive() {
  local st
  st="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

running() {
  local f pid
  f="$(pidfile "$1")"
  [ -s "$f" ] || return 1
  pid="$(cat "$f")"
  [ -n "$pid" ] && alive "$pid"
}

# start NAME NS CMD...: runs CMD in namespace NS in the background (its own session), pid in
# $ST/pids/NAME.pid, output in $ST/logs/NAME.log.
start() {
  local name="$1" ns="$2"; shift 2
  setsid ip netns exec "rcfm-$ns" "$@" </dev/null >>"$ST/logs/$name.log" 2>&1 &
  echo $! >"$(pidfile "$name")"
}

# stop NAME: TERM, up to 5 s, then KILL; the process group too (setsid made it a leader).
stop() {
  local f pid i
  f="$(pidfile "$1")"
  [ -s "$f" ] || { rm -f "$f" "$ST/mode/$1"; return 0; }
  pid="$(cat "$f")"
  if [ -n "$pid" ] && alive "$pid"; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    for i in $(seq 50); do alive "$pid" || break; sleep 0.05; done
    kill -KILL -- "-$pid" 2>/dev/null; kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$f" "$ST/mode/$1"
}

mode_of() { cat "$ST/mode/$1" 2>/dev/null || true; }
set_mode() { echo "$2" >"$ST/mode/$1"; }

# wait_tcp NS ADDR PORT: until something accepts there (at most ~5 s).
wait_tcp() {
  local i
  for i in $(seq 50); do
    nsx "$1" timeout 1 bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null && return 0
    sleep 0.1
  done
  log "nothing listens on $2:$3 in rcfm-$1"
  return 1
}

# ---------------------------------------------------------------- certificates

make_pki() {
  [ -s "$PKI/oms.pem" ] && return 0
  mkdir -p "$PKI"
  cat >"$PKI/ca.tmpl" <<EOF
cn = "Readycheck Rig Root CA"
organization = "Rig Corp"
ca
cert_signing_key
activation_date = "2019-01-01 00:00:00"
expiration_days = 3650
EOF
  timeout 20 certtool --generate-privkey --key-type=ecdsa --outfile "$PKI/ca.key" 2>/dev/null || return 1
  timeout 20 certtool --generate-self-signed --load-privkey "$PKI/ca.key" --template "$PKI/ca.tmpl" \
    --outfile "$PKI/ca.pem" 2>/dev/null || return 1
  leaf() { # name dns_name [extra template lines]
    local name="$1" dns="$2" extra="${3:-}"
    printf 'cn = "%s"\ndns_name = "%s"\norganization = "Rig Corp"\ntls_www_server\nsigning_key\nencryption_key\n%b\n' \
      "$dns" "$dns" "$extra" >"$PKI/$name.tmpl"
    grep -q _date "$PKI/$name.tmpl" || echo "expiration_days = 365" >>"$PKI/$name.tmpl"
    timeout 20 certtool --generate-privkey --key-type=ecdsa --outfile "$PKI/$name.key" 2>/dev/null &&
      timeout 20 certtool --generate-certificate --load-privkey "$PKI/$name.key" \
        --load-ca-certificate "$PKI/ca.pem" --load-ca-privkey "$PKI/ca.key" \
        --template "$PKI/$name.tmpl" --outfile "$PKI/$name.pem" 2>/dev/null
  }
  leaf vpn vpn.corp.example || return 1
  leaf vpn-expired vpn.corp.example \
    'activation_date = "2020-01-01 00:00:00"\nexpiration_date = "2021-01-01 00:00:00"' || return 1
  leaf vpn-wrongname vpn.other.example || return 1
  leaf intranet intranet.corp.example || return 1
  leaf oms oms.corp.example || return 1
  chmod 644 "$PKI"/*.pem; chmod 640 "$PKI"/*.key; chgrp nogroup "$PKI"/*.key 2>/dev/null
  chmod 755 "$PKI"
}

# ---------------------------------------------------------------- the network

veth() { # veth NS1 IF1 NS2 IF2
  timeout 10 ip link add "$2" netns "rcfm-$1" type veth peer name "$4" netns "rcfm-$3" || return 1
  ipn "$1" link set "$2" up && ipn "$3" link set "$4" up
}

HOME_RESOLV="nameserver 192.168.50.1
options timeout:1 attempts:2"

write_pc_resolv() {
  mkdir -p /etc/netns/rcfm-pc
  # Truncate and write (not replace) so that a bind mount of this file stays the same inode.
  printf '%s\n' "$HOME_RESOLV" >/etc/netns/rcfm-pc/resolv.conf
}

build_net() {
  local ns
  for ns in "${NSS[@]}"; do
    timeout 10 ip netns add "rcfm-$ns" || return 1
    ipn "$ns" link set lo up
    nsx "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
      net.ipv4.conf.default.rp_filter=0 net.ipv6.conf.all.disable_ipv6=1 \
      net.ipv6.conf.default.disable_ipv6=1 >/dev/null
  done
  nsx pc sysctl -qw net.ipv4.ip_forward=0 >/dev/null

  # pc ── router (the home LAN)
  veth pc pc0 router lan0 || return 1
  ipn pc addr add 192.168.50.2/24 dev pc0
  ipn router addr add 192.168.50.1/24 dev lan0
  ipn pc route add default via 192.168.50.1
  # router ── isp (the home line)
  veth router wan0 isp isp-r || return 1
  ipn router addr add 198.51.100.2/24 dev wan0
  ipn isp addr add 198.51.100.1/24 dev isp-r
  ipn router route add default via 198.51.100.1
  # isp ── inet (the ISP's upstream)
  veth isp isp-i inet inet-u || return 1
  ipn isp addr add 10.254.0.1/30 dev isp-i
  ipn inet addr add 10.254.0.2/30 dev inet-u
  ipn isp route add 203.0.113.0/24 via 10.254.0.2
  ipn isp route add 192.0.2.0/24 via 10.254.0.2
  ipn inet route add default via 10.254.0.1
  # inet ── corp (the company's public side)
  veth inet inet-c corp corp-u || return 1
  ipn inet addr add 192.0.2.1/24 dev inet-c
  ipn corp addr add 192.0.2.2/24 dev corp-u
  ipn corp addr add 192.0.2.10/32 dev corp-u
  ipn corp route add default via 192.0.2.1
  # The internet's hosts (DNS, connectivity, baselines, vendor sites), local to rcfm-inet.
  local a
  for a in 53 80 10 11 101 102 111 112; do ipn inet addr add "203.0.113.$a/32" dev lo; done
  # The company's inside (DNS, intranet, order routing), local to rcfm-corp.
  for a in 53 10 20; do ipn corp addr add "10.20.1.$a/32" dev lo; done

  # The home router's NAT.
  nsx router nft -f - <<'EOF' || return 1
table ip rcfm_nat {
  chain post { type nat hook postrouting priority srcnat; oifname "wan0" masquerade; }
}
EOF
  # Name servers for the namespaces' own tools (the proxy on the router resolves names).
  for ns in router isp inet corp; do
    mkdir -p "/etc/netns/rcfm-$ns"
    echo "nameserver 203.0.113.53" >"/etc/netns/rcfm-$ns/resolv.conf"
  done
  write_pc_resolv
}

# ---------------------------------------------------------------- services

INET_NAMES=(
  connect.rig.example/203.0.113.80
  time.rig.example/203.0.113.11
  vpn.corp.example/192.0.2.10
  md-gd1.vendor.example/203.0.113.101
  md-gd2.vendor.example/203.0.113.102
  md-sh1.vendor.example/203.0.113.111
  md-sh2.vendor.example/203.0.113.112
)

dnsmasq_conf() { # dnsmasq_conf NAME LISTEN LINES...
  local name="$1" listen="$2"; shift 2
  {
    echo "listen-address=$listen"
    echo "bind-interfaces"
    echo "no-resolv"
    echo "no-hosts"
    echo "user=root"
    echo "cache-size=0"
    echo "no-negcache"
    echo "pid-file="
    printf '%s\n' "$@"
  } >"$ST/conf/$name.conf"
}

# ensure_dns WHICH MODE: the name server WHICH (inet, router, corp) running in MODE.
ensure_dns() {
  local which="$1" mode="$2" lines=() n
  if running "dns-$which" && [ "$(mode_of "dns-$which")" = "$mode" ]; then return 0; fi
  stop "dns-$which"
  case "$which/$mode" in
    inet/normal)
      lines=("local=/example/")
      for n in "${INET_NAMES[@]}"; do lines+=("address=/${n%/*}/${n#*/}"); done
      dnsmasq_conf inet 203.0.113.53 "${lines[@]}"
      start dns-inet inet dnsmasq -k -C "$ST/conf/inet.conf" ;;
    router/normal | router/servfail | router/silent | router/hijack)
      lines=("address=/portal.rignet.example/192.168.50.1")
      case "$mode" in
        normal) lines+=("server=203.0.113.53") ;;
        # The provider's resolver behind the router is broken: it answers SERVFAIL.
        servfail) lines+=("server=203.0.113.53#5353") ;;
        # The provider's resolver is unreachable (its port is closed): no answer at all.
        silent) lines+=("server=203.0.113.53#5399") ;;
        # The router answers the VPN gateway's name with an address of its own.
        hijack) lines+=("server=203.0.113.53" "address=/vpn.corp.example/192.168.50.1") ;;
      esac
      dnsmasq_conf router 192.168.50.1 "${lines[@]}"
      start dns-router router dnsmasq -k -C "$ST/conf/router.conf" ;;
    corp/normal | corp/nointranet)
      lines=("server=203.0.113.53" "address=/oms.corp.example/10.20.1.20"
        "address=/vpn.corp.example/192.0.2.10")
      [ "$mode" = normal ] && lines+=("address=/intranet.corp.example/10.20.1.10")
      dnsmasq_conf corp 10.20.1.53 "${lines[@]}"
      start dns-corp corp dnsmasq -k -C "$ST/conf/corp.conf" ;;
    */off) return 0 ;;
    *) die "unknown DNS mode $which/$mode" ;;
  esac
  set_mode "dns-$which" "$mode"
  sleep 0.1
  running "dns-$which" || { log "dnsmasq $which did not start: $(tail -3 "$ST/logs/dns-$which.log")"; return 1; }
}

# ensure_srv NAME NS ARGS...: one of servers.py's roles, started if not running.
ensure_srv() {
  local name="$1" ns="$2"; shift 2
  running "$name" && return 0
  start "$name" "$ns" "$PY" -u "$RIG/servers.py" "$@"
}

ensure_services() {
  ensure_dns inet normal || return 1
  ensure_dns router normal || return 1
  ensure_dns corp normal || return 1
  ensure_srv connect inet http 203.0.113.80:80 --body "Rig Connect Test"
  ensure_srv baseline inet http 203.0.113.10:80 203.0.113.11:443 --body ok
  ensure_srv vendor-gd inet tcp 203.0.113.101:7709 203.0.113.102:7709
  ensure_srv vendor-sh inet tcp 203.0.113.111:7709 203.0.113.112:7709
  ensure_srv intranet corp tls 10.20.1.10:443 "$PKI/intranet.pem" "$PKI/intranet.key" --http '{"status":"ok"}'
  ensure_srv oms corp tls 10.20.1.20:9443 "$PKI/oms.pem" "$PKI/oms.key"
  wait_tcp inet 203.0.113.80 80 && wait_tcp inet 203.0.113.11 443 &&
    wait_tcp inet 203.0.113.101 7709 && wait_tcp inet 203.0.113.111 7709 &&
    wait_tcp corp 10.20.1.10 443 && wait_tcp corp 10.20.1.20 9443
}

# ensure_ocserv CERT: the VPN gateway running with server certificate CERT (vpn, vpn-expired,
# vpn-wrongname).
ensure_ocserv() {
  local cert="$1"
  if running ocserv && [ "$(mode_of ocserv)" = "$cert" ]; then return 0; fi
  stop ocserv
  sed -e "s|@STATE@|$ST|g" -e "s|@CERT@|$cert|g" "$RIG/ocserv.conf.in" >"$ST/conf/ocserv.conf"
  start ocserv corp ocserv -f -c "$ST/conf/ocserv.conf"
  set_mode ocserv "$cert"
  wait_tcp corp 192.0.2.10 443
}

vpn_healthy() {
  running openconnect || return 1
  ipn pc link show tun0 2>/dev/null | grep -q ',UP' || return 1
  grep -q 10.20.1.53 /etc/netns/rcfm-pc/resolv.conf || return 1
  nsx pc timeout 2 bash -c 'exec 3<>/dev/tcp/10.20.1.10/443' 2>/dev/null
}

vpn_stop() {
  stop openconnect
  # openconnect restores resolv.conf when it ends cleanly; make sure of it either way.
  write_pc_resolv
  ipn pc link del tun0 2>/dev/null
  return 0
}

# vpn_start: connect the PC's VPN client and wait until the intranet answers through it.
vpn_start() {
  local i
  vpn_stop
  printf '%s\n' "$VPN_PASS" | timeout 20 ip netns exec rcfm-pc openconnect --protocol=anyconnect \
    --user="$VPN_USER" --passwd-on-stdin --non-inter --cafile "$PKI/ca.pem" \
    --script "$VPNC_SCRIPT" --interface tun0 --no-dtls --background \
    --pid-file "$(pidfile openconnect)" vpn.corp.example >>"$ST/logs/openconnect.log" 2>&1 ||
    { log "openconnect failed: $(tail -5 "$ST/logs/openconnect.log")"; return 1; }
  for i in $(seq 50); do
    vpn_healthy && return 0
    sleep 0.1
  done
  log "VPN connected but the intranet does not answer through it"
  return 1
}

ensure_vpn() { vpn_healthy || vpn_start; }

# ---------------------------------------------------------------- faults

fault_table() { # fault_table NS RULESET-BODY
  nsx "$1" nft -f - <<EOF
table ip rcfm_fault {
$2
}
EOF
}

clear_faults() {
  local ns i
  for ns in "${NSS[@]}"; do nsx "$ns" nft delete table ip rcfm_fault 2>/dev/null; done
  ipn router link set wan0 up
  ipn router route replace default via 198.51.100.1
  stop portal; stop proxy; stop delay; stop isp-dns
  for i in $(seq 10); do ipn isp rule del pref 100 2>/dev/null || break; done
  for i in $(seq 10); do ipn isp rule del pref 101 2>/dev/null || break; done
  rm -f "$ST/disk/filler"
}

FAULTS=(healthy internet-down isp-black-hole home-dns-refused home-dns-servfail home-dns-silent dns-hijack
  portal-page portal-redirect proxy-required vpn-client-off tunnel-down gateway-refused
  gateway-black-hole gateway-cert-expired gateway-cert-wrong-name company-dns-down
  intranet-name-missing intranet-down order-routing-down mtu-black-hole vendor-region-down
  vendor-down home-loss loss-and-region-down home-latency disk-and-internet-down)

LOSS_RULE='chain c_fwd { type filter hook forward priority 0; oifname "wan0" numgen random mod 100 < 30 drop; }'

portal() { # portal page|redirect: everything from the LAN goes to the portal or nowhere
  start portal router "$PY" -u "$RIG/servers.py" portal 192.168.50.1:8080 "$1"
  fault_table router '
  chain c_pre { type nat hook prerouting priority dstnat; iifname "lan0" tcp dport 80 dnat to 192.168.50.1:8080; }
  chain c_fwd { type filter hook forward priority 0; iifname "lan0" drop; }' || return 1
  wait_tcp router 192.168.50.1 8080
}

latency() { # latency MS: every packet through the ISP waits MS ms each way (a tun delay line)
  local i
  start delay isp "$PY" -u "$RIG/servers.py" delay dly0 "$1"
  for i in $(seq 50); do ipn isp link show dly0 >/dev/null 2>&1 && break; sleep 0.1; done
  ipn isp link set dly0 up || return 1
  nsx isp sysctl -qw net.ipv4.conf.dly0.rp_filter=0 >/dev/null
  ipn isp route replace default dev dly0 table 100 || return 1
  ipn isp rule add iif isp-r lookup 100 pref 100 && ipn isp rule add iif isp-i lookup 100 pref 101
}

fault() {
  case "$1" in
    healthy) ;;
    internet-down) vpn_stop; ipn router link set wan0 down ;;
    isp-black-hole) vpn_stop; fault_table isp 'chain c_fwd { type filter hook forward priority 0; drop; }' ;;
    home-dns-refused) vpn_stop; stop dns-router ;;
    home-dns-servfail)
      vpn_stop
      start isp-dns inet "$PY" -u "$RIG/servers.py" servfail 203.0.113.53:5353
      ensure_dns router servfail ;;
    home-dns-silent) vpn_stop; ensure_dns router silent ;;
    dns-hijack) vpn_stop; ensure_dns router hijack ;;
    portal-page) vpn_stop; portal page ;;
    portal-redirect) vpn_stop; portal redirect ;;
    proxy-required)
      vpn_stop
      start proxy router "$PY" -u "$RIG/servers.py" proxy 192.168.50.1:3128
      fault_table router 'chain c_fwd { type filter hook forward priority 0; iifname "lan0" drop; }' &&
        wait_tcp router 192.168.50.1 3128 ;;
    vpn-client-off) vpn_stop ;;
    tunnel-down) ipn pc link set tun0 down ;;
    gateway-refused) vpn_stop; stop ocserv ;;
    gateway-black-hole)
      vpn_stop
      fault_table inet 'chain c_fwd { type filter hook forward priority 0; ip daddr 192.0.2.10 drop; }' ;;
    gateway-cert-expired) vpn_stop; ensure_ocserv vpn-expired ;;
    gateway-cert-wrong-name) vpn_stop; ensure_ocserv vpn-wrongname ;;
    company-dns-down) stop dns-corp ;;
    intranet-name-missing) ensure_dns corp nointranet ;;
    intranet-down) stop intranet ;;
    order-routing-down) stop oms ;;
    mtu-black-hole)
      # Big packets from the company into the tunnel vanish without an ICMP "too big".
      fault_table corp '
  chain c_out { type filter hook output priority 0; oifname "vpns*" meta length > 400 drop; }
  chain c_fwd { type filter hook forward priority 0; oifname "vpns*" meta length > 400 drop; }' ;;
    vendor-region-down) stop vendor-sh ;;
    vendor-down) stop vendor-sh; stop vendor-gd ;;
    home-loss) fault_table router "$LOSS_RULE" ;;
    loss-and-region-down) fault_table router "$LOSS_RULE" && stop vendor-sh ;;
    home-latency) latency 100 ;;
    disk-and-internet-down)
      vpn_stop
      timeout 10 fallocate -l 30M "$ST/disk/filler" || timeout 10 dd if=/dev/zero of="$ST/disk/filler" bs=1M count=30 2>/dev/null
      ipn router link set wan0 down ;;
    *) die "unknown fault '$1' (faultlab.sh faults lists them)" ;;
  esac
}

# ---------------------------------------------------------------- whole rig

heal() {
  clear_faults
  ensure_services || return 1
  ensure_ocserv vpn || return 1
  ensure_vpn
}

down() {
  local ns pids p i f
  if [ -d "$ST/pids" ]; then
    for f in "$ST"/pids/*.pid; do [ -e "$f" ] && stop "$(basename "$f" .pid)"; done
  fi
  # Anything else still running inside the rig's namespaces was started by the rig.
  for i in $(seq 20); do
    pids=()
    for ns in "${NSS[@]}"; do
      for p in $(timeout 5 ip netns pids "rcfm-$ns" 2>/dev/null); do alive "$p" && pids+=("$p"); done
    done
    [ ${#pids[@]} -eq 0 ] && break
    if [ "$i" -lt 10 ]; then kill -TERM "${pids[@]}" 2>/dev/null; else kill -KILL "${pids[@]}" 2>/dev/null; fi
    sleep 0.1
  done
  for ns in "${NSS[@]}"; do
    timeout 10 ip netns del "rcfm-$ns" 2>/dev/null
    rm -rf "/etc/netns/rcfm-$ns"
  done
  mountpoint -q "$ST/disk" 2>/dev/null && timeout 10 umount -l "$ST/disk"
  rm -rf "$ST"
}

up() {
  need_tools
  down
  mkdir -p "$ST"/{pids,logs,conf,run,mode,disk}
  chmod 755 "$ST" "$ST/run"
  chown nobody:nogroup "$ST/run" 2>/dev/null
  # A small disk of the PC's own, for the disk check (and its "nearly full" fault).
  timeout 10 mount -t tmpfs -o size=32m rcfm-disk "$ST/disk" || die "cannot mount a tmpfs"
  make_pki || die "certificate generation failed"
  printf '%s\n%s\n' "$VPN_PASS" "$VPN_PASS" | timeout 10 ocpasswd -c "$ST/conf/ocpasswd" "$VPN_USER" ||
    die "ocpasswd failed"
  build_net || die "building the namespaces failed"
  heal || die "the rig did not come up healthy (logs in $ST/logs)"
  nsx pc timeout 3 getent hosts connect.rig.example >/dev/null || die "names do not resolve on the PC"
  log "up: PC 192.168.50.2 in rcfm-pc, VPN connected ($(ipn pc -4 -br addr show tun0 | awk '{print $3}'))"
}

status() {
  local f
  for f in "$ST"/pids/*.pid; do
    [ -e "$f" ] || continue
    name="$(basename "$f" .pid)"
    if running "$name"; then echo "$name: running ($(mode_of "$name"))"; else echo "$name: stopped"; fi
  done
  vpn_healthy && echo "vpn: healthy" || echo "vpn: not healthy"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  fault) [ -n "${2:-}" ] || die "fault NAME"; [ -d "$ST/pids" ] || die "the rig is not up"; fault "$2" ;;
  heal) [ -d "$ST/pids" ] || die "the rig is not up"; heal ;;
  status) status ;;
  faults) printf '%s\n' "${FAULTS[@]}" ;;
  *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
