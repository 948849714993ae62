#!/usr/bin/env bash
# Only part (b) of bench_mqtt.sh: nmap --script mqtt-subscribe vs mqttsweep with the same
# listen window on a /24 (BENCH_WINDOW seconds, default 1). See bench/README.md.
BENCH_PARTS=b exec bash "$(dirname "${BASH_SOURCE[0]}")/bench_mqtt.sh" "$@"
