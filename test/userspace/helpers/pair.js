'use strict'
// Two engines joined by in-memory subflows, with a fake clock and explicit delivery (no I/O at all).
const { Engine } = require('../../../dist/userspace/engine')
const { FirstFrame } = require('../../../dist/userspace/acceptor')

function side(name) {
  return { name, data: [], ended: false, established: false, closed: false, err: null, closedSubs: [], writable: 0, addrs: [], removed: [], joinFailed: 0, appBuffered: 0 }
}

function pair(options = {}) {
  const clock = { t: 1000 }
  const queue = [] // [toSide, sf, bytes]
  const cut = new Set() // `${from}:${sf}` links that drop everything
  const held = new Set() // `${from}:${sf}` links whose bytes wait (a TCP connection across a dead link)
  const parked = []
  const c = side('client')
  const s = side('server')
  const firsts = new Map()
  const hooks = (me, peerName) => ({
    send(sf, chunks) {
      if (cut.has(`${me.name}:${sf}`)) return
      if (held.has(`${me.name}:${sf}`)) return parked.push([peerName, sf, Buffer.concat(chunks)])
      queue.push([peerName, sf, Buffer.concat(chunks)])
    },
    backlog: () => 0,
    data: (b) => me.data.push(Buffer.from(b)),
    end: () => (me.ended = true),
    established: () => (me.established = true),
    closeSubflow: (sf, graceful) => me.closedSubs.push([sf, graceful]),
    closed: (err) => {
      me.closed = true
      me.err = err
    },
    writable: () => me.writable++,
    appBuffered: () => me.appBuffered,
    addAddr: (a) => me.addrs.push(a),
    removeAddr: (id) => me.removed.push(id),
    joinFailed: () => me.joinFailed++,
  })
  const now = () => clock.t
  c.engine = new Engine({ role: 'client', now, ...options.client, ...options.both }, hooks(c, 'server'))
  s.engine = new Engine({ role: 'server', now, ...options.server, ...options.both }, hooks(s, 'client'))

  function toServer(sf, bytes) {
    if (!firsts.has(sf)) firsts.set(sf, { ff: new FirstFrame(), attached: false })
    const st = firsts.get(sf)
    if (st.attached) return s.engine.receive(sf, bytes)
    const r = st.ff.push(bytes)
    if (r.kind === 'pending') return
    if (r.kind === 'error') {
      s.rejected = (s.rejected || 0) + 1
      return
    }
    st.attached = true
    if (r.kind === 'hello') s.engine.acceptInitial(sf, r.frame, r.rest)
    else s.engine.acceptJoin(sf, r.frame, r.rest)
  }

  /** Deliver queued bytes (optionally only up to n deliveries). */
  function flush(n = Infinity) {
    let i = 0
    while (queue.length && i++ < n) {
      const [to, sf, bytes] = queue.shift()
      if (to === 'server') toServer(sf, bytes)
      else c.engine.receive(sf, bytes)
    }
  }

  /** Stop holding every link: what waited is delivered on the next flush, in order. */
  function release() {
    held.clear()
    queue.push(...parked.splice(0))
  }

  function tick(ms) {
    clock.t += ms
    c.engine.tick()
    s.engine.tick()
  }

  function handshake() {
    c.engine.connect(1)
    flush()
    return c.established && s.established
  }

  return { c, s, clock, queue, cut, held, release, flush, tick, handshake, toServer }
}

const concat = (list) => Buffer.concat(list)

module.exports = { pair, concat }
