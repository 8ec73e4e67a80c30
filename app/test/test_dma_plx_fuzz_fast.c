/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The fuzzer's fast-path ops: copies and scatter-gather copies (good,
 * bad, unmapped; their destination slots), bursts, submit, completions,
 * capacity, drain, fill.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_alarm.h>
#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dmadev.h>

#include "plx_sim_host.h"
#include "test_plx_common.h"
#include "test_dma_plx_fuzz.h"
#include "test_dma_plx_fuzz_ops.h"

/* --- fast path --- */

/* A copy or an SG op: the call's arguments and what the model keeps. */
struct fz_copy {
	bool sg;
	uint64_t src;
	uint64_t dst;
	uint32_t len;
	uint64_t flags;
	uint16_t nb_src;	/* as passed: maybe 0 or above max_sges */
	uint16_t nb_dst;
	struct rte_dma_sge src_sge[FZ_MAX_SGES + 4];
	struct rte_dma_sge dst_sge[FZ_MAX_SGES + 4];
	struct fz_slot slot;	/* where it lands */
	struct fz_lists lists;	/* what it copies, for the model */
	unsigned int pieces;	/* its descriptors */
	uint32_t reasons;	/* FZ_BIT(enum fz_refusal) of bad input */
};

static uint64_t
iova_unmapped(struct fz_rng *r, uint32_t len)
{
	/* Below the lowest mappable page, or above user space. */
	if (len <= 0x8000 && fz_pct(r, 50))
		return 0x1000 + fz_below(r, 0x10000 - 0x1000 - len);
	return (UINT64_C(1) << 47) + ((fz_rand(r) & ((UINT64_C(1) << 46) - 1)) &
		~UINT64_C(7));
}

/* Where len bytes (2 or more) start below 2^48 and end beyond it. */
static uint64_t
iova_crossing(struct fz_rng *r, uint32_t len)
{
	return (UINT64_C(1) << FZ_IOVA_BITS) - 1 - fz_below(r, len - 1);
}

/* An address from which len bytes leave 48 bits: at the start or later. */
static uint64_t
iova_beyond(struct fz_rng *r, uint32_t len)
{
	switch (fz_below(r, 4)) {
	case 0:
		return UINT64_C(1) << FZ_IOVA_BITS;
	case 3:
		if (len >= 2 && len <= FZ_MAX_LEN)
			return iova_crossing(r, len);
		return UINT64_C(1) << FZ_IOVA_BITS;
	case 1:
		return UINT64_MAX - fz_below(r, 4096);
	default:
		return (UINT64_C(1) << FZ_IOVA_BITS) |
			(fz_rand(r) >> (64 - FZ_IOVA_BITS));
	}
}

static uint32_t
draw_len(struct fz_rng *r, uint32_t max)
{
	unsigned int v = fz_below(r, 100);
	uint32_t len;

	if (v < 60)
		len = 1 + fz_below(r, 64);
	else if (v < 85)
		len = 65 + fz_below(r, 448);
	else if (v < 95)
		len = 1 + fz_below(r, max);
	else
		len = v < 98 ? max : 1;
	return RTE_MIN(len, max);
}

/* Where one address points: 0 ok, 1 unmapped, 2 beyond 48 bits. */
static unsigned int
draw_where(struct fz_rng *r, bool good)
{
	unsigned int v = good ? 99 : fz_below(r, 100);

	return v < 4 ? 1 : v < 8 ? 2 : 0;
}

/* The destination slot of the next op, its fill and where it lands. */
static void
draw_slot(const struct fz_chan *ch, struct fz_rng *r, uint32_t len,
		struct fz_copy *c)
{
	c->slot = (struct fz_slot){
		.fill = 0x11 + fz_below(r, 0x80),
		.body = 8 + fz_below(r, 9),
		.len = len,
	};
	c->dst = ch->ring == 0 ? 0 : ch->dst_iova + (size_t)(ch->handed &
		(ch->ring - 1)) * ch->slot_len + c->slot.body;
}

