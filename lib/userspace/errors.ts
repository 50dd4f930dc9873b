import { MptcpError } from '../errors'

/** ERR_MPTCP_USERSPACE_<kind>: HANDSHAKE (peer does not speak the protocol or refused it), PROTOCOL, RESET, HOLE, ... */
export function userspaceError(kind: string, message: string): MptcpError {
  const err = new MptcpError(`ERR_MPTCP_USERSPACE_${kind}`, message)
  err.name = 'MptcpUserspaceError'
  return err
}
