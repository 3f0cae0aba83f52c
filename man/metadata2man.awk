# metadata2man.awk --- an agent's man page (section 7) from its own meta-data, the one description
#
#   agent meta-data | awk -f metadata2man.awk -v version=X
# Reads the XML that lib/params.c and lib/ocf.c write (one element per
# line, descriptions on their own lines) and writes roff for man(7).
function attr(line, name,    m) {
	if (match(line, name "=\"[^\"]*\"")) {
		m = substr(line, RSTART + length(name) + 2, RLENGTH - length(name) - 3)
		return unxml(m)
	}
	return ""
}
function unxml(s) {
	gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&quot;/, "\"", s)
	gsub(/&apos;/, "'", s); gsub(/&amp;/, "\\&", s)
	return s
}
function roff(s) {
	s = unxml(s)
	gsub(/\\/, "\\e", s)
	gsub(/-/, "\\-", s)
	if (s ~ /^[.']/)
		s = "\\&" s
	return s
}
function inner(line,    s) {
	s = line
	sub(/^[^>]*>/, "", s)
	sub(/<\/[a-z]+>$/, "", s)
	return s
}
/^<resource-agent / { agent = attr($0, "name"); next }
/^<parameters>/ { in_params = 1; next }
/^<\/parameters>/ { in_params = 0; next }
/^<parameter / {
	np++
	pname[np] = attr($0, "name"); preq[np] = attr($0, "required") == "1"
	next
}
/^<longdesc/ { in_long = 1; text = ""; next }
/^<\/longdesc>/ {
	in_long = 0
	if (in_params) plong[np] = text; else long = text
	next
}
in_long { text = text (text == "" ? "" : " ") $0; next }
/^<shortdesc/ { if (in_params) pshort[np] = inner($0); else short = inner($0); next }
/^<content / { ptype[np] = attr($0, "type"); pdef[np] = attr($0, "default"); next }
/^<action / {
	na++
	aname[na] = attr($0, "name"); adesc[na] = "timeout " attr($0, "timeout")
	if (attr($0, "interval") != "") adesc[na] = adesc[na] ", interval " attr($0, "interval")
	if (attr($0, "depth") != "") adesc[na] = adesc[na] ", depth " attr($0, "depth")
	if (attr($0, "role") != "") adesc[na] = adesc[na] ", role " attr($0, "role")
	next
}
END {
	up = toupper("ocf_tandem_" agent)
	printf ".TH %s 7 \"\" \"tandem %s\" \"OCF resource agents\"\n", up, version
	printf ".SH NAME\nocf_tandem_%s \\- %s\n", agent, roff(short)
	printf ".SH SYNOPSIS\n.B pcs resource create\n.I name\n.B ocf:tandem:%s\n", agent
	printf "[\\fIparameter\\fR=\\fIvalue\\fR ...]\n"
	printf ".SH DESCRIPTION\n%s\n", roff(long)
	printf ".SH PARAMETERS\n"
	for (i = 1; i <= np; i++) {
		printf ".TP\n.B %s\n", roff(pname[i])
		printf "%s (%s%s%s).\n", roff(pshort[i]), ptype[i],
			pdef[i] != "" ? ", default \\fB" roff(pdef[i]) "\\fR" : "", preq[i] ? ", required" : ""
		printf "%s\n", roff(plong[i])
	}
	printf ".SH ACTIONS\nThe timeouts and intervals Tandem advises:\n"
	for (i = 1; i <= na; i++)
		printf ".TP\n.B %s\n%s\n", roff(aname[i]), roff(adesc[i])
	printf ".SH EXIT STATUS\nOCF 1.1: 0 success, 1 generic error, 2 bad arguments, 3 unknown action, "
	printf "5 a program missing on this node, 6 a bad configuration, 7 not running, 8 running promoted, "
	printf "9 failed promoted. Every failure gives one line as ocf\\-exit\\-reason.\n"
	printf ".SH SEE ALSO\n.BR pcs (8),\n.BR crm_mon (8),\n.BR crm_resource (8)\n"
}