static void
draw_flags(struct fz_rng *r, bool good, struct fz_copy *c)
{
	if (fz_pct(r, good ? 0 : 25))
		c->flags |= RTE_DMA_OP_FLAG_SUBMIT;
	if (fz_pct(r, 5))
		c->flags |= RTE_DMA_OP_FLAG_FENCE;
}

static void
draw_copy(const struct fz_chan *ch, struct fz_rng *r, bool good,
		struct fz_copy *c)
{
	uint32_t max = ch->max_len != 0 ? ch->max_len : 64;
	unsigned int v = good ? 99 : fz_below(r, 100);
	unsigned int ws = draw_where(r, good), wd = draw_where(r, good);
	uint32_t src_off;

	memset(c, 0, sizeof(*c));
	c->len = draw_len(r, max);
	draw_slot(ch, r, c->len, c);
	src_off = fz_below(r, FZ_SRC_LEN - c->len + 1);
	if (v < 2)
		c->len = 0;
	else if (v < 4)
		c->len = FZ_MAX_LEN + 1 + fz_below(r, UINT32_MAX - FZ_MAX_LEN);
	else if (v < 5)
		c->len = FZ_MAX_LEN, ws = wd = 1;
	/* The longest copy has no room in a slot: it lands nowhere. */
	c->lists = (struct fz_lists){
		.nb_src = 1, .nb_dst = 1,
		.src[0] = { src_off, c->slot.len, ws == 1 },
		.dst[0] = { 0, c->slot.len, wd == 1 || ch->ring == 0 },
	};
	c->pieces = 1;
	if (c->len == 0 || c->len > FZ_MAX_LEN)
		c->reasons |= FZ_BIT(FZ_R_LEN);
	c->src = ws == 0 ? ch->f->src_iova + src_off :
		ws == 1 ? iova_unmapped(r, c->len) : iova_beyond(r, c->len);
	if (wd == 1 || ch->ring == 0)
		c->dst = iova_unmapped(r, c->len);
	else if (wd == 2)
		c->dst = iova_beyond(r, c->len);
	if (ws == 2 || wd == 2)
		c->reasons |= FZ_BIT(FZ_R_IOVA);
	draw_flags(r, good, c);
}

/* len in nb parts of at least a byte each. */
static void
split(struct fz_rng *r, uint32_t len, unsigned int nb, struct fz_seg *seg)
{
	uint32_t cut[FZ_MAX_SGES], t;
	unsigned int i, j;

	for (i = 0; i + 1 < nb; i++) {
		t = fz_below(r, len - nb + 1);
		for (j = i; j > 0 && cut[j - 1] > t; j--)
			cut[j] = cut[j - 1];
		cut[j] = t;
	}
	for (i = 0; i < nb; i++)
		seg[i].len = 1 + (i + 1 < nb ? cut[i] : len - nb) -
			(i > 0 ? cut[i - 1] : 0);
}

/* The call's lists from the model's: mapped, unmapped, in the slot. */
static void
sg_lists_to_sges(const struct fz_chan *ch, struct fz_rng *r,
		struct fz_copy *c)
{
	const struct fz_lists *l = &c->lists;
	uint64_t at = c->dst;
	unsigned int i;

	c->nb_src = l->nb_src;
	c->nb_dst = l->nb_dst;
	for (i = 0; i < l->nb_src; i++)
		c->src_sge[i] = (struct rte_dma_sge){
			.addr = l->src[i].bad ? iova_unmapped(r, l->src[i].len) :
				ch->f->src_iova + l->src[i].off,
			.length = l->src[i].len,
		};
	for (i = 0; i < l->nb_dst; at += l->dst[i++].len)
		c->dst_sge[i] = (struct rte_dma_sge){
			.addr = l->dst[i].bad ? iova_unmapped(r, l->dst[i].len) :
				at,
			.length = l->dst[i].len,
		};
}

