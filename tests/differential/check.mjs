// Compares mqttsweep's MQTT codec with the npm mqtt-packet package (see gen.mjs).
//
//   node gen.mjs --seed S --count N | mqtt_diff decode | node check.mjs decode --seed S --count N
//   node gen.mjs --seed S --count N --mutate | mqtt_diff decode | node check.mjs mutate --seed S --count N
//   mqtt_diff encode S N | node check.mjs encode --seed S
//   node check.mjs vectors DIR MQTT_DIFF       (regression vectors, tests/vectors/regress)
//
// decode: every line of our decoder's output must carry the same fields as the packet object
//   mqtt-packet generated the bytes from (and mqtt-packet's own parser must agree with it,
//   else the case is counted as the peer's inconsistency, not ours).
// mutate: damaged packets; both codecs must agree on accept/reject, and where both accept,
//   on every field. Verdict disagreements are counted by class (--classes lists them with an
//   example each; README.md reviews them).
// encode: every packet our encoders wrote must parse in mqtt-packet as exactly one packet with
//   the same fields, and mqtt-packet re-generating that packet must give the same bytes.
// Exit 1 on any mismatch; each prints the seed, the case index and the bytes, with the command
// that regenerates the case.
import { createInterface } from 'node:readline'
import mqtt from 'mqtt-packet'
import { makeCase } from './gen.mjs'

const args = process.argv.slice(2)
const mode = args[0]
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : def }
const seed = opt('--seed', 1)
const count = opt('--count', 0)
const first = opt('--first', 0)
const MAX_SHOWN = opt('--show', 10)

const IDS = {
  payloadFormatIndicator: 1, messageExpiryInterval: 2, contentType: 3, responseTopic: 8,
  correlationData: 9, subscriptionIdentifier: 11, sessionExpiryInterval: 17,
  assignedClientIdentifier: 18, serverKeepAlive: 19, authenticationMethod: 21,
  authenticationData: 22, requestProblemInformation: 23, willDelayInterval: 24,
  requestResponseInformation: 25, responseInformation: 26, serverReference: 28,
  reasonString: 31, receiveMaximum: 33, topicAliasMaximum: 34, topicAlias: 35, maximumQoS: 36,
  retainAvailable: 37, userProperties: 38, maximumPacketSize: 39,
  wildcardSubscriptionAvailable: 40, subscriptionIdentifiersAvailable: 41,
  sharedSubscriptionAvailable: 42
}
const KEEP = 16 // MQTT_MAX_USER_PROPS, MQTT_MAX_SUB_CODES
const hexOf = (b) => Buffer.from(b).toString('hex')

// Properties in the shape mqtt_diff prints: {id: value}, user properties as the first 16
// [k, v] pairs + nuser, PUBLISH subscription identifiers as the first + nsubids.
function normProps (o, isPublish) {
  const out = {}
  for (const [k, val] of Object.entries(o || {})) {
    if (val === undefined) continue
    const id = String(IDS[k])
    if (k === 'userProperties') {
      const pairs = []
      for (const [uk, uv] of Object.entries(val)) {
        for (const x of (Array.isArray(uv) ? uv : [uv])) pairs.push([uk, String(x)])
      }
      if (!pairs.length) continue
      out[id] = pairs.slice(0, KEEP)
      out.nuser = pairs.length
    } else if (k === 'subscriptionIdentifier') {
      const a = Array.isArray(val) ? val : [val]
      out[id] = a[0]
      if (isPublish) out.nsubids = a.length
    } else if (Buffer.isBuffer(val) || val instanceof Uint8Array) out[id] = hexOf(val)
    else if (typeof val === 'boolean') out[id] = val ? 1 : 0
    else out[id] = val
  }
  return out
}

// Fixed-header flags: from the parsed header fields when there are any, else by type.
function flagsOf (p, parsed) {
  if (parsed || p.cmd === 'publish') return (p.dup ? 8 : 0) | ((p.qos || 0) << 1) | (p.retain ? 1 : 0)
  return ['pubrel', 'subscribe', 'unsubscribe'].includes(p.cmd) ? 2 : 0
}

