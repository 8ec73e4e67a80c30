/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Functional tests of dma_plx's scatter-gather copies: every split of
 * source and destination lists, SG ops among plain ones and across the
 * ring's end, bad lists, a full ring, failures and a stop inside an SG op.
 * An SG op is one id and one status; it takes one descriptor for each
 * piece between two boundaries of either list.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_dmadev.h>

#include "plx_dma_hw.h"
#include "test_dma_plx.h"

#define SG_MAX		16	/* the PMD's max_sges */
#define SG_GAP		8	/* guard bytes between two segments */

/* One SG op over scattered segments of src and dst, and what it needs. */
struct sg_op {
	struct rte_dma_sge s[SG_MAX];
	struct rte_dma_sge d[SG_MAX];
	uint8_t *s_va[SG_MAX];
	uint8_t *d_va[SG_MAX];
	uint16_t ns;
	uint16_t nd;
	uint32_t len;
	unsigned int descs;	/* descriptors the split takes */
};

/* Cut len into n pieces of random lengths (each at least 1). */
static void
sg_cut(uint32_t len, uint16_t n, uint32_t *piece, uint32_t *x)
{
	uint32_t left = len, i;

	for (i = 0; i + 1 < n; i++) {
		piece[i] = 1 + rnd_next(x) % (left - (n - i - 1));
		piece[i] = RTE_MIN(piece[i], left - (n - i - 1));
		left -= piece[i];
	}
	piece[n - 1] = left;
}

/*
 * Lay out op o: len bytes as ns source and nd destination segments, each
 * at an odd place with guards between them, in src and dst regions. The
 * descriptor count is the number of distinct cut points plus one,
 * computed here apart from the PMD.
 */
static void
sg_layout(struct sg_op *o, uint8_t *src, uint8_t *dst, uint16_t ns,
		uint16_t nd, uint32_t len, uint32_t seed)
{
	uint32_t sp[SG_MAX], dp[SG_MAX], x = seed * 2654435761u + 7;
	uint32_t s_at = 1, d_at = 3, s_cut = 0, d_cut = 0;
	uint16_t i = 0, j = 0;

	o->ns = ns;
	o->nd = nd;
	o->len = len;
	sg_cut(len, ns, sp, &x);
	sg_cut(len, nd, dp, &x);
	for (i = 0; i < ns; i++) {
		o->s_va[i] = src + s_at;
		o->s[i] = (struct rte_dma_sge){ iova(src + s_at), sp[i] };
		s_at += sp[i] + SG_GAP + (i & 1);
	}
	for (j = 0; j < nd; j++) {
		o->d_va[j] = dst + d_at;
		o->d[j] = (struct rte_dma_sge){ iova(dst + d_at), dp[j] };
		d_at += dp[j] + SG_GAP + (j & 1);
	}
	o->descs = 0;
	for (i = 0, j = 0; i < ns && j < nd; o->descs++) {
		uint32_t s_end = s_cut + sp[i], d_end = d_cut + dp[j];

		if (s_end <= d_end)
			s_cut = s_end, i++;
		if (d_end <= s_end)
			d_cut = d_end, j++;
	}
}

/* Room an op's source or destination takes, guards included. */
#define SG_REGION(len)	((len) + SG_MAX * (SG_GAP + 1) + 8)

/*
 * Destination segments hold the source bytes in order, or (ok false)
 * nothing was written there; every guard between them untouched.
 */
