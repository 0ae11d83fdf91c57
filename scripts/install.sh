#!/bin/sh
# install.sh install|uninstall: make install and make uninstall (the
# Makefile passes the directories in the environment: DESTDIR, BINDIR,
# SBINDIR, SYSCONFDIR, MANDIR, DOCDIR, PKGLIBDIR, UNITDIR, SYSUSERSDIR,
# TMPFILESDIR, COMPLETIONDIR, B).  Every file installed is listed, without
# DESTDIR, in PKGLIBDIR/install-manifest, and uninstall removes exactly
# those, then the manifest.  The configuration is the operator's: a
# SYSCONFDIR/pumpd/jinnan.conf that differs from the shipped one is kept
# and the new one installed beside it as jinnan.conf.dist; neither install
# nor uninstall ever removes anything in SYSCONFDIR/pumpd or the state
# directory.
set -eu
: "${DESTDIR:=}"
MANIFEST=$PKGLIBDIR/install-manifest
CONF=$SYSCONFDIR/pumpd/jinnan.conf
DROPIN=$SYSCONFDIR/systemd/system/pumpd.service.d/ipaddress.conf
list=

# put MODE SRC DEST: install SRC as DESTDIR/DEST and list DEST.
put() {
	install -D -m "$1" "$2" "$DESTDIR$3"
	list="$list
$3"
}

# put_config: the shipped configuration, unless the operator's differs.
put_config() {
	if [ ! -e "$DESTDIR$CONF" ]; then
		install -D -m 644 config/jinnan.conf "$DESTDIR$CONF"
	elif ! cmp -s config/jinnan.conf "$DESTDIR$CONF"; then
		install -m 644 config/jinnan.conf "$DESTDIR$CONF.dist"
		echo "pumpd: $CONF differs from the shipped one: kept;" \
		    "the new one is $CONF.dist"
	fi
}

# put_dropin: the unit's IPAddressAllow= drop-in from the configuration
# in place; a configuration it cannot read leaves it out, with a warning.
put_dropin() {
	mkdir -p "$DESTDIR${DROPIN%/*}"
	if PUMPD=$B/pumpd sh scripts/unit-ipallow.sh -o "$DESTDIR$DROPIN" \
	    "$DESTDIR$CONF" >/dev/null; then
		sed -i "s|from $DESTDIR$CONF|from $CONF|" "$DESTDIR$DROPIN"
		list="$list
$DROPIN"
	else
		rmdir "$DESTDIR${DROPIN%/*}" 2>/dev/null || true
		echo "pumpd: WARNING: no $DROPIN: pumpd will reach localhost" \
		    "only; fix $CONF, then run $PKGLIBDIR/unit-ipallow.sh -o $DROPIN"
	fi
}

do_install() {
	put 755 "$B/pumpd" "$SBINDIR/pumpd"
	put 755 "$B/pumpctl" "$BINDIR/pumpctl"
	put 755 "$B/plcsim" "$BINDIR/plcsim"
	put_config
	put 644 "$B/systemd/pumpd.service" "$UNITDIR/pumpd.service"
	put 644 "$B/systemd/plcsim.service" "$UNITDIR/plcsim.service"
	put 644 systemd/pumpd.sysusers "$SYSUSERSDIR/pumpd.conf"
	put 644 "$B/systemd/pumpd.tmpfiles" "$TMPFILESDIR/pumpd.conf"
	sed "s|^PUMPD=.*|PUMPD=\${PUMPD:-$SBINDIR/pumpd}|" \
	    scripts/unit-ipallow.sh >"$B/unit-ipallow.sh"
	put 755 "$B/unit-ipallow.sh" "$PKGLIBDIR/unit-ipallow.sh"
	put_dropin
	put 644 daemon/man/pumpd.8 "$MANDIR/man8/pumpd.8"
	put 644 daemon/man/pumpd.conf.5 "$MANDIR/man5/pumpd.conf.5"
	put 644 daemon/man/pumpctl.1 "$MANDIR/man1/pumpctl.1"
	put 644 plc/man/plcsim.1 "$MANDIR/man1/plcsim.1"
	if [ -f scripts/pumpctl.bash-completion ]; then
		put 644 scripts/pumpctl.bash-completion \
		    "$COMPLETIONDIR/pumpctl"
	fi
	put 644 README.md "$DOCDIR/README.md"
	put 644 plc/doc/plc-interface.md "$DOCDIR/plc-interface.md"
	put 644 plc/doc/plc-legacy.md "$DOCDIR/plc-legacy.md"
	list="$list
$MANIFEST"
	mkdir -p "$DESTDIR$PKGLIBDIR"
	printf '%s\n' "$list" | sed '/^$/d' | sort -u >"$DESTDIR$MANIFEST"
}

# Remove every file of the manifest, then the directories of ours that
# are left empty.
do_uninstall() {
	if [ ! -f "$DESTDIR$MANIFEST" ]; then
		echo "pumpd: no $DESTDIR$MANIFEST: nothing installed here" >&2
		exit 1
	fi
	while IFS= read -r f; do
		case $f in
		"$SYSCONFDIR/pumpd/"*) ;;	# the operator's, never
		/*) rm -f "$DESTDIR$f" ;;
		esac
	done <"$DESTDIR$MANIFEST"
	for d in "$DOCDIR" "$PKGLIBDIR" "${DROPIN%/*}"; do
		rmdir "$DESTDIR$d" 2>/dev/null || true
	done
}

case ${1:-} in
install) do_install ;;
uninstall) do_uninstall ;;
*) echo "usage: install.sh install|uninstall" >&2; exit 2 ;;
esac
