/*
 * format-check: print libtraceevent's reading of event formats and payloads.
 *
 * Usage: format-check INPUT
 *
 * INPUT is a batch, in this text framing (lengths in bytes):
 *
 *   K <n>\n<n bytes of kallsyms text>\n            optional, first: symbols for %ps / %pS
 *   F <system> <n>\n<n bytes of format text>\n     one per event format
 *   P <payload hex>\n                             payloads of the last format (common_type first)
 *   C <n>\n<n bytes of saved_cmdlines text>\n     optional, before the formats: comms
 *   R <cpu> <ts> <payload hex>\n                  records of the last format, for tep_print_event
 *
 * Each format is parsed into a fresh tep handle (64-bit long, little-endian, page 4096) with
 * tep_parse_format(), and every payload is read back with the library's public API only:
 *
 *   F <index> <tep_parse_format status> <1 if the event's print fmt failed to parse, else 0>
 *   D <name> <offset> <size> <flags> <arraylen> <elementsize> <type>      one per field,
 *                                                                         common fields first
 *   V <payload> <name> <value>      one per field and payload:
 *       a number (signed if TEP_FIELD_IS_SIGNED) from tep_read_number_field for fields of
 *       1/2/4/8 bytes; for arrays and __data_loc fields the bytes tep_get_field_raw() gives
 *       (a size-0 array: the rest of the record, as print_str_arg reads it), shown as
 *       str:<hex up to the NUL> for TEP_FIELD_IS_STRING, arr:<v,v,...> by elementsize when it is
 *       1/2/4/8, raw:<hex> otherwise
 *   T <payload> <hex of tep_print_event(TEP_PRINT_INFO)>
 *   U <payload>                     tep_print_event read past the record: its text changed when
 *                                   the bytes after the record changed (zeros, then 0xa5)
 *   X <payload> <signal>            tep_print_event crashed on this payload (libtraceevent
 *                                   trusts lengths taken from other fields, e.g. __print_hex
 *                                   with REC->len): SIGSEGV/SIGBUS are caught and the checker
 *                                   goes on with the next payload
 *
 * and for every R line (which counts as a payload too):
 *
 *   Q <payload> <k> <hex of tep_print_event(tep, s, record, format k, ...)>, or X (it crashed)
 *       or U (it read past the record), as for T lines; the formats are in print_format_k
 *   G <payload> <name> <tep_get_field_val status> <value> <tep_get_field_raw len> <offset>
 *       one per event field (offset: of the pointer tep_get_field_raw returns, from data)
 *
 * A format that tep_parse_format rejects without an event prints only its F line.
 * Exit 0 when the input was read, 2 on usage or I/O errors.
 *
 * Written for onering's conformance tests from the documented libtraceevent API (event-parse.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <signal.h>

#include <event-parse.h>
#include <trace-seq.h>

#define DATA_ROOM (2 * 65536) /* a record and room for reads past it */

static sigjmp_buf crashed;

static void on_crash(int sig)
{
	siglongjmp(crashed, sig);
}

static char *slurp(const char *path, long *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	*size = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc(*size + 1);
	if (!buf || fread(buf, 1, *size, f) != (size_t)*size) {
		fclose(f);
		free(buf);
		return NULL;
	}
	buf[*size] = 0;
	fclose(f);
	return buf;
}

static void hex(const unsigned char *p, long n)
{
	for (long i = 0; i < n; i++)
		printf("%02x", p[i]);
}

static long long sign_extend(unsigned long long v, int size)
{
	switch (size) {
	case 1: return (signed char)v;
	case 2: return (short)v;
	case 4: return (int)v;
	default: return (long long)v;
	}
}

