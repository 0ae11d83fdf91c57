#!/bin/sh
# Install the Debian packages the project needs; do nothing when they are
# all there already.  Needs root (apt-get) only when something is missing.
set -e
pkgs="build-essential pkg-config libmodbus-dev libevent-dev
libcurl4-openssl-dev libconfig-dev libcmocka-dev libsystemd-dev zlib1g-dev
libjansson-dev
influxdb influxdb-client mbpoll systemd curl jq netcat-openbsd clang
python3 iproute2 util-linux gnuplot-nox tmux groff-base man-db valgrind
libclang-rt-14-dev"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: run as root (or install them yourself):$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# policy-rc.d keeps the influxdb package from starting its own service.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.pumpd
chmod +x /usr/sbin/policy-rc.d.pumpd
[ -e /usr/sbin/policy-rc.d ] || { cp /usr/sbin/policy-rc.d.pumpd /usr/sbin/policy-rc.d; rmpolicy=1; }
apt-get install -y -q --no-install-recommends $missing
[ -n "${rmpolicy:-}" ] && rm -f /usr/sbin/policy-rc.d
rm -f /usr/sbin/policy-rc.d.pumpd
exit 0
