#ifndef UTIL_JSONMEM_H
#define UTIL_JSONMEM_H

/*
 * Jansson copies every string it parses or builds (phone numbers, names,
 * what happened) into its own heap. jsonmem_init makes every Jansson
 * allocation wipe itself when freed; call it first thing in main(),
 * before any JSON is touched. Text Jansson returns (json_dumps) is freed
 * with jsonmem_free, which also works when jsonmem_init was not called.
 */
void jsonmem_init(void);
void jsonmem_free(void *p);

#endif
