// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The smallest firmware that uses all of libm2mkx-client, for measuring
 * its flash and RAM on a Cortex-M0+ (scripts/size-arm). The radio and the
 * TRNG are memory-mapped registers at made-up addresses: what matters is
 * that every library entry point is reachable, so that the linker keeps
 * exactly what a real application would.
 */
#include <m2mkx/node.h>

#define REG(addr) (*(volatile u32 *)(addr))
#define TRNG_DATA REG(0x40001000)
#define RADIO_TX_LEN REG(0x40002000)
#define RADIO_RX_LEN REG(0x40002004)
#define TICKS_MS REG(0x40003000)
#define FLASH_PAGE ((u8 *)0x0003f000)

/*
 * Radio buffers are the radio's, not the library's: kept apart. They
 * hold whole datagrams, which the radio stack fragments into 127-byte
 * 802.15.4 frames: PROXY_REQUEST for n = 8 is 156 bytes.
 */
#define RADIO_DATAGRAM 256
#define RADIO_FRAME_PAYLOAD 116
static u8 radio_tx[RADIO_DATAGRAM] __attribute__((section(".radio")));
static u8 radio_rx[RADIO_DATAGRAM] __attribute__((section(".radio")));

static struct m2mkx_node node;
static u8 rep_image[M2MKX_REP_SAVE_LEN(M2MKX_NODE_MAX_NEIGHBOURS)];

/* Keys and peers as provisioned, in flash. */
static const struct m2mkx_neighbour neighbours[M2MKX_NODE_MAX_NEIGHBOURS] = {
	[0] = { .peer = { .id = { 1 }, .key = { 1 } },
		.caps = M2MKX_CAP_PROXY },
};

static const struct m2mkx_node_config config = {
	.client = {
		.id = { 0xaa },
		.params = { .suite = 1, .share_mode = M2MKX_SHARE_SHAMIR,
			    .n = 8, .k = 5, .m = 2, .ots_type = 3 },
		.lifetime_s = 120,
		.timing = { .rto_ms = 500, .rto_max_ms = 4000, .retries = 5,
			    .lifetime_ms = 60000 },
		/* Bundle the shares only when they fit one frame. */
		.bundle_max = RADIO_FRAME_PAYLOAD,
	},
	.neighbours = neighbours,
	.count = M2MKX_NODE_MAX_NEIGHBOURS,
	.explore = 16,
};

int m2mkx_random(void *buf, size_t len)
{
	u8 *p = buf;

	while (len--)
		*p++ = (u8)TRNG_DATA;
	return 0;
}

static void radio_send(void *ctx, const struct m2mkx_endpoint *to,
		       const u8 *buf, size_t len)
{
	(void)ctx;
	(void)to;
	(void)buf;
	RADIO_TX_LEN = (u32)len;
}

void firmware_main(void);

void firmware_main(void)
{
	static const u8 b_id[M2MKX_ID_LEN] = { 0xbb };
	static const struct m2mkx_endpoint b_ep = { .port = 5683 };
	const struct m2mkx_node_io io = {
		.send = radio_send,
		.tx_buf = radio_tx,
		.tx_cap = sizeof(radio_tx),
	};
	u8 mk[M2MKX_MK_LEN], session[M2MKX_SESSION_LEN];
	u32 len;

	m2mkx_node_init(&node, &config, &io);
	m2mkx_node_rep_load(&node, FLASH_PAGE, sizeof(rep_image));
	m2mkx_node_start(&node, b_id, &b_ep, TICKS_MS);
	for (;;) {
		len = RADIO_RX_LEN;
		if (len)
			m2mkx_node_rx(&node, radio_rx, len, TICKS_MS);
		if (m2mkx_node_deadline(&node) <= TICKS_MS)
			m2mkx_node_tick(&node, TICKS_MS);
		if (m2mkx_node_status(&node) == M2MKX_NODE_DONE &&
		    !m2mkx_node_take_mk(&node, mk, session)) {
			m2mkx_node_rep_save(&node, rep_image,
					    sizeof(rep_image));
			RADIO_TX_LEN = mk[0] ^ session[0] ^ rep_image[0] ^
				       m2mkx_node_verdict(&node, 0);
		}
	}
}
