#ifndef UTIL_CSV_H
#define UTIL_CSV_H

#include <stdio.h>

/*
 * One CSV cell (RFC 4180), then "," or, for the last cell of a row,
 * CRLF; NULL is an empty cell. A cell that a spreadsheet would run as a
 * formula (= + - @ tab CR first) gets a leading apostrophe: exports end
 * up in case-management spreadsheets, and their text came from the
 * public. Every CSV this project writes goes through here.
 */
void csv_cell(FILE *fp, const char *s, int last);

#endif
