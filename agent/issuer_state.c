// SPDX-License-Identifier: GPL-2.0
/*
 * T's record of what it issued, on disk (issuer_state.h). The file:
 *
 *   m2mkx-issuer-state 1
 *   issued <issues ever>
 *   keys <one-time keys ever>
 *   record <A> <session> <keep until> <request digest> <PROXY_LIST>
 *   ...
 *   sha256 <digest of every byte above this line>
 *
 * all numbers decimal, all bytes lower-case hex.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <m2mkx/bytes.h>

#include "agent/issuer_state.h"
#include "common/keys.h"
#include "common/log.h"

#define STATE_MAGIC "m2mkx-issuer-state 1"
/* Far above ISSUER_STATE_MAX records: anything larger is not ours. */
#define STATE_MAX_BYTES (1u << 20)

/* --- saving --------------------------------------------------------------- */

struct text {
	char *buf;
	size_t len, cap;
	bool failed;
};

__attribute__((format(printf, 2, 3)))
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = true;
			return;
		}
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		t->cap = 2 * t->cap + (size_t)n + 1;
		t->buf = realloc(t->buf, t->cap);
		if (!t->buf) {
			t->failed = true;
			return;
		}
	}
}

static void put_hex(struct text *t, const u8 *p, size_t len)
{
	char hex[2 * ISSUER_STATE_LIST_MAX + 1];

	hex_encode(hex, p, len);
	put(t, " %s", hex);
}

static void digest(u8 out[M2MKX_SHA256_LEN], const char *buf, size_t len)
{
	struct m2mkx_sha256_ctx ctx;

	m2mkx_sha256_init(&ctx);
	m2mkx_sha256_update(&ctx, buf, len);
	m2mkx_sha256_final(&ctx, out);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The directory @path is in, for its fsync after the rename. */
static int open_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];

	if (!slash)
		return open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (slash == path)
		return open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if ((size_t)(slash - path) >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int issuer_state_save(const struct issuer_state *st)
{
	struct text t = { .cap = 4096 };
	char tmp[PATH_MAX], hex[2 * M2MKX_SHA256_LEN + 1];
	u8 sum[M2MKX_SHA256_LEN];
	unsigned int i;
	int fd, dfd, err;

	t.buf = malloc(t.cap);
	if (!t.buf)
		return -1;
	put(&t, "%s\nissued %" PRIu64 "\nkeys %" PRIu64 "\n", STATE_MAGIC,
	    st->issued, st->keys);
	for (i = 0; i < st->count; i++) {
		const struct issuer_record *r = &st->rec[i];

		put(&t, "record");
		put_hex(&t, r->a, sizeof(r->a));
		put_hex(&t, r->session, sizeof(r->session));
		put(&t, " %" PRIu64, r->keep_until);
		put_hex(&t, r->request, sizeof(r->request));
		put_hex(&t, r->list, r->list_len);
		put(&t, "\n");
	}
	if (!t.failed) {
		digest(sum, t.buf, t.len);
		hex_encode(hex, sum, sizeof(sum));
		put(&t, "sha256 %s\n", hex);
	}
	if (t.failed) {
		free(t.buf);
		errno = ENOMEM;
		return -1;
	}

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", st->path) >=
	    sizeof(tmp)) {
		free(t.buf);
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(t.buf);
		return -1;
	}
	if (write_all(fd, t.buf, t.len) || fsync(fd)) {
		err = errno;
		close(fd);
		unlink(tmp);
		free(t.buf);
		errno = err;
		return -1;
	}
	free(t.buf);
	if (close(fd) || rename(tmp, st->path)) {
		err = errno;
		unlink(tmp);
		errno = err;
		return -1;
	}
	/* The rename itself is durable only once the directory is. */
	dfd = open_dir_of(st->path);
	if (dfd < 0)
		return -1;
	if (fsync(dfd)) {
		err = errno;
		close(dfd);
		errno = err;
		return -1;
	}
	close(dfd);
	return 0;
}

/* --- loading -------------------------------------------------------------- */

/* Reads the whole file; NULL with errno (ENOENT: none yet; EFBIG). */
static char *read_file(const char *path, size_t *len)
{
	struct stat sb;
	char *buf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb)) {
		n = errno;
		close(fd);
		errno = (int)n;
		return NULL;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > STATE_MAX_BYTES) {
		close(fd);
		errno = S_ISREG(sb.st_mode) ? EFBIG : EINVAL;
		return NULL;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		close(fd);
		return NULL;
	}
	*len = 0;
	while ((n = read(fd, buf + *len, (size_t)sb.st_size - *len)) > 0)
		*len += (size_t)n;
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[*len] = '\0';
	return buf;
}

