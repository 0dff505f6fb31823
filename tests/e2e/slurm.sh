#!/bin/sh
# dredge plan on a real single-node Slurm cluster: munged, slurmctld and
# slurmd on this machine (Debian slurm-wlm and munge), started here with
# their state in the test's folder and stopped at the end.  The script
# dredge plan prints submits a job array of shards and a dependent merge
# job; the merged result must equal one scan.  Skipped, saying why, where
# Slurm cannot be started (not root, packages missing, daemons failing).
. "$srcdir/tests/e2e/tap.sh"

for c in slurmctld slurmd munged; do
	p=$(command -v $c || echo /usr/sbin/$c)
	[ -x "$p" ] || skip_all "no $c (packages slurm-wlm and munge)"
done
command -v sbatch >/dev/null 2>&1 || skip_all "no sbatch (package slurm-client)"
[ "$(id -u)" = 0 ] || skip_all "Slurm daemons are started as root"

tap_workdir slurm
S=$work/slurm
mkdir -p "$S/spool" "$S/state"
host=$(hostname -s)
port=$((20000 + $$ % 20000))
stop_all() {
	for f in slurmd slurmctld munged; do
		[ -s "$S/$f.pid" ] && kill "$(cat "$S/$f.pid")" 2>/dev/null
	done
	sleep 1
	rm -rf "$work"
}
trap stop_all EXIT

dd if=/dev/urandom of="$S/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$S/munge.key"
/usr/sbin/munged --force -S "$S/munge.sock" --key-file="$S/munge.key" \
	--pid-file="$S/munged.pid" --log-file="$S/munged.log" \
	--seed-file="$S/munge.seed" >/dev/null 2>&1 ||
	skip_all "munged does not start here"
cat >"$S/slurm.conf" <<CONF
ClusterName=dredgetest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$S/munge.sock
CredType=cred/munge
SlurmctldPort=$port
SlurmdPort=$((port + 1))
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
NodeName=$host CPUs=2 State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
SLURM_CONF=$S/slurm.conf
export SLURM_CONF
/usr/sbin/slurmctld -f "$SLURM_CONF" -i >/dev/null 2>&1 ||
	skip_all "slurmctld does not start here"
/usr/sbin/slurmd -f "$SLURM_CONF" >/dev/null 2>&1 ||
	skip_all "slurmd does not start here"
up=0
for i in $(seq 1 30); do
	sinfo -h -o %t 2>/dev/null | grep -q idle && { up=1; break; }
	sleep 1
done
[ $up = 1 ] || skip_all "the Slurm node does not come up ($(tail -1 "$S/slurmd.log" 2>/dev/null))"
ok 0 "a single-node Slurm cluster is up on $host"

J=$DATA/jpeg
img=$work/drive.img
"$MKIMAGE" -o "$img" -z 12M -s 21 "$J/baseline.jpg@4194000" \
	"$DATA/mp4/dashcam.mp4@8376320" "$J/baseline.jpg@9M" "$J/gray.jpg@1M" \
	"$J/exif_thumb.jpg@4M"
"$DREDGE" scan "$img" -o "$work/one" -q

"$DREDGE" plan "$img" -o "$work/out" --shards 3 --cpus-per-task 1 \
	--dredge "$DREDGE" >"$work/submit.sh"
ok $? "dredge plan writes the submission script"
sh "$work/submit.sh" >"$work/submitted" 2>&1
ok $? "the script submits the job arrays"
grep -q 'merge job array: [0-9]* (after [0-9]*)' "$work/submitted"
ok $? "a merge job that depends on the scan array"
done=0
for i in $(seq 1 240); do
	[ -z "$(squeue -h 2>/dev/null)" ] && { done=1; break; }
	sleep 1
done
ok $((1 - done)) "every job ends"
m=$work/out/drive.img/merged
check "three shard folders and the merged one" \
	test -e "$work/out/drive.img/shard-3/.dredge-shard" -a -e "$m/report.xml"
diff -r -x report.xml -x report.html "$work/one" "$m" >/dev/null 2>&1
ok $? "the merged files and JSONL report equal one run"
# the views attribute is measured by each run (source_map.c): a fact of
# the run, like its times
strip='<start_time>\|end_time>\|<command_line>\|<dredge:io_engine '
grep -v "$strip" "$work/one/report.xml" >"$work/a.xml"
grep -v "$strip" "$m/report.xml" >"$work/b.xml" 2>/dev/null
cmp -s "$work/a.xml" "$work/b.xml"
ok $? "the merged DFXML equals one run's apart from times, command line and engine"
tap_done
