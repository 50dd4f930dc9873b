// ESM preload entry: `node --import mptcp/register app.mjs`. The patches live in the CommonJS build; node's
// builtin modules are shared, so loading it from here patches them for the ESM app too.
import '../dist/register.js'
