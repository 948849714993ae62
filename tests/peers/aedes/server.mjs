// Aedes (a second, independent MQTT broker implementation) for mqttsweep's tests.
// Listens only where told (tests use 127.x addresses):
//   --tcp HOST:PORT            plain MQTT
//   --ws HOST:PORT[/path]      MQTT over WebSocket (default path /mqtt)
//   --tls HOST:PORT            MQTT over TLS (needs --cert and --key)
//   --wss HOST:PORT[/path]     MQTT over WebSocket over TLS (needs --cert and --key)
//   --auth none|any|reject     none: anonymous allowed (no hook); any: any username with any
//                              password accepted, anonymous refused (CONNACK 5); reject:
//                              every CONNECT refused (4 with a username, 5 without)
//   --retain TOPIC:BYTES       publish a retained message of BYTES 'x' at start
//   --heartbeat MS             $SYS/<id>/heartbeat interval (Aedes default: 60000)
//   --ws-protocol NAME         WebSocket listeners accept only the subprotocol NAME (an old
//                              broker that knows "mqttv3.1" only); others are refused with 400
//   --acl FILE                 accounts and their rights, JSON:
//                              {"users": {"NAME": {"password": "PW", "read": [FILTER...],
//                               "write": [FILTER...]}}, "anonymous": {"read": [...], "write": [...]}}
//                              (%u in a filter is the user name; no "anonymous" key: anonymous
//                              clients are refused). authorizeSubscribe grants a subscription
//                              inside a read filter and refuses others (SUBACK 0x80);
//                              authorizePublish lets a topic a write filter matches through and
//                              fails the rest (Aedes then closes the connection)
//   --events FILE              one JSON line per client event: {"ev": "connect", "id", "clean"},
//                              {"ev": "subscribe", "id", "topics"}, {"ev": "publish", "id",
//                              "topic", "qos", "retain"} (clients' messages only), {"ev": "close",
//                              "id", "disconnect": whether the client sent DISCONNECT}, and on
//                              SIGUSR2 {"ev": "state", "clients": connected clients now}
// Prints "ready" on stdout once every listener is up. Stop it with SIGTERM.
import { Aedes } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';

function parseArgs(argv) {
	const o = { tcp: [], tls: [], ws: [], wss: [], auth: 'none', retain: [] };
	for (let i = 2; i < argv.length; i++) {
		const k = argv[i], v = argv[i + 1];
		switch (k) {
		case '--tcp': o.tcp.push(v); i++; break;
		case '--tls': o.tls.push(v); i++; break;
		case '--ws': o.ws.push(v); i++; break;
		case '--wss': o.wss.push(v); i++; break;
		case '--cert': o.cert = v; i++; break;
		case '--key': o.key = v; i++; break;
		case '--auth': o.auth = v; i++; break;
		case '--retain': o.retain.push(v); i++; break;
		case '--heartbeat': o.heartbeat = Number(v); i++; break;
		case '--ws-protocol': o.wsProtocol = v; i++; break;
		case '--events': o.events = v; i++; break;
		case '--acl': o.acl = JSON.parse(fs.readFileSync(v, 'utf8')); i++; break;
		default: throw new Error(`unknown argument ${k}`);
		}
	}
	if (!['none', 'any', 'reject'].includes(o.auth))
		throw new Error('--auth none|any|reject');
	return o;
}

function hostPort(spec) {
	const m = /^([0-9.]+):(\d+)(\/.*)?$/.exec(spec);
	if (!m || !m[1].startsWith('127.'))
		throw new Error(`bad listen spec ${spec} (127.x.y.z:PORT[/path] only)`);
	return { host: m[1], port: Number(m[2]), path: m[3] || '/mqtt' };
}

function authHook(mode) {
	if (mode === 'none')
		return undefined;
	return (client, username, password, cb) => {
		if (mode === 'any' && username) {
			cb(null, true);
			return;
		}
		const err = new Error('refused');
		err.returnCode = username ? 4 : 5;
		cb(err, false);
	};
}

// MQTT topic matching (§4.7), enough for the ACL hooks
function matches(filter, topic) {
	const f = filter.split('/'), t = topic.split('/');
	if ((f[0] === '#' || f[0] === '+') && topic.startsWith('$')) return false;
	for (let i = 0; i < f.length; i++) {
		if (f[i] === '#') return true;
		if (i >= t.length) return false;
		if (f[i] !== '+' && f[i] !== t[i]) return false;
	}
	return f.length === t.length;
}

// Whether subscribing to sub stays inside the allowed filter: every topic sub can match,
// the allowed filter matches too.
function covers(allowed, sub) {
	if (sub.startsWith('$share/')) sub = sub.split('/').slice(2).join('/');
	const a = allowed.split('/'), s = sub.split('/');
	for (let i = 0; i < a.length; i++) {
		if (a[i] === '#') return !(i === 0 && sub.startsWith('$'));
		if (i >= s.length || s[i] === '#') return false;
		if (a[i] !== '+' && (s[i] === '+' || a[i] !== s[i])) return false;
	}
	return a.length === s.length;
}

