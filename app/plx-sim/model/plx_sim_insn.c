/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The length of an x86-64 instruction that writes memory, so that a
 * write to the BAR0 of a removed function can be dropped by stepping
 * over it (plx_sim_view.c). Only what a store to a register can be
 * compiled to is known: mov, the ALU and shift groups, xchg, cmpxchg,
 * xadd, setcc, bit tests and the SSE, AVX and AVX-512 moves. Anything
 * else, string instructions included (they would also have to advance
 * their registers), is refused: the caller then fails loudly.
 */

#include <stdbool.h>
#include <stdint.h>

#include "plx_sim_priv.h"

/* The ModRM byte and what follows it before any immediate. */
static int
modrm_len(const uint8_t *p)
{
	uint8_t mod = p[0] >> 6, rm = p[0] & 7;
	int n = 1;

	if (mod == 3)
		return 1;
	if (rm == 4) {
		n++;
		if (mod == 0 && (p[1] & 7) == 5)
			n += 4;
	} else if (mod == 0 && rm == 5) {
		n += 4;		/* RIP-relative */
	}
	if (mod == 1)
		n += 1;
	else if (mod == 2)
		n += 4;
	return n;
}

/* Two-byte opcodes (0f xx) that may write their r/m operand. */
static int
op0f_imm(uint8_t op)
{
	switch (op) {
	case 0xa4: case 0xac: case 0xba:	/* shld, shrd, bt* imm8 */
		return 1;
	case 0x11: case 0x13: case 0x17: case 0x29: case 0x2b:
	case 0x7e: case 0x7f: case 0xa5: case 0xab: case 0xad:
	case 0xb0: case 0xb1: case 0xb3: case 0xbb: case 0xc0:
	case 0xc1: case 0xc3: case 0xc7: case 0xd6: case 0xe7:
		return 0;
	default:
		return (op & 0xf0) == 0x90 ? 0 : -1;	/* setcc */
	}
}

/* VEX (c4, c5) and EVEX (62): moves and extracts, map 3 with an imm8. */
static int
vex_len(const uint8_t *p, int pre)
{
	int hdr, map;

	if (p[0] == 0xc5) {
		hdr = 2;
		map = 1;
	} else if (p[0] == 0xc4) {
		hdr = 3;
		map = p[1] & 0x1f;
	} else {
		hdr = 4;
		map = p[1] & 0x07;
	}
	if (map < 1 || map > 3)
		return -1;
	return pre + hdr + 1 + modrm_len(p + hdr + 1) + (map == 3 ? 1 : 0);
}

/* One-byte opcodes: the immediate's size, or -1 for an unknown write. */
static int
op1_imm(uint8_t op, const uint8_t *modrm, int opsz)
{
	uint8_t reg = (modrm[0] >> 3) & 7;

	if (op < 0x40 && (op & 7) <= 3)
		return 0;			/* add .. cmp r/m, r */
	switch (op) {
	case 0x80: case 0x83: case 0xc0: case 0xc1: case 0xc6:
		return 1;
	case 0x81: case 0xc7:
		return opsz;
	case 0x86: case 0x87: case 0x88: case 0x89: case 0x8c: case 0x8f:
	case 0xd0: case 0xd1: case 0xd2: case 0xd3: case 0xfe: case 0xff:
		return 0;
	case 0xf6:
		return reg <= 1 ? 1 : 0;
	case 0xf7:
		return reg <= 1 ? opsz : 0;
	default:
		return -1;
	}
}

int
plx_insn_store_len(const uint8_t *p)
{
	bool op16 = false, addr32 = false, rex_w = false;
	int n = 0, imm;
	uint8_t op;

	for (;; n++) {
		if (n > 14)
			return -1;
		if (p[n] == 0x66)
			op16 = true;
		else if (p[n] == 0x67)
			addr32 = true;
		else if (p[n] != 0xf0 && p[n] != 0xf2 && p[n] != 0xf3 &&
				p[n] != 0x2e && p[n] != 0x36 && p[n] != 0x3e &&
				p[n] != 0x26 && p[n] != 0x64 && p[n] != 0x65)
			break;
	}
	if (p[n] == 0xc4 || p[n] == 0xc5 || p[n] == 0x62)
		return vex_len(p + n, n);
	if ((p[n] & 0xf0) == 0x40) {
		rex_w = (p[n] & 8) != 0;
		n++;
	}
	op = p[n++];
	if (op == 0xa2 || op == 0xa3)		/* mov moffs, al/eax */
		return n + (addr32 ? 4 : 8);
	if (op == 0x0f) {
		op = p[n++];
		if (op == 0x38)
			return n + 1 + modrm_len(p + n + 1);
		if (op == 0x3a)
			return n + 1 + modrm_len(p + n + 1) + 1;
		imm = op0f_imm(op);
		return imm < 0 ? -1 : n + modrm_len(p + n) + imm;
	}
	imm = op1_imm(op, p + n, op16 && !rex_w ? 2 : 4);
	return imm < 0 ? -1 : n + modrm_len(p + n) + imm;
}
