/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The fuzzer's destination slots: every op of a ring slot copies into a
 * body of its own inside guard bytes, prefilled with a byte of its own.
 * What a body must hold follows from the op's lists and its reported
 * status alone: a piece that succeeded holds the source's bytes, one the
 * engine could not read or write holds the fill, one of an op that
 * failed or was aborted holds either, byte by byte; and once reported, a
 * body never changes (see test_dma_plx_fuzz.h).
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_dmadev.h>

#include "test_plx_common.h"
#include "test_dma_plx_fuzz.h"

#define ST(s)		(RTE_DMA_STATUS_ ## s)

/*
 * The descriptors of an op, from the guide's rule: the copy is split on
 * the boundaries of both its lists, one descriptor per piece.
 */
unsigned int
fz_pieces(const struct fz_lists *l, struct fz_piece *p)
{
	uint32_t at = 0, s_at = 0, d_at = 0;
	unsigned int n = 0, i = 0, j = 0;

	while (i < l->nb_src && j < l->nb_dst) {
		uint32_t s_end = s_at + l->src[i].len;
		uint32_t d_end = d_at + l->dst[j].len;
		uint32_t end = RTE_MIN(s_end, d_end);

		p[n++] = (struct fz_piece){
			.at = at,
			.len = end - at,
			.src_off = l->src[i].off + (at - s_at),
			.src_bad = l->src[i].bad,
			.dst_bad = l->dst[j].bad,
		};
		at = end;
		if (end == s_end)
			s_at = s_end, i++;
		if (end == d_end)
			d_at = d_end, j++;
	}
	return n;
}

static bool
all_bytes(const uint8_t *p, size_t len, uint8_t b)
{
	uint64_t w = UINT64_C(0x0101010101010101) * b, v;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&v, p + i, 8);
		if (v != w)
			return false;
	}
	for (; i < len; i++)
		if (p[i] != b)
			return false;
	return true;
}

static uint64_t
body_sum(const uint8_t *p, size_t len)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * UINT64_C(0x100000001b3);
	return h;
}

static uint8_t *
slot_base(const struct fz_chan *ch, unsigned int i)
{
	return ch->dst + (size_t)i * ch->slot_len;
}

/* Guard bytes around the body of slot i are all intact. */
static bool
guards_ok(const struct fz_chan *ch, unsigned int i)
{
	const struct fz_slot *s = &ch->slots[i];
	const uint8_t *p = slot_base(ch, i);
	size_t end = (size_t)s->body + s->len;

	return all_bytes(p, s->body, GUARD) &&
		all_bytes(p + end, ch->slot_len - end, GUARD);
}

/* Piece p holds, byte by byte, either the fill or the source's byte. */
static bool
piece_partial(const struct fz_chan *ch, const uint8_t *body,
		const struct fz_piece *p, uint8_t fill)
{
	const uint8_t *src = ch->f->src + p->src_off, *b = body + p->at;
	uint32_t i;

	for (i = 0; i < p->len; i++)
		if (b[i] != fill && b[i] != src[i])
			return false;
	return true;
}

/*
 * The body of slot i agrees with status st (NOT_ATTEMPTED: untouched):
 * -1, or the first piece that does not.
 */
static int
body_check(const struct fz_chan *ch, unsigned int i,
		enum rte_dma_status_code st)
{
	const struct fz_slot *s = &ch->slots[i];
	const uint8_t *body = slot_base(ch, i) + s->body;
	struct fz_piece p[FZ_MAX_PIECES];
	unsigned int n = fz_pieces(&ch->lists[i], p), j;
	bool ok;

	for (j = 0; j < n; j++) {
		if (p[j].src_bad || p[j].dst_bad || st == ST(NOT_ATTEMPTED))
			ok = all_bytes(body + p[j].at, p[j].len, s->fill);
		else if (st == ST(SUCCESSFUL))
			ok = memcmp(body + p[j].at, ch->f->src + p[j].src_off,
				p[j].len) == 0;
		else
			ok = piece_partial(ch, body, &p[j], s->fill);
		if (!ok)
			return j;
	}
	return -1;
}

