#!/bin/bash
# make install and make uninstall into a temporary DESTDIR, PREFIX=/usr as a
# Debian machine would have it: the files installed are exactly README.md's
# list; the unit starts /usr/sbin/pumpd; a second install keeps an edited
# configuration and puts the shipped one beside it as .dist, saying so;
# the installed pumpd --check-config accepts the installed configuration;
# the installed man pages render without a warning; every installed binary
# has --version; systemd-sysusers and systemd-tmpfiles (in a copy of the
# root) make the user, the groups and the directories; make uninstall
# leaves the configuration and the state and nothing else of ours.
# PREFIX=/usr/local puts the units under /usr/local/lib with its paths.
. "$(dirname "$0")/lib.sh"

R=$WORK/root
inst() {
	make -s -C "$TOP" B="$B" DESTDIR="$1" PREFIX="$2" "$3" >"$WORK/make.out" 2>&1
}
# files DIR: every file and link under DIR, as absolute paths inside it.
files() {
	(cd "$1" && find . \( -type f -o -type l \) | sed 's|^\.||' | sort)
}

inst "$R" /usr install || { fail "make install" "$(tail -5 "$WORK/make.out")"; finish; exit 1; }
# README.md's list: the indented paths after "Files installed with PREFIX=/usr"
awk '/^Files installed with `PREFIX=\/usr`/ { f = 1; next }
     f && /^    \// { print $1; n++; next }
     f && n && !/^    / { exit }' "$TOP/README.md" | sort >"$WORK/readme.list"
[ -f "$TOP/scripts/pumpctl.bash-completion" ] ||
    sed -i '\|/usr/share/bash-completion/completions/pumpctl|d' "$WORK/readme.list"
files "$R" >"$WORK/installed.list"
if [ -s "$WORK/readme.list" ] && diff "$WORK/readme.list" "$WORK/installed.list" >"$WORK/list.diff"; then
	ok "make install: the $(wc -l <"$WORK/installed.list") files of README.md's list, no other"
else
	fail "installed files against README.md" "$(head -20 "$WORK/list.diff")"
fi
grep -qx "ExecStart=/usr/sbin/pumpd -c /etc/pumpd/jinnan.conf" "$R/lib/systemd/system/pumpd.service" &&
    grep -qx "Documentation=file:/usr/share/doc/pumpd/README.md" "$R/lib/systemd/system/pumpd.service" &&
    ! grep -q /usr/local "$R/lib/systemd/system/pumpd.service" "$R/lib/systemd/system/plcsim.service" &&
    ok "the units name /usr/sbin/pumpd and /usr/share/doc/pumpd: PREFIX's paths" ||
    fail "unit paths" "$(grep -E '^(Exec|Doc)' "$R/lib/systemd/system/pumpd.service")"

# the installed binaries, configuration and man pages
LD=$R/usr
check "installed pumpd --check-config accepts the installed configuration" \
    "$LD/sbin/pumpd" --check-config "$R/etc/pumpd/jinnan.conf"
v=$(cat "$TOP/$B/version")
for b in sbin/pumpd bin/pumpctl bin/plcsim; do
	out=$("$LD/$b" --version 2>&1)
	[ "$out" = "${b#*/} $v" ] && ok "$b --version: $out" || fail "$b --version" "$out"
done
bad=
for m in "$LD"/share/man/man*/*; do
	w=$( { groff -ww -man -z "$m"; man --warnings -l "$m" >/dev/null; } 2>&1)
	[ -z "$w" ] || bad="$bad ${m##*/}: $w"
done
[ -z "$bad" ] && ok "the installed man pages render without a warning (groff -ww, man --warnings)" ||
    fail "man pages" "$bad"

