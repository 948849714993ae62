#!/usr/bin/env bash
# Build the libFuzzer targets (clang, ASan+UBSan, build-fuzz/) and run each for N seconds
# (default 20). Seeds: the unit-test vectors (tests/vectors/*.hex), the smart-home payload
# fixtures, hand-written samples below, and every earlier crash in tests/vectors/regress/.
# A crash is copied to tests/vectors/regress/<target>/ (commit it: it becomes a
# regression input replayed by every later run). Ends with "fuzz: N passed, N failed".
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#   MSW_FUZZ_RUNS=N  run each target for N executions instead of a time (long runs)
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECS=${1:-20}
shift || true
BUILD="$ROOT/build-fuzz"
WORK="$BUILD/corpus"
REGRESS="$ROOT/tests/vectors/regress"
SHARED="$(cd "$ROOT/.." && pwd)/shared"
[ -d "$SHARED" ] || SHARED=/work/shared
JOBS=${MSW_JOBS:-2}
LOGS="$ROOT/build-logs"
mkdir -p "$LOGS"

# Only the fuzz targets (and the library) are built. Warnings are not errors here: the
# product build (-Werror) already judges them, and a fuzz run should not be lost to one.
mapfile -t ALL < <(cd "$ROOT/tests/fuzz" && ls fuzz_*.c | sed 's/\.c$//')
echo "fuzz: building $BUILD (clang, -DMSW_FUZZ=ON): ${ALL[*]}"
if ! { cmake -S "$ROOT" -B "$BUILD" -DMSW_FUZZ=ON -DCMAKE_C_COMPILER=clang -DMSW_WERROR=OFF \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >"$LOGS/fuzz.configure.log" 2>&1 &&
	cmake --build "$BUILD" -j"$JOBS" --target msw >"$LOGS/fuzz.build.log" 2>&1; }; then
	grep -E 'error|Error' "$LOGS/fuzz.configure.log" "$LOGS/fuzz.build.log" | head -30
	echo "fuzz: build failed"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi
for t in "${ALL[@]}"; do  # one by one: a target that does not link fails alone
	cmake --build "$BUILD" -j"$JOBS" --target "$t" >>"$LOGS/fuzz.build.log" 2>&1 ||
		{ echo "fuzz: $t does not build:"; grep -E 'error' "$LOGS/fuzz.build.log" | tail -5; }
done

mkdir -p "$WORK"

# hex file (comments '#', whitespace ignored) -> binary
hex2bin() { grep -v '^\s*#' "$1" | tr -d ' \t\r\n' | perl -ne 'print pack("H*", $_)'; }
hexver() { sed -nE 's/^#\s*ver:\s*([0-9]+).*/\1/p' "$1" | head -1; }
seed() { # seed TARGET NAME < bytes
	mkdir -p "$WORK/$1"
	cat >"$WORK/$1/$2"
}