/* What slot i holds now agrees with what it held when reported. */
int
fz_slot_verify(const struct fz_chan *ch, unsigned int i)
{
	const struct fz_slot *s = &ch->slots[i];
	const uint8_t *body = slot_base(ch, i) + s->body;
	bool ok;

	if (s->state == FZ_SLOT_PENDING)
		return 0;
	if (s->state == FZ_SLOT_CLEAN)
		ok = body_check(ch, i, ST(NOT_ATTEMPTED)) < 0;
	else if (s->status == ST(SUCCESSFUL) ||
			s->status == ST(NOT_ATTEMPTED))
		ok = body_check(ch, i, s->status) < 0;
	else
		ok = body_sum(body, s->len) == s->sum;
	FZ_CHECK(FZ_C_LATE_WRITE, ok && guards_ok(ch, i),
		"%s: destination slot %u (%u bytes, reported %s) changed after its report",
		ch->name, i, s->len, s->state == FZ_SLOT_DONE ?
			plx_test_status_name(s->status) : "never written");
	return 0;
}

int
fz_slots_verify(const struct fz_chan *ch)
{
	unsigned int i;

	if (ch->dst == NULL)
		return 0;
	for (i = 0; i < ch->ring; i++)
		FZ_OK(fz_slot_verify(ch, i));
	return 0;
}

/*
 * Slot i is to take a new op: what it held is intact; then guard bytes
 * and the new op's fill, body and lists.
 */
int
fz_slot_prepare(struct fz_chan *ch, unsigned int i, const struct fz_slot *s,
		const struct fz_lists *l)
{
	struct fz_slot *old = &ch->slots[i];
	uint8_t *p = slot_base(ch, i);

	FZ_OK(fz_slot_verify(ch, i));
	if (old->state != FZ_SLOT_CLEAN || old->len != 0)
		memset(p, GUARD, ch->slot_len);
	memset(p + s->body, s->fill, s->len);
	*old = *s;
	old->state = FZ_SLOT_CLEAN;
	ch->lists[i] = *l;
	return 0;
}

/*
 * What is in a body that should hold fill: how many bytes differ, from
 * where, and whether they are a copy of the function's source.
 */
static const char *
describe(const struct fz_chan *ch, const uint8_t *body, uint32_t len,
		uint8_t fill, char *buf, size_t size)
{
	const uint8_t *src = ch->f->src, *hit = NULL;
	uint32_t i, first = len, n = 0, run;
	size_t at;

	for (i = 0; i < len; i++)
		if (body[i] != fill) {
			first = RTE_MIN(first, i);
			n++;
		}
	if (first == len)
		return "";
	run = RTE_MIN(len - first, 8u);
	if (run >= 4)
		hit = memmem(src, FZ_SRC_LEN, body + first, run);
	at = snprintf(buf, size,
		" (%u of %u bytes changed from byte %u: %02x %02x %02x %02x; %s",
		n, len, first, body[first], first + 1 < len ? body[first + 1] : 0,
		first + 2 < len ? body[first + 2] : 0,
		first + 3 < len ? body[first + 3] : 0, hit != NULL ?
			"a copy of the source" : "not from the source");
	if (hit != NULL && at < size)
		at += snprintf(buf + at, size - at, " at offset %u",
			(unsigned int)(hit - src));
	if (at < size)
		snprintf(buf + at, size - at, ")");
	return buf;
}

/* The bytes of reported op k: correct, and nothing outside touched. */
int
fz_slot_reported(struct fz_chan *ch, uint64_t k, enum rte_dma_status_code st)
{
	unsigned int i = k & (ch->ring - 1);
	struct fz_slot *s = &ch->slots[i];
	const uint8_t *body = slot_base(ch, i) + s->body;
	char what[160];
	int bad;

	s->state = FZ_SLOT_DONE;
	s->status = st;
	FZ_CHECK(FZ_C_DATA, guards_ok(ch, i),
		"%s: op %" PRIu64 " (%s, %u bytes) wrote outside its destination",
		ch->name, k, plx_test_status_name(st), s->len);
	bad = body_check(ch, i, st);
	FZ_CHECK(FZ_C_DATA, bad < 0,
		"%s: op %" PRIu64 " reported %s, but piece %d of its %u bytes holds %s%s",
		ch->name, k, plx_test_status_name(st), bad, s->len,
		st == ST(SUCCESSFUL) ? "other bytes than the source's" :
			"bytes neither old nor the source's",
		describe(ch, body, s->len, s->fill, what, sizeof(what)));
	s->sum = body_sum(body, s->len);
	return 0;
}
