import path = require('node:path')

export interface Native {
  socket(family: number, type: number, protocol: number): number
  bind(fd: number, ip: string, port: number): number
  setsockopt(fd: number, level: number, name: number, value: number | Buffer): number
  getsockopt(fd: number, level: number, name: number, buf: Buffer): number
  getsockoptFullInfo(fd: number, head: Buffer, subflowInfo: Buffer, tcpInfo: Buffer): number
  close(fd: number): number
  constants: Record<string, number>
}

export interface NativeState {
  native: Native | null
  reason: string | null
}

function load(): NativeState {
  if (process.env.NODE_MPTCP_NO_NATIVE) {
    return { native: null, reason: 'disabled by NODE_MPTCP_NO_NATIVE' }
  }
  try {
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => Native
    return { native: nodeGypBuild(path.join(__dirname, '..')), reason: null }
  } catch (err) {
    return { native: null, reason: `native addon not loaded: ${(err as Error).message.split('\n')[0]}` }
  }
}

export const { native, reason } = load()
