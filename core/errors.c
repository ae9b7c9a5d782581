// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Names of the core's status codes, as counters and logs print them.
 */
#include <m2mkx/errors.h>
#include <m2mkx/types.h>

static const char *const m2mkx_err_names[M2MKX_ERR_COUNT] = {
	[M2MKX_OK] = "ok",
	[M2MKX_EINVAL] = "invalid_argument",
	[M2MKX_ENOSPC] = "no_space",
	[M2MKX_ECRYPTO] = "crypto_failure",
	[M2MKX_EKEY] = "bad_key",
	[M2MKX_ESHORT] = "too_short",
	[M2MKX_EVERSION] = "bad_version",
	[M2MKX_ETYPE] = "bad_type",
	[M2MKX_ELENGTH] = "bad_length",
	[M2MKX_EPARAMS] = "bad_params",
	[M2MKX_ENOSESSION] = "unknown_session",
	[M2MKX_ENOPEER] = "unknown_peer",
	[M2MKX_ENOTFORUS] = "not_for_us",
	[M2MKX_EAUTH] = "bad_mac",
	[M2MKX_ESTATE] = "unexpected",
	[M2MKX_EREPLAY] = "replay",
	[M2MKX_EEXPIRED] = "expired",
	[M2MKX_ETKEY] = "unknown_t_key",
	[M2MKX_EROOTSIG] = "bad_root_signature",
	[M2MKX_EROOTBIND] = "foreign_root",
	[M2MKX_EMERKLE] = "bad_merkle_proof",
	[M2MKX_EOTSSIG] = "bad_ots_signature",
	[M2MKX_EOTSREUSE] = "ots_key_reuse",
	[M2MKX_EOTSUSED] = "ots_key_used",
	[M2MKX_EFULL] = "table_full",
	[M2MKX_EDECODE] = "undecodable",
	[M2MKX_ECOMMIT] = "commitment_mismatch",
	[M2MKX_EREJECTED] = "rejected",
	[M2MKX_ETIMEOUT] = "timeout",
	[M2MKX_EMATERIAL] = "material_exists",
	[M2MKX_ECOOKIE] = "cookie",
};

const char *m2mkx_err_name(int err)
{
	if (err < 0)
		err = -err;
	if (err >= M2MKX_ERR_COUNT)
		return "unknown";
	return m2mkx_err_names[err];
}