function connectFields (e, p) {
  const ver = p.protocolVersion
  Object.assign(e, { version: ver, protocolId: String(p.protocolId), clientId: p.clientId, keepalive: p.keepalive, clean: !!p.clean })
  if (p.username !== undefined) e.username = p.username
  if (p.password !== undefined) e.password = hexOf(p.password)
  if (p.will) {
    Object.assign(e, { willTopic: p.will.topic, willPayload: hexOf(p.will.payload), willQos: p.will.qos || 0, willRetain: !!p.will.retain })
    if (ver === 5) e.willProps = normProps(p.will.properties)
  }
  if (ver === 5) e.props = normProps(p.properties)
}

// What our decoder should report for packet p of version v (the shape mqtt_diff prints).
// parsed: p came from mqtt-packet's parser (header fields present), not from the generator.
export function expected (p, v, parsed = false) {
  const v5 = v === 5
  const e = { ok: true, type: p.cmd.toUpperCase(), flags: flagsOf(p, parsed) }
  const props = (isPublish) => { if (v5) e.props = normProps(p.properties, isPublish) }
  switch (p.cmd) {
    case 'connect': connectFields(e, p); break
    case 'connack':
      // 3.1 has no Session Present: byte 1 is reserved and not read
      e.sessionPresent = v === 3 ? false : !!p.sessionPresent
      e.code = v5 ? p.reasonCode : p.returnCode
      props()
      break
    case 'publish':
      Object.assign(e, { qos: p.qos, dup: !!p.dup, retain: !!p.retain, topic: p.topic, messageId: p.messageId || 0, payload: hexOf(p.payload) })
      props(true)
      break
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp':
      e.messageId = p.messageId; e.code = v5 ? (p.reasonCode || 0) : 0
      props()
      break
    case 'subscribe': {
      const subs = p.subscriptions
      e.messageId = p.messageId
      e.filters = subs.slice(0, KEEP).map(s => ({ topic: s.topic, options: s.qos | (v5 ? ((s.nl ? 4 : 0) | (s.rap ? 8 : 0) | ((s.rh || 0) << 4)) : 0) }))
      e.nfilters = subs.length
      props()
      break
    }
    case 'unsubscribe':
      e.messageId = p.messageId
      e.filters = p.unsubscriptions.slice(0, KEEP).map(t => ({ topic: t }))
      e.nfilters = p.unsubscriptions.length
      props()
      break
    case 'suback': case 'unsuback': {
      const codes = (v5 || p.cmd === 'suback') ? (p.granted || []) : []
      Object.assign(e, { messageId: p.messageId, codes: codes.slice(0, KEEP), ncodes: codes.length })
      props()
      break
    }
    case 'disconnect': case 'auth':
      e.code = v5 ? (p.reasonCode || 0) : 0
      props()
      break
  }
  return e
}

const canon = (x) => JSON.stringify(x, (k, val) => (val && typeof val === 'object' && !Array.isArray(val))
  ? Object.keys(val).sort().reduce((o, kk) => { o[kk] = val[kk]; return o }, {}) : val)

// Parse bytes with mqtt-packet: {packets, errors, left}.
function peerParse (buf, v) {
  const packets = []
  const errors = []
  const parser = mqtt.parser({ protocolVersion: v })
  parser.on('packet', pk => packets.push(pk))
  parser.on('error', err => errors.push(err.message))
  try { parser.parse(buf) } catch (e) { errors.push('threw: ' + e.message) }
  // bytes not in an emitted packet (its parse() count misses a started next header)
  const vlen = (n) => n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4
  const used = packets.reduce((s, pk) => s + 1 + vlen(pk.length) + pk.length, 0)
  return { packets, errors, left: buf.length - used }
}
const peerOk = (r) => r.errors.length === 0 && r.packets.length === 1 && r.left === 0

const short = (h) => h.length > 600 ? h.slice(0, 600) + `...(${h.length / 2} bytes)` : h
let failures = 0
function report (what, i, hex, exp, got, extraArgs = '') {
  failures++
  if (failures > MAX_SHOWN) return
  console.log(`MISMATCH (${what}) seed ${seed} case ${i}: ${short(hex)}`)
  console.log('  expected:', short(canon(exp)))
  console.log('  got:     ', short(canon(got)))
  if (mode !== 'encode') console.log(`  regenerate: node gen.mjs --seed ${seed} --first ${i} --count 1${extraArgs}`)
}

