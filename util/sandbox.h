#ifndef UTIL_SANDBOX_H
#define UTIL_SANDBOX_H

/*
 * Confine a daemon once it is set up (port bound, keys read, privileges
 * dropped, threads' libraries initialised): no new privileges, and a
 * seccomp filter, for every thread, that kills the process on any system
 * call a network daemon here never needs: running programs, new
 * processes, debugging others, changing user, namespaces, kernel modules,
 * BPF, keyrings, mounts.
 *
 * A deny list rather than an allow list: SQLite, mbedTLS, libcurl and
 * glibc together make too many calls, varying by version, for an allow
 * list to be both tight and safe to ship; the calls an attacker needs
 * to turn a memory bug into a shell are the ones refused here.
 */
int sandbox_enter(void);

#endif
