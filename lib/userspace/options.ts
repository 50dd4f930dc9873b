import type { SchedulerName } from './scheduler'
import type { JoinLimits } from './acceptor'

/** `userspace` option of connect() and createServer() (used with `mptcp: 'userspace'`). */
export interface UserspaceOptions {
  /** Client: run the userspace protocol over plain TCP even where the kernel could do MPTCP. */
  force?: boolean
  /** Client: local addresses to open extra subflows from. Default: every usable local address of the family. */
  localAddresses?: string[]
  /** Server: addresses to announce. Default: usable addresses when listening on a wildcard address; false: none. */
  announce?: string[] | false
  /** Subflows per connection, the first one included. Default 8. */
  maxSubflows?: number
  scheduler?: SchedulerName
  /** Subflows from or to these addresses are backup: they carry data only when no other one is healthy. */
  backup?: string[]
  /** Receive window in bytes. Default 4 MiB. */
  window?: number
  /** Send buffer in bytes. Default 4 MiB. */
  sendBuffer?: number
  /** Server: how long to wait for a client's first byte before treating it as a plain TCP (server-first) client. Default 250 ms. */
  detectTimeout?: number
  /** Handshake and join timeout, ms. Default 10 s. */
  handshakeTimeout?: number
  /** Abort when data waits behind a hole for this long, ms. Default 30 s. */
  holeTimeout?: number
  /** Client: re-open subflows that fail, and replace ones that stay stale, while the connection lives. Default true. */
  reopen?: boolean
  /**
   * Follow the host's addresses while a connection lives (polled every second): the client opens subflows from
   * new local addresses and closes those from vanished ones; a server listening on a wildcard address
   * announces new addresses and withdraws vanished ones (REMOVE_ADDR). Default true.
   */
  watchAddresses?: boolean
  /** Server: failed-join rate limits. */
  joinLimits?: JoinLimits
}

export function engineOptions(o: UserspaceOptions) {
  return {
    ...(o.window !== undefined && { window: o.window }),
    ...(o.sendBuffer !== undefined && { sendBuffer: o.sendBuffer }),
    ...(o.maxSubflows !== undefined && { maxSubflows: o.maxSubflows }),
    ...(o.scheduler !== undefined && { scheduler: o.scheduler }),
    ...(o.handshakeTimeout !== undefined && { handshakeTimeout: o.handshakeTimeout }),
    ...(o.holeTimeout !== undefined && { holeTimeout: o.holeTimeout }),
  }
}
