import { native } from './binding'
import * as c from './constants'
import { MptcpFallbackError } from './errors'
import { isMptcp } from './sockopt'
import { isUnavailableErrno } from './support'

// Node's net builds, binds and connects the socket; we only swap in an MPTCP fd at the moment libuv
// would create its own. libuv creates the fd lazily on the handle's first bind() or connect(), so the
// handle's own methods are wrapped, per instance, to open an MPTCP fd of the right family first.
// Everything else (lookup, happy eyeballs, errors, events, timeouts) stays Node's.

interface ConnectReq {
  oncomplete?: (status: number, handle: TcpHandle, req: ConnectReq, readable: boolean, writable: boolean) => void
  address?: string
  port?: number
}

export interface TcpHandle {
  fd: number
  open(fd: number): number
  bind(address: string, port: number): number
  bind6(address: string, port: number, flags: number): number
  connect(req: ConnectReq, address: string, port: number): number
  connect6(req: ConnectReq, address: string, port: number): number
}

export interface Dialer {
  /** `mptcp: 'require'`: a handshake that falls back to TCP is an error. */
  require: boolean
  destroy(err: Error): void
}

const armed = new WeakSet<object>()

function openMptcp(handle: TcpHandle, family: number): number {
  if (handle.fd >= 0) return 0
  const fd = native!.socket(family, c.SOCK_STREAM, c.IPPROTO_MPTCP)
  if (fd < 0) return isUnavailableErrno(fd) ? 0 : fd
  const err = handle.open(fd)
  if (err) native!.close(fd)
  return err
}

function guardFallback(dialer: Dialer, req: ConnectReq): void {
  const done = req.oncomplete
  if (!done) return
  req.oncomplete = function (this: ConnectReq, status, handle, r, readable, writable) {
    if (status === 0 && !isMptcp(handle.fd)) {
      dialer.destroy(new MptcpFallbackError(r.address, r.port))
      return
    }
    done.call(this, status, handle, r, readable, writable)
  }
}

/** Makes a fresh, fd-less TCP handle open an MPTCP socket when net first binds or connects it. */
export function armHandle(handle: TcpHandle, dialer: Dialer): void {
  if (armed.has(handle) || handle.fd >= 0) return
  armed.add(handle)
  const proto = Object.getPrototypeOf(handle) as TcpHandle
  handle.bind = function (address, port) {
    return openMptcp(this, c.AF_INET) || proto.bind.call(this, address, port)
  }
  handle.bind6 = function (address, port, flags) {
    return openMptcp(this, c.AF_INET6) || proto.bind6.call(this, address, port, flags)
  }
  handle.connect = function (req, address, port) {
    const err = openMptcp(this, c.AF_INET)
    if (err) return err
    if (dialer.require) guardFallback(dialer, req)
    return proto.connect.call(this, req, address, port)
  }
  handle.connect6 = function (req, address, port) {
    const err = openMptcp(this, c.AF_INET6)
    if (err) return err
    if (dialer.require) guardFallback(dialer, req)
    return proto.connect6.call(this, req, address, port)
  }
}
