import { expectAssignable, expectError, expectType } from 'tsd'
import * as net from 'node:net'
import * as mptcp from '..'

// A drop-in: everything net exports is there with net's types.
expectType<typeof net.isIP>(mptcp.isIP)
expectType<typeof net.BlockList>(mptcp.BlockList)
expectType<typeof net.SocketAddress>(mptcp.SocketAddress)
expectType<typeof net.getDefaultAutoSelectFamily>(mptcp.getDefaultAutoSelectFamily)

const sock = mptcp.connect({ host: 'localhost', port: 8080, mptcp: 'require' }, () => {})
expectType<mptcp.Socket>(sock)
expectAssignable<net.Socket>(sock)
expectType<mptcp.Multipath>(sock.multipath)
expectType<'kernel' | 'userspace' | false>(sock.multipath)
expectType<mptcp.MptcpInfo | null>(sock.mptcpInfo())
expectType<mptcp.Subflow[]>(sock.subflows())
expectType<mptcp.Socket>(mptcp.createConnection(8080, 'localhost'))
expectType<mptcp.Socket>(mptcp.connect('/tmp/x.sock'))
expectType<mptcp.Socket>(new mptcp.Socket({ mptcp: false }).connect(80, 'example.org'))
expectError(mptcp.connect({ port: 80, mptcp: 'sometimes' }))

const info = sock.mptcpInfo()
if (info) {
  expectType<boolean>(info.fallback)
  expectType<bigint>(info.writeSeq)
  expectType<number | undefined>(info.subflowsTotal)
}
const [first] = sock.subflows()
if (first) {
  expectType<number>(first.id)
  expectType<mptcp.Endpoint | null>(first.local)
  expectType<'IPv4' | 'IPv6' | undefined>(first.remote?.family)
  expectType<number | undefined>(first.tcpInfo?.rtt)
}

const server = mptcp.createServer({ mptcp: 'require', allowHalfOpen: true }, (s) => {
  expectType<mptcp.Socket>(s)
})
expectType<mptcp.Server>(server)
expectAssignable<net.Server>(server)
server.listen(0, '127.0.0.1', 511, () => {})
server.listen({ port: 0, ipv6Only: true })
expectType<mptcp.Server>(mptcp.createServer((s) => expectType<mptcp.Socket>(s)))

const s: mptcp.Support = mptcp.support()
expectType<boolean>(s.mptcp)
expectType<string | null>(s.kernel.reason)
expectType<Record<string, string>>(s.sysctls)

const err = new mptcp.MptcpFallbackError('127.0.0.1', 80)
expectType<string>(err.code)
expectAssignable<mptcp.MptcpError>(new mptcp.MptcpUnavailableError('x'))


// The userspace stack: option values are the public contract.
const us = mptcp.connect({ host: '10.0.0.1', port: 80, mptcp: 'userspace', userspace: { force: true, watchAddresses: false, reopen: true, scheduler: 'redundant', backup: ['10.0.1.1'] } })
expectType<mptcp.Socket>(us)
expectAssignable<mptcp.UserspaceOptions>({ announce: false, maxSubflows: 4, window: 1 << 20 })
expectError<mptcp.UserspaceOptions>({ watchAddresses: 'yes' })
expectError<mptcp.UserspaceOptions>({ scheduler: 'fastest' })
mptcp.createServer({ mptcp: 'userspace', userspace: { announce: ['10.0.0.2'], watchAddresses: true } })

// http2: servers listening over MPTCP, a client session over an MPTCP connection.
import * as http2 from 'node:http2'
expectType<http2.Http2SecureServer>(mptcp.http2.createSecureServer({ key: 'k', cert: 'c', mptcp: 'require' }, (_req, res) => res.end()))
expectType<http2.Http2Server>(mptcp.http2.createServer())
expectType<http2.Http2Server>(mptcp.http2.createServer({ mptcp: false }, () => {}))
expectType<http2.ClientHttp2Session>(mptcp.http2.connect('https://example.org', { ca: 'x', mptcp: 'require' }))
expectType<http2.ClientHttp2Session>(mptcp.http2.connect(new URL('http://127.0.0.1:8080'), (s) => s.close()))
expectError(mptcp.http2.connect('https://example.org', { mptcp: 'sometimes' }))
