#!/usr/bin/env python3
"""MQTT servers that answer the way low-interaction honeypots do, for the honeypot tests.
They replay the wire behaviour of the honeypots' own code as summarised in the research
notes (Dionaea modules/python/dionaea/mqtt, Glutton protocols/tcp/mqtt.go, RIoTPot
pkg/plugin/mqttd): written from those descriptions, not copied. One listener per mode on
ADDR (a 127.x address); nothing is ever published to a client.

  dionaea   every CONNECT (any level, MQTT 5 too) -> 20 02 00 00; SUBSCRIBE -> a SUBACK whose
            remaining length says 2 but carries the packet id AND a granted-QoS byte (one
            stray byte); PINGREQ -> PINGRESP; one packet per read, single-byte lengths
  glutton   looks at the first byte only: CONNECT -> 20 02 00 00, SUBSCRIBE -> 90 03 00 00
            (length 3, two bytes follow, packet id 0), PINGREQ -> d0 00 00 00, anything
            else -> 00 00 00 00
  riotpot   CONNECT -> 20 02 00 00; SUBSCRIBE -> 92 02 00 00 (reserved flag bits, packet id
            0, no return codes); PINGREQ -> d0 00
  flip      a well-formed MQTT 3.1.1 server that grants everything and publishes nothing,
            whose CONNACK alternates per connection on this listener: accepted, then
            not authorised (rc 5), then accepted again ...; MQTT 5 CONNECTs are refused
            the 3.1.1 way (rc 1), as a 3.1.1-only broker does
  silent    a well-formed MQTT 3.1.1 server that accepts every CONNECT (MQTT 5 with a
            3.1.1-shaped 20 02 00 00), grants every subscription and never publishes:
            accept-everything, publish-nothing
  replay    a well-formed MQTT 3.1.1 server (MQTT 5 refused with rc 1) that answers a
            subscription with the same retained $SYS snapshot byte for byte every time
            (version, uptime, counters): run on several addresses, one deployed image

Every CONNECT is logged as one JSON line {port, mode, level} to LOG.
usage: mqtt_honeypots.py ADDR[,ADDR...] LOG mode=port [mode=port ...]
(each mode=port listens on every ADDR given)"""
import json, socket, sys, threading

ADDR, LOG = sys.argv[1], sys.argv[2]
lock = threading.Lock()
connects = {}


def log(port, mode, level):
    with lock, open(LOG, "a") as f:
        f.write(json.dumps({"port": port, "mode": mode, "level": level}) + "\n")


def read_packet(s, buf):
    """One MQTT packet from buf+socket: (type byte, body, rest) or None when closed."""
    while True:
        if len(buf) >= 2:
            mult, rl, i = 1, 0, 1
            while i < len(buf) and i <= 4:
                b = buf[i]
                rl += (b & 0x7F) * mult
                mult *= 128
                i += 1
                if not b & 0x80:
                    break
            else:
                i = None
            if i is not None and len(buf) >= i + rl:
                return buf[0], buf[i:i + rl], buf[i + rl:]
        d = s.recv(65536)
        if not d:
            return None
        buf += d


def connect_level(body):
    try:
        n = (body[0] << 8) | body[1]
        return body[2 + n]
    except IndexError:
        return 0


def serve_dionaea(s, port):
    # one read = one packet, parsed from a template; whatever else came with it is ignored
    while True:
        d = s.recv(65536)
        if not d:
            return
        t = d[0]
        if t == 0x10:
            log(port, "dionaea", connect_level(d[2:]))
            s.sendall(b"\x20\x02\x00\x00")
        elif t == 0x82 and len(d) >= 4:
            qos = d[-1] if len(d) > 4 else 0
            s.sendall(bytes([0x90, 0x02, d[2], d[3], qos]))
        elif t == 0xC0:
            s.sendall(b"\xd0\x00")
        elif t & 0xF0 == 0x30 and (t >> 1) & 3 == 1 and len(d) > 4:
            tl = (d[2] << 8) | d[3]
            pid = d[4 + tl:6 + tl]
            if len(pid) == 2:
                s.sendall(b"\x40\x02" + pid)


