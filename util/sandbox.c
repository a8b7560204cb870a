#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>

#include <seccomp.h>

#include "util/log.h"
#include "util/sandbox.h"

/* LeakSanitizer stops the world with ptrace from a cloned helper; a
 * sanitizer build keeps those two calls so `make asan` can still report. */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZER 1
#endif
#endif
#ifndef SANDBOX_SANITIZER
#define SANDBOX_SANITIZER 0
#endif

static const int denied[] = {
    SCMP_SYS(execve),
    SCMP_SYS(execveat),
    SCMP_SYS(fork),
    SCMP_SYS(vfork),
    SCMP_SYS(process_vm_readv),
    SCMP_SYS(process_vm_writev),
    SCMP_SYS(setuid),
    SCMP_SYS(setgid),
    SCMP_SYS(setreuid),
    SCMP_SYS(setregid),
    SCMP_SYS(setresuid),
    SCMP_SYS(setresgid),
    SCMP_SYS(setgroups),
    SCMP_SYS(setfsuid),
    SCMP_SYS(setfsgid),
    SCMP_SYS(unshare),
    SCMP_SYS(setns),
    SCMP_SYS(mount),
    SCMP_SYS(umount2),
    SCMP_SYS(pivot_root),
    SCMP_SYS(chroot),
    SCMP_SYS(init_module),
    SCMP_SYS(finit_module),
    SCMP_SYS(delete_module),
    SCMP_SYS(kexec_load),
    SCMP_SYS(kexec_file_load),
    SCMP_SYS(bpf),
    SCMP_SYS(perf_event_open),
    SCMP_SYS(keyctl),
    SCMP_SYS(add_key),
    SCMP_SYS(request_key),
    SCMP_SYS(userfaultfd),
    SCMP_SYS(personality),
    SCMP_SYS(swapon),
    SCMP_SYS(swapoff),
    SCMP_SYS(reboot),
    SCMP_SYS(acct),
    SCMP_SYS(quotactl),
    SCMP_SYS(open_by_handle_at),
    SCMP_SYS(name_to_handle_at),
};

int
sandbox_enter(void)
{
	scmp_filter_ctx ctx;
	int rc = -1;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		log_err("sandbox: cannot set no_new_privs");
		return -1;
	}
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (ctx == NULL) {
		log_err("sandbox: seccomp_init failed");
		return -1;
	}
	/* Apply to every thread already running, not only this one. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) != 0)
		goto out;
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
		if (seccomp_rule_add(
			ctx, SCMP_ACT_KILL_PROCESS, denied[i], 0) != 0)
			goto out;
	if (!SANDBOX_SANITIZER) {
		if (seccomp_rule_add(
			ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(ptrace), 0) != 0)
			goto out;
		/* Threads are clone(CLONE_THREAD|...); a new process is not. */
		if (seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS,
			SCMP_SYS(clone), 1,
			SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0)) != 0)
			goto out;
	}
	/* clone3 hides its flags in memory a filter cannot read: say it
	 * does not exist, and glibc falls back to clone. */
	if (seccomp_rule_add(
		ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) != 0)
		goto out;
	if (seccomp_load(ctx) != 0) {
		log_err("sandbox: cannot load the seccomp filter");
		goto out;
	}
	log_info("sandbox: seccomp filter in place");
	rc = 0;
out:
	if (rc != 0)
		log_err("sandbox: could not confine the process");
	seccomp_release(ctx);
	return rc;
}
