/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Functional tests of dma_plx: four functions copying at once, one worker
 * lcore each; bad input to the fast path, and what it logs; devargs.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "plx_dma_hw.h"
#include "test_dma_plx.h"

/* --- four functions at once --- */

#define W_OPS		20000u
#define W_BATCH		64u
#define W_SRC_LEN	(64 * 1024)
#define W_MAX_LEN	4096
#define W_SLOT		(W_MAX_LEN + 16)

struct worker {
	struct plx_test_chan d;
	uint8_t *src;
	uint8_t *dst;
	int ret;
	char msg[PLX_TEST_MSG_LEN];
};

static int
worker_copies(struct worker *w)
{
	struct xfer x[W_BATCH];
	uint32_t soff[W_BATCH];
	uint32_t rnd = 12345 + w->d.fn;
	unsigned int done, n, i;

	for (done = 0; done < W_OPS; done += n) {
		n = RTE_MIN(W_BATCH, W_OPS - done);
		for (i = 0; i < n; i++) {
			uint8_t *slot = w->dst + i * W_SLOT;
			uint32_t len = 1 + rnd_next(&rnd) % W_MAX_LEN;

			soff[i] = rnd_next(&rnd) % (W_SRC_LEN - len);
			memset(slot, GUARD, len + 16);
			x[i] = (struct xfer){ iova(w->src + soff[i]),
				iova(slot + 1 + i % 8), len };
		}
		CHECK_OK(run_copies(&w->d, x, n));
		for (i = 0; i < n; i++)
			CHECK_OK(verify_copy(w->src + soff[i],
				w->dst + i * W_SLOT, 1 + i % 8, x[i].len,
				x[i].len + 16));
	}
	return 0;
}

static int
worker_main(void *arg)
{
	struct worker *w = arg;

	plx_test_msg[0] = '\0';
	w->ret = plx_test_result(worker_copies(w), w->msg, sizeof(w->msg));
	return 0;
}

static int
test_four_functions(void)
{
	struct worker w[NB_FUNCS];
	unsigned int lcore, i, launched = 0;
	int ret = 0;

	if (rte_lcore_count() < NB_FUNCS + 1)
		SKIP("needs %u lcores", NB_FUNCS + 1);
	memset(w, 0, sizeof(w));
	for (i = 0; i < NB_FUNCS; i++) {
		w[i].src = buf_alloc(W_SRC_LEN);
		w[i].dst = buf_alloc(W_BATCH * W_SLOT);
		CHECK(w[i].src != NULL && w[i].dst != NULL);
		fill_pattern(w[i].src, W_SRC_LEN, i);
		CHECK_OK(chan_start(&w[i].d, i, 256));
	}
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (launched == NB_FUNCS)
			break;
		ret = rte_eal_remote_launch(worker_main, &w[launched], lcore);
		if (ret != 0)
			break;
		launched++;
	}
	rte_eal_mp_wait_lcore();
	CHECK_EQ(ret, 0);
	CHECK_EQ(launched, NB_FUNCS);
	for (i = 0; i < NB_FUNCS; i++) {
		CHECK_MSG(w[i].ret == 0, "worker: %s", w[i].msg);
		CHECK_OK(plx_test_stats_are(w[i].d.id, W_OPS, W_OPS, 0));
		CHECK_EQ(rte_dma_stop(w[i].d.id), 0);
	}
	return 0;
}

/* --- input checks --- */

static int
max_length_copy(struct plx_test_chan *d)
{
	const size_t len = PLX_DESC_MAX_SIZE;
	uint8_t *src = buf_alloc(len), *dst = buf_alloc(len);
	volatile uint8_t *bar;
	size_t i;

	if (src == NULL || dst == NULL) {
		printf("# bad_input: no 2 x 128 MiB, %u-byte copy not tried\n",
			PLX_DESC_MAX_SIZE);
		return 0;
	}
	for (i = 0; i + 8 <= len; i += 8)
		*(uint64_t *)(src + i) = i * 0x9e3779b97f4a7c15ull;
	memset(src + i, 0x5a, len - i);
	memset(dst, 0, len);
	CHECK_OK(enqueue(d, iova(src), iova(dst), len, RTE_DMA_OP_FLAG_SUBMIT));
	CHECK_OK(plx_test_chan_wait_completed(d, 1));
	CHECK_MSG(memcmp(src, dst, len) == 0, "%zu-byte copy differs", len);
	bar = plx_sim_bar0(sim, d->fn);
	CHECK(bar != NULL);
	CHECK_EQ(*(volatile uint32_t *)(bar + PLX_REG_DESC_RING_LAST_SIZE),
		PLX_DESC_MAX_SIZE);
	return 0;
}

