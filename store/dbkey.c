#include <unistd.h>

#include <sodium.h>

#include "crypto/keys.h"
#include "store/dbkey.h"
#include "util/log.h"

int
dbkey_load_or_create(
    const char *db_path, const char *key_path, uint8_t key[DB_KEY_LEN])
{
	if (access(key_path, F_OK) != 0) {
		if (access(db_path, F_OK) == 0) {
			log_err("%s is missing but %s exists; refusing to "
				"create a new key",
			    key_path, db_path);
			return -1;
		}
		randombytes_buf(key, DB_KEY_LEN);
		if (keys_save(key_path, KEYS_SYMMETRIC, key, DB_KEY_LEN, NULL,
			0, NULL) != 0)
			return -1;
		log_info("created a new database key");
	}
	return keys_load(key_path, KEYS_SYMMETRIC, key, DB_KEY_LEN, NULL, 0);
}
