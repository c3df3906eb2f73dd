/*
 * kbuffer-check: print libtraceevent's view of a file of raw ftrace sub-buffers.
 *
 * Usage: kbuffer-check FILE SUBBUF_SIZE [FORMATS CPU]
 *
 * FILE holds whole sub-buffers back to back (`struct buffer_data_page`, 64-bit, little-endian),
 * as read from per_cpu/cpuN/trace_pipe_raw or handed out by onering's ftrace client. Every
 * sub-buffer is loaded into a kbuffer (KBUFFER_LSIZE_8, KBUFFER_ENDIAN_LITTLE) and walked twice
 * with the library's public API only:
 *
 *   P <page> <page time_stamp> <kbuffer_subbuffer_size> <kbuffer_start_of_data>
 *   R <page> <offset> <type> <length> <delta>
 *       one per raw record (kbuffer_raw_get): offset of the record from the start of the
 *       sub-buffer, its type_len, the length kbuffer derives and its delta (for TIME_EXTEND and
 *       TIME_STAMP the 59-bit value)
 *   E <page> <timestamp> <event_size> <curr_size> <curr_offset> <missed> <payload hex or ->
 *       one per data event (kbuffer_read_event / kbuffer_next_event)
 *
 * With FORMATS (a file of `K <n>\n<kallsyms>\n`, `C <n>\n<saved_cmdlines>\n` and
 * `F <system> <n>\n<format text>\n` entries, loaded into one tep handle with
 * tep_parse_kallsyms, tep_parse_saved_cmdlines and tep_parse_event) every E line is followed by
 *
 *   T <page> <hex of tep_print_event(tep, s, record, TRACE_CMD_FORMAT, ...)>
 *       the record (ts, size = kbuffer_event_size, data, cpu = CPU) printed as trace-cmd report
 *       prints an event line: comm-pid [cpu] latency time: name: info
 *
 * Exits 0 when every page parsed, 1 with a message on stderr at the first malformed page (a
 * commit larger than the sub-buffer, records that do not end exactly at the commit length, an
 * event whose payload leaves the data), 2 on usage or I/O errors.
 *
 * Written for onering's conformance tests from the documented kbuffer API (kbuffer.h).
 */
#define _POSIX_C_SOURCE 200809L /* strndup */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kbuffer.h>
#include <event-parse.h>
#include <trace-seq.h>

#define HEADER_BYTES 16 /* u64 time_stamp; u64 commit (local_t on a 64-bit kernel) */
#define COMMIT_LENGTH_MASK ((1u << 27) - 1)
#define FLAG_MISSED_EVENTS (1ull << 31)
#define FLAG_MISSED_STORED (1ull << 30)
#define SLACK 64 /* zero bytes after the last page, so no read can leave the allocation */

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static int fail(unsigned long page, const char *what, long a, long b)
{
	fprintf(stderr, "kbuffer-check: page %lu: %s (%ld, %ld)\n", page, what, a, b);
	return 1;
}

/* tep_print_event's arguments for an event line of `trace-cmd report` */
#define TRACE_CMD_FORMAT "%16s-%-5d [%03d] %s %6.1000d: %s: %s"

static struct tep_handle *tep; /* with FORMATS */
static int tep_cpu;

static void print_tep(unsigned long index, unsigned char *data, int size, unsigned long long ts)
{
	struct tep_record rec;
	struct trace_seq s;
	memset(&rec, 0, sizeof(rec));
	rec.ts = ts;
	rec.size = size;
	rec.record_size = size;
	rec.data = data;
	rec.cpu = tep_cpu;
	trace_seq_init(&s);
	tep_print_event(tep, &s, &rec, TRACE_CMD_FORMAT, TEP_PRINT_COMM, TEP_PRINT_PID, TEP_PRINT_CPU,
			TEP_PRINT_LATENCY, TEP_PRINT_TIME, TEP_PRINT_NAME, TEP_PRINT_INFO);
	printf("T %lu ", index);
	for (unsigned int i = 0; i < s.len; i++)
		printf("%02x", (unsigned char)s.buffer[i]);
	fputc('\n', stdout);
	trace_seq_destroy(&s);
}

