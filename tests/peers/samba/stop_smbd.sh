#!/usr/bin/env bash
# stop_smbd.sh DIR: stop the smbd started by start_smbd.sh and the samba-dcerpcd it
# spawned, by PID (from the launcher and the private pid directory), never by name.
dir=$1
pids=()
[ -f "$dir/smbd.launcher.pid" ] && pids+=("$(cat "$dir/smbd.launcher.pid")")
for f in "$dir"/pid/*.pid; do
	[ -f "$f" ] && pids+=("$(cat "$f")")
done
for p in "${pids[@]}"; do
	[[ $p =~ ^[0-9]+$ ]] && kill "$p" 2>/dev/null
done
for _ in $(seq 1 30); do
	alive=0
	for p in "${pids[@]}"; do
		[[ $p =~ ^[0-9]+$ ]] && kill -0 "$p" 2>/dev/null && alive=1
	done
	[ $alive = 0 ] && exit 0
	sleep 0.1
done
for p in "${pids[@]}"; do
	[[ $p =~ ^[0-9]+$ ]] && kill -9 "$p" 2>/dev/null
done
exit 0
