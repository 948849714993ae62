#!/usr/bin/env bash
# The MQTT probe's protocol paths that a stock Mosquitto cannot produce, against a small
# scripted broker (one behaviour per 127.0.91.x address; it records what the probe sent):
#   version fallback 3.1.1 → 3.1 (rc 1) and 3.1.1 → 3.1 → 5.0 (rc 1 / close), the
#   per-version matrix, MQTT 5 CONNACK reason codes with their own auth values (banned,
#   server moved + Server Reference, use another server), every CONNACK property type in
#   the record, the QoS 1 / QoS 2 acknowledgement flows, a Topic Alias (we allow none),
#   an oversized QoS 1 PUBLISH skipped but acknowledged, a server DISCONNECT, and a
#   PINGREQ inside a listen window longer than keepalive/2.
set -u
. "$(dirname "$0")/lib.sh"

T=$(msw_tmpdir)
P=$(free_port 127.0.91.20)

cat >"$T/fake.py" <<'EOF'
# Scripted MQTT broker: python3 fake.py ADDR PORT MODE LOGFILE
import socket, sys, threading
addr, port, mode, logf = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]

def vb(n):
    o = b''
    while True:
        b = n & 0x7f; n >>= 7
        o += bytes([b | (0x80 if n else 0)])
        if not n: return o
def s(x): return len(x).to_bytes(2, 'big') + (x.encode() if isinstance(x, str) else x)
def pk(t, fl, body): return bytes([(t << 4) | fl]) + vb(len(body)) + body
def log(*a):
    with open(logf, 'a') as f: f.write(' '.join(str(x) for x in a) + '\n')

def read_packet(c):
    h = c.recv(1)
    if not h: return None, None, None
    mult, n = 1, 0
    while True:
        b = c.recv(1)[0]; n += (b & 0x7f) * mult; mult *= 128
        if not b & 0x80: break
    body = b''
    while len(body) < n:
        d = c.recv(n - len(body))
        if not d: return None, None, None
        body += d
    return h[0] >> 4, h[0] & 15, body

def connack(level, code, props=b''):
    if level == 5: return pk(2, 0, bytes([0, code]) + vb(len(props)) + props)
    return pk(2, 0, bytes([0, code]))

ALLP = (b'\x21' + (32).to_bytes(2, 'big') + b'\x22' + (0).to_bytes(2, 'big') + b'\x24\x01' + b'\x25\x00'
        + b'\x27' + (1048576).to_bytes(4, 'big') + b'\x28\x01\x29\x00\x2a\x01' + b'\x13' + (120).to_bytes(2, 'big')
        + b'\x12' + s('fake-7') + b'\x1f' + s('hello') + b'\x26' + s('k') + s('v') + b'\x11' + (0).to_bytes(4, 'big'))

def session(c, level):
    t, fl, body = read_packet(c)
    if t != 8: return
    pid = body[:2]
    off = 2 + (1 if level == 5 else 0)
    n = 0
    while off < len(body):
        l = int.from_bytes(body[off:off + 2], 'big'); f = body[off + 2:off + 2 + l]
        log('SUBSCRIBE', f.decode(), 'opt', body[off + 2 + l]); off += 3 + l; n += 1
    c.sendall(pk(9, 0, pid + (b'\x00' if level == 5 else b'') + b'\x00\x80'[:n]))
    if mode == 'qos':
        c.sendall(pk(3, 2, s('q/one') + (10).to_bytes(2, 'big') + b'one'))      # QoS 1
        c.sendall(pk(3, 4, s('q/two') + (11).to_bytes(2, 'big') + b'two'))      # QoS 2
    elif mode == 'alias':
        c.sendall(pk(3, 0, s('') + vb(3) + b'\x23\x00\x05' + b'x'))
    elif mode == 'big':
        c.sendall(pk(3, 2, s('big/blob') + (12).to_bytes(2, 'big') + b'B' * 300000))
        c.sendall(pk(3, 1, s('small') + b'ok'))
    elif mode == 'anycreds':
        c.sendall(pk(3, 1, s('home/alarm/state') + b'disarmed'))
    elif mode == 'disconnect':
        c.sendall(pk(3, 1, s('a/b') + vb(0) + b'1'))
        c.sendall(pk(14, 0, b'\x9c' + vb(13) + b'\x1c' + s('other:1883') + b''))
    while True:
        t, fl, body = read_packet(c)
        if t is None: return
        name = {4: 'PUBACK', 5: 'PUBREC', 7: 'PUBCOMP', 12: 'PINGREQ', 14: 'DISCONNECT'}.get(t, 'T%d' % t)
        log(name, int.from_bytes(body[:2], 'big') if t in (4, 5, 7) else '')
        if name == 'PUBREC' and mode == 'qos':
            c.sendall(pk(6, 2, body[:2]))                                          # PUBREL
        if t == 14: return

