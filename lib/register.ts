// Preload: `node -r mptcp/register app.js` or `node --import mptcp/register app.mjs`. Makes an unmodified
// app's TCP listeners and outgoing TCP connections (net, http, https, tls, http2, built-in fetch) MPTCP.
// NODE_MPTCP=off|on|listen|dial chooses what; NODE_DEBUG=mptcp logs what happens; silent otherwise.
import { install } from './register/install'

install()
