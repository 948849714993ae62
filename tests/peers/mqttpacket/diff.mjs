// Differential test of mqttsweep's MQTT codec against the npm mqtt-packet package.
//
//   node diff.mjs TOOL [--seed S] [--count N]
//
// 1. decode: mqtt-packet generates N random packets of every type for 3.1.1 and 5.0
//    (random properties, topics, payloads, reason codes); `TOOL decode` (tests/tools/
//    mqtt_diff.c, our decoder) must report the same fields for every one.
// 2. encode: `TOOL encode S N` writes packets with our encoders (CONNECT 3.1/3.1.1/5.0,
//    SUBSCRIBE, acks, PINGREQ, DISCONNECT); each must parse in mqtt-packet as exactly one
//    packet with the same fields.
// Seeded and reproducible: a failure prints the seed, the case number and the bytes.
import { spawnSync } from 'node:child_process'
import mqtt from 'mqtt-packet'

const args = process.argv.slice(2)
const tool = args[0]
const opt = (name, def) => {
  const i = args.indexOf(name)
  return i > 0 ? Number(args[i + 1]) : def
}
const seed = opt('--seed', 1)
const count = opt('--count', 100000)

// mulberry32
let st = seed >>> 0
const rnd = () => {
  st = (st + 0x6D2B79F5) >>> 0
  let t = st
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const int = (n) => Math.floor(rnd() * n)
const pick = (a) => a[int(a.length)]
const chance = (p) => rnd() < p

const ALPHA = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_. '
const UNI = ['é', 'ß', '€', '日本', '🏠', 'ü', 'ø']
function str (max, noSlash) {
  const n = int(max + 1)
  let s = ''
  for (let i = 0; i < n; i++) s += chance(0.05) ? pick(UNI) : ALPHA[int(ALPHA.length)]
  if (!noSlash && chance(0.5)) s += '/' + str(8, true)
  return s
}
function topic () {
  const levels = 1 + int(5)
  const parts = []
  for (let i = 0; i < levels; i++) parts.push(str(12, true).replace(/[+#]/g, '') || 'x')
  return parts.join('/')
}
function filter () {
  const levels = 1 + int(4)
  const parts = []
  for (let i = 0; i < levels; i++) parts.push(chance(0.2) ? '+' : (str(10, true) || 'y'))
  if (chance(0.3)) parts.push('#')
  return parts.join('/')
}
function bytes (max) {
  const n = int(max + 1)
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = int(256)
  return b
}
const u16 = () => 1 + int(65535)
const u32 = () => int(4294967296)
function userProps () {
  const o = {}
  const n = 1 + int(5)
  for (let i = 0; i < n; i++) o['k' + i + str(6, true)] = str(10)
  return o
}

// properties allowed per packet (MQTT 5.0 §2.2.2.2), with value generators
const G = {
  sessionExpiryInterval: u32,
  receiveMaximum: u16,
  maximumQoS: () => int(2),
  retainAvailable: () => chance(0.5),
  maximumPacketSize: () => 1 + int(268435455),
  assignedClientIdentifier: () => str(20),
  topicAliasMaximum: () => int(65536),
  reasonString: () => str(40),
  userProperties: userProps,
  wildcardSubscriptionAvailable: () => chance(0.5),
  subscriptionIdentifiersAvailable: () => chance(0.5),
  sharedSubscriptionAvailable: () => chance(0.5),
  serverKeepAlive: () => int(65536),
  responseInformation: () => str(20),
  serverReference: () => str(20),
  authenticationMethod: () => str(12) || 'SCRAM-SHA-1',
  authenticationData: () => bytes(20),
  payloadFormatIndicator: () => chance(0.5),
  messageExpiryInterval: u32,
  topicAlias: u16,
  responseTopic: topic,
  correlationData: () => bytes(16),
  subscriptionIdentifier: () => 1 + int(268435455),
  contentType: () => str(20),
  requestResponseInformation: () => chance(0.5),
  requestProblemInformation: () => chance(0.5),
  willDelayInterval: u32
}
const ALLOWED = {
  connack: ['sessionExpiryInterval', 'receiveMaximum', 'maximumQoS', 'retainAvailable',
    'maximumPacketSize', 'assignedClientIdentifier', 'topicAliasMaximum', 'reasonString',
    'userProperties', 'wildcardSubscriptionAvailable', 'subscriptionIdentifiersAvailable',
    'sharedSubscriptionAvailable', 'serverKeepAlive', 'responseInformation', 'serverReference',
    'authenticationMethod', 'authenticationData'],
  publish: ['payloadFormatIndicator', 'messageExpiryInterval', 'topicAlias', 'responseTopic',
    'correlationData', 'userProperties', 'subscriptionIdentifier', 'contentType'],
  ack: ['reasonString', 'userProperties'],
  disconnect: ['sessionExpiryInterval', 'reasonString', 'userProperties', 'serverReference'],
  auth: ['authenticationMethod', 'authenticationData', 'reasonString', 'userProperties'],
  connect: ['sessionExpiryInterval', 'receiveMaximum', 'maximumPacketSize', 'topicAliasMaximum',
    'requestResponseInformation', 'requestProblemInformation', 'userProperties',
    'authenticationMethod', 'authenticationData'],
  will: ['willDelayInterval', 'payloadFormatIndicator', 'messageExpiryInterval', 'contentType',
    'responseTopic', 'correlationData', 'userProperties'],
  subscribe: ['subscriptionIdentifier', 'userProperties']
}
function props (kind, p = 0.3) {
  const o = {}
  for (const name of ALLOWED[kind]) if (chance(p)) o[name] = G[name]()
  if (kind === 'connect' && o.authenticationData && !o.authenticationMethod) delete o.authenticationData
  return o
}

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

function genPacket (v) {
  const kinds = ['connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'suback',
    'unsuback', 'pingresp', 'disconnect', 'connect', 'subscribe']
  if (v === 5) kinds.push('auth')
  const cmd = pick(kinds)
  const p = { cmd }
  const v5 = v === 5
  switch (cmd) {
    case 'connack':
      p.sessionPresent = chance(0.3)
      if (v5) { p.reasonCode = pick(CONNACK5); p.properties = props('connack') } else p.returnCode = int(6)
      if (p.sessionPresent && (v5 ? p.reasonCode : p.returnCode) !== 0) p.sessionPresent = false
      break
    case 'publish':
      p.qos = int(3); p.dup = p.qos > 0 && chance(0.3); p.retain = chance(0.5)
      p.topic = topic(); p.payload = bytes(chance(0.1) ? 3000 : 60)
      if (p.qos) p.messageId = u16()
      if (v5) p.properties = props('publish')
      break
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp':
      p.messageId = u16()
      if (v5) { p.reasonCode = pick(ACK_CODES[cmd]); if (chance(0.5)) p.properties = props('ack', 0.5) }
      break
    case 'suback':
      p.messageId = u16()
      p.granted = Array.from({ length: 1 + int(5) }, () => v5 ? pick(SUBACK5) : pick([0, 1, 2, 128]))
      if (v5) p.properties = props('ack')
      break
    case 'unsuback':
      p.messageId = u16()
      if (v5) { p.granted = Array.from({ length: 1 + int(5) }, () => pick(UNSUBACK5)); p.properties = props('ack') }
      break
    case 'disconnect':
      if (v5) { p.reasonCode = pick(DISC5); p.properties = props('disconnect') }
      break
    case 'auth':
      p.reasonCode = pick([0, 24, 25])
      p.properties = props('auth', 0.4)
      p.properties.authenticationMethod = p.properties.authenticationMethod || 'SCRAM-SHA-1'
      break
    case 'connect': {
      const ver = v5 ? 5 : pick([3, 4])
      p.protocolId = ver === 3 ? 'MQIsdp' : 'MQTT'
      p.protocolVersion = ver
      p.clean = chance(0.7)
      p.clientId = ver === 3 ? (str(20, true) || 'c') : str(23, true)
      if (!p.clientId && !p.clean) p.clientId = 'x'
      p.keepalive = int(65536)
      if (chance(0.5)) { p.username = str(20); if (chance(0.7)) p.password = bytes(20) }
      if (chance(0.3)) {
        p.will = { topic: topic(), payload: bytes(30), qos: int(3), retain: chance(0.5) }
        if (v5) p.will.properties = props('will')
      }
      if (v5) p.properties = props('connect')
      p._ver = ver
      break
    }
    case 'subscribe':
      p.messageId = u16()
      p.subscriptions = Array.from({ length: 1 + int(4) }, () => {
        const s = { topic: filter(), qos: int(3) }
        if (v5) { s.nl = chance(0.3); s.rap = chance(0.3); s.rh = int(3) }
        return s
      })
      if (v5) p.properties = props('subscribe')
      break
  }
  return p
}

const PROP_IDS = mqtt.properties || null
const IDS = {
  sessionExpiryInterval: 17, willDelayInterval: 24, receiveMaximum: 33, maximumPacketSize: 39,
  topicAliasMaximum: 34, requestResponseInformation: 25, requestProblemInformation: 23,
  userProperties: 38, authenticationMethod: 21, authenticationData: 22, payloadFormatIndicator: 1,
  messageExpiryInterval: 2, contentType: 3, responseTopic: 8, correlationData: 9, maximumQoS: 36,
  retainAvailable: 37, assignedClientIdentifier: 18, reasonString: 31,
  wildcardSubscriptionAvailable: 40, subscriptionIdentifiersAvailable: 41,
  sharedSubscriptionAvailable: 42, serverKeepAlive: 19, responseInformation: 26,
  serverReference: 28, topicAlias: 35, subscriptionIdentifier: 11
}
void PROP_IDS

function normProps (o) {
  const out = {}
  for (const [k, val] of Object.entries(o || {})) {
    const id = String(IDS[k])
    if (k === 'userProperties') {
      const pairs = []
      for (const [uk, uv] of Object.entries(val)) {
        for (const x of (Array.isArray(uv) ? uv : [uv])) pairs.push([uk, String(x)])
      }
      out[id] = pairs.slice(0, 16)
    } else if (Buffer.isBuffer(val)) out[id] = val.toString('hex')
    else if (typeof val === 'boolean') out[id] = val ? 1 : 0
    else if (Array.isArray(val)) out[id] = val[0]
    else out[id] = val
  }
  return out
}

// What our decoder should report for packet p (the shape mqtt_diff.c prints).
function expected (p, v) {
  const v5 = v === 5
  const e = { ok: true, type: p.cmd.toUpperCase() }
  switch (p.cmd) {
    case 'connack':
      e.sessionPresent = !!p.sessionPresent; e.code = v5 ? p.reasonCode : p.returnCode
      if (v5) e.props = normProps(p.properties)
      break
    case 'publish':
      Object.assign(e, { qos: p.qos, dup: !!p.dup, retain: !!p.retain, topic: p.topic, messageId: p.messageId || 0, payload: p.payload.toString('hex') })
      if (v5) e.props = normProps(p.properties)
      break
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp':
      e.messageId = p.messageId; e.code = v5 ? (p.reasonCode || 0) : 0
      if (v5) e.props = normProps(p.properties)
      break
    case 'suback': case 'unsuback': {
      const codes = p.granted || []
      Object.assign(e, { messageId: p.messageId, codes: codes.slice(0, 16), ncodes: codes.length })
      if (v5) e.props = normProps(p.properties)
      break
    }
    case 'disconnect': case 'auth':
      e.code = v5 ? (p.reasonCode || 0) : 0
      if (v5) e.props = normProps(p.properties)
      break
    case 'connect':
      Object.assign(e, { version: p._ver, clientId: p.clientId, keepalive: p.keepalive, clean: !!p.clean })
      if (p.username !== undefined) e.username = p.username
      if (p.password !== undefined) e.password = p.password.toString('hex')
      if (p.will) {
        Object.assign(e, { willTopic: p.will.topic, willPayload: p.will.payload.toString('hex'), willQos: p.will.qos, willRetain: !!p.will.retain })
        if (p._ver === 5) e.willProps = normProps(p.will.properties)
      }
      if (p._ver === 5) e.props = normProps(p.properties)
      break
    case 'subscribe':
      e.messageId = p.messageId
      e.filters = p.subscriptions.map(s => ({ topic: s.topic, options: s.qos | (v5 ? ((s.nl ? 4 : 0) | (s.rap ? 8 : 0) | (s.rh << 4)) : 0) }))
      if (v5) e.props = normProps(p.properties)
      break
  }
  return e
}

const canon = (x) => JSON.stringify(x, (k, val) => (val && typeof val === 'object' && !Array.isArray(val))
  ? Object.keys(val).sort().reduce((o, kk) => { o[kk] = val[kk]; return o }, {}) : val)

function runTool (argv, input) {
  const r = spawnSync(tool, argv, { input, maxBuffer: 1 << 30, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${tool} ${argv.join(' ')} exited ${r.status}: ${r.stderr}`)
  return r.stdout.split('\n').filter(Boolean).map(l => JSON.parse(l))
}

let failures = 0
let skipped = 0
function report (what, i, hex, exp, got) {
  failures++
  if (failures <= 10) {
    console.log(`MISMATCH (${what}) seed ${seed} case ${i}: ${hex}`)
    console.log('  expected:', canon(exp))
    console.log('  got:     ', canon(got))
  }
}

// ---- 1. mqtt-packet generates, our decoder decodes ----
const BATCH = 20000
let decoded = 0
for (let start = 0; start < count; start += BATCH) {
  const cases = []
  for (let i = start; i < Math.min(count, start + BATCH); i++) {
    const v = chance(0.5) ? 5 : 4
    const p = genPacket(v)
    let buf
    try {
      buf = mqtt.generate(p, { protocolVersion: p.cmd === 'connect' ? p._ver : v })
    } catch (e) { skipped++; continue }
    if (!buf || !buf.length) { skipped++; continue }
    cases.push({ i, v: p.cmd === 'connect' ? p._ver : v, p, hex: buf.toString('hex') })
  }
  const out = runTool(['decode'], cases.map(c => `${c.v} ${c.hex}`).join('\n') + '\n')
  cases.forEach((c, k) => {
    const exp = expected(c.p, c.v)
    if (canon(exp) !== canon(out[k])) report('decode', c.i, c.hex, exp, out[k])
  })
  decoded += cases.length
}

// ---- 2. our encoder writes, mqtt-packet parses ----
const encCount = Math.max(1000, Math.floor(count / 4))
const enc = runTool(['encode', String(seed), String(encCount)], '')
enc.forEach((e, i) => {
  const got = []
  const errs = []
  const parser = mqtt.parser({ protocolVersion: e.ver })
  parser.on('packet', pk => got.push(pk))
  parser.on('error', err => errs.push(err.message))
  parser.parse(Buffer.from(e.hex, 'hex'))
  const pk = got[0] || {}
  const have = { type: (pk.cmd || '').toUpperCase() }
  const want = { type: e.type.toUpperCase() }
  if (e.type === 'connect') {
    Object.assign(have, { version: pk.protocolVersion, clientId: pk.clientId, keepalive: pk.keepalive, clean: pk.clean })
    Object.assign(want, { version: e.version, clientId: e.clientId, keepalive: e.keepalive, clean: e.clean })
    if (e.username !== undefined) { want.username = e.username; have.username = pk.username }
    if (e.password !== undefined) { want.password = e.password; have.password = pk.password && pk.password.toString() }
    if (e.receiveMaximum) { want.rm = e.receiveMaximum; have.rm = pk.properties && pk.properties.receiveMaximum }
    if (e.maximumPacketSize) { want.mps = e.maximumPacketSize; have.mps = pk.properties && pk.properties.maximumPacketSize }
  } else if (e.type === 'subscribe') {
    want.messageId = e.messageId; have.messageId = pk.messageId
    want.subs = e.filters.map(t => [t, e.qos]); have.subs = (pk.subscriptions || []).map(s => [s.topic, s.qos])
  } else if (e.messageId !== undefined) {
    want.messageId = e.messageId; have.messageId = pk.messageId
  }
  if (errs.length || got.length !== 1 || canon(want) !== canon(have)) {
    report('encode', i, e.hex, want, { ...have, errors: errs, packets: got.length })
  }
})

console.log(`mqtt-packet differential: seed ${seed}: ${decoded} packets decoded (${skipped} not generated), ` +
  `${enc.length} encoded; ${failures} mismatches`)
process.exit(failures ? 1 : 0)
