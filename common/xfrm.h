/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ESP security association pair of a session between A and B, in the
 * kernel's xfrm tables: what `ip xfrm state add` and `ip xfrm policy add`
 * would do, over NETLINK_XFRM.
 *
 * Both ends derive it from MK with the core's m2mkx_derive_esp()
 * (Documentation/keys.rst): transport mode, rfc4106(gcm(aes)) with a
 * 256-bit key, a 4-byte salt and a 16-byte ICV, one SA per direction
 * (SPI_a2b, SPI_b2a), and a policy per direction that requires ESP for
 * every packet between the two addresses - but for the m2mkx handshake
 * itself: a policy of higher priority lets UDP to and from B's m2mkx port
 * bypass ESP, so that a new handshake works while (or after) an older
 * session's SAs are there at one end only. Every SA and policy gets the
 * session's lifetime as its hard lifetime, so the kernel removes them on
 * time even when the program that installed them is gone.
 */
#ifndef M2MKX_COMMON_XFRM_H
#define M2MKX_COMMON_XFRM_H

#include <stdbool.h>
#include <stdint.h>

#include <m2mkx/keys.h>

/* An IPv4 or IPv6 address, as [EspPeer] Address and LocalAddress give. */
struct xfrm_ip {
	int family;			/* AF_INET or AF_INET6 */
	uint8_t addr[16];		/* network order; IPv4 in the first 4 */
};

/* Parses "10.0.0.1" or "fd00::1". 0, or -1 (not an address). */
int xfrm_ip_parse(struct xfrm_ip *ip, const char *s);

/* This end's view of the pair: what it sends with and receives with. */
struct xfrm_pair {
	struct xfrm_ip local;
	struct xfrm_ip remote;
	uint32_t spi_out;
	uint32_t spi_in;
	uint8_t key_out[M2MKX_ESP_KEY_LEN];
	uint8_t key_in[M2MKX_ESP_KEY_LEN];
	uint32_t lifetime_s;		/* hard lifetime of SAs and policies */
	bool is_a;			/* this end is A (else B) */
	uint16_t handshake_port;	/* B's m2mkx UDP port: bypasses ESP */
};

/*
 * The pair for the end that is A (@is_a) or B, from the session's ESP
 * keys; @handshake_port is the UDP port A sends its handshake to at B.
 * 0, or -1 with errno EAFNOSUPPORT when @local and @remote are of two
 * families.
 */
int xfrm_pair_init(struct xfrm_pair *p, const struct m2mkx_esp_keys *esp,
		   bool is_a, const struct xfrm_ip *local,
		   const struct xfrm_ip *remote, uint16_t handshake_port,
		   uint32_t lifetime_s);

/*
 * Adds both SAs and (creating or replacing) the four policies: ESP
 * both ways, and the handshake's bypass both ways. 0, or a
 * negative errno (-EPERM without CAP_NET_ADMIN, -ENOENT when the kernel
 * lacks the algorithm, -EEXIST when an SA with this SPI exists); on
 * failure what was added is removed again.
 */
int xfrm_pair_install(const struct xfrm_pair *p);

/*
 * Deletes both SAs and, when @policies, the policies (a later session
 * with the same peer may own them now). Entries already gone (expired)
 * are not errors. 0, or the first negative errno.
 */
int xfrm_pair_remove(const struct xfrm_pair *p, bool policies);

/* Wipes the keys. */
void xfrm_pair_wipe(struct xfrm_pair *p);

#endif /* M2MKX_COMMON_XFRM_H */