static unsigned long long read_le(const unsigned char *p, int size)
{
	unsigned long long v = 0;
	for (int i = size - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void print_value(struct tep_event *event, struct tep_format_field *field,
			struct tep_record *rec)
{
	unsigned long long v;
	if (!(field->flags & (TEP_FIELD_IS_ARRAY | TEP_FIELD_IS_DYNAMIC))) {
		if (tep_read_number_field(field, rec->data, &v) == 0) {
			if (field->flags & TEP_FIELD_IS_SIGNED)
				printf("%lld", sign_extend(v, field->size));
			else
				printf("%llu", v);
		} else {
			printf("raw:");
			hex((unsigned char *)rec->data + field->offset, field->size);
		}
		return;
	}
	struct trace_seq s;
	trace_seq_init(&s);
	int len = 0;
	unsigned char *p = tep_get_field_raw(&s, event, field->name, rec, &len, 0);
	trace_seq_destroy(&s);
	if (!p) {
		printf("missing");
		return;
	}
	if (!(field->flags & TEP_FIELD_IS_DYNAMIC) && field->size == 0)
		len = rec->size - field->offset;
	if (field->flags & TEP_FIELD_IS_STRING) {
		long n = 0;
		while (n < len && p[n])
			n++;
		printf("str:");
		hex(p, n);
		return;
	}
	int es = field->elementsize;
	if (es == 1 || es == 2 || es == 4 || es == 8) {
		printf("arr:");
		for (int i = 0; i + es <= len; i += es) {
			unsigned long long e = read_le(p + i, es);
			if (i)
				putchar(',');
			if (field->flags & TEP_FIELD_IS_SIGNED)
				printf("%lld", sign_extend(e, es));
			else
				printf("%llu", e);
		}
		return;
	}
	printf("raw:");
	hex(p, len);
}

static void print_fields(struct tep_format_field **fields)
{
	for (int i = 0; fields && fields[i]; i++) {
		struct tep_format_field *f = fields[i];
		printf("D %s %d %d %lu %d %d %s\n", f->name, f->offset, f->size, f->flags,
		       f->arraylen, f->elementsize, f->type);
	}
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* (sscanf would take strlen of the whole remaining input on every call) */
static int unhex(const char *s, long n, unsigned char *out)
{
	for (long i = 0; i < n / 2; i++) {
		int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = hi << 4 | lo;
	}
	return 0;
}

/* tep_print_event of one record; a crash inside it is reported instead of ending the run */
static __attribute__((noinline)) int print_once(struct tep_handle *tep, struct tep_record *rec,
						  struct trace_seq *s)
{
	trace_seq_init(s);
	int sig = sigsetjmp(crashed, 1);
	if (sig == 0) {
		tep_print_event(tep, s, rec, "%s", TEP_PRINT_INFO);
		trace_seq_terminate(s);
	}
	return sig;
}

static void print_record(struct tep_handle *tep, struct tep_record *rec, int payload, long room)
{
	struct trace_seq a, b;
	unsigned char *tail = (unsigned char *)rec->data + rec->size;
	memset(tail, 0, room);
	int sig = print_once(tep, rec, &a);
	if (sig) {
		printf("X %d %d\n", payload, sig);
		return;
	}
	memset(tail, 0xa5, room);
	sig = print_once(tep, rec, &b);
	memset(tail, 0, room);
	if (sig) {
		printf("X %d %d\n", payload, sig);
	} else if (a.len != b.len || memcmp(a.buffer, b.buffer, a.len) != 0) {
		printf("U %d\n", payload);
	} else {
		printf("T %d ", payload);
		hex((unsigned char *)a.buffer, a.len);
		putchar('\n');
	}
	trace_seq_destroy(&a);
	if (!sig)
		trace_seq_destroy(&b);
}

/* tep_print_event formats: trace-cmd report's event line, then every argument kind under other conversions */
static void print_format_k(struct tep_handle *tep, struct tep_record *rec, int k,
			   struct trace_seq *s)
{
	switch (k) {
	case 0:
		tep_print_event(tep, s, rec, "%16s-%-5d [%03d] %s %6.1000d: %s: %s", TEP_PRINT_COMM, TEP_PRINT_PID,
				TEP_PRINT_CPU, TEP_PRINT_LATENCY, TEP_PRINT_TIME, TEP_PRINT_NAME, TEP_PRINT_INFO);
		break;
	case 1:
		tep_print_event(tep, s, rec, "%-10.4s|%x|%08o|%.1d|%d|%9.1000000d|%3d|%-6s|%.5s|%s %s", TEP_PRINT_NAME,
				TEP_PRINT_PID, TEP_PRINT_CPU, TEP_PRINT_TIME, TEP_PRINT_TIME, TEP_PRINT_TIME, TEP_PRINT_CPU,
				TEP_PRINT_LATENCY, TEP_PRINT_COMM, "NOPE", TEP_PRINT_NAME);
		break;
	default:
		tep_print_event(tep, s, rec, "%s %12d [%d]%s%d %s", TEP_PRINT_NAME, TEP_PRINT_TIME, TEP_PRINT_CPU,
				TEP_PRINT_COMM, TEP_PRINT_PID, TEP_PRINT_INFO_RAW);
	}
}

/* one tep_print_event format of a record, crash-safe; 0, or the signal */
static __attribute__((noinline)) int print_k_once(struct tep_handle *tep, struct tep_record *rec, int k,
						  struct trace_seq *s)
{
	trace_seq_init(s);
	int sig = sigsetjmp(crashed, 1);
	if (sig == 0) {
		print_format_k(tep, rec, k, s);
		trace_seq_terminate(s);
	}
	return sig;
}

/* tep_print_event formats: trace-cmd report's event line, then every argument kind under other conversions */
static void print_records(struct tep_handle *tep, struct tep_event *event, struct tep_record *rec, int payload,
			  long room)
{
	unsigned char *tail = (unsigned char *)rec->data + rec->size;
	for (int k = 0; k < 3; k++) {
		struct trace_seq a, b;
		memset(tail, 0, room);
		int sig = print_k_once(tep, rec, k, &a);
		if (sig) {
			printf("Q %d %d X\n", payload, k);
			continue;
		}
		memset(tail, 0xa5, room);
		sig = print_k_once(tep, rec, k, &b);
		memset(tail, 0, room);
		if (sig)
			printf("Q %d %d X\n", payload, k);
		else if (a.len != b.len || memcmp(a.buffer, b.buffer, a.len) != 0)
			printf("Q %d %d U\n", payload, k);
		else {
			printf("Q %d %d ", payload, k);
			hex((unsigned char *)a.buffer, a.len);
			putchar('\n');
		}
		trace_seq_destroy(&a);
		if (!sig)
			trace_seq_destroy(&b);
	}
	struct tep_format_field **fields = tep_event_fields(event);
	for (int i = 0; fields && fields[i]; i++) {
		unsigned long long val = 0;
		int len = -1;
		struct trace_seq s;
		trace_seq_init(&s);
		int rc = tep_get_field_val(&s, event, fields[i]->name, rec, &val, 1);
		unsigned char *p = tep_get_field_raw(&s, event, fields[i]->name, rec, &len, 1);
		printf("G %d %s %d %llu %d %ld\n", payload, fields[i]->name, rc, rc == 0 ? val : 0ULL, len,
		       p ? (long)(p - (unsigned char *)rec->data) : -1L);
		trace_seq_destroy(&s);
	}
	free(fields);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: format-check INPUT\n");
		return 2;
	}
	long size;
	char *in = slurp(argv[1], &size);
	if (!in) {
		perror(argv[1]);
		return 2;
	}
	tep_set_loglevel(TEP_LOG_NONE);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	char *at = in, *end = in + size;
	char *kallsyms = NULL;
	char *cmdlines = NULL;
	struct tep_handle *tep = NULL;
	struct tep_event *event = NULL;
	struct tep_format_field **common = NULL, **fields = NULL;
	int index = -1, payload = 0;
	unsigned char *data = malloc(DATA_ROOM);

	while (at < end) {
		char *nl = memchr(at, '\n', end - at);
		if (!nl)
			nl = end;
		if (at[0] == 'K') {
			long n = strtol(at + 2, NULL, 10);
			kallsyms = strndup(nl + 1, n);
			at = nl + 1 + n + 1;
			continue;
		}
		if (at[0] == 'C') {
			long n = strtol(at + 2, NULL, 10);
			cmdlines = strndup(nl + 1, n);
			at = nl + 1 + n + 1;
			continue;
		}
		if (at[0] == 'R') {
			char *p = at + 2;
			int cpu = (int)strtol(p, &p, 10);
			unsigned long long ts = strtoull(p, &p, 10);
			p++;
			long n = nl - p;
			if (n > 2 * 65536 || unhex(p, n, data) < 0) {
				fprintf(stderr, "format-check: bad R line\n");
				return 2;
			}
			if (event) {
				struct tep_record rec;
				memset(&rec, 0, sizeof(rec));
				rec.data = data;
				rec.size = n / 2;
				rec.cpu = cpu;
				rec.ts = ts;
				print_records(tep, event, &rec, payload, DATA_ROOM - rec.size);
			}
			payload++;
			at = nl + 1;
			continue;
		}
		if (at[0] == 'F') {
			char sys[256];
			char *sp = memchr(at + 2, ' ', nl - (at + 2));
			long n = sp ? strtol(sp + 1, NULL, 10) : -1;
			if (!sp || sp - (at + 2) >= (long)sizeof(sys) || n < 0 || nl + 1 + n > end) {
				fprintf(stderr, "format-check: bad F line\n");
				return 2;
			}
			memcpy(sys, at + 2, sp - (at + 2));
			sys[sp - (at + 2)] = 0;
			free(common);
			free(fields);
			common = fields = NULL;
			if (tep)
				tep_free(tep);
			tep = tep_alloc();
			tep_set_long_size(tep, 8);
			tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
			tep_set_local_bigendian(tep, TEP_LITTLE_ENDIAN);
			tep_set_page_size(tep, 4096);
			if (kallsyms)
				tep_parse_kallsyms(tep, kallsyms);
			if (cmdlines)
				tep_parse_saved_cmdlines(tep, cmdlines);
			event = NULL;
			enum tep_errno ret = tep_parse_format(tep, &event, nl + 1, n, sys);
			index++;
			payload = 0;
			printf("F %d %d %d\n", index, (int)ret,
			       event && (event->flags & TEP_EVENT_FL_FAILED) ? 1 : 0);
			if (event) {
				common = tep_event_common_fields(event);
				fields = tep_event_fields(event);
				print_fields(common);
				print_fields(fields);
			}
			at = nl + 1 + n + 1;
			continue;
		}
		if (at[0] == 'P') {
			long n = nl - (at + 2);
			if (n > 2 * 65536 || unhex(at + 2, n, data) < 0) {
				fprintf(stderr, "format-check: bad P line\n");
				return 2;
			}
			if (event) {
				struct tep_record rec;
				memset(&rec, 0, sizeof(rec));
				rec.data = data;
				rec.size = n / 2;
				for (int i = 0; common && common[i]; i++) {
					printf("V %d %s ", payload, common[i]->name);
					print_value(event, common[i], &rec);
					putchar('\n');
				}
				for (int i = 0; fields && fields[i]; i++) {
					printf("V %d %s ", payload, fields[i]->name);
					print_value(event, fields[i], &rec);
					putchar('\n');
				}
				print_record(tep, &rec, payload, DATA_ROOM - rec.size);
			}
			payload++;
			at = nl + 1;
			continue;
		}
		if (at[0] == '\n') {
			at++;
			continue;
		}
		fprintf(stderr, "format-check: unexpected input at byte %ld\n", (long)(at - in));
		return 2;
	}
	return 0;
}
