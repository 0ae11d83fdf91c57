# Shared by the test_core_*.sh tests (issue 7's control rules end to end):
# a one-station copy of the district, plcsim's control port, mbpoll reads.

# one_station ID PORT [KEY=VALUE ...]: the district with station ID alone,
# its PLC on PORT, no influx group (no metrics), and these keys of the
# control group set.
one_station() {
	id=$1; port=$2; shift 2
	awk -v id="$id" -v port="$port" -v extra="$*" '
	    BEGIN { n = split(extra, kv, " "); for (i = 1; i <= n; i++) {
		split(kv[i], f, "="); val[f[1]] = f[2] } }
	    /^influx = \{/ { skip = 1 } skip { if ($0 ~ /^\};/) skip = 0; next }
	    /^control = \{/ { ctl = 1; print; next }
	    ctl && /^\};/ { for (k in val) if (!(k in done)) print "\t" k " = " val[k] ";"
		ctl = 0; print; next }
	    ctl && match($0, /^\t[a-z_0-9]+ = /) { k = substr($0, 2, RLENGTH - 4)
		if (k in val) { print "\t" k " = " val[k] ";"; done[k] = 1; next } }
	    /^stations = \(/ { print; st = 1; next }
	    !st { print; next }
	    /^\t\{$/ { buf = $0 "\n"; inb = 1; keep = 0; next }
	    inb {
		line = $0
		if (line ~ "id = \"" id "\";") keep = 1
		sub(/port = [0-9]+/, "port = " port, line)
		if (line ~ /^\t\},?$/) { if (keep) printf "%s\t}\n", buf; inb = 0; next }
		buf = buf line "\n"; next
	    }
	    END { print ");" }' "$TOP/config/jinnan.conf"
}

# ctl PORT COMMAND: one line to plcsim's control port, its reply.
ctl() {
	exec 3<>/dev/tcp/127.0.0.1/"$1"; echo "$2" >&3
	read -r -t 5 reply <&3; exec 3>&-; echo "$reply"
}

# mb PORT REGTYPE ADDR COUNT: registers from a PLC, one value a line
# (REGTYPE 3 input, 4 holding, as mbpoll's -t).
mb() {
	mbpoll -m tcp -0 -1 -o 2 -t "$2" -r "$3" -c "$4" -p "$1" 127.0.0.1 2>&1 |
	    awk '/^\[[0-9]+\]:/ { print $2 }'
}

# field FILE STATION KEY: a key=value field of a station's summary line.
sfield() {
	awk -v st="station=$2" '$1 == st' "$1" | tr ' ' '\n' |
	    awk -F= -v k="$3" '$1 == k { print $2 }'
}
