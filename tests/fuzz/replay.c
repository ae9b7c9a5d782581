// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The main() a fuzz target has outside libFuzzer (make check's sanitizer
 * build): runs inputs through it, or writes its seeds.
 *
 *   fuzz_X --seeds DIR [CAPTURES]
 *                          writes the target's seed inputs into DIR, and
 *                          those of every datagram in directory CAPTURES
 *   fuzz_X PATH...         runs every file (a directory: every file in it)
 *                          through the target; TAP, a line per PATH
 *
 * An input that crashes the target ends the run with the sanitizer's
 * report (or an abort() of the target's own checks), followed by the
 * input's name.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sanitizer/common_interface_defs.h>

#include "fuzz.h"

/* The input being run, for the crash report; set only by run_file(). */
static const char *running;

static void name_input(void)
{
	static const char what[] = "replay: the input was ";

	if (!running)
		return;
	/* From a signal handler too: write() only. */
	if (write(STDERR_FILENO, what, sizeof(what) - 1) < 0 ||
	    write(STDERR_FILENO, running, strlen(running)) < 0 ||
	    write(STDERR_FILENO, "\n", 1) < 0)
		return;
}

static void on_abort(int sig)
{
	name_input();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* The whole of file @path, malloc()ed, its size in *@len; NULL if unread. */
static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, got;

	*len = 0;
	if (!f) {
		printf("# %s: %s\n", path, strerror(errno));
		return NULL;
	}
	do {
		if (*len == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		got = fread(buf + *len, 1, cap - *len, f);
		*len += got;
	} while (got);
	fclose(f);
	return buf;
}

static int run_file(const char *path, void *arg)
{
	uint8_t *buf;
	size_t len;

	(void)arg;
	buf = read_file(path, &len);
	if (!buf)
		return -1;
	running = path;
	LLVMFuzzerTestOneInput(buf, len);
	running = NULL;
	free(buf);
	return 0;
}

static int name_order(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Calls @each for PATH, a file, or for every file of directory PATH in
 * name order; returns how many, or -1 if any failed.
 */
static long each_file(const char *path, int (*each)(const char *, void *),
		      void *arg)
{
	struct dirent *de;
	char **names = NULL;
	size_t count = 0, i;
	long ran = 0;
	struct stat st;
	DIR *dir;

	if (stat(path, &st)) {
		printf("# %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return each(path, arg) ? -1 : 1;
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		names = realloc(names, (count + 1) * sizeof(*names));
		if (!names || asprintf(&names[count], "%s/%s", path,
				       de->d_name) < 0)
			abort();
		count++;
	}
	closedir(dir);
	if (count)
		qsort(names, count, sizeof(*names), name_order);
	for (i = 0; i < count; i++) {
		if (each(names[i], arg))
			ran = -1;
		else if (ran >= 0)
			ran++;
		free(names[i]);
	}
	free(names);
	return ran;
}

struct seed_dir {
	const char *dir;
	unsigned int count;
	int err;
};

static void write_seed(const uint8_t *input, size_t len, void *arg)
{
	struct seed_dir *sd = arg;
	char *path;
	FILE *f;

	if (asprintf(&path, "%s/seed-%04u", sd->dir, sd->count++) < 0)
		abort();
	f = fopen(path, "wb");
	if (!f || fwrite(input, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		sd->err = 1;
	}
	free(path);
}

static int capture_seeds(const char *path, void *arg)
{
	uint8_t *dgram;
	size_t len;

	dgram = read_file(path, &len);
	if (!dgram)
		return -1;
	fuzz_capture_seeds(dgram, len, write_seed, arg);
	free(dgram);
	return 0;
}

int main(int argc, char **argv)
{
	const char *self = argv[0];
	int i, failed = 0;

	__sanitizer_set_death_callback(name_input);
	signal(SIGABRT, on_abort);
	LLVMFuzzerInitialize(&argc, &argv);
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "--seeds")) {
		struct seed_dir sd = { .dir = argv[2] };

		if (mkdir(sd.dir, 0755) && errno != EEXIST) {
			fprintf(stderr, "%s: %s: %s\n", self, sd.dir,
				strerror(errno));
			return 1;
		}
		fuzz_seeds(write_seed, &sd);
		if (argc == 4 && each_file(argv[3], capture_seeds, &sd) < 0)
			sd.err = 1;
		return sd.err;
	}
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: %s --seeds DIR [CAPTURES] | %s PATH...\n",
			self, self);
		return 2;
	}
	printf("1..%d\n", argc - 1);
	for (i = 1; i < argc; i++) {
		long ran = each_file(argv[i], run_file, NULL);

		if (ran < 0)
			failed = 1;
		printf("%s %d - %s: %ld inputs ran\n",
		       ran < 0 ? "not ok" : "ok", i, argv[i], ran < 0 ? 0 : ran);
	}
	return failed;
}
