#!/usr/bin/env bash
# TLS against real Mosquitto listeners (one per 127.0.94.x address), certificates made at
# test time by tests/peers/certs.sh:
#   .1 CA-signed valid      .2 self-signed      .3 expired        .4 wrong host name
#   .5 require_certificate  .6 TLS-PSK          .7 RSA-1024 key   .8 accepts TLS 1.1
#   .9 plain MQTT (a TLS client gets no TLS)    127.0.0.1:PORT2 valid cert, reached as localhost (SNI)
#   .10 openssl s_server -Verify 1 -tls1_2: a client certificate demanded in TLS 1.2, where the
#       refusal is a handshake failure (Mosquitto negotiates 1.3, where it comes after Finished)
# Part 1 drives the layer stack directly (tests/tools/layer_client): handshake, verdicts,
# client-certificate detection, PSK, legacy check. Part 2 runs mqttsweep itself and checks
# the records (transport, status, auth, tls block, transport_security) and the schema.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T=$(msw_tmpdir)
C=$T/certs
PORT=18883
PORT2=18894
LC=${MSW_LAYER_CLIENT:-$MSW_BUILD_DIR/layer_client}

bash "$MSW_SOURCE_DIR/tests/peers/certs.sh" "$C" localhost 127.0.94.1,127.0.0.1 ||
	{ fail "certs.sh"; finish; }

tls_listener() { # addr port cert [extra lines...]
	local addr=$1 port=$2 cert=$3
	shift 3
	echo "listener $port $addr"
	if [ "$cert" != none ]; then
		echo "certfile $C/$cert.crt"
		echo "keyfile $C/$cert.key"
	fi
	local l
	for l in "$@"; do echo "$l"; done
}

{
	echo "allow_anonymous true"
	echo "persistence false"
	echo "log_dest file $T/mosq.log"
	echo "log_type all"
	tls_listener 127.0.94.1 $PORT valid
	tls_listener 127.0.94.2 $PORT selfsigned
	tls_listener 127.0.94.3 $PORT expired
	tls_listener 127.0.94.4 $PORT wronghost
	tls_listener 127.0.94.5 $PORT valid "cafile $C/ca.crt" "require_certificate true"
	tls_listener 127.0.94.6 $PORT none "psk_hint mqttsweep" "psk_file $C/psk.txt"
	tls_listener 127.0.94.7 $PORT weak "ciphers DEFAULT:@SECLEVEL=0"
	tls_listener 127.0.94.8 $PORT valid "tls_version tlsv1.1" "ciphers DEFAULT:@SECLEVEL=0"
	echo "listener $PORT 127.0.94.9"
	tls_listener 127.0.0.1 $PORT2 valid
} >"$T/mosq.conf"
chmod 0644 "$T/mosq.conf"
: >"$T/mosq.log"
chmod 0666 "$T/mosq.log"
mosquitto -c "$T/mosq.conf" >"$T/mosq.stderr" 2>&1 &
track_pid $!
for i in 1 2 3 4 5 6 7 8 9; do
	wait_port 127.0.94.$i $PORT 10 || { cat "$T/mosq.stderr" "$T/mosq.log" >&2; fail "mosquitto on .$i"; finish; }
done
wait_port 127.0.0.1 $PORT2 10 || fail "mosquitto on 127.0.0.1:$PORT2"
PSK=$(cat "$C/psk.hex")

