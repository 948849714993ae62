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
  wsclose, wsdata
            a correct upgrade on /api, then a close frame with code 4401 / a text frame:
            the WebSocket verdict is read from what the server does (no product claimed)
  scripted_grafana, scripted_emqx
            replay the documented responses of a Grafana (/api/health, /login, basic auth on
            /api/user) and an EMQX 5 dashboard (/, /api/v5/status, POST /api/v5/login) whose
            factory logins still work: scripted peers for the --try-default-logins client
            path (one attempt each, spaced, only once identified). Not product emulators.

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
    rec = {"port": port, "t": time.time(), "method": parts[0].decode("latin1") if parts else "",
           "path": parts[1].decode("latin1") if len(parts) > 1 else "",
           "ua": hdrs.get("user-agent", ""), "headers": hdrs}
    with lock, open(LOG, "a") as f:
        f.write(json.dumps(rec) + "\n")
    return rec


pending = {}


def read_head(c):
    buf = pending.pop(c, b"")
    while b"\r\n\r\n" not in buf:
        d = c.recv(4096)
        if not d or len(buf) > 65536:
            return None
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    if rest:
        pending[c] = rest
    return head


def read_body(c, n):
    buf = pending.pop(c, b"")
    while len(buf) < n:
        d = c.recv(4096)
        if not d:
            break
        buf += d
    if len(buf) > n:
        pending[c] = buf[n:]
    return buf[:n]


def json_resp(c, status, obj, extra=()):
    body = json.dumps(obj).encode()
    respond(c, status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            + list(extra), body)


def scripted(c, mode, rec):
    path, hdrs = rec["path"], rec["headers"]
    if rec["method"] == "POST":
        rec_body = read_body(c, int(hdrs.get("content-length", "0") or 0))
        with lock, open(LOG, "a") as f:
            f.write(json.dumps({"port": rec["port"], "body": rec_body.decode("latin1"),
                                "content_type": hdrs.get("content-type", "")}) + "\n")
    basic = "Basic " + base64.b64encode(b"admin:admin").decode()
    if mode == "scripted_grafana" and path == "/api/health":
        json_resp(c, "200 OK", {"commit": "abc123", "database": "ok", "version": "10.2.3"})
    elif mode == "scripted_grafana" and path == "/login":
        body = b"<!DOCTYPE html><html><head><title>Grafana</title></head><body></body></html>"
        respond(c, "200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(body)))], body)
    elif mode == "scripted_grafana" and path == "/api/user" and hdrs.get("authorization") == basic:
        json_resp(c, "200 OK", {"id": 1, "login": "admin", "isGrafanaAdmin": True})
    elif mode == "scripted_emqx" and path == "/":
        body = b"<!DOCTYPE html><html><head><title>EMQX Dashboard</title></head></html>"
        respond(c, "200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(body)))], body)
    elif mode == "scripted_emqx" and path == "/api/v5/status":
        body = b"Node emqx@127.0.0.1 is started\nemqx is running"
        respond(c, "200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))], body)
    elif mode == "scripted_emqx" and path == "/api/v5/login" and rec["method"] == "POST":
        json_resp(c, "200 OK", {"token": "eyJ.synthetic.token", "version": "5.3.0", "license": {}})
    else:
        json_resp(c, "401 Unauthorized", {"message": "Unauthorized"})


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
        elif mode.startswith("scripted_"):
            scripted(c, mode, rec)
        elif mode in ("wsclose", "wsdata"):
            key = rec["headers"].get("sec-websocket-key", "")
            if rec["path"] != "/api" or not key:
                respond(c, "404 Not Found", [("Content-Length", "0")])
                continue
            acc = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
            respond(c, "101 Switching Protocols", [("Upgrade", "websocket"), ("Connection", "Upgrade"),
                                                   ("Sec-WebSocket-Accept", acc)])
            if mode == "wsclose":
                c.sendall(b"\x89\x00" + b"\x88\x0e" + (4401).to_bytes(2, "big") + b"Unauthorized")
            else:
                msg = json.dumps({"topic": "bridge/state", "payload": {"state": "online"}}).encode()
                c.sendall(bytes([0x81, len(msg)]) + msg)
            time.sleep(0.5)
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