static int
sg_verify(const struct sg_op *o, const uint8_t *dst, size_t region, bool ok)
{
	uint8_t flat[4096];
	uint32_t at = 0;
	uint16_t i;
	size_t b;

	for (i = 0; i < o->ns; i++) {
		memcpy(flat + at, o->s_va[i], o->s[i].length);
		at += o->s[i].length;
	}
	for (i = 0, at = 0; i < o->nd; i++) {
		size_t off = o->d_va[i] - dst;

		for (b = 0; b < o->d[i].length; b++)
			CHECK_MSG(ok ? o->d_va[i][b] == flat[at + b] :
				o->d_va[i][b] == GUARD,
				"SG %ux%u op: byte %zu of destination segment %u is 0x%02x, expected 0x%02x",
				o->ns, o->nd, b, i, o->d_va[i][b],
				ok ? flat[at + b] : GUARD);
		at += o->d[i].length;
		/* The guard after this segment. */
		CHECK_MSG(off + o->d[i].length >= region ||
			o->d_va[i][o->d[i].length] == GUARD,
			"SG %ux%u op wrote past destination segment %u",
			o->ns, o->nd, i);
	}
	CHECK(dst[0] == GUARD && dst[1] == GUARD && dst[2] == GUARD);
	return 0;
}

static int
sg_enqueue(struct plx_test_chan *d, struct sg_op *o, uint64_t flags)
{
	int rc;

	CHECK_OK(plx_test_chan_copy_sg(d, o->s, o->d, o->ns, o->nd, flags,
		&rc));
	CHECK_MSG(rc >= 0, "copy_sg %ux%u of %u bytes on %s: %s", o->ns,
		o->nd, o->len, d->addr, strerror(-rc));
	return 0;
}

/*
 * Every split: 1..16 source by 1..16 destination segments of random
 * lengths, each op alone, with the capacity it takes checked, on a ring
 * small enough for the ops to cross its end again and again.
 */