make_seeds() {
	local f n v i=0 file topic rest
	for f in "$ROOT"/tests/vectors/*.hex; do
		[ -f "$f" ] || continue
		n=$(basename "$f" .hex)
		v=$(hexver "$f")
		case $v in 3 | 4 | 5) ;; *) case $n in v5_*) v=5 ;; v31_*) v=3 ;; *) v=4 ;; esac ;; esac
		{ printf "\\x$(printf %02x $((v - 3)))"; hex2bin "$f"; } | seed fuzz_mqtt_stream "$n"
		case $n in
		v5_*) { printf '\x02'; hex2bin "$f" | tail -c +4; } | seed fuzz_mqtt_props "$n" ;;
		esac
	done
	for f in "$ROOT"/tests/vectors/ws/*.hex "$ROOT"/tests/vectors/ws_*.hex; do
		[ -f "$f" ] || continue
		{ printf '\x00'; hex2bin "$f"; } | seed fuzz_ws_frames "$(basename "$f" .hex)"
	done
	printf '\x00\x82\x04\x20\x02\x00\x00' | seed fuzz_ws_frames connack
	printf '\x08\x02\x02\x20\x02\x00\x00\x89\x00\x80\x01\x02' | seed fuzz_ws_frames fragmented
	printf '\x00\x88\x02\x03\xe8' | seed fuzz_ws_frames close
	printf 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: mqtt\r\nServer: mosquitto\r\n\r\n' |
		seed fuzz_ws_upgrade rfc6455
	printf 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n' | seed fuzz_ws_upgrade bad
	printf '\x05HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 27\r\nX-Powered-By: Express\r\n\r\n{"httpNodeRoot":"/","x":1}' |
		seed fuzz_http_response nodered
	printf '\x03HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\n' |
		seed fuzz_http_response chunked
	printf '\x01HTTP/1.0 401 Unauthorized\r\nWWW-Authenticate: Basic realm="x"\r\n\r\n' |
		seed fuzz_http_response unauth
	# fuzz_output: JSON for the record's subtree slots (bad UTF-8 keys and strings,
	# envelope keys in extra, nesting)
	printf '{"ip":"x","probe":1,"tls":null,"k\xff":"v","s":"\xc3\x28","a":["\xed\xa0\x80",1.5,{"b":[true]}],"http":{"default_logins":[{"accepted":true}]}}' |
		seed fuzz_output subtrees
	printf '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["\xff"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]' |
		seed fuzz_output deep
	if [ -f "$SHARED/fixtures/payloads/MANIFEST.tsv" ]; then
		while IFS=$'\t' read -r file topic rest; do
			[ "$file" = file ] && continue
			i=$((i + 1))
			{ printf '\x04%s\0' "$topic"; cat "$SHARED/fixtures/payloads/$file"; } |
				seed fuzz_classify "fixture$i"
		done <"$SHARED/fixtures/payloads/MANIFEST.tsv"
	fi
	printf '\x00owntracks/alice/phone\0{"_type":"location","lat":52.5,"lon":13.4}\0\0homeassistant/cover/garage/config\0{"command_topic":"x/set","device_class":"garage"}' |
		seed fuzz_classify two
	printf 'owntracks/{user}/{device}\0owntracks/alice/phone' | seed fuzz_topic_match owntracks
	printf 'homeassistant/{component}/{*rest}\0homeassistant/cover/garage/config' | seed fuzz_topic_match rest
	printf 'tele/+/STATE\0tele/garage/STATE' | seed fuzz_topic_match plus
	printf '{name:shelly*|shellyplus*}/online\0shellyplus1-a8/online' | seed fuzz_topic_match glob
	printf 'sensors/#\0sensors' | seed fuzz_topic_match hash
	i=0
	for s in 127.0.0.1 127.0.0.0/24 127.0.0.1-20 '[::1]:1883' 'mqtt://user:pw@127.0.0.1:1884' \
		'mqtts://127.0.0.1' 'ws://127.0.0.1:9001/mqtt' 'wss://[::1]/' host.local:1883 10.0.0.0/8; do
		i=$((i + 1))
		printf '%s\0%s' "$s" '1883,8883/tls,1884/ws,8884/wss,1-3' | seed fuzz_targets "t$i"
	done
	printf '%s\0%s' 127.0.0.1 web | seed fuzz_targets web
	# -iL lists: zmap's csv module with a header, zgrab2's rows, quoted fields
	printf 'saddr,sport,daddr,success,repeat\n127.0.0.3,1883,127.0.0.2,1,0\n127.0.0.4,1883,127.0.0.2,0,0\n' |
		seed fuzz_targets zmapcsv
	printf '127.0.0.7, , tag1, 1884\n,localhost,,2000\n"127.0.0.16/30",,"a ""t""",8883/tcp\n# c\n127.0.0.9\n' |
		seed fuzz_targets zgrab2
	printf '\x00127.0.0.1\n-p\n1883,8883/tls\n--depth\ntopics\n--window\n5\n--rate\n1000' | seed fuzz_options scan
	printf '\x01127.0.0.1\n-u\nalice\n-P\nsecret\n--versions\nall\n--exclude\n127.0.0.5' | seed fuzz_options audit
	printf '\x00--concurrency\n99999999999\n-n\n-1\n127.0.0.0/33' | seed fuzz_options bad
	for f in "$ROOT"/tests/vectors/lint/*; do # lint: byte 0 picks conf / ACL / add-on
		[ -f "$f" ] || continue
		case $f in *.acl) b='\x01' ;; *.yaml | *.json) b='\x02' ;; *) b='\x00' ;; esac
		{ printf "$b"; cat "$f"; } | seed fuzz_lint "$(basename "$f")"
	done
	printf '192.0.2.0\t192.0.2.127\t64500\tDE\tEXAMPLE-A\n192.0.2.128\t192.0.2.255\t0\tNone\tNot routed\n2001:db8::\t2001:db8::ffff\t64502\tUS\tEXAMPLE-6\r\n# c\n' |
		seed fuzz_asndb ranges
	printf '{"kind":"service","probe":"mqtt","mqtt":true,"ip":"192.0.2.1","port":8883,"auth":"anonymous","timestamp":"2026-12-07T21:05:09.123Z","connack":{"code":0,"raw_hex":"20020000"},"tls":{"version":"TLSv1.2","cipher":"ECDHE-RSA-AES128-GCM-SHA256","certificate":{"subject":{"CN":"=x","O":["a","b"],"OU_b64":"/w=="},"serial":"0a","not_before":"2026-01-02T03:04:05Z","key_type":"RSA","key_bits":2048,"fingerprints":{"sha1":"00ff"}}},"findings":[{"severity":"critical","id":"x"}]}' |
		seed fuzz_export tls
	# fuzz_amqp: RabbitMQ 3.10.8's real answers (0-9-1 Connection.Start, 1.0 SASL mechanisms)
	for f in "$ROOT"/tests/vectors/amqp/*.bin; do
		[ -f "$f" ] || continue
		case $f in *sasl*) { printf '\x01'; cat "$f"; } ;; *) { printf '\x00'; cat "$f"; } ;; esac |
			seed fuzz_amqp "$(basename "$f" .bin)"
	done
	printf '[{"kind":"service","probe":"mqtt","mqtt":true,"ip":"192.0.2.1","port":8883,"auth":"anonymous","transport_security":"tls_unverified","broker":{"product":"mosquitto","version":"2.0.11"},"tls":{"certificate":{"san":{"dns":["core-mosquitto"]}}},"topics":{"count":1,"list":[{"topic":"owntracks/a/b","sample":"x"}]},"findings":[{"severity":"critical","category":"location","id":"owntracks.location","title":"t","topic":"owntracks/a/b","reproduce":"r"},{"severity":"info","category":"broker_info","id":"mosquitto.sys","topic":"$SYS/broker/uptime"}]},{"kind":"host","ip":"192.0.2.1","port":0,"risk":{"chain":"mqtt:8883 [critical] -> http:1880 [high]"}}]' |
		seed fuzz_report lab
	# fuzz_record_read: the golden records' lines (every envelope field, _b64 twins)
	i=0
	while IFS= read -r line; do
		i=$((i + 1))
		printf '%s' "$line" | seed fuzz_record_read "golden$i"
	done <"$ROOT/tests/vectors/record/records_head.jsonl"
	cert_seeds
}

# DER certificates for fuzz_tls_cert (without them random bytes never parse as X.509 and
# the target covers nothing): RSA self-signed with SANs, EC with an IP SAN, an expired one,
# a weak 1024-bit key, a DN with many parts.
cert_seeds() {
	local d k
	d=$(mktemp -d)
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/k1" -subj "/CN=broker.test/O=Lab/OU=MQTT/C=DE" \
		-addext "subjectAltName=DNS:broker.test,DNS:*.lab.test,IP:127.0.94.1" -days 30 \
		-outform DER -out "$d/rsa.der" >/dev/null 2>&1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$d/k2" \
		-subj "/CN=127.0.94.2" -addext "subjectAltName=IP:127.0.94.2,email:a@b.test" -days 1 \
		-outform DER -out "$d/ec.der" >/dev/null 2>&1
	openssl req -x509 -newkey rsa:1024 -nodes -keyout "$d/k3" -subj "/CN=weak.test/emailAddress=x@y.test/L=Town/ST=State" \
		-days 1 -outform DER -out "$d/weak.der" >/dev/null 2>&1
	for k in rsa ec weak; do
		[ -s "$d/$k.der" ] && seed fuzz_tls_cert "$k" <"$d/$k.der"
	done
	rm -rf "$d"
}

echo "fuzz: making seed corpora in $WORK"
make_seeds

TARGETS=("${ALL[@]}")
[ $# -gt 0 ] && TARGETS=("$@")
P=0
F=0
for t in "${TARGETS[@]}"; do
	bin="$BUILD/$t"
	[ -x "$bin" ] || { echo "fuzz: $t not built"; F=$((F + 1)); continue; }
	mkdir -p "$WORK/$t" "$BUILD/artifacts/$t"
	# replay earlier crashes first
	if [ -d "$REGRESS/$t" ] && ls "$REGRESS/$t"/* >/dev/null 2>&1; then
		if ! "$bin" "$REGRESS/$t"/* >"$BUILD/$t.regress.log" 2>&1; then
			echo "fuzz: $t: regression input crashes again:"
			grep -E 'ERROR|SUMMARY|Running' "$BUILD/$t.regress.log" | head -5
			F=$((F + 1))
			continue
		fi
	fi
	limit=(-max_total_time="$SECS")
	[ -n "${MSW_FUZZ_RUNS:-}" ] && limit=(-runs="$MSW_FUZZ_RUNS")
	extra=()
	[ -d "$REGRESS/$t" ] && extra+=("$REGRESS/$t")
	t0=$SECONDS
	"$bin" "${limit[@]}" -max_len=70000 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$BUILD/artifacts/$t/" "$WORK/$t" "${extra[@]}" >"$BUILD/$t.log" 2>&1
	rc=$?
	execs=$(sed -nE 's/^stat::number_of_executed_units:\s*([0-9]+).*/\1/p' "$BUILD/$t.log" | tail -1)
	cov=$(grep -oE 'cov: [0-9]+' "$BUILD/$t.log" | tail -1)
	if [ $rc -eq 0 ]; then
		echo "fuzz: $t ok (${execs:-?} executions in $((SECONDS - t0)) s, ${cov:-cov ?})"
		P=$((P + 1))
	else
		echo "fuzz: $t FAILED (rc $rc after ${execs:-?} executions):"
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written|deadly signal' "$BUILD/$t.log" | head -8
		mkdir -p "$REGRESS/$t"
		for a in "$BUILD/artifacts/$t"/*; do
			[ -f "$a" ] || continue
			cp "$a" "$REGRESS/$t/" && echo "fuzz: saved $REGRESS/$t/$(basename "$a")"
		done
		F=$((F + 1))
	fi
done
echo "fuzz: $P passed, $F failed"
[ $F -eq 0 ]