// ---- decode: generated packets --------------------------------------------------------------
const stats = { cases: 0, skipped: 0, peerInconsistent: 0, bothOk: 0, bothReject: 0, lenient: 0, classes: {} }
const skipReasons = {}
function checkDecode (i, ours) {
  const c = makeCase(seed, i)
  if (!c.buf) {
    stats.skipped++
    skipReasons[c.err] = (skipReasons[c.err] || 0) + 1
    return
  }
  const exp = expected(c.p, c.v)
  const hex = c.buf.toString('hex')
  if (canon(exp) !== canon(ours)) {
    // mqtt-packet wrote something other than the object it was given (it has bugs of its
    // own) and our decoder reads what mqtt-packet's parser reads: not ours to fix
    const r = peerParse(c.buf, c.v)
    if (peerOk(r) && canon(expected(r.packets[0], c.v, true)) === canon(ours)) {
      stats.peerInconsistent++
      return
    }
    report('decode', i, hex, exp, ours)
  }
}

// ---- mutate: damaged packets, both codecs must agree ------------------------------------
// Where both accept, every field must match. mqtt-packet groups user properties by key and
// drops a repeated key's earlier value when it is "" (a bug of its own): our wire-order pairs
// are folded the same way before comparing (not possible past the 16 pairs we keep).
function foldUserProps (props) {
  if (!props || !props['38']) return
  const g = Object.create(null)
  for (const [k, v] of props['38']) {
    if (g[k]) { if (Array.isArray(g[k])) g[k].push(v); else g[k] = [g[k], v] } else g[k] = v
  }
  const n = normProps({ userProperties: g })
  props['38'] = n['38']; props.nuser = n.nuser
}
// Fold both sides' user properties; past the 16 pairs we keep, drop them from both.
function foldBoth (exp, ours) {
  for (const k of ['props', 'willProps']) {
    const a = exp[k]; const b = ours[k]
    if ((a && a.nuser > KEEP) || (b && b.nuser > KEEP)) {
      for (const p of [a, b]) if (p) { delete p['38']; delete p.nuser }
    }
    foldUserProps(a); foldUserProps(b)
  }
}
// Verdict disagreements are counted by class (reported, not failed: each is reviewed in
// README.md). "lossy": mqtt-packet accepted the bytes but writing its parse back gives
// other bytes, so it skipped or misread part of them (trailing bytes, invalid UTF-8, bytes
// past a declared length...); "exact": mqtt-packet re-generates the very bytes we rejected,
// the class that most needs a reason from the spec.
const examples = {}
function classify (kind, c, r, ours, v) {
  let cls
  if (kind === 'peer-rejects') {
    cls = `we accept ${ours.type}, mqtt-packet: ${(r.errors[0] || (r.packets.length !== 1 ? `${r.packets.length} packets` : 'bytes left')).replace(/[0-9]+/g, 'N')}`
  } else {
    const pk = r.packets[0]
    let again = null
    try { again = mqtt.generate(pk, { protocolVersion: v }).toString('hex') } catch (e) { again = null }
    cls = `mqtt-packet accepts ${pk.cmd.toUpperCase()} (${again === c.hex ? 'exact' : 'lossy'}), we: ${ours.err}`
  }
  cls = `v${v} ${cls}`
  stats.classes[cls] = (stats.classes[cls] || 0) + 1
  if (!examples[cls]) examples[cls] = { i: c.i, hex: c.hex }
}
function checkMutate (i, ours) {
  const mc = makeCase(seed, i, true)
  if (!mc.buf) { stats.skipped++; return }
  const hex = mc.buf.toString('hex')
  const r = peerParse(mc.buf, mc.v)
  const pOk = peerOk(r)
  if (pOk && ours.ok) {
    stats.bothOk++
    const exp = expected(r.packets[0], mc.v, true)
    foldBoth(exp, ours)
    if (canon(exp) !== canon(ours)) report('mutate: both accept, fields differ', i, hex, exp, ours, ' --mutate')
  } else if (!pOk && !ours.ok) stats.bothReject++
  else {
    if (pOk && ours.lenient) checkLenient(i, hex, r.packets[0], ours.lenient, mc.v)
    classify(pOk ? 'we-reject' : 'peer-rejects', { i, hex }, r, ours, mc.v)
  }
}
// A PUBLISH our strict decoder refused but the probe's lenient decoder keeps (topic not
// UTF-8, or with wildcards): every field must match mqtt-packet's, the topic once its bytes
// are decoded the way mqtt-packet decodes them (Node's UTF-8 decoder, U+FFFD for bad bytes).
function checkLenient (i, hex, pk, len, v) {
  // the probe keeps it only then (src/probes/mqtt.c); other protocol errors stop the decode
  if (pk.cmd !== 'publish' || len.rc !== 'protocol error' || !(len.badUtf8 || len.wildcard)) return
  stats.lenient++
  const exp = expected(pk, v, true)
  const got = { ...len, topic: Buffer.from(len.topicHex, 'hex').toString('utf8') }
  for (const k of ['ok', 'type', 'flags']) delete exp[k]
  for (const k of ['rc', 'topicHex', 'badUtf8', 'wildcard']) delete got[k]
  foldBoth(exp, got)
  if (canon(exp) !== canon(got)) report('mutate: lenient PUBLISH decode differs', i, hex, exp, got, ' --mutate')
}

