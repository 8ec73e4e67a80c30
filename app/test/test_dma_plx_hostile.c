/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Functional tests of dma_plx against a model as hostile as silicon may
 * be (issue 13): an engine left idle with descriptors submitted, by a
 * lost START or by burst prefetch's weak latch, is started again; one
 * that halts after a failure is noticed; unclean write-backs and a
 * transient all-ones read are reported as they are.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_dmadev.h>

#include "test_dma_plx.h"

/* The count after "what" in the dump of dmadev id. */
static int
dump_count(int16_t id, const char *what, uint64_t *v)
{
	char *buf = NULL, *p;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int ret;

	CHECK(f != NULL);
	ret = rte_dma_dump(id, f);
	fclose(f);
	p = ret == 0 ? strstr(buf, what) : NULL;
	if (p != NULL)
		*v = strtoull(p + strlen(what), NULL, 10);
	free(buf);
	CHECK_MSG(p != NULL, "rte_dma_dump(%d) returned %d, or lacks \"%s\"",
		id, ret, what);
	return 0;
}

#define RESTARTS	"START rewrites: "

/* n copies of len bytes from src to dst, each at i * len. */
static int
copies(struct plx_test_chan *d, const uint8_t *src, uint8_t *dst,
		unsigned int from, unsigned int to, uint32_t len)
{
	unsigned int i;

	for (i = from; i < to; i++)
		CHECK_OK(enqueue(d, iova(src + i * len), iova(dst + i * len),
			len, 0));
	CHECK_EQ(plx_test_chan_submit(d), 0);
	return 0;
}

static int
verify(const uint8_t *src, const uint8_t *dst, unsigned int n, uint32_t len)
{
	CHECK(memcmp(src, dst, (size_t)n * len) == 0);
	return 0;
}

