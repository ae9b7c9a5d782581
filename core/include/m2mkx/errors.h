/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Status codes of the protocol core.
 *
 * Core functions return 0 or the negative of one of these. Every reason a
 * datagram can be refused has its own code, so that the data paths can keep
 * a counter per reason (m2mctl show counters) and tests can assert which
 * check fired. The order is ABI for those counters: only append.
 */
#ifndef M2MKX_ERRORS_H
#define M2MKX_ERRORS_H

enum m2mkx_err {
	M2MKX_OK = 0,
	/* Caller errors. */
	M2MKX_EINVAL,		/* bad argument or configuration */
	M2MKX_ENOSPC,		/* output buffer too small */
	M2MKX_ECRYPTO,		/* the crypto backend failed */
	M2MKX_EKEY,		/* unusable key (e.g. X25519 low-order point) */
	/* Codec: the datagram is not a well-formed message. */
	M2MKX_ESHORT,		/* shorter than any message */
	M2MKX_EVERSION,		/* unknown protocol version */
	M2MKX_ETYPE,		/* unknown message type */
	M2MKX_ELENGTH,		/* length does not match its type and counts */
	M2MKX_EPARAMS,		/* a field is out of range (n, k, m, suite...) */
	/* Protocol: well formed, but refused. */
	M2MKX_ENOSESSION,	/* no session with that id */
	M2MKX_ENOPEER,		/* sender is not a configured neighbour */
	M2MKX_ENOTFORUS,	/* addressed to another node */
	M2MKX_EAUTH,		/* MAC or AEAD tag does not verify */
	M2MKX_ESTATE,		/* not expected in the session's state */
	M2MKX_EREPLAY,		/* a copy of a message already processed */
	M2MKX_EEXPIRED,		/* T's authorisation has expired */
	M2MKX_ETKEY,		/* root signed by a T key that is not trusted */
	M2MKX_EROOTSIG,		/* T's root signature does not verify */
	M2MKX_EROOTBIND,	/* root signed for another A, B, session or n/k */
	M2MKX_EMERKLE,		/* Merkle proof does not lead to the root */
	M2MKX_EOTSSIG,		/* one-time signature does not verify */
	M2MKX_EOTSREUSE,	/* two messages signed with one one-time key */
	M2MKX_EOTSUSED,		/* one-time key asked to sign a second time */
	M2MKX_EFULL,		/* a bounded table is full */
	M2MKX_EDECODE,		/* too many corrupted shares to rebuild x */
	M2MKX_ECOMMIT,		/* rebuilt x does not match A's commitment */
	M2MKX_EREJECTED,	/* the peer refused the negotiation */
	M2MKX_ETIMEOUT,		/* retransmissions exhausted */
	M2MKX_EMATERIAL,	/* key material already installed for session */
	M2MKX_ECOOKIE,		/* busy: send HELLO again with B's cookie */
	M2MKX_ERR_COUNT
};

/* A short, stable, lower-case name ("bad_length"), for counters and logs. */
const char *m2mkx_err_name(int err);

#endif /* M2MKX_ERRORS_H */