// ---- encode: our encoders, mqtt-packet parses -------------------------------------------------
function wantEncoded (e) {
  const ver = e.ver
  const w = { cmd: e.type.toLowerCase(), retain: false, dup: false, qos: ['pubrel', 'subscribe'].includes(e.type.toLowerCase()) ? 1 : 0 }
  switch (w.cmd) {
    case 'connect':
      Object.assign(w, { protocolId: ver === 3 ? 'MQIsdp' : 'MQTT', protocolVersion: ver, clientId: e.clientId, keepalive: e.keepalive, clean: e.clean })
      if (e.username !== undefined) w.username = e.username
      if (e.password !== undefined) w.password = e.password
      if (ver === 5) {
        w.properties = { sessionExpiryInterval: 0, topicAliasMaximum: 0, requestProblemInformation: true }
        if (e.receiveMaximum) w.properties.receiveMaximum = e.receiveMaximum
        if (e.maximumPacketSize) w.properties.maximumPacketSize = e.maximumPacketSize
      }
      break
    case 'subscribe':
      w.messageId = e.messageId
      w.subscriptions = e.filters.map(t => ver === 5 ? { topic: t, qos: e.qos, nl: false, rap: false, rh: 0 } : { topic: t, qos: e.qos })
      break
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp':
      w.messageId = e.messageId
      if (ver === 5) w.reasonCode = 0
      break
    case 'disconnect':
      if (ver === 5) w.reasonCode = 0
      break
  }
  return w
}
function haveEncoded (pk, want) {
  const h = {}
  for (const k of Object.keys(want)) {
    let val = pk[k]
    if (k === 'password' && val) val = hexOf(val)
    if (k === 'reasonCode' && val === undefined) val = 0
    if (k === 'protocolId' && val) val = String(val)
    if (k === 'properties' && val) val = { ...val }
    h[k] = val
  }
  for (const k of ['will', 'properties']) if (pk[k] !== undefined && want[k] === undefined) h[k] = pk[k]
  return h
}
function checkEncode (i, e) {
  stats.cases++
  const buf = Buffer.from(e.hex, 'hex')
  const r = peerParse(buf, e.ver)
  const want = wantEncoded(e)
  const have = peerOk(r) ? haveEncoded(r.packets[0], want) : { errors: r.errors, packets: r.packets.length, left: r.left }
  if (canon(want) !== canon(have)) return report('encode', i, e.hex, want, have)
  // mqtt-packet writes the same packet with the same bytes (one canonical encoding), except
  // where the spec allows two forms: a 5.0 DISCONNECT with reason 0x00 and no properties may
  // omit both (remaining length 0, §3.14.2.1: ours) or write them (mqtt-packet)
  const again = mqtt.generate(r.packets[0], { protocolVersion: e.ver }).toString('hex')
  const EQUIV = { e0020000: 'e000' }
  if (again !== e.hex && EQUIV[again] !== e.hex) report('encode: mqtt-packet re-encodes differently', i, e.hex, { hex: again }, { hex: e.hex })
}