def handle(c):
    try:
        t, fl, body = read_packet(c)
        if t != 1: return
        pl = int.from_bytes(body[:2], 'big'); level = body[2 + pl]; flags = body[3 + pl]
        log('CONNECT', level, 'flags', flags)
        accept = {'only31': level == 3, 'only5': level == 5, 'anycreds': bool(flags & 0x80)}.get(mode, True)
        if mode == 'anycreds' and not accept:
            c.sendall(pk(2, 0, b'\x00\x05')); return
        if mode == 'closeexcept5' and level != 5:
            return
        if mode in ('banned', 'moved', 'other') and level == 5:
            code = {'banned': 0x8a, 'moved': 0x9d, 'other': 0x9c}[mode]
            props = b'\x1c' + s('mqtt2.example.net:8883') if mode != 'banned' else b''
            c.sendall(connack(5, code, props)); return
        if not accept:
            c.sendall(pk(2, 0, b'\x00\x01') if level != 5 else connack(5, 0x84)); return
        c.sendall(connack(level, 0, ALLP if level == 5 else b''))
        session(c, level)
    except Exception as e:
        log('EXC', e)
    finally:
        c.close()

srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((addr, port)); srv.listen(16)
while True:
    c, _ = srv.accept(); c.settimeout(90)
    threading.Thread(target=handle, args=(c,), daemon=True).start()
EOF

msw() {
	"$MSW_BIN" "$@" 2>>"$T/stderr.txt"
}

i=20
declare -A ADDR
for mode in only31 only5 closeexcept5 banned moved other qos alias big disconnect matrix5 ping anycreds; do
	ADDR[$mode]=127.0.91.$i
	m=$mode
	[ $mode = matrix5 ] && m=only5
	"$(msw_python)" "$T/fake.py" "127.0.91.$i" "$P" "$m" "$T/$mode.log" &
	track_pid $!
	i=$((i + 1))
done
for mode in "${!ADDR[@]}"; do wait_port "${ADDR[$mode]}" "$P" 10 || fail "fake $mode"; done

# --- keepalive: a 31 s window needs a PINGREQ at 30 s (keepalive 60), run alongside
msw scan ${ADDR[ping]} -p $P --depth topics --window 31 --format json >"$T/ping.json" &
PINGSCAN=$!

# --- version fallback
msw scan ${ADDR[only31]} -p $P --format json >"$T/only31.json"
validate_schema "$T/only31.json"
assert_json_all "$T/only31.json" '.mqtt_version == "3.1" and .auth == "anonymous" and .versions["3.1.1"] == "refused" and .versions["3.1"] == "accepted"' "fallback: 3.1.1 refused, 3.1 accepted"
assert_eq "CONNECT 4 flags 2,CONNECT 3 flags 2" "$(grep "^CONNECT" "$T/only31.log" | paste -sd,)" "fallback: 3.1.1 then 3.1, clean session, no will, no credentials"
msw scan ${ADDR[only5]} -p $P --format json >"$T/only5.json"
assert_json_all "$T/only5.json" '.mqtt_version == "5.0" and .auth == "anonymous" and .versions["5.0"] == "accepted"' "fallback: 3.1.1 and 3.1 refused, 5.0 accepted"
assert_eq "CONNECT 4 flags 2,CONNECT 3 flags 2,CONNECT 5 flags 2" "$(grep "^CONNECT" "$T/only5.log" | paste -sd,)" "fallback order 3.1.1, 3.1, 5.0"
msw scan ${ADDR[closeexcept5]} -p $P --format json >"$T/close5.json"
assert_json_all "$T/close5.json" '.mqtt_version == "5.0" and .versions["3.1.1"] == "closed" and .versions["3.1"] == "closed"' "fallback after close-without-CONNACK"
msw scan ${ADDR[only31]} -p $P --versions 5.0 --format json >"$T/v5only.json"
assert_json_all "$T/v5only.json" '.mqtt_version == "5.0" and .auth == "unknown" and .connack.code == 132 and .status == "application-error"' "--versions 5.0: only 5.0 sent, refused 0x84"

# --- the matrix and every CONNACK property type
msw scan ${ADDR[matrix5]} -p $P --versions all --format json >"$T/matrix.json"
validate_schema "$T/matrix.json"
assert_json_all "$T/matrix.json" '.versions == {"3.1": "refused", "3.1.1": "refused", "5.0": "accepted"} and .mqtt_version == "5.0"' "matrix: per-version outcomes"
assert_json_all "$T/matrix.json" '.connack.properties | (.receive_maximum == 32 and .topic_alias_maximum == 0 and .maximum_qos == 1 and .retain_available == 0 and .maximum_packet_size == 1048576 and .wildcard_subscription_available == 1 and .subscription_identifier_available == 0 and .shared_subscription_available == 1 and .server_keep_alive == 120 and .assigned_client_identifier == "fake-7" and .reason_string == "hello" and .user_properties == [["k","v"]] and .session_expiry_interval == 0)' "matrix: every CONNACK property by spec name"

