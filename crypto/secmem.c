#include <sys/prctl.h>
#include <sys/resource.h>

#include <sodium.h>

#include "crypto/secmem.h"
#include "util/log.h"

int
secmem_init(void)
{
	struct rlimit rl = {0, 0};

	if (sodium_init() < 0) {
		log_err("libsodium failed to initialise");
		return -1;
	}
	if (setrlimit(RLIMIT_CORE, &rl) != 0) {
		log_err("cannot disable core dumps");
		return -1;
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
		log_err("cannot mark the process non-dumpable");
		return -1;
	}
	return 0;
}

void *
secmem_alloc(size_t len)
{
	void *p = sodium_malloc(len);

	if (p == NULL)
		log_err("cannot allocate %zu bytes of locked memory", len);
	return p;
}

void
secmem_free(void *p)
{
	/* sodium_free wipes before releasing. */
	sodium_free(p);
}
