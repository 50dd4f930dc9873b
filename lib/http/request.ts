import type http = require('node:http')

type RequestFn = (...args: never[]) => http.ClientRequest

/** http(s).request/get with `agent` defaulting to the given one when the caller did not choose. */
export function withAgent<F extends RequestFn>(fn: F, agent: () => http.Agent): F {
  return function (this: unknown, ...args: unknown[]) {
    const i = typeof args[0] === 'string' || args[0] instanceof URL ? 1 : 0
    const opts = args[i]
    if (opts === undefined || typeof opts === 'function') args.splice(i, 0, { agent: agent() })
    else if (opts !== null && typeof opts === 'object' && (opts as { agent?: unknown }).agent === undefined) {
      args[i] = { ...(opts as object), agent: agent() }
    }
    return (fn as unknown as (...a: unknown[]) => http.ClientRequest).apply(this, args)
  } as unknown as F
}
