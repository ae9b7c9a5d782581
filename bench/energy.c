// SPDX-License-Identifier: GPL-2.0
/*
 * The energy A spends on one handshake, on a TelosB-class mote (MSP430 at
 * 8 MHz, CC2420 radio), against the two alternatives the issue names:
 * the paper's "simple scheme" (Table I: 2 C_sig + 2 C_ver and two
 * messages each way) and EDHOC method 3 (static DH both ways, RFC 9528)
 * at its initiator. m2mkx's figures come from A's own counters (bench
 * part 3); the alternatives' from their operation and message counts.
 * Documentation/client.rst gives the model with its sources; every
 * constant below names the one it comes from.
 */
#include <math.h>
#include <stdio.h>

#include "bench.h"

/*
 * TelosB, supply and currents (MCU on; radio off, transmitting at 0 dBm,
 * receiving) and the CC2420's 32 us per byte at 250 kbit/s: the TelosB
 * datasheet as tabulated in Table 1 of Kim et al., Sensors 16(7):1063,
 * 2016 (PMC4970110). The MCU runs at 8 MHz (Moteiv Telos rev. B
 * datasheet).
 */
#define VOLT 3.0
#define I_MCU_MA 1.8
#define I_TX_MA 19.5
#define I_RX_MA 21.8
#define BYTE_US 32.0
#define MCU_HZ 8e6
/* PHY (6) and MAC (11) header bytes of every frame: same table. */
#define FRAME_OVERHEAD 17

#define UJ_PER_CYCLE (VOLT * I_MCU_MA * 1e-3 / MCU_HZ * 1e6)
#define UJ_TX_BYTE (VOLT * I_TX_MA * 1e-3 * BYTE_US)
#define UJ_RX_BYTE (VOLT * I_RX_MA * 1e-3 * BYTE_US)

/*
 * AES-128, one block: 2.18 uJ measured on an MSP430 (Buhrow et al.,
 * "Block Cipher Speed and Energy Efficiency Records on the MSP430",
 * LATINCRYPT 2015).
 */
#define UJ_AES_BLOCK 2.18
/*
 * SHA-256, one compression: no MSP430 figure was found to cite, so the
 * SHA-512 compression on the MSP430F1611 (TelosB's MCU), 40.6k cycles
 * (Franck and Groszschaedl, SecITC 2021), stands in as an upper bound:
 * it works on 64-bit words and 80 rounds where SHA-256 has 32-bit
 * words and 64.
 */
#define SHA256_CYCLES 40600.0
/*
 * X25519 on an MSP430X with a 16-bit multiplier, as TelosB's MSP430F1611
 * has: 7,933,296 cycles (Duell et al., "High-speed Curve25519 on 8-bit,
 * 16-bit, and 32-bit microcontrollers", DCC 77, 2015). Every public-key
 * operation of the alternatives is priced as one such scalar
 * multiplication, which favours them (a signature verification costs
 * more than one).
 */
#define X25519_CYCLES 7933296.0
/* Random bytes: AES-CTR generation, a block per 16 bytes (an assumption). */
#define RNG_BYTES_PER_BLOCK 16

struct energy {
	double crypto, radio;
};

static double radio_uj(double tx_bytes, double tx_frames, double rx_bytes,
		       double rx_frames)
{
	return (tx_bytes + tx_frames * FRAME_OVERHEAD) * UJ_TX_BYTE +
	       (rx_bytes + rx_frames * FRAME_OVERHEAD) * UJ_RX_BYTE;
}

static struct energy m2mkx_energy(const struct bench_client_run *r)
{
	struct energy e;
	double rng_blocks = ceil((double)r->rng_bytes / RNG_BYTES_PER_BLOCK);

	e.crypto = (r->aes_blocks + rng_blocks) * UJ_AES_BLOCK +
		   r->sha256_blocks * SHA256_CYCLES * UJ_PER_CYCLE;
	e.radio = radio_uj((double)r->tx_bytes, r->tx_frames,
			   (double)r->rx_bytes, r->rx_frames);
	return e;
}

/*
 * A datagram's bytes and frames, for the alternatives' messages.
 * Transport headers (6LoWPAN, UDP, CoAP) are left out for every
 * protocol alike.
 */
static void msg(double *bytes, double *frames, size_t len)
{
	*bytes += (double)len;
	*frames += bench_frames(len);
}

/*
 * EDHOC method 3 at the initiator: four X25519 (its ephemeral key, and
 * G_XY, G_RX, G_IY), messages of 39, 45 and 19 bytes (the static-DH
 * trace of draft-ietf-lake-traces, published as RFC 9529). Its hashing
 * and AEAD are estimated at 30 SHA-256 compressions (transcript hashes
 * and the HKDF calls of the key schedule) and 8 AES blocks (message_3):
 * an estimate, a few percent of the total either way.
 */
