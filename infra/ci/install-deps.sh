#!/usr/bin/env bash
# Debian packages the test suites need: real servers and a real browser, no mocks.
#   chromium   headless browser for the dashboard tests (driven by playwright-core; never downloaded)
#   openssl    makes the throwaway CA and certificates of the TLS tests
#   influxdb   InfluxDB 1.6 (Debian's): the InfluxDB store and Grafana suites start their own influxd
#   prometheus-node-exporter   the reference next to the bundled agent in bench/agent/process (RSS and CPU per sample)
#   dnsmasq-base   a real DNS server answering chosen records for the DNS checks (run by the test, no system service)
#   iputils-ping, iputils-tracepath   the system ping and tracepath the ping checks and failure traces use
#   traceroute     the failure traces' fallback where tracepath is missing (the tracer test runs both)
#   snmpd, snmp    a real SNMP agent the device tests start on a free UDP port (no system service), and snmpget to compare readings
#   e2fsprogs, mount, util-linux   mkfs.ext4, mount -o loop and losetup for the small real disk the script tests fill (test/helpers/loop-disk.ts), setpriv to act as the script user
#   mosquitto, mosquitto-clients   Debian's Mosquitto 2.0, the second broker the integration suites run against (docs/mosquitto.md), and mosquitto_passwd/_sub
#   prometheus     promtool, which checks the /metrics exposition, and the Prometheus server the scrape test runs
#   podman         a real container engine serving the Docker Engine API on a unix socket (podman system service) for the container collector
# Run as root (CI is root). Safe to re-run.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(chromium openssl influxdb prometheus-node-exporter dnsmasq-base iputils-ping iputils-tracepath traceroute snmpd snmp e2fsprogs mount util-linux mosquitto mosquitto-clients prometheus podman)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "install-deps: ${packages[*]} present"