# --- MQTT 5 reason codes with their own verdicts
msw scan ${ADDR[banned]} -p $P --versions 5.0 --format json >"$T/banned.json"
assert_json_all "$T/banned.json" '.auth == "banned" and .connack.code == 138 and .status == "success"' "0x8A banned"
msw scan ${ADDR[moved]} -p $P --versions 5.0 --format json >"$T/moved.json"
assert_json_all "$T/moved.json" '.auth == "server_moved" and .connack.properties.server_reference == "mqtt2.example.net:8883"' "0x9D server moved with Server Reference"
msw scan ${ADDR[other]} -p $P --versions 5.0 --format json >"$T/other.json"
assert_json_all "$T/other.json" '.auth == "use_another_server" and .connack.properties.server_reference == "mqtt2.example.net:8883"' "0x9C use another server"

# --- --auth-probe: a broker that refuses anonymous clients but takes any name/password
msw scan ${ADDR[anycreds]} -p $P --format json >"$T/anyc0.json"
assert_json_all "$T/anyc0.json" '.auth == "credentials_required"' "anycreds: without --auth-probe credentials_required"
msw scan ${ADDR[anycreds]} -p $P --auth-probe --depth topics --window 1 --format json >"$T/anyc.json"
validate_schema "$T/anyc.json"
assert_json_all "$T/anyc.json" '.auth == "any_credentials" and .status == "success" and .read_access == "granted_with_data"' "anycreds: --auth-probe gives any_credentials and reads"
assert_eq "CONNECT 4 flags 2,CONNECT 4 flags 2,CONNECT 4 flags 194" "$(grep "^CONNECT" "$T/anycreds.log" | paste -sd,)" "anycreds: exactly one extra CONNECT, with user name and password"

msw audit ${ADDR[anycreds]}:$P --window 1 --format json >"$T/anyc_audit.json"
assert_json "$T/anyc_audit.json" '.probe == "mqtt" and .auth == "any_credentials" and .versions == {"3.1": "not_authorized", "3.1.1": "not_authorized", "5.0": "not_authorized"}' "anycreds audit: matrix shows the anonymous outcome, auth any_credentials"

# --- QoS 1 and QoS 2 flows
msw scan ${ADDR[qos]} -p $P --depth topics --window 1 --format json >"$T/qos.json"
validate_schema "$T/qos.json"
assert_json_all "$T/qos.json" '.read_access == "granted_with_data" and .topics.messages == 2' "qos: both messages recorded"
assert_eq "PUBACK 10,PUBREC 11,PUBCOMP 11,DISCONNECT" "$(grep -E '^(PUB|DISC)' "$T/qos.log" | sed 's/ $//' | paste -sd,)" "qos: PUBACK, PUBREC, PUBREL→PUBCOMP, DISCONNECT"
assert_eq "SUBSCRIBE # opt 0,SUBSCRIBE \$SYS/# opt 0" "$(grep SUBSCRIBE "$T/qos.log" | paste -sd,)" "qos: one SUBSCRIBE, two filters at QoS 0"

# --- Topic Alias although we advertised Topic Alias Maximum 0
msw scan ${ADDR[alias]} -p $P --versions 5.0 --depth topics --window 1 --format json >"$T/alias.json"
assert_json_all "$T/alias.json" '.status == "protocol-error" and .auth == "anonymous" and (.error | test("Topic Alias"))' "alias: protocol error, verdict kept"

# --- oversized QoS 1 PUBLISH: skipped unread, acknowledged, collection goes on
msw scan ${ADDR[big]} -p $P --depth topics --window 1 --max-packet 64K --format json >"$T/big.json"
assert_json_all "$T/big.json" '.status == "success" and (.topics.list | map(select(.topic == "big/blob" and .sample_truncated == true)) | length) == 1 and (.topics.list | map(.topic) | index("small")) != null' "big: oversized PUBLISH skipped, next one read"
grep -q "^PUBACK 12" "$T/big.log" && pass "big: oversized QoS 1 PUBLISH acknowledged" || fail "big: no PUBACK 12"

# --- server DISCONNECT (5.0) after delivering
msw scan ${ADDR[disconnect]} -p $P --versions 5.0 --depth topics --window 2 --format json >"$T/disc.json"
assert_json_all "$T/disc.json" '.status == "success" and .topics.messages == 1 and (.error | test("DISCONNECT.*other:1883"))' "server DISCONNECT recorded with its Server Reference"

wait $PINGSCAN
assert_json_all "$T/ping.json" '.status == "success" and .duration_ms >= 31000' "ping: 31 s window completed"
grep -q "^PINGREQ" "$T/ping.log" && pass "ping: PINGREQ sent during a long window" || fail "ping: no PINGREQ"
grep -q "^DISCONNECT" "$T/ping.log" && pass "ping: DISCONNECT at the end of the window" || fail "ping: no DISCONNECT"

no_asan_report "$T/stderr.txt" && pass "no sanitizer report"
finish
