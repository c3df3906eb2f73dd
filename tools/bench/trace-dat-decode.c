/*
 * trace-dat-decode: the C side of the trace.dat decode benchmark (tools/bench/trace-dat.mjs):
 * libtraceevent's kbuffer + tep loop over the per-CPU page data of a trace.dat, decoding every
 * event's fields as a C consumer of trace-cmd's files would.
 *
 * Usage: trace-dat-decode FORMAT SYSTEM PAGE_SIZE FILE OFFSET SIZE [OFFSET SIZE ...]
 *
 * FORMAT is an event format file (the events' one format, e.g. ftrace/print), SYSTEM its system;
 * FILE the trace.dat, read into memory before timing; each OFFSET SIZE is one CPU's block of
 * whole pages. Per event: kbuffer_read_event, the event id (tep_data_type), its tep_event
 * (tep_find_event, cached by id), every field of the format — numbers with
 * tep_read_number_field, strings and arrays in place (their __data_loc word or fixed place) and
 * their length — and kbuffer_next_event. Prints "events N ns T checksum C" (T: the decode loop only, CLOCK_MONOTONIC).
 *
 * Written for onering's benchmarks from the documented libtraceevent API (event-parse.h,
 * kbuffer.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event-parse.h>
#include <kbuffer.h>

static char *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = 0;
	*size = (size_t)n;
	return buf;
}

int main(int argc, char **argv)
{
	if (argc < 7 || (argc - 5) % 2 != 0) {
		fprintf(stderr, "usage: %s FORMAT SYSTEM PAGE_SIZE FILE OFFSET SIZE [OFFSET SIZE ...]\n",
			argv[0]);
		return 2;
	}
	size_t fsize, size;
	char *format = slurp(argv[1], &fsize);
	char *file = slurp(argv[4], &size);
	unsigned long page = strtoul(argv[3], NULL, 10);
	if (!format || !file || page == 0) {
		fprintf(stderr, "trace-dat-decode: cannot read the inputs\n");
		return 2;
	}
	struct tep_handle *tep = tep_alloc();
	tep_set_long_size(tep, 8);
	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(tep, TEP_LITTLE_ENDIAN);
	if (tep_parse_event(tep, format, fsize, argv[2]) != 0) {
		fprintf(stderr, "trace-dat-decode: tep_parse_event failed\n");
		return 2;
	}
	struct kbuffer *kbuf = kbuffer_alloc(KBUFFER_LSIZE_8, KBUFFER_ENDIAN_LITTLE);
	struct timespec t0, t1;
	unsigned long long events = 0, checksum = 0;
	struct tep_event *last = NULL;
	int last_id = -1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int a = 5; a < argc; a += 2) {
		unsigned long long off = strtoull(argv[a], NULL, 10);
		unsigned long long len = strtoull(argv[a + 1], NULL, 10);
		if (off + len > size)
			return 2;
		for (unsigned long long p = 0; p + page <= len; p += page) {
			if (kbuffer_load_subbuffer(kbuf, file + off + p) < 0)
				return 1;
			unsigned long long ts;
			void *data;
			while ((data = kbuffer_read_event(kbuf, &ts))) {
				struct tep_record rec = { 0 };
				rec.ts = ts;
				rec.data = data;
				rec.size = kbuffer_event_size(kbuf);
				int id = tep_data_type(tep, &rec);
				if (id != last_id) {
					last = tep_find_event(tep, id);
					last_id = id;
				}
				if (last) {
					for (struct tep_format_field *f = last->format.fields; f; f = f->next) {
						unsigned long long v;
						if (f->flags & (TEP_FIELD_IS_STRING | TEP_FIELD_IS_ARRAY)) {
							/* its bytes in place: __data_loc (u32 len << 16 | offset), or fixed */
							int at = f->offset, n = f->size;
							if (f->flags & TEP_FIELD_IS_DYNAMIC) {
								unsigned long long loc =
									tep_read_number(tep, (char *)data + f->offset, 4);
								at = (int)(loc & 0xffff);
								n = (int)(loc >> 16);
							} else if (n == 0) {
								n = rec.size - at; /* a trailing char buf[] */
							}
							if (at >= 0 && n > 0 && at + n <= rec.size)
								checksum += strnlen((char *)data + at, (size_t)n);
						} else if (tep_read_number_field(f, data, &v) == 0) {
							checksum += v;
						}
					}
				}
				checksum += ts;
				events++;
				kbuffer_next_event(kbuf, NULL);
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long long ns = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
	printf("events %llu ns %lld checksum %llu\n", events, ns, checksum);
	kbuffer_free(kbuf);
	tep_free(tep);
	free(file);
	free(format);
	return 0;
}