/* Make the lists bad, one way of the guide's: -EINVAL for them. */
static void
sg_spoil(struct fz_rng *r, struct fz_copy *c)
{
	struct rte_dma_sge *sge = fz_pct(r, 50) ? c->src_sge : c->dst_sge;
	uint16_t *nb = sge == c->src_sge ? &c->nb_src : &c->nb_dst;
	unsigned int i = fz_below(r, *nb);

	c->reasons |= FZ_BIT(FZ_R_SG);
	switch (fz_below(r, 7)) {
	case 0:
		*nb = 0;
		break;
	case 1:
		/* Above max_sges: more segments, as many bytes each side. */
		while (*nb <= FZ_MAX_SGES) {
			sge[(*nb)++] = (struct rte_dma_sge){ sge[0].addr, 1 };
			(sge == c->src_sge ? c->dst_sge : c->src_sge)[0].length++;
		}
		break;
	case 2:
		if (*nb > 1)
			sge[(i + 1) % *nb].length += sge[i].length;
		sge[i].length = 0;
		break;
	case 3:
		sge[i].length = FZ_MAX_LEN + 1 + fz_below(r, 1000);
		break;
	case 4:
		sge[i].addr = iova_beyond(r, sge[i].length);
		break;
	case 5:
		sge[i].length = RTE_MAX(sge[i].length, 2u);
		sge[i].addr = iova_crossing(r, sge[i].length);
		break;
	default:
		sge[i].length += 1 + fz_below(r, 64);
		break;
	}
}

/*
 * An SG op: 1..max_sges segments a side, split apart from each other;
 * source segments anywhere in the source area, destination segments one
 * after the other in the slot body; now and then unmapped or bad.
 */
static void
draw_sg(const struct fz_chan *ch, struct fz_rng *r, bool good,
		struct fz_copy *c)
{
	uint32_t max = ch->max_len != 0 ? ch->max_len : 64;
	struct fz_piece p[FZ_MAX_PIECES];
	struct fz_lists *l = &c->lists;
	bool contig = fz_pct(r, 30);
	uint32_t len, off;
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->sg = true;
	l->nb_src = 1 + fz_below(r, FZ_MAX_SGES);
	l->nb_dst = 1 + fz_below(r, FZ_MAX_SGES);
	len = RTE_MAX(draw_len(r, max), (uint32_t)FZ_MAX_SGES);
	draw_slot(ch, r, len, c);
	split(r, len, l->nb_src, l->src);
	split(r, len, l->nb_dst, l->dst);
	off = fz_below(r, FZ_SRC_LEN - len + 1);
	for (i = 0; i < l->nb_src; off += l->src[i++].len) {
		l->src[i].off = contig ? off :
			fz_below(r, FZ_SRC_LEN - l->src[i].len + 1);
		l->src[i].bad = !good && fz_pct(r, 3);
	}
	for (i = 0; i < l->nb_dst; i++)
		l->dst[i].bad = ch->ring == 0 || (!good && fz_pct(r, 3));
	c->pieces = fz_pieces(l, p);
	sg_lists_to_sges(ch, r, c);
	if (!good && fz_pct(r, 20))
		sg_spoil(r, c);
	draw_flags(r, good, c);
}

/* The codes copy() may return now, and the refusal reasons. */
static uint32_t
copy_expect(struct fz_chan *ch, struct fz_copy *c)
{
	uint32_t errs = c->reasons ? R_EINVAL : 0;

	if (ch->st == FZ_REMOVED) {
		c->reasons |= FZ_BIT(FZ_R_NODEV);
		return errs | R_ENODEV;
	}
	if (!fz_started(ch)) {
		c->reasons |= FZ_BIT(FZ_R_STOPPED);
		return errs | R_EINVAL | (fz_vanished(ch) ? R_ENODEV : 0);
	}
	/* A bad list has no descriptors to count. */
	if (ch->hd - ch->rd + (c->reasons ? 1 : c->pieces) > ch->ring) {
		c->reasons |= FZ_BIT(FZ_R_FULL);
		errs |= R_ENOSPC;
	}
	if (fz_vanished(ch)) {
		c->reasons |= FZ_BIT(FZ_R_NODEV);
		if (ch->noticed)
			errs |= R_ENODEV;
		else if (errs == 0)
			return R_OK | R_ENODEV;
		else
			errs |= R_ENODEV;
	}
	return fz_or_ok(errs);
}

