/* SPDX-License-Identifier: GPL-2.0 */
/*
 * T's record of what it issued ([Issuer] StateFile), which outlives the
 * agent: a restart, or a crash, must never make T issue a second set of
 * one-time keys for a session it already served.
 *
 * What is recorded, per (A, session) T issued keys for: the SHA-256 of
 * A's authenticated request, the PROXY_LIST T answered it with (public:
 * A receives it in the clear) and until when the record is kept (the
 * root's expiry, or the handshake's lifetime when longer). A request for
 * a recorded session gets that PROXY_LIST again when it is the same
 * request, and is refused as a replay otherwise; never fresh keys. The
 * record also counts every issue and every one-time key ever issued,
 * which only grow.
 *
 * What is not recorded is the seeds: they are the one-time private keys,
 * drawn fresh from the system's random generator for each leaf and never
 * derived from anything T stores, so no state, restored or corrupted, can
 * make T draw one again; and a file holding them would be one more place
 * for them to leak from. A proxy whose material was lost in a crash
 * simply has no key for that session: the handshake fails and A starts
 * another session.
 *
 * The record of an issue is on disk (written to a temporary file, fsync,
 * rename over the old one, fsync of the directory) before any datagram of
 * that issue leaves T: a crash between the two is a session without
 * material, never keys T forgot it gave.
 *
 * The file is text, one record a line, and ends with the SHA-256 of
 * everything before it. A file that does not parse or whose digest does
 * not match stops T with one line naming the file: it is never silently
 * reset, since an empty record would let T issue again.
 */
#ifndef M2MKX_AGENT_ISSUER_STATE_H
#define M2MKX_AGENT_ISSUER_STATE_H

#include <m2mkx/crypto.h>
#include <m2mkx/wire.h>

/* Sessions T keeps a record of at once. */
#define ISSUER_STATE_MAX 256

#define ISSUER_STATE_LIST_MAX M2MKX_PROXY_LIST_LEN(M2MKX_MAX_PROXIES)

struct issuer_record {
	u8 a[M2MKX_ID_LEN];
	u8 session[M2MKX_SESSION_LEN];
	u64 keep_until;			/* UNIX seconds */
	u8 request[M2MKX_SHA256_LEN];	/* of A's authenticated bytes */
	u16 list_len;
	u8 list[ISSUER_STATE_LIST_MAX];
};

struct issuer_state {
	const char *path;
	u64 issued;			/* issues, ever */
	u64 keys;			/* one-time keys, ever */
	unsigned int count;
	struct issuer_record rec[ISSUER_STATE_MAX];
};

/*
 * Reads @path into @st (no file yet: an empty record). Prints one line
 * naming the file and what is wrong with it and returns -1 when it cannot
 * be read or is not a record T wrote; 0 otherwise.
 */
int issuer_state_load(struct issuer_state *st, const char *path);

/*
 * Writes @st to its file atomically and durably. 0, or -1 with errno and
 * the file as it was.
 */
int issuer_state_save(const struct issuer_state *st);

/* The record of (@a, @session), or NULL. */
struct issuer_record *issuer_state_find(struct issuer_state *st,
					const u8 a[M2MKX_ID_LEN],
					const u8 session[M2MKX_SESSION_LEN]);

/* Forgets the records kept until before @now (UNIX seconds). */
void issuer_state_expire(struct issuer_state *st, u64 now);

#endif /* M2MKX_AGENT_ISSUER_STATE_H */