# ---- part 1: the layers against the real broker ----
lc() { # name args... → $T/lc-name.json
	local name=$1
	shift
	"$LC" -t tls -p "$PORT" "$@" >"$T/lc-$name.json" 2>"$T/lc-$name.err"
	no_asan_report "$T/lc-$name.err"
}
if [ -x "$LC" ]; then
	lc valid -a 127.0.94.1 --cafile "$C/ca.crt" --legacy
	assert_json "$T/lc-valid.json" '.handshake=="ok" and .connack_code==0 and .transport_security=="tls_verified"
		and .tls.verdicts.chain_verified and (.tls.verdicts.self_signed|not) and (.tls.verdicts.expired|not)
		and (.tls.verdicts.hostname_mismatch|not) and (.tls.verdicts.weak_key|not)
		and .tls.verdicts.legacy_protocols==false
		and .tls.certificate.subject.CN=="localhost" and .tls.certificate.issuer.CN=="mqttsweep test CA"
		and (.tls.certificate.san.ip|index("127.0.94.1")) != null
		and (.tls.certificate.fingerprints.sha256|length)==64 and (.tls.certificate.fingerprints.md5|length)==32
		and .tls.certificate.key_type=="EC" and .tls.certificate.key_bits==256
		and (.tls.version|startswith("TLS"))' "layers: CA-signed listener verified, certificate recorded"
	want_fp=$(openssl x509 -in "$C/valid.crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)
	assert_json "$T/lc-valid.json" ".tls.certificate.fingerprints.sha256==\"$want_fp\"" "layers: sha256 fingerprint matches openssl"
	lc novalid -a 127.0.94.1
	assert_json "$T/lc-novalid.json" '.handshake=="ok" and (.tls.verdicts.chain_verified|not) and .transport_security=="tls_unverified"' \
		"layers: without --cafile the test CA is not trusted"
	lc insecure -a 127.0.94.1 --cafile "$C/ca.crt" --insecure
	assert_json "$T/lc-insecure.json" '.handshake=="ok" and .transport_security=="tls_unverified" and .tls.verification!=null and .tls.certificate.subject.CN=="localhost"' \
		"layers: --insecure records the certificate but does not verify it"
	lc self -a 127.0.94.2 --cafile "$C/ca.crt"
	assert_json "$T/lc-self.json" '.handshake=="ok" and .connack_code==0 and .tls.verdicts.self_signed and (.tls.verdicts.chain_verified|not) and .transport_security=="tls_unverified"' \
		"layers: self-signed recorded, audit goes on"
	lc expired -a 127.0.94.3 --cafile "$C/ca.crt"
	assert_json "$T/lc-expired.json" '.handshake=="ok" and .connack_code==0 and .tls.verdicts.expired and (.tls.verdicts.chain_verified|not) and .tls.certificate.not_after=="2021-01-01T00:00:00Z"' \
		"layers: expired recorded, audit goes on"
	lc wrong -a 127.0.94.4 --cafile "$C/ca.crt"
	assert_json "$T/lc-wrong.json" '.handshake=="ok" and .tls.verdicts.hostname_mismatch and .tls.verdicts.chain_verified and .transport_security=="tls_unverified"' \
		"layers: wrong host name recorded"
	lc reqcert -a 127.0.94.5 --cafile "$C/ca.crt"
	assert_json "$T/lc-reqcert.json" '.handshake=="tls error" and .auth=="client_cert_required" and .tls.client_cert_requested and .tls.client_cert_required and (.error|test("certificate"))' \
		"layers: require_certificate → client_cert_required"
	lc mtls -a 127.0.94.5 --cafile "$C/ca.crt" --cert "$C/client.crt" --key "$C/client.key"
	assert_json "$T/lc-mtls.json" '.handshake=="ok" and .connack_code==0 and .transport_security=="mtls" and .tls.client_cert_sent' \
		"layers: --cert/--key → mtls"
	lc psk -a 127.0.94.6 --psk "$PSK" --psk-identity mqttsweep
	assert_json "$T/lc-psk.json" '.handshake=="ok" and .connack_code==0 and .tls.psk and (.tls.cipher|test("PSK"))' "layers: TLS-PSK"
	lc badpsk -a 127.0.94.6 --psk 00112233445566778899aabbccddeeff --psk-identity mqttsweep
	assert_json "$T/lc-badpsk.json" '.handshake=="tls error" and (.error|length)>0' "layers: wrong PSK is a handshake error"
	lc weak -a 127.0.94.7 --cafile "$C/ca.crt"
	assert_json "$T/lc-weak.json" '.handshake=="ok" and .tls.verdicts.weak_key and .tls.certificate.key_bits==1024 and .tls.certificate.key_type=="RSA"' \
		"layers: RSA-1024 → weak_key"
	lc legacy -a 127.0.94.8 --cafile "$C/ca.crt" --legacy
	assert_json "$T/lc-legacy.json" '.handshake=="ok" and .tls.verdicts.legacy_protocols==true and .tls.legacy_version=="TLSv1.1"' \
		"layers: TLS 1.1 accepted on the side connection"
	lc plain -a 127.0.94.9
	assert_json "$T/lc-plain.json" '.handshake=="tls error" and (.tls.handshake_ok|not)' "layers: plain MQTT port → TLS handshake error"
	openssl s_server -accept 127.0.94.10:$PORT -cert "$C/valid.crt" -key "$C/valid.key" -CAfile "$C/ca.crt" \
		-Verify 1 -tls1_2 -quiet </dev/null >"$T/s_server.log" 2>&1 &
	track_pid $!
	wait_port 127.0.94.10 $PORT 10
	lc tls12req -a 127.0.94.10 -w 1500
	assert_json "$T/lc-tls12req.json" '.handshake=="tls error" and .auth=="client_cert_required" and .tls.alert.name=="handshake_failure"' \
		"layers: TLS 1.2 CertificateRequest then handshake_failure → client_cert_required"
	lc tls12mtls -a 127.0.94.10 -w 1500 --cafile "$C/ca.crt" --cert "$C/client.crt" --key "$C/client.key"
	assert_json "$T/lc-tls12mtls.json" '.handshake=="ok" and .transport_security=="mtls" and .tls.version=="TLSv1.2"' \
		"layers: TLS 1.2 with --cert/--key → mtls"
	"$LC" -t tls -a 127.0.0.1 -p "$PORT2" -n localhost --cafile "$C/ca.crt" >"$T/lc-sni.json" 2>"$T/lc-sni.err"
	assert_json "$T/lc-sni.json" '.handshake=="ok" and .tls.sni=="localhost" and (.tls.verdicts.hostname_mismatch|not) and .transport_security=="tls_verified"' \
		"layers: SNI and host name check by name"
else
	fail "layer_client not built ($LC)"
fi

# ---- part 2: mqttsweep ----
if [ ! -x "$MSW_BIN" ]; then
	fail "mqttsweep binary missing ($MSW_BIN)"
	finish
fi
run() { # name args...
	local name=$1
	shift
	"$MSW_BIN" audit -q --window 1 --seed 1 "$@" -oJ "$T/$name.json" >"$T/$name.out" 2>"$T/$name.err"
	echo "$?" >"$T/$name.rc"
	no_asan_report "$T/$name.err"
}
run main 127.0.94.1-9 -p "$PORT/tls" --cafile "$C/ca.crt" --tls-legacy-check --all
R=$T/main.json
assert_eq 0 "$(cat "$T/main.rc")" "mqttsweep exit code"
validate_schema "$R"
assert_json "$R" '.ip=="127.0.94.1" and .transport=="tls" and .status=="success" and .auth=="anonymous"
	and .transport_security=="tls_verified" and .tls.verdicts.chain_verified and .tls.verdicts.legacy_protocols==false
	and .tls.certificate.subject.CN=="localhost"' "scan: valid CA-signed → tls_verified, anonymous"
assert_json "$R" '.ip=="127.0.94.2" and .auth=="anonymous" and .tls.verdicts.self_signed and .transport_security=="tls_unverified"' \
	"scan: self-signed → audited anyway, tls_unverified"
assert_json "$R" '.ip=="127.0.94.3" and .auth=="anonymous" and .tls.verdicts.expired' "scan: expired → audited anyway"
assert_json "$R" '.ip=="127.0.94.4" and .auth=="anonymous" and .tls.verdicts.hostname_mismatch' "scan: wrong host name recorded"
assert_json "$R" '.ip=="127.0.94.5" and .auth=="client_cert_required" and .status=="handshake-error"' \
	"scan: require_certificate → client_cert_required, handshake-error"
assert_json "$R" '.ip=="127.0.94.6" and .status=="handshake-error"' "scan: PSK listener without --psk → handshake-error"
assert_json "$R" '.ip=="127.0.94.7" and .tls.verdicts.weak_key' "scan: weak key"
assert_json "$R" '.ip=="127.0.94.8" and .tls.verdicts.legacy_protocols==true' "scan: --tls-legacy-check finds TLS 1.1"
assert_json "$R" '.ip=="127.0.94.9" and .status=="handshake-error" and (.error|length)>0' "scan: plain port over TLS → handshake-error with the reason"

run mtls 127.0.94.5 -p "$PORT/tls" --cafile "$C/ca.crt" --cert "$C/client.crt" --key "$C/client.key"
assert_json "$T/mtls.json" '.status=="success" and .auth=="anonymous" and .transport_security=="mtls"' "scan: --cert/--key → mtls"
run psk 127.0.94.6 -p "$PORT/tls" --psk "$PSK" --psk-identity mqttsweep
assert_json "$T/psk.json" '.status=="success" and .auth=="anonymous" and .tls.psk' "scan: --psk → success"
run url "mqtts://localhost:$PORT2" --cafile "$C/ca.crt"
assert_json "$T/url.json" '.ip=="127.0.0.1" and .hostname=="localhost" and .tls.sni=="localhost" and .transport_security=="tls_verified"' \
	"scan: mqtts://localhost → SNI, verified by name"
run detect 127.0.94.9 -p "$PORT/tls" --detect
assert_json "$T/detect.json" '.ip=="127.0.94.9" and .status=="success" and .transport=="tcp" and .auth=="anonymous"' \
	"scan: --detect falls back to plain MQTT where TLS failed"
finish