/* Copies that start within 48 bits but end beyond them, or wrap. */
static int
refuse_crossing(struct plx_test_chan *d, rte_iova_t s, rte_iova_t t,
		uint16_t cap)
{
	const struct {
		rte_iova_t src;
		rte_iova_t dst;
	} bad[] = {
		{ IOVA_BIT48 - 32, t },
		{ s, IOVA_BIT48 - 63 },
		{ UINT64_MAX - 31, t },
		{ s, UINT64_MAX - 31 },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad); i++) {
		int ret = rte_dma_copy(d->id, 0, bad[i].src, bad[i].dst, 64,
			RTE_DMA_OP_FLAG_SUBMIT);

		CHECK_MSG(ret == -EINVAL, "copy %u crossing 2^48: %d", i, ret);
		CHECK_EQ(rte_dma_burst_capacity(d->id, 0), cap);
	}
	return 0;
}

/*
 * An IOVA above 2^47 whose copy ends exactly at 2^48 is the engine's to
 * take: copy() accepts it, and the unmapped source comes back as a read
 * failure, the destination untouched.
 */
static int
high_iova_copy(struct plx_test_chan *d, uint8_t *dst, rte_iova_t t)
{
	enum rte_dma_status_code st;
	unsigned int i;
	int rc;

	memset(dst, GUARD, 64);
	CHECK_OK(plx_test_chan_copy(d, IOVA_BIT48 - 64, t, 64,
		RTE_DMA_OP_FLAG_SUBMIT, &rc));
	CHECK_MSG(rc >= 0, "copy ending at 2^48: %d", rc);
	CHECK_OK(plx_test_chan_wait_status(d, &st, 1));
	CHECK_STATUS(st, RTE_DMA_STATUS_BUS_READ_ERROR);
	for (i = 0; i < 64; i++)
		CHECK_EQ(dst[i], GUARD);
	return 0;
}

