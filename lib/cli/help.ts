export const mainHelp = `Usage: mptcp <command> [options]

Multipath TCP for Node.js: check this host, run the demo or the multipath lab.

Commands
  status    addon, kernel support, net.mptcp.* sysctls, limits, endpoints, and what stops multipath
  demo      MPTCP server and client on loopback, with what was negotiated (what npm start runs)
  lab       multipath demo across network namespaces (needs root; what npm run lab runs)
  help      this text, or \`mptcp help <command>\`

Options
  --json     machine-readable output
  --help     help for a command
  --version  package version

Exit codes
  0  ok (status: MPTCP works and can use more than one path)
  1  status: MPTCP unavailable here; other commands: failed
  2  bad usage
  3  status: MPTCP works, but only over a single path (no endpoints, or limits 0)
  4  command not included in this build

Run an unmodified app over MPTCP: node -r mptcp/register app.js (ESM: node --import mptcp/register app.mjs)
`

export const commandHelp: Record<string, string> = {
  status: `Usage: mptcp status [--json]

Reports whether this host can use MPTCP and more than one path:
  addon loaded or why not, kernel MPTCP available or why not (not built, too old, net.mptcp.enabled=0),
  the NODE_MPTCP policy, the path manager, \`ip mptcp limits\` and \`ip mptcp endpoint\` (when readable),
  every net.mptcp.* sysctl, and a hint with a fix for each thing that stops multipath.

Exit code: 0 multipath possible, 1 MPTCP unavailable, 3 MPTCP works but single path only.
--json prints { verdict, support, pathManager, limits, endpoints, ipError, addresses, hints }.
`,
  demo: `Usage: mptcp demo [--seconds N] [--json]

Starts an MPTCP server and client on loopback, exchanges data for N seconds (default 3, or DEMO_SECONDS)
and prints what was negotiated, mptcpInfo() and subflows(). Where the kernel has no MPTCP it says so and
why. Same as npm start. --json prints only the result object.
Exit code: the demo's (0 ok, 1 failed), 4 if the demo is not part of this build.
`,
  lab: `Usage: mptcp lab [--seconds N] [--rate 50mbit] [--endpoints signal|subflow|fullmesh] [--out report.html] [--json]

Builds two network namespaces joined by two shaped paths, runs a transfer over MPTCP across both (one
path goes down and comes back), writes an HTML report, and tears everything down. Needs root (ip netns).
Same as npm run lab; the options go to the lab.
Exit code: the lab's (0 ok, 1 failed), 4 if the lab is not part of this build.
`,
  help: `Usage: mptcp help [command]
`,
}
