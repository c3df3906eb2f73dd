/*
 * printf-check: glibc's printf of single conversions, the oracle of trace_seq_printf.
 *
 * Usage: printf-check INPUT
 *
 * INPUT has one line per case: `<format hex> <kind> <value>`, kind `i` (a long long, decimal),
 * `u` (an unsigned long long, decimal) or `s` (a string, hex). The format holds one conversion
 * whose size modifier matches the kind (`hh`/`h`/none take an int, `l`/`ll`/`z`/`j` a 64-bit
 * integer). Prints one line per case: the hex of what snprintf wrote.
 *
 * Written for onering's conformance tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unhex(const char *s, size_t n, char *out)
{
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int b;
		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (char)b;
	}
	out[n / 2] = 0;
	return 0;
}

static int is64(const char *fmt)
{
	return strstr(fmt, "l") != NULL || strstr(fmt, "z") != NULL || strstr(fmt, "j") != NULL;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	FILE *f = fopen(argv[1], "r");
	if (!f)
		return 2;
	static char line[8192], fmt[1024], str[4096], out[1 << 16];
	while (fgets(line, sizeof(line), f)) {
		char *a = strtok(line, " \n"), *kind = strtok(NULL, " \n"), *v = strtok(NULL, " \n");
		if (!a || !kind)
			return 2;
		if (unhex(a, strlen(a), fmt) < 0)
			return 2;
		int n;
		if (kind[0] == 's') {
			if (unhex(v ? v : "", v ? strlen(v) : 0, str) < 0)
				return 2;
			n = snprintf(out, sizeof(out), fmt, str);
		} else if (kind[0] == 'i') {
			long long x = strtoll(v, NULL, 10);
			n = is64(fmt) ? snprintf(out, sizeof(out), fmt, x) : snprintf(out, sizeof(out), fmt, (int)x);
		} else {
			unsigned long long x = strtoull(v, NULL, 10);
			n = is64(fmt) ? snprintf(out, sizeof(out), fmt, x) : snprintf(out, sizeof(out), fmt, (unsigned int)x);
		}
		for (int i = 0; i < n && i < (int)sizeof(out); i++)
			printf("%02x", (unsigned char)out[i]);
		putchar('\n');
	}
	return 0;
}