static int parse_u64(const char *s, u64 *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end || errno)
		return -1;
	*out = v;
	return 0;
}

/* "record A SESSION KEEP REQUEST LIST", split in place. */
static int parse_record(char *line, struct issuer_record *r)
{
	char *f[6], *save = NULL;
	size_t hex_len;
	unsigned int i;

	for (i = 0; i < 6; i++) {
		f[i] = strtok_r(i ? NULL : line, " ", &save);
		if (!f[i])
			return -1;
	}
	if (strtok_r(NULL, " ", &save))
		return -1;
	hex_len = strlen(f[5]);
	if (hex_len % 2 || hex_len / 2 > sizeof(r->list) || !hex_len)
		return -1;
	r->list_len = (u16)(hex_len / 2);
	if (hex_decode(r->a, sizeof(r->a), f[1]) ||
	    hex_decode(r->session, sizeof(r->session), f[2]) ||
	    parse_u64(f[3], &r->keep_until) ||
	    hex_decode(r->request, sizeof(r->request), f[4]) ||
	    hex_decode(r->list, r->list_len, f[5]))
		return -1;
	return 0;
}

static int corrupt(const char *path, unsigned int line, const char *what)
{
	if (line)
		log_err("%s:%u: %s: not a record T wrote; refusing to start (T would issue again what it forgot)",
			path, line, what);
	else
		log_err("%s: %s: not a record T wrote; refusing to start (T would issue again what it forgot)",
			path, what);
	return -1;
}

static int parse(struct issuer_state *st, char *buf, size_t len)
{
	u8 want[M2MKX_SHA256_LEN], got[M2MKX_SHA256_LEN];
	unsigned int line = 0;
	char *p, *end, *sum;

	/* The digest line is the last one, and covers all before it. */
	if (!len || buf[len - 1] != '\n' || strlen(buf) != len)
		return corrupt(st->path, 0, "truncated or not text");
	buf[len - 1] = '\0';
	sum = strrchr(buf, '\n');
	if (!sum || strncmp(sum + 1, "sha256 ", 7) ||
	    hex_decode(want, sizeof(want), sum + 8))
		return corrupt(st->path, 0, "no sha256 line at the end");
	digest(got, buf, (size_t)(sum + 1 - buf));
	if (!m2mkx_ct_memeq(want, got, sizeof(want)))
		return corrupt(st->path, 0, "sha256 does not match its contents");
	*sum = '\0';

	for (p = buf; p; p = end ? end + 1 : NULL) {
		end = strchr(p, '\n');
		if (end)
			*end = '\0';
		line++;
		if (line == 1) {
			if (strcmp(p, STATE_MAGIC))
				return corrupt(st->path, line,
					       "not an m2mkx issuer state (version 1)");
		} else if (line == 2) {
			if (strncmp(p, "issued ", 7) ||
			    parse_u64(p + 7, &st->issued))
				return corrupt(st->path, line, "bad 'issued' line");
		} else if (line == 3) {
			if (strncmp(p, "keys ", 5) || parse_u64(p + 5, &st->keys))
				return corrupt(st->path, line, "bad 'keys' line");
		} else {
			if (st->count == ISSUER_STATE_MAX)
				return corrupt(st->path, line, "too many records");
			if (strncmp(p, "record ", 7) ||
			    parse_record(p, &st->rec[st->count]))
				return corrupt(st->path, line, "bad record");
			st->count++;
		}
	}
	if (line < 3)
		return corrupt(st->path, line, "incomplete");
	return 0;
}

int issuer_state_load(struct issuer_state *st, const char *path)
{
	size_t len = 0;
	char *buf;
	int ret;

	memset(st, 0, sizeof(*st));
	st->path = path;
	buf = read_file(path, &len);
	if (!buf) {
		if (errno == ENOENT)
			return 0;
		log_err("%s: %s", path, strerror(errno));
		return -1;
	}
	ret = parse(st, buf, len);
	free(buf);
	if (ret)
		memset(st->rec, 0, sizeof(st->rec));
	return ret;
}

struct issuer_record *issuer_state_find(struct issuer_state *st,
					const u8 a[M2MKX_ID_LEN],
					const u8 session[M2MKX_SESSION_LEN])
{
	unsigned int i;

	for (i = 0; i < st->count; i++)
		if (!memcmp(st->rec[i].a, a, M2MKX_ID_LEN) &&
		    !memcmp(st->rec[i].session, session, M2MKX_SESSION_LEN))
			return &st->rec[i];
	return NULL;
}

void issuer_state_expire(struct issuer_state *st, u64 now)
{
	unsigned int i = 0;

	while (i < st->count) {
		if (st->rec[i].keep_until < now)
			st->rec[i] = st->rec[--st->count];
		else
			i++;
	}
}