/* The refusal reason that goes with rc. */
static enum fz_refusal
refusal_of(int rc, uint32_t reasons)
{
	if (rc == -ENODEV)
		return FZ_R_NODEV;
	if (rc == -ENOSPC)
		return FZ_R_FULL;
	if (reasons & FZ_BIT(FZ_R_STOPPED))
		return FZ_R_STOPPED;
	if (reasons & FZ_BIT(FZ_R_SG))
		return FZ_R_SG;
	return (reasons & FZ_BIT(FZ_R_LEN)) ? FZ_R_LEN : FZ_R_IOVA;
}

static int
refused(struct fz_chan *ch, int rc, uint32_t reasons, uint64_t lines)
{
	fz_counts[FZ_N_COPY_REFUSED]++;
	if (rc == -ENODEV && fz_vanished(ch))
		ch->noticed = true;
	return fz_log_check(ch, refusal_of(rc, reasons), reasons, lines);
}

static void
submitted(struct fz_chan *ch)
{
	ch->st_rung += ch->handed - ch->sub;
	ch->sub = ch->handed;
	ch->sd = ch->hd;
}

static int
enqueue(struct fz_chan *ch, struct fz_copy *c)
{
	if (c->sg)
		return rte_dma_copy_sg(ch->id, 0, c->src_sge, c->dst_sge,
			c->nb_src, c->nb_dst, c->flags);
	return rte_dma_copy(ch->id, 0, c->src, c->dst, c->len, c->flags);
}

static void
trace_copy(const struct fz_copy *c, int rc)
{
	const char *flags = (c->flags & RTE_DMA_OP_FLAG_SUBMIT) ?
		((c->flags & RTE_DMA_OP_FLAG_FENCE) ? ", SUBMIT, FENCE" :
			", SUBMIT") :
		((c->flags & RTE_DMA_OP_FLAG_FENCE) ? ", FENCE" : "");

	if (c->sg)
		fz_trace("copy_sg(%u and %u segments, %u bytes, %u pieces%s%s) -> %d",
			c->nb_src, c->nb_dst, c->slot.len, c->pieces,
			c->reasons ? ", bad" : "", flags, rc);
	else
		fz_trace("copy(src 0x%" PRIx64 ", dst 0x%" PRIx64 ", len %u%s) -> %d",
			c->src, c->dst, c->len, flags, rc);
}

/* Hand op c to the engine: rc checked, and the model takes the op. */
static int
copy_one(struct fz_chan *ch, struct fz_copy *c, int *rcp)
{
	uint32_t input = c->reasons, exp = copy_expect(ch, c);
	bool prep = (exp & R_OK) && input == 0;
	uint64_t k = ch->handed, l0;
	char want[64];
	int rc;

	if (prep)
		FZ_OK(fz_slot_prepare(ch, k & (ch->ring - 1), &c->slot,
			&c->lists));
	l0 = fz_log_lines();
	if (c->flags & RTE_DMA_OP_FLAG_SUBMIT)
		ch->sd_call = ch->hd + c->pieces;
	rc = enqueue(ch, c);
	*rcp = rc;
	/* The device may have vanished since: judge by the state after. */
	FZ_OK(fz_func_check(ch->f));
	c->reasons = input;
	exp = copy_expect(ch, c);
	trace_copy(c, rc);
	FZ_CHECK(FZ_C_FAST_RC, (fz_rc_bit(rc) & exp) && (rc < 0 ||
			(rc == (uint16_t)k && prep)),
		"%s: %s(%u bytes, %u pieces) returned %d, expected %s%s (%s, %" PRIu64 " of %u descriptors in use)",
		ch->name, c->sg ? "copy_sg" : "copy", c->slot.len, c->pieces,
		rc, fz_rc_names(exp, want, sizeof(want)),
		(exp & R_OK) ? " (the next id)" : "",
		fz_started(ch) ? "started" : "not started", ch->hd - ch->rd,
		ch->ring);
	ch->sd_call = 0;
	if (rc < 0)
		return refused(ch, rc, c->reasons, fz_log_lines() - l0);
	ch->ops[k & (ch->ring - 1)] = (struct fz_op){ ch->hd, c->pieces };
	ch->slots[k & (ch->ring - 1)].state = FZ_SLOT_PENDING;
	ch->handed++;
	ch->hd += c->pieces;
	fz_counts[c->sg ? FZ_N_SG_OK : FZ_N_COPY_OK]++;
	if (c->flags & RTE_DMA_OP_FLAG_SUBMIT)
		submitted(ch);
	return 0;
}

