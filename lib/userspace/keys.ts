import crypto = require('node:crypto')

// Key schedule of docs/userspace-protocol.md §3-4, §7-8.

const SALT = Buffer.from('mptcp-userspace v1')
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex')

export interface KeyPair {
  privateKey: crypto.KeyObject
  pub: Buffer
}

export interface ConnectionKeys {
  serverFinished: Buffer
  clientFinished: Buffer
  join: Buffer
  addr: Buffer
  close: Buffer
  token: Buffer
}

export function generateKeyPair(): KeyPair {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('x25519')
  const spki = publicKey.export({ type: 'spki', format: 'der' })
  return { privateKey, pub: Buffer.from(spki.subarray(spki.length - 32)) }
}

/** X25519 shared secret, or null for an invalid or low-order peer key. */
export function sharedSecret(own: KeyPair, peerPub: Buffer): Buffer | null {
  try {
    const publicKey = crypto.createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, peerPub]), format: 'der', type: 'spki' })
    const s = crypto.diffieHellman({ privateKey: own.privateKey, publicKey })
    return s.every((b) => b === 0) ? null : s
  } catch {
    return null
  }
}

export function sha256(...parts: Buffer[]): Buffer {
  const h = crypto.createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest()
}

export function hmac(key: Buffer, ...parts: Buffer[]): Buffer {
  const h = crypto.createHmac('sha256', key)
  for (const p of parts) h.update(p)
  return h.digest()
}

export function macEqual(a: Buffer, b: Buffer): boolean {
  return a.length === 32 && b.length === 32 && crypto.timingSafeEqual(a, b)
}

export function deriveKeys(shared: Buffer, th1: Buffer): ConnectionKeys {
  const okm = Buffer.from(crypto.hkdfSync('sha256', shared, SALT, Buffer.concat([Buffer.from('keys'), th1]), 168))
  return {
    serverFinished: okm.subarray(0, 32),
    clientFinished: okm.subarray(32, 64),
    join: okm.subarray(64, 96),
    addr: okm.subarray(96, 128),
    close: okm.subarray(128, 160),
    token: okm.subarray(160, 168),
  }
}

const JOIN_SERVER = Buffer.from('join-server')
const JOIN_CLIENT = Buffer.from('join-client')
const ADD = Buffer.from('add')
const REMOVE = Buffer.from('remove')
const FAST_CLOSE = Buffer.from('fast-close')

export const macs = {
  joinServer: (k: ConnectionKeys, cn: Buffer, sn: Buffer) => hmac(k.join, JOIN_SERVER, k.token, cn, sn),
  joinClient: (k: ConnectionKeys, cn: Buffer, sn: Buffer) => hmac(k.join, JOIN_CLIENT, k.token, cn, sn),
  addAddr: (k: ConnectionKeys, body: Buffer) => hmac(k.addr, ADD, body),
  removeAddr: (k: ConnectionKeys, id: number) => hmac(k.addr, REMOVE, Buffer.from([id & 0xff])),
  fastClose: (k: ConnectionKeys) => hmac(k.close, FAST_CLOSE),
}
