import util = require('node:util')

// Shapes follow Node's lib/internal/errors.js so callers can treat them like net's own errors.

export interface SystemError extends Error {
  errno: number
  code: string
  syscall: string
  address?: string
  port?: number
}

function codeOf(errno: number): string {
  try {
    return util.getSystemErrorName(errno)
  } catch {
    return `Unknown system error ${errno}`
  }
}

function describe(errno: number): string {
  return util.getSystemErrorMap().get(errno)?.[1] ?? 'unknown error'
}

function systemError(message: string, errno: number, syscall: string): SystemError {
  const err = new Error(message) as SystemError
  err.errno = errno
  err.code = codeOf(errno)
  err.syscall = syscall
  return err
}

/** Like Node's ErrnoException: `${syscall} ${code}`. */
export function errnoException(errno: number, syscall: string): SystemError {
  return systemError(`${syscall} ${codeOf(errno)}`, errno, syscall)
}

/** Like Node's UVExceptionWithHostPort, used by net for listen errors. */
export function uvExceptionWithHostPort(errno: number, syscall: string, address: string, port: number): SystemError {
  const where = port > 0 ? `${address}:${port}` : address
  const err = systemError(`${syscall} ${codeOf(errno)}: ${describe(errno)} ${where}`, errno, syscall)
  err.address = address
  if (port) err.port = port
  return err
}

export class MptcpError extends Error {
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.code = code
    this.name = 'MptcpError'
  }
}

/** `mptcp: 'require'` on a host whose kernel (or addon) cannot open MPTCP sockets. */
export class MptcpUnavailableError extends MptcpError {
  constructor(reason: string) {
    super('ERR_MPTCP_UNAVAILABLE', `MPTCP is not available: ${reason}`)
    this.name = 'MptcpUnavailableError'
  }
}

/** `mptcp: 'require'` and the peer or a middlebox made the connection fall back to plain TCP. */
export class MptcpFallbackError extends MptcpError {
  readonly address: string | undefined
  readonly port: number | undefined
  constructor(address?: string, port?: number) {
    super('ERR_MPTCP_FALLBACK', `connection to ${address}:${port} fell back to plain TCP`)
    this.name = 'MptcpFallbackError'
    this.address = address
    this.port = port
  }
}

/** Node's ERR_INVALID_ARG_VALUE. */
export function invalidArgValue(name: string, value: unknown, reason: string): TypeError & { code: string } {
  const kind = name.includes('.') ? 'property' : 'argument'
  const err = new TypeError(`The ${kind} '${name}' ${reason}. Received ${util.inspect(value)}`) as TypeError & { code: string }
  err.code = 'ERR_INVALID_ARG_VALUE'
  return err
}