int
fz_op_copy(struct fz_chan *ch, struct fz_rng *r, bool sg)
{
	struct fz_copy c;
	int rc;

	if (sg)
		draw_sg(ch, r, false, &c);
	else
		draw_copy(ch, r, false, &c);
	return copy_one(ch, &c, &rc);
}

/* Good ops until refused (a full ring), the last with SUBMIT. */
int
fz_op_burst(struct fz_chan *ch, struct fz_rng *r)
{
	unsigned int n = 1 + fz_below(r, RTE_MIN(ch->ring + 8u, 96u));
	unsigned int sg_pct = fz_pct(r, 50) ? 0 : 1 + fz_below(r, 30);
	bool submit = fz_pct(r, 75), tracing = fz_tracing;
	uint64_t first = ch->handed;
	struct fz_copy c;
	unsigned int i;
	int rc = 0, ret = 0;

	fz_tracing = false;
	for (i = 0; i < n && rc >= 0 && ret == 0; i++) {
		if (fz_pct(r, sg_pct))
			draw_sg(ch, r, true, &c);
		else
			draw_copy(ch, r, true, &c);
		if (submit && i + 1 == n)
			c.flags |= RTE_DMA_OP_FLAG_SUBMIT;
		ret = copy_one(ch, &c, &rc);
	}
	fz_tracing = tracing;
	fz_trace("%u good ops (%u%% SG)%s: %" PRIu64 " accepted (ids from %u), the last -> %d",
		i, sg_pct, submit ? ", the last with SUBMIT" : "",
		ch->handed - first, (uint16_t)first, rc);
	return ret;
}

int
fz_op_submit(struct fz_chan *ch)
{
	uint32_t exp, reasons = 0;
	uint64_t l0 = fz_log_lines();
	char want[64];
	int rc;

	ch->sd_call = ch->hd;
	rc = rte_dma_submit(ch->id, 0);
	FZ_OK(fz_func_check(ch->f));
	ch->sd_call = 0;
	if (ch->st == FZ_REMOVED)
		exp = R_ENODEV, reasons = FZ_BIT(FZ_R_NODEV);
	else if (!fz_started(ch))
		exp = R_OK | R_EINVAL | (fz_vanished(ch) ? R_ENODEV : 0),
		reasons = FZ_BIT(FZ_R_STOPPED);
	else if (fz_vanished(ch))
		exp = ch->noticed ? R_ENODEV : R_OK | R_ENODEV,
		reasons = FZ_BIT(FZ_R_NODEV);
	else
		exp = R_OK;
	fz_trace("submit -> %d", rc);
	FZ_CHECK(FZ_C_FAST_RC, fz_rc_bit(rc) & exp,
		"%s: submit returned %d, expected %s", ch->name, rc,
		fz_rc_names(exp, want, sizeof(want)));
	if (rc < 0)
		return refused(ch, rc, reasons, fz_log_lines() - l0);
	if (fz_started(ch))
		submitted(ch);
	return 0;
}

static uint16_t
draw_nb_cpls(const struct fz_chan *ch, struct fz_rng *r)
{
	unsigned int v = fz_below(r, 100);

	if (v < 8)
		return 0;
	if (v < 48)
		return 1 + fz_below(r, 8);
	if (v < 80)
		return 9 + fz_below(r, 56);
	if (v < 95)
		return 1 + fz_below(r, RTE_MAX(ch->ring, 1u));
	return 1 + fz_below(r, FZ_MAX_CPLS);
}