function aclHooks(acl) {
	const rights = (client) => {
		const name = client.mswUser;
		const r = name === undefined ? acl.anonymous : acl.users[name];
		const sub = (list) => (list || []).map((f) => f.replaceAll('%u', name || ''));
		return { read: sub(r && r.read), write: sub(r && r.write) };
	};
	return {
		authenticate: (client, username, password, cb) => {
			const u = username === undefined ? null : acl.users[username];
			const ok = username === undefined ? acl.anonymous !== undefined
				: u !== undefined && password && password.toString() === u.password;
			if (ok) {
				client.mswUser = username;
				cb(null, true);
				return;
			}
			const err = new Error('refused');
			err.returnCode = username === undefined ? 5 : 4;
			cb(err, false);
		},
		authorizeSubscribe: (client, sub, cb) =>
			cb(null, rights(client).read.some((f) => covers(f, sub.topic)) ? sub : null),
		authorizePublish: (client, packet, cb) =>
			cb(rights(client).write.some((f) => matches(f, packet.topic)) ? null
				: new Error('not authorized')),
	};
}

function logEvents(broker, path) {
	const out = fs.openSync(path, 'a');
	const log = (o) => fs.writeSync(out, JSON.stringify(o) + '\n');
	broker.on('client', (c) => log({ ev: 'connect', id: c.id, clean: c.clean }));
	broker.on('subscribe', (subs, c) => c && log({ ev: 'subscribe', id: c.id,
		topics: subs.map((x) => x.topic) }));
	broker.on('publish', (p, c) => c && log({ ev: 'publish', id: c.id, topic: p.topic, qos: p.qos,
		retain: p.retain }));
	broker.on('clientDisconnect', (c) => log({ ev: 'close', id: c.id, disconnect: c._disconnected }));
	process.on('SIGUSR2', () => log({ ev: 'state', clients: broker.connectedClients }));
}

function listen(server, host, port) {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, host, resolve);
	});
}

function wsServer(broker, server, path, only) {
	const opts = { server, path };
	if (only) {
		opts.handleProtocols = (protocols) => (protocols.has(only) ? only : false);
		opts.verifyClient = (info) =>
			(info.req.headers['sec-websocket-protocol'] || '').split(',').map((x) => x.trim()).includes(only);
	}
	const wss = new WebSocketServer(opts);
	wss.on('connection', (socket, req) => {
		const stream = createWebSocketStream(socket);
		stream.on('error', () => {});
		broker.handle(stream, req);
	});
}

async function main() {
	const o = parseArgs(process.argv);
	const opts = {};
	const hook = authHook(o.auth);
	if (hook)
		opts.authenticate = hook;
	if (o.acl)
		Object.assign(opts, aclHooks(o.acl));
	if (o.heartbeat)
		opts.heartbeatInterval = o.heartbeat;
	const broker = await Aedes.createBroker(opts);
	if (o.events)
		logEvents(broker, o.events);
	for (const spec of o.tcp) {
		const { host, port } = hostPort(spec);
		await listen(net.createServer(broker.handle), host, port);
	}
	for (const spec of o.tls) {
		const { host, port } = hostPort(spec);
		const srv = tls.createServer({ cert: fs.readFileSync(o.cert), key: fs.readFileSync(o.key) },
			broker.handle);
		await listen(srv, host, port);
	}
	for (const spec of o.ws) {
		const { host, port, path } = hostPort(spec);
		const srv = http.createServer((req, res) => { res.writeHead(404); res.end('not found'); });
		wsServer(broker, srv, path, o.wsProtocol);
		await listen(srv, host, port);
	}
	for (const spec of o.wss) {
		const { host, port, path } = hostPort(spec);
		const srv = https.createServer({ cert: fs.readFileSync(o.cert), key: fs.readFileSync(o.key) },
			(req, res) => { res.writeHead(404); res.end('not found'); });
		wsServer(broker, srv, path, o.wsProtocol);
		await listen(srv, host, port);
	}
	for (const r of o.retain) {
		const i = r.lastIndexOf(':');
		const payload = Buffer.alloc(Number(r.slice(i + 1)), 'x');
		await new Promise((res) => broker.publish({ cmd: 'publish', topic: r.slice(0, i), payload,
			qos: 0, retain: true, dup: false }, res));
	}
	process.on('SIGTERM', () => broker.close(() => process.exit(0)));
	process.stdout.write('ready\n');
}

main().catch((e) => { process.stderr.write(`aedes peer: ${e.message}\n`); process.exit(1); });
