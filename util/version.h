#ifndef UTIL_VERSION_H
#define UTIL_VERSION_H

/* The one version of every program here; debian/changelog says the same
 * (a test compares them). */
#define RJ_VERSION "0.9.0"

#endif