# sysusers.d and tmpfiles.d, applied to a copy of the root (its /etc/pumpd
# without the credential, which LoadCredential= needs)
cp -a "$R" "$WORK/sys"
mkdir -p "$WORK/sys/etc"
if systemd-sysusers --root="$WORK/sys" "$WORK/sys/usr/lib/sysusers.d/pumpd.conf" >"$WORK/sys.out" 2>&1 &&
    systemd-tmpfiles --root="$WORK/sys" --create "$WORK/sys/usr/lib/tmpfiles.d/pumpd.conf" >>"$WORK/sys.out" 2>&1; then
	uid=$(awk -F: '$1 == "pumpd" { print $3 }' "$WORK/sys/etc/passwd")
	gid=$(awk -F: '$1 == "pumpd-operators" { print $3 }' "$WORK/sys/etc/group")
	st=$(stat -c '%a %u %g' "$WORK/sys/var/lib/pumpd" 2>&1)
	grep -q '^pumpd:' "$WORK/sys/etc/group" && [ -n "$uid" ] && [ -n "$gid" ] && [ "$st" = "700 $uid $gid" ] &&
	    [ "$(stat -c '%a %u %g' "$WORK/sys/run/pumpd")" = "755 $uid $gid" ] &&
	    [ "$(stat -c '%a %u %s' "$WORK/sys/etc/pumpd/influx-token")" = "600 0 0" ] &&
	    ok "sysusers: user and group pumpd, group pumpd-operators; tmpfiles: /var/lib/pumpd 0700, /run/pumpd theirs, an empty influx-token 0600 for LoadCredential=" ||
	    fail "sysusers and tmpfiles" "uid ${uid:-none} gid ${gid:-none} /var/lib/pumpd: $st"
else
	fail "systemd-sysusers, systemd-tmpfiles" "$(cat "$WORK/sys.out")"
fi

# an operator edits the configuration; the next install keeps it
printf '# edited on site\n' >>"$R/etc/pumpd/jinnan.conf"
cp "$R/etc/pumpd/jinnan.conf" "$WORK/edited.conf"
inst "$R" /usr install || fail "second make install" "$(tail -5 "$WORK/make.out")"
cmp -s "$R/etc/pumpd/jinnan.conf" "$WORK/edited.conf" && cmp -s "$R/etc/pumpd/jinnan.conf.dist" "$TOP/config/jinnan.conf" &&
    grep -q "/etc/pumpd/jinnan.conf differs from the shipped one: kept; the new one is /etc/pumpd/jinnan.conf.dist" "$WORK/make.out" &&
    ok "second install: the edited configuration kept, the shipped one as jinnan.conf.dist, and said so" ||
    fail "second install" "$(cat "$WORK/make.out"; ls "$R/etc/pumpd")"

# uninstall: the configuration and the state stay, nothing else of ours
mkdir -p "$R/var/lib/pumpd"
echo '{}' >"$R/var/lib/pumpd/state"
inst "$R" /usr uninstall || fail "make uninstall" "$(tail -5 "$WORK/make.out")"
left=$(files "$R" | tr '\n' ' ')
[ "$left" = "/etc/pumpd/jinnan.conf /etc/pumpd/jinnan.conf.dist /var/lib/pumpd/state " ] &&
    [ ! -e "$R/usr/lib/pumpd" ] && [ ! -e "$R/usr/share/doc/pumpd" ] && [ ! -e "$R/etc/systemd/system/pumpd.service.d" ] &&
    ok "make uninstall: /etc/pumpd and the state left, nothing else of ours" ||
    fail "make uninstall" "left: $left"

# PREFIX=/usr/local: its own places and paths
inst "$WORK/local" /usr/local install || fail "make install PREFIX=/usr/local" "$(tail -5 "$WORK/make.out")"
grep -qx "ExecStart=/usr/local/sbin/pumpd -c /etc/pumpd/jinnan.conf" "$WORK/local/usr/local/lib/systemd/system/pumpd.service" &&
    [ -x "$WORK/local/usr/local/sbin/pumpd" ] && [ -f "$WORK/local/usr/local/lib/sysusers.d/pumpd.conf" ] &&
    ok "PREFIX=/usr/local: /usr/local/lib/systemd/system, /usr/local/sbin/pumpd" ||
    fail "PREFIX=/usr/local" "$(cd "$WORK/local" && find . -name '*.service')"
finish
