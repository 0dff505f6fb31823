#!/bin/sh
# The JPEG end-to-end test again with each any-offset search variant this
# CPU runs, forced through DREDGE_SIMD: same files, same reports.  The
# variant that ran is checked in the DFXML report, and a bad variant name
# or one the CPU lacks is refused.
. "$srcdir/tests/e2e/tap.sh"
tap_workdir simd_variants

skip() {  # skip DESCRIPTION
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP $1"
}

runs=$("$DREDGE" version | sed -n 's/^simd: [a-z0-9]* (runs here: \(.*\))$/\1/p')
is "$(echo " $runs " | grep -c ' scalar ')" 1 \
	"dredge version lists the variants this CPU runs, scalar among them"

img=$work/one.img
"$MKIMAGE" -o "$img" -z 64K -s 7 "hex:ffd8ffe000104a464946@1000"
ok $? "small image generated"

DREDGE_SIMD=neon "$DREDGE" scan "$img" -o "$work/bad" -q 2>"$work/err"
is $? 2 "DREDGE_SIMD=neon: exit status 2"
check "DREDGE_SIMD=neon: message names the variable" \
	grep -q "DREDGE_SIMD must be auto, scalar, sse2, avx2 or avx512, not 'neon'" \
	"$work/err"
"$DREDGE" scan "$img" -o "$work/bad2" -q --simd fast 2>"$work/err"
is $? 2 "--simd fast: exit status 2"

have_jpeg=$("$DREDGE" types | grep -c '^jpeg ')
for v in scalar sse2 avx2 avx512; do
	case " $runs " in
	*" $v "*) ;;
	*)
		"$DREDGE" scan "$img" -o "$work/no$v" -q --any-offset --simd $v \
			2>"$work/err"
		is $? 1 "$v: not run here (CPU or build), so --simd $v fails"
		check "$v: the message says so" grep -q "does not run on this" \
			"$work/err"
		skip "$v: this CPU or build does not run it"
		continue
		;;
	esac
	DREDGE_SIMD=$v "$DREDGE" scan "$img" -o "$work/r$v" -q --any-offset
	check "$v: DFXML records the variant that ran" \
		grep -q "<dredge:simd>$v</dredge:simd>" "$work/r$v/report.xml"
	if [ "$have_jpeg" -eq 0 ]; then
		skip "$v: scan_jpeg.sh (this build has no jpeg format)"
		continue
	fi
	DREDGE_SIMD=$v sh "$srcdir/tests/e2e/scan_jpeg.sh" >"$work/log.$v" 2>&1
	ok $? "$v: scan_jpeg.sh passes with DREDGE_SIMD=$v"
	grep '^not ok' "$work/log.$v" | sed 's/^/#   /' | head -20
done

tap_done
