// Case generator for the differential test of mqttsweep's MQTT codec against the npm
// mqtt-packet package (an independent codec).
//
//   node gen.mjs --seed S --count N [--first I] [--mutate]
//
// writes one line per case, "VERSION HEX", for `mqtt_diff decode` (tests/tools/mqtt_diff.c).
// Case i of seed S depends only on (S, i): every case has its own PRNG stream, so one case
// can be regenerated alone (--first I --count 1) and check.mjs rebuilds the same cases to
// know what each line should decode to. As a module it exports makeCase() for check.mjs.
//
// A case is a random packet object in mqtt-packet's shape (every packet type of 3.1, 3.1.1
// and 5.0, every MQTT 5 property mqtt-packet supports, UTF-8 strings across the whole code
// space incl. 2/3/4-byte sequences, binary payloads of 0 bytes to 2.1 MB, edge values of
// every integer type) and the bytes mqtt-packet's generate() makes of it. --mutate damages
// the bytes (bit flips, byte changes, truncation, insertions, length changes) so both codecs
// must agree on what is malformed, too.
import mqtt from 'mqtt-packet'

export function rng (seed, i) {
  // splitmix32 of (seed, i) seeds a mulberry32 stream
  let h = (Math.imul(seed >>> 0, 0x9E3779B1) ^ Math.imul((i >>> 0) + 0x632BE5AB, 0x85EBCA77)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x21F0AAAD); h = Math.imul(h ^ (h >>> 15), 0x735A2D97); h ^= h >>> 15
  let st = h >>> 0
  const r = () => {
    st = (st + 0x6D2B79F5) >>> 0
    let t = st
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const R = {
    rnd: r,
    int: (n) => Math.floor(r() * n),
    pick: (a) => a[Math.floor(r() * a.length)],
    chance: (p) => r() < p
  }
  return R
}

// ---- value generators (R = per-case random source) ----------------------------------------

const ALPHA = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_. $'

// One code point: mostly ASCII, then 2-, 3- and 4-byte UTF-8, controls, non-characters.
// Never U+0000 or a surrogate (both malformed in MQTT UTF-8, [MQTT-1.5.4-1/2]).
function codePoint (R, noSep) {
  const k = R.int(100)
  let cp
  if (k < 70) cp = ALPHA.charCodeAt(R.int(ALPHA.length))
  else if (k < 78) cp = 0x80 + R.int(0x800 - 0x80)
  else if (k < 88) { do cp = 0x800 + R.int(0x10000 - 0x800); while (cp >= 0xD800 && cp <= 0xDFFF) }
  else if (k < 95) cp = 0x10000 + R.int(0x110000 - 0x10000)
  else if (k < 97) cp = 1 + R.int(0x1f) // C0 controls: SHOULD NOT, still well-formed
  else if (k < 98) cp = 0x7f + R.int(0x21) // DEL and C1 controls
  else cp = R.pick([0xFFFE, 0xFFFF, 0xFEFF, 0x10FFFF, 0x7FF, 0x800, 0xFFFF, 0x10000])
  if (noSep && (cp === 0x2f || cp === 0x2b || cp === 0x23)) cp = 0x61
  return String.fromCodePoint(cp)
}

// A string of up to max code points; now and then empty, or very long (up to limit bytes:
// mqtt-packet does not check the u16 limit itself, it writes a wrapped length).
export function str (R, max, noSep = false, limit = 65535) {
  if (R.chance(0.0005)) return 'L'.repeat(limit - R.int(3)) // at the u16 length limit
  if (R.chance(0.001)) return 'é'.repeat(2000 + R.int(30000)) // long, multi-byte
  const n = R.int(max + 1)
  let s = ''
  for (let i = 0; i < n; i++) s += codePoint(R, noSep)
  return s
}
const u8len = (s) => Buffer.byteLength(s)

// A topic name: levels of any characters except '+', '#' and '/', empty levels allowed.
function topic (R) {
  const levels = 1 + R.int(6)
  const parts = []
  for (let i = 0; i < levels; i++) parts.push(R.chance(0.1) ? '' : str(R, 12, true))
  let t = parts.join('/')
  if (!t.length) t = R.pick(['/', 'a', '$SYS/broker/uptime', 'é'])
  if (u8len(t) > 65535) t = 'a/b'
  return t
}
// A topic filter: levels, '+' levels, '#' last; shared subscriptions now and then.
function filter (R) {
  const levels = 1 + R.int(5)
  const parts = []
  for (let i = 0; i < levels; i++) parts.push(R.chance(0.2) ? '+' : str(R, 10, true))
  if (R.chance(0.25)) parts.push('#')
  let f = parts.join('/')
  if (R.chance(0.05)) f = '$share/' + (str(R, 6, true) || 'g') + '/' + f
  if (!f.length || u8len(f) > 65535) f = '#'
  return f
}
export function bytes (R, max) {
  const n = R.int(max + 1)
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = R.int(256)
  return b
}
// Payload sizes across every remaining-length varint width (1..4 bytes).
function payload (R) {
  const k = R.int(20000)
  if (k < 1) return Buffer.alloc(2097152 + R.int(4096), R.int(256)) // 4-byte remaining length
  if (k < 60) return Buffer.alloc(16384 + R.int(50000), R.int(256)) // 3-byte
  if (k < 2000) return bytes(R, 0) // empty
  if (k < 4000) return bytes(R, 3000) // 2-byte
  return bytes(R, 100)
}
const EDGE16 = [1, 2, 127, 128, 255, 256, 32767, 32768, 65534, 65535]
const EDGE32 = [0, 1, 127, 128, 65535, 65536, 2147483647, 2147483648, 4294967294, 4294967295]
const EDGEVAR = [1, 127, 128, 16383, 16384, 2097151, 2097152, 268435455]
const u16 = (R) => R.chance(0.2) ? R.pick(EDGE16) : 1 + R.int(65535)
const u16z = (R) => R.chance(0.1) ? 0 : u16(R)
const u32 = (R) => R.chance(0.2) ? R.pick(EDGE32) : R.int(4294967296)
const varint = (R) => R.chance(0.3) ? R.pick(EDGEVAR) : 1 + R.int(268435455)
const bool = (R) => R.chance(0.5)

// User properties in mqtt-packet's shape: {key: value | [values]} (arrays = repeated keys).
// Sometimes more than the 16 pairs our decoder keeps (the rest are counted).
function userProps (R) {
  const o = {}
  const n = R.chance(0.05) ? 17 + R.int(20) : 1 + R.int(4)
  for (let i = 0; i < n; i++) {
    // keys that look like integers would be reordered by JS objects: keep a letter in front
    const k = 'k' + str(R, 6, false, 65534)
    if (R.chance(0.15)) o[k] = Array.from({ length: 2 + R.int(3) }, () => str(R, 8))
    else o[k] = str(R, 10)
  }
  if (R.chance(0.05)) o[''] = '' // empty key and value are valid strings
  return o
}

// Every property mqtt-packet supports, with its value generator.
const G = {
  sessionExpiryInterval: u32,
  receiveMaximum: u16,
  maximumQoS: (R) => R.int(2),
  retainAvailable: bool,
  maximumPacketSize: (R) => R.chance(0.3) ? R.pick([1, 2, 268435460, 4294967295]) : 1 + R.int(4294967295),
  assignedClientIdentifier: (R) => str(R, 23),
  topicAliasMaximum: u16z,
  reasonString: (R) => str(R, 40),
  userProperties: userProps,
  wildcardSubscriptionAvailable: bool,
  subscriptionIdentifiersAvailable: bool,
  sharedSubscriptionAvailable: bool,
  serverKeepAlive: u16z,
  responseInformation: (R) => str(R, 20),
  serverReference: (R) => str(R, 20),
  authenticationMethod: (R) => str(R, 12),
  authenticationData: (R) => bytes(R, 40),
  payloadFormatIndicator: bool,
  messageExpiryInterval: u32,
  topicAlias: u16,
  responseTopic: topic,
  correlationData: (R) => bytes(R, 32),
  subscriptionIdentifier: varint,
  contentType: (R) => str(R, 20),
  requestResponseInformation: bool,
  requestProblemInformation: bool,
  willDelayInterval: u32
}
// Allowed per packet (MQTT 5.0 §2.2.2.2, Table 2-4).
const ALLOWED = {
  connect: ['sessionExpiryInterval', 'receiveMaximum', 'maximumPacketSize', 'topicAliasMaximum',
    'requestResponseInformation', 'requestProblemInformation', 'userProperties',
    'authenticationMethod', 'authenticationData'],
  will: ['willDelayInterval', 'payloadFormatIndicator', 'messageExpiryInterval', 'contentType',
    'responseTopic', 'correlationData', 'userProperties'],
  connack: ['sessionExpiryInterval', 'receiveMaximum', 'maximumQoS', 'retainAvailable',
    'maximumPacketSize', 'assignedClientIdentifier', 'topicAliasMaximum', 'reasonString',
    'userProperties', 'wildcardSubscriptionAvailable', 'subscriptionIdentifiersAvailable',
    'sharedSubscriptionAvailable', 'serverKeepAlive', 'responseInformation', 'serverReference',
    'authenticationMethod', 'authenticationData'],
  publish: ['payloadFormatIndicator', 'messageExpiryInterval', 'topicAlias', 'responseTopic',
    'correlationData', 'userProperties', 'subscriptionIdentifier', 'contentType'],
  ack: ['reasonString', 'userProperties'],
  subscribe: ['subscriptionIdentifier', 'userProperties'],
  unsubscribe: ['userProperties'],
  disconnect: ['sessionExpiryInterval', 'reasonString', 'userProperties', 'serverReference'],
  auth: ['authenticationMethod', 'authenticationData', 'reasonString', 'userProperties']
}
function props (R, kind, p) {
  const o = {}
  if (R.chance(0.15)) return o // no properties at all
  const prob = p ?? R.pick([0.1, 0.3, 0.6, 1])
  for (const name of ALLOWED[kind]) if (R.chance(prob)) o[name] = G[name](R)
  if ((kind === 'connect' || kind === 'connack') && o.authenticationData && o.authenticationMethod === undefined) {
    o.authenticationMethod = 'SCRAM-SHA-1' // data without a method is a Protocol Error
  }
  return o
}

// Reason codes each 5.0 packet may carry (§2.4 and each packet's table).
const ACK_CODES = {
  puback: [0, 16, 128, 131, 135, 144, 145, 151, 153],
  pubrec: [0, 16, 128, 131, 135, 144, 145, 151, 153],
  pubrel: [0, 146],
  pubcomp: [0, 146]
}
const SUBACK5 = [0, 1, 2, 128, 131, 135, 143, 145, 151, 158, 161, 162]
const UNSUBACK5 = [0, 17, 128, 131, 135, 143, 145]
const DISC5 = [0, 4, 128, 129, 130, 131, 135, 137, 139, 141, 142, 143, 144, 147, 148, 149,
  150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162]
const CONNACK5 = [0, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 140, 144, 149,
  151, 153, 154, 155, 156, 157, 159]
const KINDS = ['connect', 'connack', 'publish', 'publish', 'publish', 'puback', 'pubrec', 'pubrel',
  'pubcomp', 'subscribe', 'suback', 'unsubscribe', 'unsuback', 'pingreq', 'pingresp',
  'disconnect', 'auth']

function genConnect (R, p, v) {
  p.protocolId = v === 3 ? 'MQIsdp' : 'MQTT'
  p.protocolVersion = v
  p.clean = R.chance(0.7)
  p.clientId = v === 3 ? (str(R, 23) || 'c') : str(R, 23)
  if (!p.clientId && !p.clean) p.clientId = 'x'
  p.keepalive = R.chance(0.2) ? R.pick([0, 1, 65535]) : R.int(65536)
  if (R.chance(0.5)) p.username = str(R, 20)
  // 5.0 allows a password alone (§3.1.2.9) but mqtt-packet refuses to generate that
  if (p.username !== undefined && R.chance(0.6)) p.password = bytes(R, 30)
  if (R.chance(0.4)) {
    p.will = { topic: topic(R), payload: bytes(R, R.chance(0.1) ? 2000 : 40), qos: R.int(3), retain: bool(R) }
    if (v === 5) p.will.properties = props(R, 'will')
  }
  if (v === 5) p.properties = props(R, 'connect')
}

// A random packet object for protocol version v (3 = 3.1, 4 = 3.1.1, 5 = 5.0).
export function genPacket (R, v) {
  const v5 = v === 5
  let cmd = R.pick(KINDS)
  if (cmd === 'auth' && !v5) cmd = 'pingresp'
  const p = { cmd }
  switch (cmd) {
    case 'connect': genConnect(R, p, v); break
    case 'connack':
      p.sessionPresent = R.chance(0.3)
      if (v5) { p.reasonCode = R.pick(CONNACK5); p.properties = props(R, 'connack') } else p.returnCode = R.int(6)
      if ((v5 ? p.reasonCode : p.returnCode) !== 0) p.sessionPresent = false // [MQTT-3.2.2-4]
      break
    case 'publish':
      p.qos = R.int(3); p.dup = p.qos > 0 && R.chance(0.3); p.retain = bool(R)
      p.topic = topic(R); p.payload = payload(R)
      if (p.qos) p.messageId = u16(R)
      if (v5) {
        p.properties = props(R, 'publish')
        if (p.properties.subscriptionIdentifier !== undefined && R.chance(0.3)) {
          p.properties.subscriptionIdentifier = Array.from({ length: 2 + R.int(3) }, () => varint(R))
        }
        if (p.properties.topicAlias !== undefined && R.chance(0.3)) p.topic = '' // alias only
      }
      break
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp':
      p.messageId = u16(R)
      if (v5) {
        const k = R.int(3) // reason 0 omitted / reason only / reason + properties
        if (k > 0) p.reasonCode = R.pick(ACK_CODES[cmd])
        else p.reasonCode = 0
        if (k === 2) p.properties = props(R, 'ack', 0.5)
      }
      break
    case 'subscribe':
      p.messageId = u16(R)
      p.subscriptions = Array.from({ length: 1 + R.int(R.chance(0.05) ? 25 : 4) }, () => {
        const s = { topic: filter(R), qos: R.int(3) }
        if (v5) { s.nl = R.chance(0.3); s.rap = R.chance(0.3); s.rh = R.int(3) }
        return s
      })
      if (v5) p.properties = props(R, 'subscribe')
      break
    case 'unsubscribe':
      p.messageId = u16(R)
      p.unsubscriptions = Array.from({ length: 1 + R.int(R.chance(0.05) ? 25 : 4) }, () => filter(R))
      if (v5) p.properties = props(R, 'unsubscribe')
      break
    case 'suback':
      p.messageId = u16(R)
      p.granted = Array.from({ length: 1 + R.int(R.chance(0.05) ? 40 : 5) },
        () => v5 ? R.pick(SUBACK5) : R.pick([0, 1, 2, 128]))
      if (v5) p.properties = props(R, 'ack')
      break
    case 'unsuback':
      p.messageId = u16(R)
      if (v5) { p.granted = Array.from({ length: 1 + R.int(5) }, () => R.pick(UNSUBACK5)); p.properties = props(R, 'ack') }
      break
    case 'disconnect':
      if (v5) { p.reasonCode = R.pick(DISC5); p.properties = props(R, 'disconnect') }
      break
    case 'auth':
      p.reasonCode = R.pick([0, 24, 25])
      p.properties = props(R, 'auth')
      break
  }
  return p
}

// ---- mutation: damage the bytes of a valid packet ------------------------------------------

function varintBytes (n) {
  const out = []
  do { let b = n % 128; n = Math.floor(n / 128); if (n) b |= 128; out.push(b) } while (n)
  return out
}
// Split a packet into [fixed header byte, remaining-length bytes, body].
function splitPacket (b) {
  let i = 1
  while (i < b.length && (b[i] & 0x80)) i++
  return { h: b[0], rl: b.subarray(1, i + 1), body: b.subarray(i + 1) }
}
export function mutate (R, buf) {
  let b = Buffer.from(buf)
  const rounds = 1 + R.int(3)
  for (let r = 0; r < rounds; r++) {
    const { h, body } = splitPacket(b)
    let nb = Buffer.from(body)
    let hdr = h
    let fixLen = true
    switch (R.int(8)) {
      case 0: if (nb.length) nb[R.int(nb.length)] ^= 1 << R.int(8); break // bit flip in body
      case 1: if (nb.length) nb[R.int(nb.length)] = R.pick([0, 1, 0x7f, 0x80, 0xff, 0xc0, 0x26, 0x0b, R.int(256)]); break
      case 2: nb = nb.subarray(0, R.int(nb.length + 1)); break // truncate, length fixed
      case 3: { const at = R.int(nb.length + 1); nb = Buffer.concat([nb.subarray(0, at), Buffer.from([R.int(256)]), nb.subarray(at)]); break }
      case 4: hdr = (h & 0xf0) | R.int(16); break // fixed-header flags
      case 5: hdr = (R.int(16) << 4) | (h & 0x0f); break // packet type
      case 6: fixLen = false; nb = Buffer.concat([nb, bytes(R, 4)]); break // trailing bytes, length not fixed
      default: if (nb.length >= 2) { const at = R.int(nb.length - 1); nb.writeUInt16BE(R.pick([0, 1, 0xffff, nb.readUInt16BE(at) + 1, nb.readUInt16BE(at) - 1]) & 0xffff, at) }
    }
    const rl = fixLen ? Buffer.from(varintBytes(nb.length)) : splitPacket(b).rl
    b = Buffer.concat([Buffer.from([hdr]), rl, nb])
  }
  return b
}

// ---- one case --------------------------------------------------------------------------------

// Case i of seed: {v, p, buf} (buf null when mqtt-packet refused to generate p; err says why).
export function makeCase (seed, i, mutating = false) {
  const R = rng(seed, i)
  const k = R.int(10)
  const v = k < 5 ? 5 : (k < 9 ? 4 : 3)
  const p = genPacket(R, v)
  let buf = null
  let err = null
  try {
    buf = mqtt.generate(p, { protocolVersion: v })
  } catch (e) { err = e.message }
  if (buf && mutating) buf = mutate(R, buf)
  return { v, p, buf, err }
}

function main () {
  const args = process.argv.slice(2)
  const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : def }
  const seed = opt('--seed', 1)
  const count = opt('--count', 1000)
  const first = opt('--first', 0)
  const mutating = args.includes('--mutate')
  const out = process.stdout
  out.on('error', (e) => { // the decoder died (a crash shows in check.mjs's line count)
    process.stderr.write(`gen.mjs: output closed (${e.code})\n`)
    process.exit(1)
  })
  let chunk = []
  let size = 0
  const flush = (done) => {
    const s = chunk.join('')
    chunk = []; size = 0
    if (!out.write(s) && !done) return new Promise(resolve => out.once('drain', resolve))
    return null
  }
  return (async () => {
    for (let i = first; i < first + count; i++) {
      const c = makeCase(seed, i, mutating)
      const line = `${c.v} ${c.buf ? c.buf.toString('hex') : '-'}\n`
      chunk.push(line); size += line.length
      if (size > 1 << 20) { const w = flush(false); if (w) await w }
    }
    flush(true)
  })()
}

if (import.meta.url === `file://${process.argv[1]}`) main()