// ---- vectors: regression vectors (tests/vectors/regress/*.hex) through mqtt_diff ------------
// Each file: "# ver: N", "# expect: ok|malformed|protocol|too_big|need_more", hex lines. Both
// codecs' verdicts are printed; ours must be the expected one.
import { readdirSync, readFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
const ERR = { ok: 'ok', malformed: 'malformed input', protocol: 'protocol error', too_big: 'size exceeds cap', need_more: 'need more input' }
function runVectors (dir, tool) {
  const files = readdirSync(dir).filter(f => f.endsWith('.hex')).sort()
  const vecs = files.map(f => {
    const text = readFileSync(`${dir}/${f}`, 'utf8')
    const meta = (k) => (text.match(new RegExp(`^# ${k}: *(\\S+)`, 'm')) || [])[1]
    const hex = text.split('\n').filter(l => !l.startsWith('#')).join('').replace(/\s+/g, '')
    return { f, ver: Number(meta('ver')), expect: meta('expect'), lenient: meta('lenient'), hex }
  })
  const r = spawnSync(tool, ['decode'], { input: vecs.map(v => `${v.ver} ${v.hex}\n`).join(''), encoding: 'utf8' })
  const out = (r.stdout || '').split('\n').filter(Boolean).map(l => JSON.parse(l))
  vecs.forEach((v, k) => {
    const ours = out[k] || { ok: false, err: 'no output' }
    const got = ours.ok ? 'ok' : ours.err
    const peer = peerParse(Buffer.from(v.hex, 'hex'), v.ver)
    const peerSays = peerOk(peer) ? 'accepts' : `rejects (${peer.errors[0] || 'incomplete'})`
    let good = ERR[v.expect] !== undefined && got === ERR[v.expect]
    // "# lenient: keep|drop": whether the probe's lenient PUBLISH decode keeps the packet (a
    // complete decode where only the topic is wrong: protocol error + bad_utf8/wildcard)
    let lenientSays = ''
    if (v.lenient) {
      const l = ours.lenient
      const kept = ours.ok || !!(l && l.rc === 'protocol error' && (l.badUtf8 || l.wildcard))
      lenientSays = `, lenient ${kept ? 'keeps' : 'drops'}${kept && l ? ` (payload ${JSON.stringify(l.payload)})` : ''}`
      good = good && (v.lenient === 'keep') === kept
    }
    if (!good) failures++
    console.log(`${good ? 'ok  ' : 'FAIL'} ${v.f}: expect ${v.expect}${v.lenient ? ` (lenient ${v.lenient})` : ''}, ours ${got}${lenientSays}; mqtt-packet ${peerSays}`)
  })
  console.log(`regression vectors: ${vecs.length} in ${dir}; ${failures} mismatches`)
  process.exit(failures ? 1 : 0)
}

async function main () {
  if (mode === 'vectors') return runVectors(args[1], args[2])
  const t0 = Date.now()
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity })
  let i = first
  for await (const line of rl) {
    if (!line) continue
    let obj
    try { obj = JSON.parse(line) } catch (e) { report('bad output line', i, '', {}, { line: short(line) }); i++; continue }
    if (mode === 'decode') { stats.cases++; checkDecode(i, obj) } else if (mode === 'mutate') { stats.cases++; checkMutate(i, obj) } else checkEncode(i - first, obj)
    i++
  }
  if (mode !== 'encode' && count && stats.cases !== count) {
    failures++
    console.log(`expected ${count} output lines, got ${stats.cases}`)
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(1)
  if (mode === 'mutate') {
    const cls = Object.entries(stats.classes).sort((a, b) => b[1] - a[1])
    if (args.includes('--classes')) {
      for (const [k, n] of cls) console.log(`  ${String(n).padStart(7)}  ${k}   e.g. case ${examples[k].i}: ${short(examples[k].hex).slice(0, 120)}`)
    }
    console.log(`mqtt-packet differential (mutate): seed ${seed}: ${stats.cases} damaged packets; both accept ${stats.bothOk}, both reject ${stats.bothReject}, ` +
      `disagree ${stats.cases - stats.bothOk - stats.bothReject - stats.skipped} in ${cls.length} classes (${stats.lenient} PUBLISH kept by our lenient decoder compared); ${failures} mismatches (${secs} s)`)
  } else if (mode === 'decode') {
    console.log(`mqtt-packet differential (decode): seed ${seed}: ${stats.cases} cases, ${stats.cases - stats.skipped} packets decoded ` +
      `(${stats.skipped} not generated by mqtt-packet: ${canon(skipReasons)}; ${stats.peerInconsistent} differences traced to mqtt-packet not parsing back its own bytes); ${failures} mismatches (${secs} s)`)
  } else {
    console.log(`mqtt-packet differential (encode): seed ${seed}: ${stats.cases} packets of ours parsed by mqtt-packet; ${failures} mismatches (${secs} s)`)
  }
  process.exit(failures ? 1 : 0)
}
main()
