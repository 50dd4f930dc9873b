import { native } from './binding'

// Linux values; the addon supplies the platform's own where it loaded.
const linux: Record<string, number> = {
  AF_INET: 2,
  AF_INET6: 10,
  SOCK_STREAM: 1,
  IPPROTO_TCP: 6,
  IPPROTO_MPTCP: 262,
  IPPROTO_IPV6: 41,
  IPV6_V6ONLY: 26,
  SOL_SOCKET: 1,
  SO_REUSEADDR: 2,
  SO_REUSEPORT: 15,
  SO_PROTOCOL: 38,
  SOL_TCP: 6,
  TCP_INFO: 11,
  TCP_IS_MPTCP: 43,
  SOL_MPTCP: 284,
  MPTCP_INFO: 1,
  MPTCP_TCPINFO: 2,
  MPTCP_SUBFLOW_ADDRS: 3,
  MPTCP_FULL_INFO: 4,
}

const c = { ...linux, ...native?.constants }

export const AF_INET = c.AF_INET!
export const AF_INET6 = c.AF_INET6!
export const SOCK_STREAM = c.SOCK_STREAM!
export const IPPROTO_TCP = c.IPPROTO_TCP!
export const IPPROTO_MPTCP = c.IPPROTO_MPTCP!
export const IPPROTO_IPV6 = c.IPPROTO_IPV6!
export const IPV6_V6ONLY = c.IPV6_V6ONLY!
export const SOL_SOCKET = c.SOL_SOCKET!
export const SO_REUSEADDR = c.SO_REUSEADDR!
export const SO_PROTOCOL = c.SO_PROTOCOL!
export const SOL_TCP = c.SOL_TCP!
export const TCP_INFO = c.TCP_INFO!
export const TCP_IS_MPTCP = c.TCP_IS_MPTCP!
export const SOL_MPTCP = c.SOL_MPTCP!
export const MPTCP_INFO = c.MPTCP_INFO!
export const MPTCP_TCPINFO = c.MPTCP_TCPINFO!
export const MPTCP_SUBFLOW_ADDRS = c.MPTCP_SUBFLOW_ADDRS!
export const MPTCP_FULL_INFO = c.MPTCP_FULL_INFO!