/* One completed() or completed_status() call, checked; *n reports. */
static int
collect(struct fz_chan *ch, bool with_status, uint16_t nb, bool nulls,
		uint16_t *n)
{
	static enum rte_dma_status_code st[FZ_MAX_CPLS];
	uint16_t last = 0x5a5a;
	bool has_error = false;
	uint64_t before, after;

	nb = RTE_MIN(nb, FZ_MAX_CPLS);
	memset(st, 0xff, sizeof(st[0]) * nb);
	before = fz_descs(ch->f);
	if (with_status)
		*n = rte_dma_completed_status(ch->id, 0, nb, nulls ? NULL :
			&last, st);
	else
		*n = rte_dma_completed(ch->id, 0, nb, nulls ? NULL : &last,
			nulls ? NULL : &has_error);
	after = fz_descs(ch->f);
	fz_trace("%s(%u) -> %u, last %u%s%s", with_status ?
		"completed_status" : "completed", nb, *n, last,
		has_error ? ", has_error" : "",
		with_status && *n > 0 ? plx_test_status_name(st[*n - 1]) :
			"");
	if (nulls)
		last = (uint16_t)(ch->rep + RTE_MIN(*n, nb) - 1);
	return fz_reports(ch, with_status, nb, *n, last,
		nulls ? -1 : has_error, st, before, after);
}

int
fz_op_completed(struct fz_chan *ch, struct fz_rng *r, bool with_status)
{
	uint16_t n;

	return collect(ch, with_status, draw_nb_cpls(ch, r), fz_pct(r, 5), &n);
}

int
fz_op_capacity(struct fz_chan *ch)
{
	uint16_t cap = rte_dma_burst_capacity(ch->id, 0);

	fz_trace("burst_capacity -> %u", cap);
	return fz_capacity_check(ch, cap);
}

/* Reports the contract guarantees will come, from what is final now. */
static uint64_t
drain_target(const struct fz_chan *ch)
{
	switch (ch->halt) {
	case FZ_HALT_STOP:
		return ch->handed;
	case FZ_HALT_GONE:
		return ch->sub;
	case FZ_HALT_LOST:
		/* Written back: what it ran before the pause it ignored. */
		return fz_ops_done(ch, fz_run_done(ch, ch->d_stop));
	default:
		return fz_ops_done(ch, fz_run_target(ch));
	}
}

/* Poll until what must come is reported (completed() first, maybe). */
int
fz_op_drain(struct fz_chan *ch, struct fz_rng *r)
{
	struct plx_wait w = plx_wait_begin(FZ_WAIT_US);
	bool use_ok = fz_pct(r, 30), err = false;
	uint16_t n;

	fz_trace("drain to %" PRIu64 " of %" PRIu64, drain_target(ch),
		ch->handed);
	while (ch->rep < drain_target(ch)) {
		uint64_t rep = ch->rep;

		FZ_OK(collect(ch, !use_ok || err, draw_nb_cpls(ch, r) | 1,
			false, &n));
		/* completed() stopped short: the rest by status. */
		err = ch->rep == rep && use_ok;
		if (!plx_waiting(&w, n))
			FZ_OK(fz_fail(FZ_C_LIVENESS,
				"%s: %" PRIu64 " ops (to %" PRIu64 ") not reported %u s after the last report (run %s, engine has run %" PRIu64 " descriptors, %" PRIu64 " ops submitted, CTRL 0x%08x)",
				ch->name, drain_target(ch) - ch->rep,
				drain_target(ch), FZ_WAIT_US / 1000000,
				ch->halt == FZ_RUN ? "running" : "halted",
				fz_run_done(ch, fz_descs(ch->f)), ch->sub,
				fz_engine_ctrl(ch->f)));
	}
	return 0;
}

int
fz_op_fill(struct fz_chan *ch, struct fz_rng *r)
{
	int rc = rte_dma_fill(ch->id, 0, fz_rand(r), ch->f->src_iova, 64, 0);

	fz_trace("fill -> %d", rc);
	FZ_CHECK(FZ_C_FAST_RC, rc == -EINVAL || rc == -ENOTSUP,
		"%s: fill, which the device lacks, returned %d", ch->name, rc);
	return 0;
}