static char *slurp_formats(const char *path, long *size)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	*size = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc(*size + 1);
	if (buf == NULL || fread(buf, 1, *size, f) != (size_t)*size) {
		fclose(f);
		free(buf);
		return NULL;
	}
	buf[*size] = 0;
	fclose(f);
	return buf;
}

/* load FORMATS into a new tep handle; 0, or -1 with a message */
static int load_formats(const char *path, long subbuf_size)
{
	long size;
	char *in = slurp_formats(path, &size);
	if (in == NULL) {
		fprintf(stderr, "kbuffer-check: %s: %s\n", path, strerror(errno));
		return -1;
	}
	tep = tep_alloc();
	tep_set_long_size(tep, 8);
	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_page_size(tep, subbuf_size);
	char *at = in, *end = in + size;
	while (at < end) {
		char *nl = memchr(at, '\n', end - at);
		if (nl == NULL)
			break;
		char kind = at[0];
		char sys[256] = "";
		long n;
		if (kind == 'F') {
			char *sp = memchr(at + 2, ' ', nl - (at + 2));
			if (sp == NULL || sp - (at + 2) >= (long)sizeof(sys))
				break;
			memcpy(sys, at + 2, sp - (at + 2));
			sys[sp - (at + 2)] = 0;
			n = strtol(sp + 1, NULL, 10);
		} else
			n = strtol(at + 2, NULL, 10);
		if (n < 0 || nl + 1 + n > end)
			break;
		char *text = strndup(nl + 1, n);
		int rc = 0;
		if (kind == 'K')
			rc = tep_parse_kallsyms(tep, text);
		else if (kind == 'C')
			rc = tep_parse_saved_cmdlines(tep, text);
		else if (kind == 'F')
			rc = tep_parse_event(tep, text, n, sys) == 0 ? 0 : -1;
		else
			rc = -1;
		free(text);
		if (rc != 0) {
			fprintf(stderr, "kbuffer-check: %s: entry %c %s was refused\n", path, kind, sys);
			free(in);
			return -1;
		}
		at = nl + 1 + n + 1;
	}
	long bad = at < end ? (long)(at - in) : -1;
	free(in);
	if (bad >= 0) {
		fprintf(stderr, "kbuffer-check: %s: bad entry at byte %ld\n", path, bad);
		return -1;
	}
	return 0;
}

