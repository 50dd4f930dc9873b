// Preload: `node -r mptcp/register app.js` or `node --import mptcp/register app.mjs`. Makes an unmodified
// app's TCP listeners and outgoing TCP connections (net, http, https, tls, http2, built-in fetch) MPTCP.
// NODE_MPTCP=off|on|listen|dial chooses what; NODE_DEBUG=mptcp logs what happens; silent otherwise.
import { install, type Installed } from './register/install'

/** What the preload patched in this process: { listen, dial, reason }. */
export const installed: Installed = install()