static int
test_sg_splits(void)
{
	enum { LEN = 1500, REG = SG_REGION(LEN) };
	uint8_t *src = buf_alloc(REG), *dst = buf_alloc(REG);
	enum rte_dma_status_code st;
	struct plx_test_chan d;
	struct sg_op o;
	uint16_t ns, nd, n;
	bool err;

	CHECK(src != NULL && dst != NULL);
	CHECK_OK(chan_start(&d, DATA_IDX, 64));
	for (ns = 1; ns <= SG_MAX; ns++) {
		for (nd = 1; nd <= SG_MAX; nd++) {
			uint32_t len = LEN - (ns * nd) % 7;

			fill_pattern(src, REG, ns * 100 + nd);
			memset(dst, GUARD, REG);
			sg_layout(&o, src, dst, ns, nd, len, ns * 31 + nd);
			CHECK_OK(sg_enqueue(&d, &o, RTE_DMA_OP_FLAG_SUBMIT));
			CHECK_EQ(rte_dma_burst_capacity(d.id, 0),
				64 - o.descs);
			CHECK_OK(plx_test_chan_wait_status(&d, &st, 1));
			CHECK_STATUS(st, RTE_DMA_STATUS_SUCCESSFUL);
			CHECK_OK(sg_verify(&o, dst, REG, true));
			CHECK_EQ(rte_dma_burst_capacity(d.id, 0), 64);
			CHECK_OK(plx_test_chan_completed(&d, 4, &n, &err));
			CHECK(n == 0 && !err);
		}
	}
	CHECK_OK(plx_test_stats_are(d.id, SG_MAX * SG_MAX, SG_MAX * SG_MAX, 0));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

/*
 * Plain and SG ops mixed in batches, an SG op first in some (the batch's
 * gate is its first descriptor), collected with completed() in small
 * bites: ids one per op, in order, the data right, the ring full again.
 */
static int
test_sg_mixed(void)
{
	enum { ROUNDS = 40, PER = 6, LEN = 700, REG = SG_REGION(LEN),
		PLAIN = 96 };
	uint8_t *src = buf_alloc(PER * REG), *dst = buf_alloc(PER * REG);
	struct sg_op o[PER];
	struct plx_test_chan d;
	unsigned int r, i, got;
	uint32_t x = 11;
	bool err;
	uint16_t n;

	CHECK(src != NULL && dst != NULL);
	/* Six ops of up to 31 descriptors a batch, and room to wrap. */
	CHECK_OK(chan_start(&d, RING_IDX, 256));
	for (r = 0; r < ROUNDS; r++) {
		fill_pattern(src, PER * REG, r);
		memset(dst, GUARD, PER * REG);
		for (i = 0; i < PER; i++) {
			uint8_t *s = src + i * REG, *t = dst + i * REG;

			if ((i + r) % 3 == 0) {
				/* A plain copy, as a 1 x 1 op is. */
				sg_layout(&o[i], s, t, 1, 1, PLAIN, r + i);
				CHECK_OK(enqueue(&d, o[i].s[0].addr,
					o[i].d[0].addr, PLAIN, 0));
				continue;
			}
			sg_layout(&o[i], s, t, 1 + rnd_next(&x) % SG_MAX,
				1 + rnd_next(&x) % SG_MAX,
				LEN - rnd_next(&x) % 64, r * PER + i);
			CHECK_OK(sg_enqueue(&d, &o[i], 0));
		}
		CHECK_EQ(plx_test_chan_submit(&d), 0);
		for (got = 0; got < PER; got += n) {
			struct plx_wait w = plx_wait_begin(WAIT_US);

			do
				CHECK_OK(plx_test_chan_completed(&d,
					1 + r % 3, &n, &err));
			while (n == 0 && plx_waiting(&w, 0));
			CHECK_MSG(n > 0 && !err, "%s: ops stuck after %u of %u",
				d.addr, got, PER);
		}
		for (i = 0; i < PER; i++)
			CHECK_OK(sg_verify(&o[i], dst + i * REG, REG, true));
		CHECK_EQ(rte_dma_burst_capacity(d.id, 0), 256);
	}
	CHECK_OK(plx_test_stats_are(d.id, ROUNDS * PER, ROUNDS * PER, 0));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

/*
 * Bad lists: -EINVAL, one log line for all of them, nothing written, no
 * id used; a full ring: -ENOSPC.
 */
static int
test_sg_bad_input(void)
{
	uint8_t *buf = buf_alloc(8192);
	struct rte_dma_sge s[SG_MAX + 1], t[SG_MAX + 1];
	struct plx_test_chan d;
	uint64_t base;
	unsigned int i;
	int rc;

	CHECK(buf != NULL);
	CHECK_OK(chan_start(&d, DATA_IDX, 32));
	for (i = 0; i <= SG_MAX; i++) {
		s[i] = (struct rte_dma_sge){ iova(buf + i * 64), 64 };
		t[i] = (struct rte_dma_sge){ iova(buf + 4096 + i * 64), 64 };
	}
	base = plx_test_chan_descs(&d);
	plx_test_log_mark();
	/* 0 and 17 segments, on either side. */
	CHECK_EQ(rte_dma_copy_sg(d.id, 0, s, t, 0, 1, 0), -EINVAL);
	CHECK_EQ(rte_dma_copy_sg(d.id, 0, s, t, 1, 0, 0), -EINVAL);
	CHECK_EQ(rte_dma_copy_sg(d.id, 0, s, t, SG_MAX + 1, SG_MAX + 1, 0),
		-EINVAL);
	/* Totals that differ. */
	CHECK_EQ(rte_dma_copy_sg(d.id, 0, s, t, 2, 3, 0), -EINVAL);
	/* A 0-byte segment, and one too long. */
	s[1].length = 0;
	CHECK_EQ(rte_dma_copy_sg(d.id, 0, s, t, 2, 1, 0), -EINVAL);
	s[1].length = 64;
	s[0].length = PLX_DESC_MAX_SIZE + 1;
	t[0].length = PLX_DESC_MAX_SIZE + 1;
	CHECK_EQ(rte_dma_copy_sg(d.id, 0, s, t, 1, 1, 0), -EINVAL);
	s[0].length = t[0].length = 64;
	/* Beyond 48 bits, and a segment that crosses 2^48. */
	t[1].addr = IOVA_BIT48;
	CHECK_EQ(rte_dma_copy_sg(d.id, 0, s, t, 2, 2, 0), -EINVAL);
	t[1].addr = IOVA_BIT48 - 32;
	CHECK_EQ(rte_dma_copy_sg(d.id, 0, s, t, 2, 2, RTE_DMA_OP_FLAG_SUBMIT),
		-EINVAL);
	t[1].addr = iova(buf + 4096 + 64);
	CHECK_MSG(plx_test_log_count("bad scatter-gather lists") == 1,
		"%u log lines for 8 bad scatter-gather lists, expected 1",
		plx_test_log_count("bad scatter-gather lists"));
	CHECK_EQ(rte_dma_burst_capacity(d.id, 0), 32);
	/* The ring: 16 x 16 segments cut apart take 31 descriptors. */
	for (i = 0; i < SG_MAX; i++) {
		s[i].length = 64 + (i < SG_MAX - 1 ? 1 : -(SG_MAX - 1));
		t[i].length = 64;
	}
	CHECK_OK(enqueue(&d, iova(buf), iova(buf + 4096), 64, 0));
	CHECK_OK(enqueue(&d, iova(buf), iova(buf + 4096), 64, 0));
	rc = rte_dma_copy_sg(d.id, 0, s, t, SG_MAX, SG_MAX, 0);
	CHECK_EQ(rc, -ENOSPC);
	CHECK_EQ(rte_dma_burst_capacity(d.id, 0), 30);
	CHECK_EQ(plx_test_chan_submit(&d), 0);
	CHECK_OK(plx_test_chan_wait_completed(&d, 2));
	CHECK_OK(plx_test_chan_copy_sg(&d, s, t, SG_MAX, SG_MAX,
		RTE_DMA_OP_FLAG_SUBMIT, &rc));
	CHECK_MSG(rc >= 0, "a 31-descriptor op in an empty 32-slot ring: %d",
		rc);
	CHECK_EQ(rte_dma_burst_capacity(d.id, 0), 1);
	CHECK_OK(plx_test_chan_wait_completed(&d, 1));
	CHECK_EQ(plx_test_chan_descs(&d), base + 2 + 31);
	CHECK_EQ(rte_dma_stop(d.id), 0);
	/* Not started: refused for that. */
	CHECK_EQ(rte_dma_copy_sg(d.id, 0, s, t, 1, 1, 0), -EINVAL);
	return 0;
}

/*
 * A failed descriptor inside an SG op fails the op with its status; the
 * ops around it succeed. completed() stops before it.
 */
static int
sg_fail_case(struct plx_test_chan *d, enum plx_sim_fault fault,
		enum rte_dma_status_code exp)
{
	enum { LEN = 900, REG = SG_REGION(LEN) };
	uint8_t *src = buf_alloc(3 * REG), *dst = buf_alloc(3 * REG);
	enum rte_dma_status_code st[3];
	struct sg_op o[3];
	uint64_t base;
	unsigned int i;
	bool err;
	uint16_t n;

	CHECK(src != NULL && dst != NULL);
	fill_pattern(src, 3 * REG, fault);
	memset(dst, GUARD, 3 * REG);
	for (i = 0; i < 3; i++)
		sg_layout(&o[i], src + i * REG, dst + i * REG, 3, 4, LEN,
			fault * 10 + i);
	base = plx_test_chan_descs(d);
	/* The second descriptor of the middle op. */
	CHECK_EQ(plx_sim_inject(sim, d->fn, fault, o[0].descs + 1), 0);
	for (i = 0; i < 3; i++)
		CHECK_OK(sg_enqueue(d, &o[i], i == 2 ?
			RTE_DMA_OP_FLAG_SUBMIT : 0));
	CHECK_OK(plx_test_chan_wait_descs(d,
		base + o[0].descs + o[1].descs + o[2].descs));
	CHECK_OK(plx_test_chan_completed(d, 3, &n, &err));
	CHECK_EQ(n, 1);
	CHECK(err);
	CHECK_OK(plx_test_chan_completed(d, 3, &n, &err));
	CHECK_EQ(n, 0);
	CHECK(err);
	CHECK_OK(plx_test_chan_wait_status(d, st, 2));
	CHECK_STATUS(st[0], exp);
	CHECK_STATUS(st[1], RTE_DMA_STATUS_SUCCESSFUL);
	CHECK_OK(sg_verify(&o[0], dst, REG, true));
	CHECK_OK(sg_verify(&o[2], dst + 2 * REG, REG, true));
	return 0;
}

static int
test_sg_failures(void)
{
	struct plx_test_chan d;

	NEED_SIM(sim);
	CHECK_OK(chan_start(&d, DATA_IDX, 64));
	CHECK_EQ(rte_dma_stats_reset(d.id, 0), 0);
	CHECK_OK(sg_fail_case(&d, PLX_SIM_FAULT_READ_FAIL,
		RTE_DMA_STATUS_BUS_READ_ERROR));
	CHECK_OK(sg_fail_case(&d, PLX_SIM_FAULT_WRITE_FAIL,
		RTE_DMA_STATUS_BUS_WRITE_ERROR));
	CHECK_OK(plx_test_stats_are(d.id, 6, 6, 2));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

/*
 * The engine stalls inside an SG op and the channel is stopped: that op
 * is aborted, whole; one SG op never submitted is not attempted; the
 * stats count ops, not descriptors.
 */
static int
test_sg_stop(void)
{
	enum { LEN = 800, REG = SG_REGION(LEN) };
	uint8_t *src = buf_alloc(3 * REG), *dst = buf_alloc(3 * REG);
	enum rte_dma_status_code st[3];
	struct plx_test_chan d;
	struct sg_op o[3];
	uint64_t base;
	unsigned int i;

	NEED_SIM(sim);
	CHECK(src != NULL && dst != NULL);
	CHECK_OK(fast_start(&d, 64));
	CHECK_EQ(rte_dma_stats_reset(d.id, 0), 0);
	fill_pattern(src, 3 * REG, 5);
	memset(dst, GUARD, 3 * REG);
	for (i = 0; i < 3; i++)
		sg_layout(&o[i], src + i * REG, dst + i * REG, 4, 3, LEN, i);
	base = plx_test_chan_descs(&d);
	CHECK_EQ(plx_sim_inject(sim, d.fn, PLX_SIM_FAULT_STALL,
		o[0].descs + 2), 0);
	CHECK_OK(sg_enqueue(&d, &o[0], 0));
	CHECK_OK(sg_enqueue(&d, &o[1], RTE_DMA_OP_FLAG_SUBMIT));
	CHECK_OK(sg_enqueue(&d, &o[2], 0));
	CHECK_OK(plx_test_chan_wait_descs(&d, base + o[0].descs + 2));
	CHECK_OK(plx_test_vchan_is(d.id, RTE_DMA_VCHAN_ACTIVE));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	CHECK_OK(plx_test_chan_wait_status(&d, st, 3));
	CHECK_STATUS(st[0], RTE_DMA_STATUS_SUCCESSFUL);
	CHECK_STATUS(st[1], RTE_DMA_STATUS_USER_ABORT);
	CHECK_STATUS(st[2], RTE_DMA_STATUS_NOT_ATTEMPTED);
	CHECK_OK(sg_verify(&o[0], dst, REG, true));
	CHECK_OK(sg_verify(&o[2], dst + 2 * REG, REG, false));
	CHECK_OK(plx_test_stats_are(d.id, 3, 3, 2));
	plx_sim_clear_faults(sim, d.fn);
	CHECK_OK(chan_restart(&d));
	CHECK_OK(smoke_copy(&d));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

const struct plx_test dma_plx_sg_tests[] = {
	{ "sg_splits", test_sg_splits },
	{ "sg_mixed", test_sg_mixed },
	{ "sg_bad_input", test_sg_bad_input },
	{ "sg_failures", test_sg_failures },
	{ "sg_stop", test_sg_stop },
	PLX_TEST_END
};