static struct energy edhoc_energy(void)
{
	double txb = 0, txf = 0, rxb = 0, rxf = 0;
	struct energy e;

	msg(&txb, &txf, 39);
	msg(&rxb, &rxf, 45);
	msg(&txb, &txf, 19);
	e.crypto = 4 * X25519_CYCLES * UJ_PER_CYCLE +
		   30 * SHA256_CYCLES * UJ_PER_CYCLE + 8 * UJ_AES_BLOCK;
	e.radio = radio_uj(txb, txf, rxb, rxf);
	return e;
}

/*
 * The paper's simple scheme (its equation (2)): A encrypts x to B and
 * signs it, verifies B's signature and decrypts y, 2 C_sig + 2 C_ver,
 * each one scalar multiplication; two messages each way, instantiated
 * as m2mkx's HELLO (43) and HELLO_REPLY (68) and a key transport of 154
 * bytes each way (header 2, A and B 16, nonce 16, ephemeral key 32,
 * encrypted secret 16 and tag 8, signature 64).
 */
static struct energy simple_energy(void)
{
	double txb = 0, txf = 0, rxb = 0, rxf = 0;
	struct energy e;

	msg(&txb, &txf, 43);
	msg(&rxb, &rxf, 68);
	msg(&txb, &txf, 154);
	msg(&rxb, &rxf, 154);
	e.crypto = 4 * X25519_CYCLES * UJ_PER_CYCLE;
	e.radio = radio_uj(txb, txf, rxb, rxf);
	return e;
}

static const struct bench_client_run *find(const struct bench_client_run *runs,
					   unsigned int count, unsigned int n,
					   unsigned int m, bool bundled)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		if (runs[i].n == n && runs[i].m == m &&
		    runs[i].bundled == bundled)
			return &runs[i];
	bench_die("energy: no client run for n=%u m=%u", n, m);
}

void bench_energy(const struct bench_client_run *runs, unsigned int count)
{
	static const unsigned int ns[] = { 3, 5, 8 }, ms[] = { 1, 2, 3 };
	struct energy edhoc = edhoc_energy(), simple = simple_energy();
	double e_edhoc = edhoc.crypto + edhoc.radio;
	double e_simple = simple.crypto + simple.radio;
	char name[96];
	unsigned int i, j, b;

	bench_section("energy at A per handshake, TelosB model "
		      "(Documentation/client.rst)");
	printf("  %-28s %10s %10s %10s\n", "", "crypto uJ", "radio uJ",
	       "total uJ");
	printf("  %-28s %10.0f %10.0f %10.0f\n", "EDHOC method 3 (initiator)",
	       edhoc.crypto, edhoc.radio, e_edhoc);
	printf("  %-28s %10.0f %10.0f %10.0f\n", "simple scheme (Table I)",
	       simple.crypto, simple.radio, e_simple);
	bench_emit("client.energy_uj.edhoc", e_edhoc, "uJ", NULL);
	bench_emit("client.energy_uj.simple", e_simple, "uJ", NULL);
	for (b = 0; b < 2; b++) {
		for (i = 0; i < M2MKX_ARRAY_SIZE(ns); i++) {
			for (j = 0; j < M2MKX_ARRAY_SIZE(ms); j++) {
				const struct bench_client_run *r =
					find(runs, count, ns[i], ms[j], b);
				struct energy e = m2mkx_energy(r);
				double t = e.crypto + e.radio;
				const char *tag = b ? ".bundled" : "";
				char row[40];

				snprintf(row, sizeof(row),
					 "m2mkx n=%u m=%u%s", ns[i], ms[j],
					 b ? " bundled" : "");
				printf("  %-28s %10.0f %10.0f %10.0f"
				       "   %.3f of EDHOC, %.3f of simple\n",
				       row, e.crypto, e.radio, t, t / e_edhoc,
				       t / e_simple);
				snprintf(name, sizeof(name),
					 "client.energy_uj.n%u.m%u%s", ns[i],
					 ms[j], tag);
				bench_emit(name, t, "uJ", NULL);
				if (ms[j] != 2)
					continue;
				snprintf(name, sizeof(name),
					 "client.energy_vs_edhoc.n%u%s", ns[i],
					 tag);
				bench_emit(name, t / e_edhoc, "ratio", NULL);
				snprintf(name, sizeof(name),
					 "client.energy_vs_simple.n%u%s",
					 ns[i], tag);
				bench_emit(name, t / e_simple, "ratio", NULL);
			}
		}
	}
	printf("  (target: m2mkx <= 1/50 of EDHOC at n = 5; the ratios "
	       "recorded as client.energy_vs_*.n<N>\n   are for m = 2. "
	       "Listening between rounds is left out for every protocol.)\n");
}
