#ifndef NET_HTTP_INT_H
#define NET_HTTP_INT_H

/* Shared by the files of the http module (reader, responses, forms). */

/* The value of a hex digit, or -1. */
int http_hex_digit(unsigned c);

/* RFC 9110 tchar: what a header name may hold. */
int http_is_tchar(unsigned c);

#endif
