#include <string.h>

#include "util/csv.h"

void
csv_cell(FILE *fp, const char *s, int last)
{
	int quote;

	if (s == NULL)
		s = "";
	quote = strpbrk(s, ",\"\r\n") != NULL || s[0] == ' ';
	if (quote)
		fputc('"', fp);
	if (s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL)
		fputc('\'', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	if (quote)
		fputc('"', fp);
	fputs(last ? "\r\n" : ",", fp);
}
