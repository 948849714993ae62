#!/usr/bin/env python3
"""HTTP servers that are none of the fingerprinted products, some of them misbehaving, for
the dashboard probe's negative tests. One listener per mode on ADDR (a 127.x address):

  catchall  200 + '{}' (JSON) for every path, keep-alive: must not be called any product
  redirect  302 to /r<n+1> forever, keep-alive: redirects must stay bounded
  offhost   301 to http://192.0.2.1:<port>/zz-offhost: must never be followed
  bigchunk  an 8 MiB chunked body: must be capped, not buffered
  garbage   random bytes, then close: protocol error, no crash
  headers   200 header lines: rejected by the header cap
  slow      the head one byte every 0.5 s: bounded by the scanner's timeouts
  wsbad     101 + 'mqtt' subprotocol with a wrong Sec-WebSocket-Accept: not an endpoint
  wsmqtt    a correct RFC 6455 101 with subprotocol 'mqtt' on /mqtt: an MQTT-over-WS endpoint
  interim   100 Continue and 103 Early Hints before the real 200: the final status counts

Every request head is logged as one JSON line {port, method, path, ua} to LOG.
usage: hostile_http.py ADDR LOG mode=port [mode=port ...]"""
import base64, hashlib, json, os, socket, sys, threading, time

ADDR, LOG = sys.argv[1], sys.argv[2]
lock = threading.Lock()


def log(port, head):
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ")
    hdrs = {}
    for ln in lines[1:]:
        if b":" in ln:
            k, v = ln.split(b":", 1)
            hdrs[k.strip().lower().decode("latin1")] = v.strip().decode("latin1")
    rec = {"port": port, "method": parts[0].decode("latin1") if parts else "",
           "path": parts[1].decode("latin1") if len(parts) > 1 else "",
           "ua": hdrs.get("user-agent", ""), "headers": hdrs}
    with lock, open(LOG, "a") as f:
        f.write(json.dumps(rec) + "\n")
    return rec


def read_head(c):
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = c.recv(4096)
        if not d or len(buf) > 65536:
            return None
        buf += d
    return buf.split(b"\r\n\r\n", 1)[0]


def respond(c, status, headers, body=b""):
    h = "HTTP/1.1 %s\r\n" % status + "".join("%s: %s\r\n" % kv for kv in headers)
    c.sendall(h.encode() + b"\r\n" + body)


def serve(c, mode, port):
    n = 0
    while True:
        head = read_head(c)
        if head is None:
            return
        rec = log(port, head)
        n += 1
        if mode == "catchall":
            respond(c, "200 OK", [("Content-Type", "application/json"), ("Content-Length", "2"),
                                  ("Server", "nginx")], b"{}")
        elif mode == "redirect":
            respond(c, "302 Found", [("Location", "/r%d" % n), ("Content-Length", "0")])
        elif mode == "offhost":
            respond(c, "301 Moved", [("Location", "http://192.0.2.1:%d/zz-offhost" % port),
                                     ("Content-Length", "0")])
        elif mode == "bigchunk":
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"[" + b"1," * 32767 + b"1]"
            try:
                for _ in range(128):
                    c.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                c.sendall(b"0\r\n\r\n")
            except OSError:
                return
        elif mode == "interim":
            c.sendall(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n")
            respond(c, "200 OK", [("Content-Length", "5")], b"plain")
        elif mode == "garbage":
            c.sendall(os.urandom(3000))
            return
        elif mode == "headers":
            respond(c, "200 OK", [("X-H%d" % i, "v") for i in range(200)] + [("Content-Length", "0")])
        elif mode == "slow":
            for b in b"HTTP/1.1 200 OK\r\nServer: slow\r\nContent-Length: 0\r\n\r\n":
                c.sendall(bytes([b]))
                time.sleep(0.5)
        elif mode in ("wsbad", "wsmqtt"):
            key = rec["headers"].get("sec-websocket-key", "")
            if mode == "wsmqtt" and rec["path"] == "/mqtt" and key:
                acc = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
            elif key:
                acc = base64.b64encode(b"not the right accept").decode()
            else:
                respond(c, "404 Not Found", [("Content-Length", "0")])
                continue
            respond(c, "101 Switching Protocols", [("Upgrade", "websocket"), ("Connection", "Upgrade"),
                                                   ("Sec-WebSocket-Accept", acc), ("Sec-WebSocket-Protocol", "mqtt")])
            time.sleep(0.5)
            return


def listener(mode, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ADDR, port))
    s.listen(64)
    while True:
        c, _ = s.accept()

        def run(c=c):
            try:
                serve(c, mode, port)
            except OSError:
                pass
            finally:
                c.close()
        threading.Thread(target=run, daemon=True).start()


for spec in sys.argv[3:]:
    mode, port = spec.split("=")
    threading.Thread(target=listener, args=(mode, int(port)), daemon=True).start()
time.sleep(0.3)
print("ready", flush=True)
while True:
    time.sleep(3600)
