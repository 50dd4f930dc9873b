/** What `mptcp` exit codes mean (also in `mptcp --help`). */
export const EXIT = {
  /** Done; for status: MPTCP works and more than one path can be used (or the path manager decides). */
  ok: 0,
  /** For status: this host cannot open MPTCP sockets (addon or kernel); otherwise: the command failed. */
  unavailable: 1,
  /** Bad usage: unknown command or option. */
  usage: 2,
  /** For status: MPTCP works but connections will stay on one path (no endpoints, limits 0). */
  singlePath: 3,
  /** The command is not part of this build (demo or lab module missing). */
  missing: 4,
} as const
