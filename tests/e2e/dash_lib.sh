# dash_lib.sh - helpers for the dashcam tests (sourced after tap.sh and
# fs_lib.sh).  Clips are made at test time by ffmpeg from lavfi sources
# (seeded hue and tone, so every clip differs); nothing is installed here.

# clip OUT SECONDS SEED [faststart]: H.264 + AAC in MP4, the moov after the
# media data as a recorder writes it (or first, with "faststart")
clip() {
	ffmpeg -nostdin -hide_banner -loglevel error -y \
		-f lavfi -i "testsrc2=size=320x240:rate=25" \
		-f lavfi -i "sine=frequency=$((200 + $3 * 37 % 800)):sample_rate=16000" \
		-t "$2" -vf "hue=h=$(($3 * 47 % 360))" \
		-c:v libx264 -preset veryfast -g 25 -threads 1 -pix_fmt yuv420p \
		-c:a aac -b:a 32k ${4:+-movflags +faststart} "$1"
}

# photo OUT SEED: a JPEG from the same source
photo() {
	ffmpeg -nostdin -hide_banner -loglevel error -y \
		-f lavfi -i "testsrc2=size=640x480:rate=1" -frames:v 1 \
		-vf "hue=h=$(($2 * 53 % 360))" -q:v 4 "$1"
}

# next_free IMG CLUSTER: the next file written by mtools on this FAT32
# image starts at CLUSTER (FSInfo's next-free hint is the cluster before)
next_free() {
	_c=$(($2 - 1))
	patch "$1" $((512 + 492)) "$(printf '%02x%02x%02x%02x' $((_c & 255)) \
		$((_c >> 8 & 255)) $((_c >> 16 & 255)) $((_c >> 24 & 255)))"
}

# chain IMG PATH: the file's clusters as runs "START+COUNT,..." (mshowfat)
chain() {
	mshowfat -i "$1" "::$2" | sed 's/^[^<]*//' | tr -d '<>' | tr ' ' '\n' |
	awk -F- 'NF { a = $1; b = (NF > 1 ? $2 : $1);
		printf "%s%d+%d", (n++ ? "," : ""), a, b - a + 1 } END { print "" }'
}

# first_cluster RUNS: the first cluster of "START+COUNT,..."
first_cluster() { printf '%s\n' "$1" | sed 's/+.*//'; }

# expand RUNS: one cluster number a line
expand() {
	printf '%s\n' "$1" | tr ',' '\n' | awk -F+ 'NF == 2 {
		for (i = 0; i < $2; i++) print $1 + i }'
}

# report_clusters DIR NAME: the cluster runs the report gives NAME
report_clusters() {
	grep -F "\"filename\":\"$2\"" "$1/report.jsonl" |
	sed 's/.*"clusters":\[\([^]]*\)\].*/\1/' |
	sed 's/{"start":\([0-9]*\),"count":\([0-9]*\)}/\1+\2/g'
}

# report_field DIR NAME FIELD: a string or number field of NAME's entry
report_field() {
	grep -F "\"filename\":\"$2\"" "$1/report.jsonl" |
	sed -n "s/.*\"$3\":\"\{0,1\}\([^\",]*\).*/\1/p" | head -1
}

# files DIR: the recovered files, sorted, without the reports
files() { (cd "$1" && find . -type f ! -name 'report.*' ! -path './thumbs/*' | sed 's|^\./||' | sort | tr '\n' ' '); }

# all_report_clusters DIR: every cluster any report entry lies in
all_report_clusters() {
	sed -n 's/.*"clusters":\[\([^]]*\)\].*/\1/p' "$1/report.jsonl" |
	sed 's/{"start":\([0-9]*\),"count":\([0-9]*\)}/\1+\2/g' |
	while read -r r; do expand "$r"; done
}

# cname C [t]: the name dredge gives a file starting at cluster C
cname() { printf '%s%07d' "${2:-c}" "$1"; }