static int check_page(struct kbuffer *kb, unsigned char *page, unsigned long index, long subbuf_size)
{
	const long capacity = subbuf_size - HEADER_BYTES;
	uint64_t commit = le64(page + 8);
	long length = (long)(commit & COMMIT_LENGTH_MASK);

	/* kbuffer trusts the commit word: refuse what would make it read outside the page */
	if (length > capacity)
		return fail(index, "commit length exceeds the sub-buffer's data bytes", length, capacity);
	if ((commit & FLAG_MISSED_EVENTS) && (commit & FLAG_MISSED_STORED) && length + 8 > capacity)
		return fail(index, "stored missed count lies outside the sub-buffer", length, capacity);

	if (kbuffer_load_subbuffer(kb, page) < 0)
		return fail(index, "kbuffer_load_subbuffer failed", 0, 0);

	int size = kbuffer_subbuffer_size(kb);
	int start = kbuffer_start_of_data(kb);
	if (size != length)
		return fail(index, "kbuffer_subbuffer_size differs from the commit length", size, length);
	printf("P %lu %llu %d %d\n", index, kbuffer_subbuf_timestamp(kb, page), size, start);

	/* raw records: they must tile [HEADER_BYTES, HEADER_BYTES + size) exactly */
	struct kbuffer_raw_info info;
	memset(&info, 0, sizeof(info));
	info.next = page + HEADER_BYTES;
	unsigned char *end = page + HEADER_BYTES + size;
	for (;;) {
		unsigned char *at = info.next;
		if (at == end)
			break;
		if (at > end)
			return fail(index, "a record runs past the commit length", (long)(at - page), (long)(end - page));
		if (kbuffer_raw_get(kb, page, &info) == NULL)
			return fail(index, "kbuffer_raw_get refused a record inside the data", (long)(at - page), size);
		if (info.length < 0 || (unsigned char *)info.next <= at)
			return fail(index, "a record with a bad length", (long)(at - page), info.length);
		printf("R %lu %ld %d %d %llu\n", index, (long)(at - page), info.type, info.length, info.delta);
	}

	/* data events */
	unsigned long long ts = 0;
	for (unsigned char *data = kbuffer_read_event(kb, &ts); data != NULL; data = kbuffer_next_event(kb, &ts)) {
		int event_size = kbuffer_event_size(kb);
		int curr_size = kbuffer_curr_size(kb);
		int curr_offset = kbuffer_curr_offset(kb);
		int missed = kbuffer_missed_events(kb);
		if (event_size < 0 || data < page + HEADER_BYTES || data + event_size > end)
			return fail(index, "an event's payload leaves the data", (long)(data - page), event_size);
		if (curr_offset < HEADER_BYTES || curr_size <= 0 || curr_offset + curr_size > HEADER_BYTES + size)
			return fail(index, "an event leaves the data", curr_offset, curr_size);
		printf("E %lu %llu %d %d %d %d ", index, ts, event_size, curr_size, curr_offset, missed);
		if (event_size == 0)
			fputs("-", stdout);
		for (int i = 0; i < event_size; i++)
			printf("%02x", data[i]);
		fputc('\n', stdout);
		if (tep != NULL)
			print_tep(index, data, event_size, ts);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 5) {
		fprintf(stderr, "usage: %s FILE SUBBUF_SIZE [FORMATS CPU]\n", argv[0]);
		return 2;
	}
	char *endp;
	long subbuf_size = strtol(argv[2], &endp, 10);
	if (*endp != '\0' || subbuf_size < 256 || subbuf_size > (1L << 20) || (subbuf_size & (subbuf_size - 1)) != 0) {
		fprintf(stderr, "kbuffer-check: bad sub-buffer size %s\n", argv[2]);
		return 2;
	}

	if (argc == 5) {
		tep_cpu = (int)strtol(argv[4], NULL, 10);
		if (load_formats(argv[3], subbuf_size) != 0)
			return 2;
	}

	FILE *f = fopen(argv[1], "rb");
	if (f == NULL) {
		fprintf(stderr, "kbuffer-check: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	size_t cap = 1 << 16, len = 0;
	unsigned char *buf = malloc(cap + SLACK);
	for (;;) {
		if (buf == NULL) {
			fprintf(stderr, "kbuffer-check: out of memory\n");
			return 2;
		}
		len += fread(buf + len, 1, cap - len, f);
		if (len < cap)
			break;
		cap *= 2;
		buf = realloc(buf, cap + SLACK);
	}
	if (ferror(f)) {
		fprintf(stderr, "kbuffer-check: %s: read error\n", argv[1]);
		return 2;
	}
	fclose(f);
	memset(buf + len, 0, SLACK);
	if (len % (size_t)subbuf_size != 0) {
		fprintf(stderr, "kbuffer-check: %s: %zu bytes is not a whole number of %ld-byte sub-buffers\n", argv[1], len,
			subbuf_size);
		return 1;
	}

	struct kbuffer *kb = kbuffer_alloc(KBUFFER_LSIZE_8, KBUFFER_ENDIAN_LITTLE);
	if (kb == NULL) {
		fprintf(stderr, "kbuffer-check: kbuffer_alloc failed\n");
		return 2;
	}
	int rc = 0;
	unsigned long pages = len / (size_t)subbuf_size;
	for (unsigned long p = 0; p < pages && rc == 0; p++)
		rc = check_page(kb, buf + p * (size_t)subbuf_size, p, subbuf_size);
	kbuffer_free(kb);
	free(buf);
	if (tep != NULL)
		tep_free(tep);
	if (fflush(stdout) != 0)
		return 2;
	return rc;
}