def serve_glutton(s, port):
    while True:
        d = s.recv(1024)
        if not d:
            return
        t = d[0]
        if t == 0x10:
            log(port, "glutton", connect_level(d[2:]))
            s.sendall(b"\x20\x02\x00\x00")
        elif t == 0x82:
            s.sendall(b"\x90\x03\x00\x00")
        elif t == 0xC0:
            s.sendall(b"\xd0\x00\x00\x00")
        else:
            s.sendall(b"\x00\x00\x00\x00")


def serve_riotpot(s, port):
    buf = b""
    while True:
        p = read_packet(s, buf)
        if p is None:
            return
        t, body, buf = p
        if t == 0x10:
            log(port, "riotpot", connect_level(body))
            s.sendall(b"\x20\x02\x00\x00")
        elif t == 0x82:
            s.sendall(b"\x92\x02\x00\x00")
        elif t == 0xA2:
            s.sendall(b"\xb2\x02\x00\x00")
        elif t == 0xC0:
            s.sendall(b"\xd0\x00")
        elif t & 0xF0 == 0x30:
            s.sendall(b"\x50\x02\x00\x00" if (t >> 1) & 3 == 0 else b"\x42\x02\x00\x00")


# what a replaying image sends: Mosquitto-like $SYS values frozen at one moment
REPLAY_SYS = [
    ("$SYS/broker/version", "mosquitto version 1.6.9"),
    ("$SYS/broker/uptime", "86412 seconds"),
    ("$SYS/broker/clients/connected", "3"),
    ("$SYS/broker/messages/received", "118220"),
    ("$SYS/broker/bytes/received", "4410377"),
]


def retained_publish(topic, payload):
    t, p = topic.encode(), payload.encode()
    body = bytes([len(t) >> 8, len(t) & 0xFF]) + t + p
    return bytes([0x31, len(body)]) + body


def serve_wellformed(s, port, mode):
    buf = b""
    while True:
        p = read_packet(s, buf)
        if p is None:
            return
        t, body, buf = p
        if t == 0x10:
            level = connect_level(body)
            log(port, mode, level)
            if mode in ("flip", "replay"):
                if level == 5:
                    s.sendall(b"\x20\x02\x00\x01")
                    return
                if mode == "replay":
                    s.sendall(b"\x20\x02\x00\x00")
                    continue
                with lock:
                    n = connects.get(port, 0)
                    connects[port] = n + 1
                s.sendall(b"\x20\x02\x00\x00" if n % 2 == 0 else b"\x20\x02\x00\x05")
                if n % 2:
                    return
            else:
                s.sendall(b"\x20\x02\x00\x00")
        elif t == 0x82 and len(body) >= 2:
            # count the filters: 2-byte length, filter, options byte
            i, codes = 2, b""
            while i + 2 <= len(body):
                n = (body[i] << 8) | body[i + 1]
                i += 2 + n + 1
                codes += b"\x00"
            s.sendall(bytes([0x90, 2 + len(codes)]) + body[:2] + codes)
            if mode == "replay":
                s.sendall(b"".join(retained_publish(t, v) for t, v in REPLAY_SYS))
        elif t == 0xC0:
            s.sendall(b"\xd0\x00")
        elif t == 0xE0:
            return


SERVERS = {
    "dionaea": serve_dionaea,
    "glutton": serve_glutton,
    "riotpot": serve_riotpot,
    "flip": lambda s, port: serve_wellformed(s, port, "flip"),
    "silent": lambda s, port: serve_wellformed(s, port, "silent"),
    "replay": lambda s, port: serve_wellformed(s, port, "replay"),
}


def handle(conn, port, fn):
    with conn:
        try:
            conn.settimeout(60)
            fn(conn, port)
        except (OSError, IndexError):
            pass


def listen(ls, port, fn):
    while True:
        c, _ = ls.accept()
        threading.Thread(target=handle, args=(c, port, fn), daemon=True).start()


def main():
    addrs = ADDR.split(",")
    if not all(a.startswith("127.") for a in addrs):
        sys.exit("mqtt_honeypots.py: loopback addresses only")
    threads = []
    for arg in sys.argv[3:]:
        mode, port = arg.split("=", 1)
        for a in addrs:
            ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            ls.bind((a, int(port)))
            ls.listen(64)
            t = threading.Thread(target=listen, args=(ls, int(port), SERVERS[mode]), daemon=True)
            t.start()
            threads.append(t)
    print("ready", flush=True)
    for t in threads:
        t.join()


main()