static int
test_bad_input(void)
{
	static const struct {
		uint64_t src_or;
		uint64_t dst_or;
		uint32_t len;
	} bad[] = {
		{ 0, 0, 0 },
		{ 0, 0, PLX_DESC_MAX_SIZE + 1 },
		{ 0, 0, UINT32_MAX },
		{ IOVA_BIT48, 0, 64 },
		{ 0, IOVA_BIT48, 64 },
		{ UINT64_C(1) << 63, 0, 64 },
		{ 0, UINT64_C(1) << 63, 64 },
	};
	uint8_t *src = buf_alloc(64), *dst = buf_alloc(64 + 16);
	rte_iova_t s, t;
	struct plx_test_chan d;
	uint16_t cap;
	uint64_t base;
	unsigned int i;

	NEED_SIM(sim);
	CHECK(src != NULL && dst != NULL);
	s = iova(src);
	t = iova(dst + 8);
	CHECK_OK(chan_start(&d, DATA_IDX, 64));
	CHECK_OK(smoke_copy(&d));
	/* One left pending-unsubmitted too: the ring is mid-batch. */
	fill_pattern(src, 64, 3);
	memset(dst, GUARD, 64 + 16);
	CHECK_OK(enqueue(&d, s, t, 64, 0));
	cap = rte_dma_burst_capacity(d.id, 0);
	base = plx_test_chan_descs(&d);
	for (i = 0; i < RTE_DIM(bad); i++) {
		int ret = rte_dma_copy(d.id, 0, s | bad[i].src_or,
			t | bad[i].dst_or, bad[i].len, RTE_DMA_OP_FLAG_SUBMIT);

		CHECK_MSG(ret == -EINVAL, "bad copy %u (len 0x%x): %d", i,
			bad[i].len, ret);
		CHECK_EQ(rte_dma_burst_capacity(d.id, 0), cap);
	}
	CHECK_OK(refuse_crossing(&d, s, t, cap));
	CHECK_EQ(plx_test_chan_descs(&d), base);
	CHECK_OK(enqueue(&d, s, t, 64, RTE_DMA_OP_FLAG_SUBMIT));
	CHECK_OK(plx_test_chan_wait_completed(&d, 2));
	CHECK_EQ(plx_test_chan_descs(&d), base + 2);
	CHECK_OK(verify_copy(src, dst, 8, 64, 64 + 16));
	CHECK_OK(max_length_copy(&d));
	CHECK_OK(high_iova_copy(&d, dst + 8, t));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

/* --- fast-path refusals: one log line per reason, channel and start --- */

#define REFUSALS	100	/* bad calls per reason */

enum refusal { RF_NOT_STARTED, RF_LENGTH, RF_IOVA, RF_REMOVED, RF_NB };

static const char *const refusal_lines[RF_NB] = {
	[RF_NOT_STARTED] = "channel not started",
	[RF_LENGTH] = "vchan 0: length",
	[RF_IOVA] = "vchan 0: IOVA beyond",
	[RF_REMOVED] = "device removed: no more work taken",
};

/* The PMD's lines for reason r about the channel named name since the mark. */
static unsigned int
refusal_count(const char *name, enum refusal r)
{
	char needle[RTE_DEV_NAME_MAX_LEN + 64];

	snprintf(needle, sizeof(needle), "%s: %s", name, refusal_lines[r]);
	return plx_test_log_count(needle);
}

/* REFUSALS bad calls for reason r, each refused with exp. */
static int
refuse(const struct plx_test_chan *d, enum refusal r, int exp)
{
	const rte_iova_t s = iova(buf_alloc(64)), t = s + 32;
	unsigned int i;

	for (i = 0; i < REFUSALS; i++) {
		uint64_t flags = i % 2 ? RTE_DMA_OP_FLAG_SUBMIT : 0;
		int ret = r == RF_LENGTH ?
			rte_dma_copy(d->id, 0, s, t, i % 3 ? 0 :
				PLX_DESC_MAX_SIZE + 1, flags) :
			r == RF_IOVA ?
			rte_dma_copy(d->id, 0, s | IOVA_BIT48, t, 32, flags) :
			i % 3 ? rte_dma_copy(d->id, 0, s, t, 32, flags) :
			rte_dma_submit(d->id, 0);

		CHECK_MSG(ret == exp, "bad call %u for \"%s\" on %s: %d, expected %d",
			i, refusal_lines[r], d->addr, ret, exp);
	}
	return 0;
}

/*
 * Since the mark, about the channel named name: n lines for each reason
 * but RF_REMOVED, and removed of that one.
 */
static int
refusals_logged(const char *name, unsigned int n, unsigned int removed)
{
	enum refusal r;

	for (r = 0; r < RF_NB; r++) {
		unsigned int exp = r == RF_REMOVED ? removed : n;

		CHECK_MSG(refusal_count(name, r) == exp,
			"%u log lines \"%s: %s\" for %u bad calls each, expected %u",
			refusal_count(name, r), name, refusal_lines[r],
			REFUSALS, exp);
	}
	return 0;
}

/*
 * Many bad fast-path calls for each reason, on two channels, over two
 * starts: each reason logs once per channel and start (the lines name
 * the channel); a removed channel logs its own reason once.
 */
static int
test_refusals_logged_once(void)
{
	static const unsigned int funcs[] = { DATA_IDX, RING_IDX };
	struct plx_test_chan d[RTE_DIM(funcs)];
	struct rte_dma_info info;
	unsigned int start, i;

	NEED_SIM(sim);
	for (i = 0; i < RTE_DIM(d); i++)
		CHECK_OK(chan_setup(&d[i], funcs[i], 32));
	plx_test_log_mark();
	for (start = 1; start <= 2; start++) {
		for (i = 0; i < RTE_DIM(d); i++) {
			CHECK_OK(chan_restart(&d[i]));
			CHECK_OK(refuse(&d[i], RF_LENGTH, -EINVAL));
			CHECK_OK(refuse(&d[i], RF_IOVA, -EINVAL));
			CHECK_EQ(rte_dma_stop(d[i].id), 0);
			CHECK_OK(refuse(&d[i], RF_NOT_STARTED, -EINVAL));
		}
		for (i = 0; i < RTE_DIM(d); i++)
			CHECK_OK(refusals_logged(d[i].addr, start, 0));
	}
	/* Held after its removal, under its "-removedN" name. */
	CHECK_OK(chan_restart(&d[1]));
	CHECK_OK(remove_func(funcs[1]));
	CHECK_OK(refuse(&d[1], RF_REMOVED, -ENODEV));
	CHECK_EQ(rte_dma_info_get(d[1].id, &info), 0);
	CHECK_OK(refusals_logged(info.dev_name, 0, 1));
	CHECK_OK(refusals_logged(d[1].addr, 2, 0));
	CHECK_OK(refusals_logged(d[0].addr, 2, 0));
	CHECK_EQ(rte_dma_stop(d[1].id), 0);
	CHECK_EQ(rte_dma_close(d[1].id), 0);
	return reprobe(funcs[1], NULL);
}

static int
test_devargs(void)
{
	/* Each refused, with a log line naming the key it is about. */
	static const struct {
		const char *args;
		const char *key;
	} bad[] = {
		{ "bogus=1", "bogus" },
		{ "max_txfr", "max_txfr" },			/* bare key */
		{ "pref_limit", "pref_limit" },
		{ "stop_timeout_ms", "stop_timeout_ms" },
		{ "gone_check_us", "gone_check_us" },
		{ "max_txfr=", "max_txfr" },			/* empty */
		{ "max_txfr=-64", "max_txfr" },			/* negative */
		{ "gone_check_us=-1", "gone_check_us" },
		{ "stop_timeout_ms=+5", "stop_timeout_ms" },
		{ "pref_limit=99999999999999999999", "pref_limit" }, /* overflow */
		{ "stop_timeout_ms=4294967297", "stop_timeout_ms" },
		{ "max_txfr=abc", "max_txfr" },			/* junk */
		{ "pref_limit=4x", "pref_limit" },
		{ "gone_check_us= 5", "gone_check_us" },
		{ "max_txfr=100", "max_txfr" },			/* out of range */
		{ "pref_limit=9", "pref_limit" },
		{ "stop_timeout_ms=0", "stop_timeout_ms" },
		{ "stop_timeout_ms=60001", "stop_timeout_ms" },
		{ "gone_check_us=1000001", "gone_check_us" },
		{ "pref_limit=4,pref_limit=4", "pref_limit" },	/* repeated */
		{ "max_txfr=512,bogus", "bogus" },
	};
	volatile uint8_t *bar;
	struct plx_test_chan d;
	char needle[64];
	unsigned int i;

	NEED_SIM(sim);
	CHECK_OK(chan_get(&d, DEVARGS_IDX));
	bar = plx_sim_bar0(sim, d.fn);
	CHECK(bar != NULL);
	CHECK_EQ(rte_dma_stop(d.id), 0);
	CHECK_OK(remove_func(DEVARGS_IDX));
	for (i = 0; i < RTE_DIM(bad); i++) {
		plx_test_log_mark();
		CHECK_OK(probe_func(DEVARGS_IDX, bad[i].args, false));
		snprintf(needle, sizeof(needle), "devarg %s", bad[i].key);
		CHECK_MSG(plx_test_log_has(needle),
			"probe with \"%s\" refused without naming %s",
			bad[i].args, bad[i].key);
	}
	/* Decimal even with a leading 0 (not octal), or 0x hexadecimal. */
	CHECK_OK(probe_func(DEVARGS_IDX, "max_txfr=0512,pref_limit=0x4", true));
	CHECK_OK(chan_start(&d, DEVARGS_IDX, 32));
	CHECK_EQ(*(volatile uint16_t *)(bar + PLX_REG_CTRL2) &
		PLX_CTRL2_MAX_TXFR_MASK, PLX_CTRL2_MAX_TXFR_512B);
	CHECK_EQ(*(volatile uint32_t *)(bar + PLX_REG_PREF_LIMIT), 4);
	CHECK_OK(smoke_copy(&d));
	CHECK_EQ(rte_dma_stop(d.id), 0);

	/* Back to the defaults. */
	CHECK_OK(remove_func(DEVARGS_IDX));
	CHECK_OK(probe_func(DEVARGS_IDX, NULL, true));
	CHECK_OK(chan_start(&d, DEVARGS_IDX, 32));
	CHECK_EQ(*(volatile uint16_t *)(bar + PLX_REG_CTRL2) &
		PLX_CTRL2_MAX_TXFR_MASK, PLX_CTRL2_MAX_TXFR_64B);
	CHECK_EQ(*(volatile uint32_t *)(bar + PLX_REG_PREF_LIMIT),
		PLX_PREF_LIMIT_4_DESC);
	CHECK_OK(smoke_copy(&d));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

const struct plx_test dma_plx_input_tests[] = {
	{ "four_functions", test_four_functions },
	{ "bad_input", test_bad_input },
	{ "refusals_logged_once", test_refusals_logged_once },
	{ "devargs", test_devargs },
	PLX_TEST_END
};