/* The first START of a batch is lost; completed() starts the engine. */
static int
test_lost_start(void)
{
	enum { N = 4, LEN = 256 };
	uint8_t *src = buf_alloc(N * LEN), *dst = buf_alloc(N * LEN);
	struct plx_test_chan d;
	uint64_t before, after;

	NEED_SIM(sim);
	CHECK(src != NULL && dst != NULL);
	fill_pattern(src, N * LEN, 13);
	CHECK_OK(chan_start(&d, DATA_IDX, 32));
	CHECK_OK(dump_count(d.id, RESTARTS, &before));
	CHECK_EQ(plx_sim_inject(sim, d.fn, PLX_SIM_FAULT_LOST_START, 0), 0);
	CHECK_OK(copies(&d, src, dst, 0, N, LEN));
	CHECK_OK(plx_test_chan_wait_completed(&d, N));
	CHECK_OK(verify(src, dst, N, LEN));
	CHECK_OK(dump_count(d.id, RESTARTS, &after));
	CHECK_EQ(after - before, 1);
	/* Lost while the engine runs: the same. */
	CHECK_OK(copies(&d, src, dst, 0, 1, LEN));
	CHECK_EQ(plx_sim_inject(sim, d.fn, PLX_SIM_FAULT_LOST_START, 0), 0);
	CHECK_OK(copies(&d, src, dst, 1, N, LEN));
	CHECK_OK(plx_test_chan_wait_completed(&d, N));
	CHECK_OK(plx_test_stats_are(d.id, 2 * N, 2 * N, 0));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

/* An application that waits on vchan_status alone gets there too. */
static int
test_lost_start_status(void)
{
	enum { LEN = 512 };
	uint8_t *src = buf_alloc(LEN), *dst = buf_alloc(LEN);
	enum rte_dma_vchan_status vs = RTE_DMA_VCHAN_ACTIVE;
	struct plx_test_chan d;
	uint64_t t0;

	NEED_SIM(sim);
	CHECK(src != NULL && dst != NULL);
	fill_pattern(src, LEN, 7);
	CHECK_OK(chan_start(&d, DATA_IDX, 32));
	CHECK_EQ(plx_sim_inject(sim, d.fn, PLX_SIM_FAULT_LOST_START, 0), 0);
	CHECK_OK(copies(&d, src, dst, 0, 1, LEN));
	t0 = plx_test_now_us();
	while (vs != RTE_DMA_VCHAN_IDLE && plx_test_now_us() - t0 < WAIT_US)
		CHECK_EQ(rte_dma_vchan_status(d.id, 0, &vs), 0);
	CHECK_EQ(vs, RTE_DMA_VCHAN_IDLE);
	CHECK_OK(plx_test_chan_wait_completed(&d, 1));
	CHECK_OK(verify(src, dst, 1, LEN));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

/*
 * Burst prefetch: the engine took slots 0..3 in one burst while only 0
 * and 1 were valid, and stalls before 1. Ops 2 and 3 are submitted, START
 * latched; released, it re-reads 2 alone and stops at its stale 3.
 */
static int
burst_stranded(struct plx_test_chan *d, uint8_t *src, uint8_t *dst)
{
	enum { LEN = 128 };
	uint64_t base, before, after;

	CHECK_OK(chan_start(d, DATA_IDX, 32));
	CHECK_OK(dump_count(d->id, RESTARTS, &before));
	base = plx_test_chan_descs(d);
	CHECK_EQ(plx_sim_inject(sim, d->fn, PLX_SIM_FAULT_STALL, 1), 0);
	CHECK_OK(copies(d, src, dst, 0, 2, LEN));
	CHECK_OK(plx_test_chan_wait_descs(d, base + 1));
	CHECK_OK(copies(d, src, dst, 2, 4, LEN));
	plx_sim_clear_faults(sim, d->fn);
	CHECK_OK(plx_test_chan_wait_completed(d, 4));
	CHECK_OK(verify(src, dst, 4, LEN));
	CHECK_OK(dump_count(d->id, RESTARTS, &after));
	CHECK_EQ(after - before, 1);
	CHECK_EQ(rte_dma_stop(d->id), 0);
	return 0;
}

static int
test_burst_stranded(void)
{
	uint8_t *src = buf_alloc(4096), *dst = buf_alloc(4096);
	struct plx_test_chan d;
	bool was;
	int ret;

	NEED_SIM(sim);
	CHECK(src != NULL && dst != NULL);
	fill_pattern(src, 4096, 21);
	was = plx_sim_set_burst_prefetch(sim, true);
	ret = burst_stranded(&d, src, dst);
	plx_sim_set_burst_prefetch(sim, was);
	return ret;
}

/* Write-backs with no status bit, or both failure bits. */
static int
test_wb_unclean(void)
{
	enum { N = 4, LEN = 64 };
	uint8_t *src = buf_alloc(N * LEN), *dst = buf_alloc(N * LEN);
	enum rte_dma_status_code st[N];
	struct plx_test_chan d;

	NEED_SIM(sim);
	CHECK(src != NULL && dst != NULL);
	CHECK_OK(chan_start(&d, DATA_IDX, 32));
	CHECK_EQ(plx_sim_inject(sim, d.fn, PLX_SIM_FAULT_WB_NO_STATUS, 1), 0);
	CHECK_EQ(plx_sim_inject(sim, d.fn, PLX_SIM_FAULT_WB_BOTH_FAIL, 2), 0);
	CHECK_OK(copies(&d, src, dst, 0, N, LEN));
	CHECK_OK(plx_test_chan_wait_status(&d, st, N));
	CHECK_STATUS(st[0], RTE_DMA_STATUS_SUCCESSFUL);
	CHECK_STATUS(st[1], RTE_DMA_STATUS_ERROR_UNKNOWN);
	CHECK_STATUS(st[2], RTE_DMA_STATUS_BUS_ERROR);
	CHECK_STATUS(st[3], RTE_DMA_STATUS_SUCCESSFUL);
	CHECK_OK(plx_test_stats_are(d.id, N, N, 2));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

/*
 * SUCCESS with fewer bytes than asked: ERROR_UNKNOWN, never a success,
 * whether completed() takes the batch whole or completed_status() walks
 * it.
 */
static int
test_wb_short(void)
{
	enum { N = 8, K = 5, LEN = 100 };
	uint8_t *src = buf_alloc(N * LEN), *dst = buf_alloc(N * LEN);
	enum rte_dma_status_code st[N];
	struct plx_test_chan d;
	uint64_t base;
	uint16_t n;
	bool err;

	NEED_SIM(sim);
	CHECK(src != NULL && dst != NULL);
	CHECK_OK(chan_start(&d, DATA_IDX, 32));
	base = plx_test_chan_descs(&d);
	CHECK_EQ(plx_sim_inject(sim, d.fn, PLX_SIM_FAULT_WB_SHORT, K), 0);
	CHECK_OK(copies(&d, src, dst, 0, N, LEN));
	CHECK_OK(plx_test_chan_wait_descs(&d, base + N));
	CHECK_OK(plx_test_chan_completed(&d, N, &n, &err));
	CHECK_EQ(n, K);
	CHECK(err);
	CHECK_OK(plx_test_chan_wait_status(&d, st, N - K));
	CHECK_STATUS(st[0], RTE_DMA_STATUS_ERROR_UNKNOWN);
	CHECK_STATUS(st[1], RTE_DMA_STATUS_SUCCESSFUL);
	/* completed_status() from the first op. */
	CHECK_EQ(plx_sim_inject(sim, d.fn, PLX_SIM_FAULT_WB_SHORT, 1), 0);
	CHECK_OK(copies(&d, src, dst, 0, 3, LEN));
	CHECK_OK(plx_test_chan_wait_descs(&d, base + N + 3));
	CHECK_OK(plx_test_chan_wait_status(&d, st, 3));
	CHECK_STATUS(st[0], RTE_DMA_STATUS_SUCCESSFUL);
	CHECK_STATUS(st[1], RTE_DMA_STATUS_ERROR_UNKNOWN);
	CHECK_STATUS(st[2], RTE_DMA_STATUS_SUCCESSFUL);
	CHECK_OK(plx_test_stats_are(d.id, N + 3, N + 3, 2));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

/*
 * CTRL reads all ones while config space answers: counted, not taken for
 * a removal; the copies waiting meanwhile complete after it.
 */
static int
test_all_ones_glitch(void)
{
	enum { N = 4, LEN = 1024 };
	uint8_t *src = buf_alloc(N * LEN), *dst = buf_alloc(N * LEN);
	enum rte_dma_vchan_status vs;
	struct plx_test_chan d;
	uint64_t before, after, t0;
	uint16_t n;
	bool err;

	NEED_SIM(sim);
	CHECK(src != NULL && dst != NULL);
	fill_pattern(src, N * LEN, 5);
	CHECK_OK(chan_start(&d, DATA_IDX, 32));
	CHECK_OK(dump_count(d.id, "not confirmed: ", &before));
	/* Until released: seen by the PMD whatever the scheduling. */
	CHECK_EQ(plx_sim_glitch(sim, d.fn, 0), 0);
	CHECK_OK(copies(&d, src, dst, 0, N, LEN));
	after = before;
	t0 = plx_test_now_us();
	while (after == before && plx_test_now_us() - t0 < WAIT_US) {
		CHECK_OK(plx_test_chan_completed(&d, N, &n, &err));
		CHECK_EQ(n, 0);
		CHECK_OK(dump_count(d.id, "not confirmed: ", &after));
	}
	CHECK(after > before);
	CHECK_EQ(rte_dma_vchan_status(d.id, 0, &vs), 0);
	CHECK(vs != RTE_DMA_VCHAN_HALTED_ERROR);
	plx_sim_clear_faults(sim, d.fn);
	CHECK_OK(plx_test_chan_wait_completed(&d, N));
	CHECK_OK(verify(src, dst, N, LEN));
	CHECK_OK(smoke_copy(&d));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

/*
 * The engine halts after a failed descriptor and ignores START: the
 * failure is reported, the rest NOT_ATTEMPTED, the channel halted until
 * it is stopped and started again.
 */
static int
test_halt_on_fail(void)
{
	enum { N = 5, LEN = 64 };
	uint8_t *src = buf_alloc(N * LEN), *dst = buf_alloc(N * LEN);
	enum rte_dma_status_code st[N];
	struct plx_test_chan d;
	int rc;

	NEED_SIM(sim);
	CHECK(src != NULL && dst != NULL);
	CHECK_OK(chan_start(&d, DATA_IDX, 32));
	CHECK_EQ(plx_sim_inject(sim, d.fn, PLX_SIM_FAULT_HALT_ON_FAIL, 0), 0);
	CHECK_EQ(plx_sim_inject(sim, d.fn, PLX_SIM_FAULT_READ_FAIL, 1), 0);
	CHECK_OK(copies(&d, src, dst, 0, N, LEN));
	CHECK_OK(plx_test_chan_wait_status(&d, st, N));
	CHECK_STATUS(st[0], RTE_DMA_STATUS_SUCCESSFUL);
	CHECK_STATUS(st[1], RTE_DMA_STATUS_BUS_READ_ERROR);
	for (unsigned int i = 2; i < N; i++)
		CHECK_STATUS(st[i], RTE_DMA_STATUS_NOT_ATTEMPTED);
	CHECK_OK(plx_test_vchan_is(d.id, RTE_DMA_VCHAN_HALTED_ERROR));
	CHECK_OK(plx_test_dump_has(d.id, d.addr, "engine halted"));
	CHECK_OK(plx_test_chan_copy(&d, iova(src), iova(dst), LEN, 0, &rc));
	CHECK_EQ(rc, -EIO);
	CHECK_OK(plx_test_stats_are(d.id, N, N, N - 1));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	CHECK_OK(chan_restart(&d));
	CHECK_OK(plx_test_vchan_is(d.id, RTE_DMA_VCHAN_IDLE));
	CHECK_OK(smoke_copy(&d));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

/* An application that waits on vchan_status alone is told too. */
static int
test_halt_status(void)
{
	enum { LEN = 64 };
	uint8_t *src = buf_alloc(2 * LEN), *dst = buf_alloc(2 * LEN);
	enum rte_dma_vchan_status vs = RTE_DMA_VCHAN_ACTIVE;
	enum rte_dma_status_code st[2];
	struct plx_test_chan d;
	uint64_t t0;

	NEED_SIM(sim);
	CHECK(src != NULL && dst != NULL);
	CHECK_OK(chan_start(&d, DATA_IDX, 32));
	CHECK_EQ(plx_sim_inject(sim, d.fn, PLX_SIM_FAULT_HALT_ON_FAIL, 0), 0);
	CHECK_EQ(plx_sim_inject(sim, d.fn, PLX_SIM_FAULT_WRITE_FAIL, 0), 0);
	CHECK_OK(copies(&d, src, dst, 0, 2, LEN));
	t0 = plx_test_now_us();
	while (vs == RTE_DMA_VCHAN_ACTIVE && plx_test_now_us() - t0 < WAIT_US)
		CHECK_EQ(rte_dma_vchan_status(d.id, 0, &vs), 0);
	CHECK_EQ(vs, RTE_DMA_VCHAN_HALTED_ERROR);
	CHECK_OK(plx_test_chan_wait_status(&d, st, 2));
	CHECK_STATUS(st[0], RTE_DMA_STATUS_BUS_WRITE_ERROR);
	CHECK_STATUS(st[1], RTE_DMA_STATUS_NOT_ATTEMPTED);
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

const struct plx_test dma_plx_hostile_tests[] = {
	{ "lost_start", test_lost_start },
	{ "lost_start_status", test_lost_start_status },
	{ "burst_stranded", test_burst_stranded },
	{ "wb_unclean", test_wb_unclean },
	{ "wb_short", test_wb_short },
	{ "all_ones_glitch", test_all_ones_glitch },
	{ "halt_on_fail", test_halt_on_fail },
	{ "halt_status", test_halt_status },
	PLX_TEST_END
};
