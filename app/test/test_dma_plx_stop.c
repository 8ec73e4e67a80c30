/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Functional tests of dma_plx: failed copies, the IOMMU, stops the engine
 * does not acknowledge, start/stop cycles, vchan status and statistics.
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

#include "test_dma_plx.h"

/* A 16-copy burst whose copy k the engine fails with fault. */
static int
fail_burst(struct plx_test_chan *d, enum plx_sim_fault fault, unsigned int k,
		uint8_t *src, uint8_t *dst)
{
	enum { N = 16, LEN = 256, SLOT = LEN + 16 };
	const enum rte_dma_status_code exp = fault == PLX_SIM_FAULT_READ_FAIL ?
		RTE_DMA_STATUS_BUS_READ_ERROR : RTE_DMA_STATUS_BUS_WRITE_ERROR;
	enum rte_dma_status_code st[N];
	const uint16_t first = (uint16_t)d->handed;
	bool err = false;
	unsigned int i, round;
	uint16_t n;
	uint64_t base;

	fill_pattern(src, N * LEN, fault * 100 + k);
	memset(dst, GUARD, N * SLOT);
	CHECK_EQ(rte_dma_stats_reset(d->id, 0), 0);
	base = plx_test_chan_descs(d);
	CHECK_EQ(plx_sim_inject(sim, d->fn, fault, k), 0);
	for (i = 0; i < N; i++)
		CHECK_OK(enqueue(d, iova(src + i * LEN),
			iova(dst + i * SLOT + 1), LEN, 0));
	CHECK_EQ(plx_test_chan_submit(d), 0);
	CHECK_OK(plx_test_chan_wait_descs(d, base + N));

	/* completed() stops before the failure, and stays there. */
	for (round = 0; round < 3; round++) {
		CHECK_OK(plx_test_chan_completed(d, N, &n, &err));
		CHECK_EQ(n, round == 0 ? k : 0);
		CHECK_MSG(err, "has_error not set (round %u)", round);
		CHECK_EQ(plx_test_chan_last_idx(d), (uint16_t)(first + k - 1));
	}
	/* completed_status() reports the failure, then the rest. */
	CHECK_OK(plx_test_chan_completed_status(d, N, &n, st));
	CHECK_EQ(n, N - k);
	CHECK_EQ(plx_test_chan_last_idx(d), (uint16_t)(first + N - 1));
	CHECK_STATUS(st[0], exp);
	for (i = 1; i < N - k; i++)
		CHECK_STATUS(st[i], RTE_DMA_STATUS_SUCCESSFUL);
	CHECK_OK(plx_test_chan_completed_status(d, N, &n, st));
	CHECK_EQ(n, 0);
	CHECK_OK(plx_test_stats_are(d->id, N, N, 1));
	for (i = 0; i < N; i++)
		CHECK_OK(verify_copy(src + i * LEN, dst + i * SLOT, 1,
			i == k ? 0 : LEN, SLOT));
	return 0;
}

static int
test_failures(void)
{
	static const enum plx_sim_fault faults[] = {
		PLX_SIM_FAULT_READ_FAIL, PLX_SIM_FAULT_WRITE_FAIL,
	};
	static const unsigned int ks[] = { 0, 1, 7, 15 };
	uint8_t *src = buf_alloc(16 * 256), *dst = buf_alloc(16 * 272);
	struct plx_test_chan d;
	unsigned int f, i;

	NEED_SIM(sim);
	CHECK(src != NULL && dst != NULL);
	CHECK_OK(chan_start(&d, DATA_IDX, 64));
	for (f = 0; f < RTE_DIM(faults); f++)
		for (i = 0; i < RTE_DIM(ks); i++)
			CHECK_OK(fail_burst(&d, faults[f], ks[i], src, dst));
	CHECK_OK(smoke_copy(&d));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

/* The IOMMU (vfio) refuses what is not mapped for the device. */
static int
test_iommu_errors(void)
{
	enum { LEN = 256, SLOT = LEN + 16 };
	/* Not DPDK memory, so never mapped for DMA. */
	static uint8_t host[SLOT];
	enum rte_dma_status_code st[3];
	uint8_t *src = buf_alloc(LEN), *dst = buf_alloc(2 * SLOT);
	struct plx_test_chan d;
	uint64_t base;
	uint16_t last;
	bool err = false;

	NEED_SIM(sim);
	if (rte_eal_iova_mode() != RTE_IOVA_VA)
		SKIP("IOVA as PA: no IOMMU in the way");
	CHECK(src != NULL && dst != NULL);
	fill_pattern(src, LEN, 7);
	memset(dst, GUARD, 2 * SLOT);
	memset(host, GUARD, SLOT);
	CHECK_OK(chan_start(&d, DATA_IDX, 32));
	base = plx_test_chan_descs(&d);
	/* Unmapped source (IOVA 0x1000), unmapped destination, good copy. */
	CHECK_OK(enqueue(&d, 0x1000, iova(dst + 1), LEN, 0));
	CHECK_OK(enqueue(&d, iova(src), (uintptr_t)host + 1, LEN, 0));
	CHECK_OK(enqueue(&d, iova(src), iova(dst + SLOT + 1), LEN,
		RTE_DMA_OP_FLAG_SUBMIT));
	CHECK_OK(plx_test_chan_wait_descs(&d, base + 3));
	CHECK_EQ(rte_dma_completed(d.id, 0, 3, &last, &err), 0);
	CHECK(err);
	CHECK_OK(plx_test_chan_wait_status(&d, st, 3));
	CHECK_STATUS(st[0], RTE_DMA_STATUS_BUS_READ_ERROR);
	CHECK_STATUS(st[1], RTE_DMA_STATUS_BUS_WRITE_ERROR);
	CHECK_STATUS(st[2], RTE_DMA_STATUS_SUCCESSFUL);
	CHECK_OK(verify_copy(src, dst, 1, 0, SLOT));
	CHECK_OK(verify_copy(src, host, 1, 0, SLOT));
	CHECK_OK(verify_copy(src, dst + SLOT, 1, LEN, SLOT));
	CHECK_OK(plx_test_stats_are(d.id, 3, 3, 2));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

/*
 * Stall the engine before its k-th descriptor (plus fault extra), submit
 * 32 copies, queue 5 more unsubmitted, stop. Every copy is accounted for:
 * the engine stops (by pause, abort or function reset) and all are
 * reported, or, lost, it could not be stopped and only those it finished
 * are, the rest never while it may still write them. The buffers go to
 * *src and *dst if not NULL.
 */
enum { STOP_NSUB = 32, STOP_NQ = 5, STOP_N = STOP_NSUB + STOP_NQ,
	STOP_LEN = 64, STOP_SLOT = STOP_LEN + 16 };

static int
stop_case(struct plx_test_chan *d, enum plx_sim_fault extra, unsigned int k,
		bool lost, uint8_t **srcp, uint8_t **dstp)
{
	enum { NSUB = STOP_NSUB, N = STOP_N, LEN = STOP_LEN, SLOT = STOP_SLOT };
	uint8_t *src = buf_alloc(N * LEN), *dst = buf_alloc(N * SLOT);
	enum rte_dma_status_code st[N + 1];
	unsigned int i, reported = lost ? k : N;
	uint64_t base;
	uint16_t n;

	CHECK(src != NULL && dst != NULL);
	if (srcp != NULL)
		*srcp = src;
	if (dstp != NULL)
		*dstp = dst;
	fill_pattern(src, N * LEN, k);
	memset(dst, GUARD, N * SLOT);
	CHECK_EQ(rte_dma_stats_reset(d->id, 0), 0);
	base = plx_test_chan_descs(d);
	if (extra != PLX_SIM_FAULT_NONE)
		CHECK_EQ(plx_sim_inject(sim, d->fn, extra, 0), 0);
	CHECK_EQ(plx_sim_inject(sim, d->fn, PLX_SIM_FAULT_STALL, k), 0);
	for (i = 0; i < N; i++) {
		CHECK_OK(enqueue(d, iova(src + i * LEN),
			iova(dst + i * SLOT + 2), LEN, 0));
		if (i == NSUB - 1) {
			CHECK_EQ(plx_test_chan_submit(d), 0);
			CHECK_OK(plx_test_chan_wait_descs(d, base + k));
		}
	}
	CHECK_OK(plx_test_vchan_is(d->id, RTE_DMA_VCHAN_ACTIVE));
	/* Only a stall in effect makes the pause time out: an engine merely
	 * slow to reach it (under --chaos) pauses at the boundary. */
	PLX_WAIT_FOR(plx_sim_stalled(sim, d->fn), 5 * 1000 * 1000);
	CHECK_EQ(rte_dma_stop(d->id), 0);
	CHECK_OK(plx_test_vchan_is(d->id, lost ? RTE_DMA_VCHAN_HALTED_ERROR :
		RTE_DMA_VCHAN_IDLE));
	CHECK_EQ(plx_test_chan_descs(d), base + k);

	CHECK_OK(plx_test_chan_completed_status(d, N + 1, &n, st));
	CHECK_EQ(n, reported);
	CHECK_EQ(plx_test_chan_last_idx(d),
		(uint16_t)(d->handed - 1 - (N - reported)));
	for (i = 0; i < reported; i++)
		CHECK_STATUS(st[i], i < k ? RTE_DMA_STATUS_SUCCESSFUL :
			i < NSUB ? RTE_DMA_STATUS_USER_ABORT :
			RTE_DMA_STATUS_NOT_ATTEMPTED);
	CHECK_OK(plx_test_chan_completed_status(d, N, &n, st));
	CHECK_EQ(n, 0);
	/* NOT_ATTEMPTED ones count as submitted once reported. */
	CHECK_OK(plx_test_stats_are(d->id, lost ? NSUB : N, reported,
		reported - k));
	for (i = 0; i < N; i++)
		CHECK_OK(verify_copy(src + i * LEN, dst + i * SLOT, 2,
			i < k ? LEN : 0, SLOT));
	return 0;
}

/* A stop_case() the channel comes back from: it restarts and copies. */
static int
stop_recovers(struct plx_test_chan *d, enum plx_sim_fault extra, unsigned int k)
{
	CHECK_OK(stop_case(d, extra, k, false, NULL, NULL));
	plx_sim_clear_faults(sim, d->fn);
	CHECK_OK(chan_restart(d));
	return smoke_copy(d);
}

/* Stall: the graceful pause is never acknowledged, the PMD aborts. */
static int
test_stop_stall(void)
{
	static const unsigned int ks[] = { 0, 7, 31 };
	struct plx_test_chan d;
	unsigned int i;

	NEED_SIM(sim);
	CHECK_OK(fast_start(&d, 64));
	for (i = 0; i < RTE_DIM(ks); i++)
		CHECK_OK(stop_recovers(&d, PLX_SIM_FAULT_NONE, ks[i]));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

static int
test_stop_pause_stuck(void)
{
	struct plx_test_chan d;

	NEED_SIM(sim);
	CHECK_OK(fast_start(&d, 64));
	CHECK_OK(stop_recovers(&d, PLX_SIM_FAULT_PAUSE_STUCK, 5));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

/*
 * The engine ignores pause and abort: the PMD resets the function, sees
 * the reset took, and only then reports the unfinished copies aborted.
 * Released afterwards, the stalled engine writes nothing more.
 */
static int
test_stop_abort_stuck(void)
{
	struct plx_test_chan d;
	unsigned int i;
	uint8_t *dst;

	NEED_SIM(sim);
	CHECK_OK(fast_start(&d, 64));
	CHECK_OK(stop_case(&d, PLX_SIM_FAULT_ABORT_STUCK, 3, false, NULL,
		&dst));
	CHECK_MSG(plx_test_log_has("function reset took"),
		"the PMD did not log the function reset");
	/* A stall released now finds an engine the reset stopped. */
	CHECK_EQ(plx_sim_inject(sim, d.fn, PLX_SIM_FAULT_STALL, UINT32_MAX), 0);
	CHECK_OK(chan_restart(&d));
	CHECK_OK(smoke_copy(&d));
	for (i = 3; i < STOP_N; i++)
		CHECK_OK(verify_copy(NULL, dst + i * STOP_SLOT, 2, 0, STOP_SLOT));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	plx_sim_clear_faults(sim, d.fn);
	return 0;
}

/* A new ring of nb_desc descriptors for d's vchan 0. */
static int
vchan_setup(const struct plx_test_chan *d, uint16_t nb_desc)
{
	const struct rte_dma_vchan_conf qconf = {
		.direction = RTE_DMA_DIR_MEM_TO_MEM,
		.nb_desc = nb_desc,
	};

	return rte_dma_vchan_setup(d->id, 0, &qconf);
}

/*
 * Pause, abort and reset all ignored: the engine is lost. Copies it did
 * not finish are never reported while it may still write them; the
 * channel reports HALTED_ERROR and refuses to start or take a new ring.
 * Then the engine, still deaf, goes on copying (without writing back: the
 * stop commands cleared WRITE_BACK_EN): the data lands in buffers the
 * application was right not to get back.
 */
static int
test_stop_reset_stuck(void)
{
	enum rte_dma_status_code st[STOP_N + 1];
	struct plx_test_chan d;
	uint8_t *src, *dst;
	unsigned int i;
	uint64_t base;
	uint16_t n;

	NEED_SIM(sim);
	CHECK_OK(fast_start(&d, 64));
	CHECK_EQ(plx_sim_inject(sim, d.fn, PLX_SIM_FAULT_RESET_STUCK, 0), 0);
	CHECK_EQ(plx_sim_inject(sim, d.fn, PLX_SIM_FAULT_PAUSE_STUCK, 0), 0);
	base = plx_test_chan_descs(&d);
	CHECK_OK(stop_case(&d, PLX_SIM_FAULT_ABORT_STUCK, 3, true, &src,
		&dst));
	CHECK_MSG(plx_test_log_has("will never be reported"),
		"the PMD did not log that it gave up on the engine");
	CHECK_EQ(rte_dma_start(d.id), -ENODEV);
	CHECK_EQ(vchan_setup(&d, 64), -EBUSY);
	/* The engine goes on with the copies it was given. */
	CHECK_EQ(plx_sim_inject(sim, d.fn, PLX_SIM_FAULT_STALL, UINT32_MAX), 0);
	CHECK_OK(plx_test_chan_wait_descs(&d, base + STOP_NSUB));
	for (i = 3; i < STOP_NSUB; i++)
		CHECK_OK(verify_copy(src + i * STOP_LEN, dst + i * STOP_SLOT, 2,
			STOP_LEN, STOP_SLOT));
	CHECK_OK(plx_test_chan_completed_status(&d, RTE_DIM(st), &n, st));
	CHECK_EQ(n, 0);
	CHECK_OK(plx_test_vchan_is(d.id, RTE_DMA_VCHAN_HALTED_ERROR));
	/* Get the function back: remove, power-cycle, probe. */
	CHECK_OK(reprobe(FAST_IDX, FAST_ARGS));
	CHECK_OK(chan_start(&d, FAST_IDX, 64));
	CHECK_OK(smoke_copy(&d));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

/*
 * A lost engine with nothing left unfinished: every copy was written back
 * before the stop, yet pause, abort and reset are ignored. The channel is
 * lost all the same: it refuses a new ring (-EBUSY) and a start
 * (-ENODEV), not only while copies are outstanding.
 */
static int
test_stop_lost_idle(void)
{
	enum { N = 8, LEN = 64, SLOT = LEN + 16 };
	static const enum plx_sim_fault stuck[] = { PLX_SIM_FAULT_PAUSE_STUCK,
		PLX_SIM_FAULT_ABORT_STUCK, PLX_SIM_FAULT_RESET_STUCK };
	uint8_t *src = buf_alloc(N * LEN), *dst = buf_alloc(N * SLOT);
	enum rte_dma_status_code st[N + 1];
	struct plx_test_chan d;
	unsigned int i;
	uint64_t base;
	uint16_t n;

	NEED_SIM(sim);
	CHECK(src != NULL && dst != NULL);
	CHECK_OK(fast_start(&d, 64));
	fill_pattern(src, N * LEN, 1);
	memset(dst, GUARD, N * SLOT);
	base = plx_test_chan_descs(&d);
	/* Armed first: in effect once the engine has run the copies, which
	 * they do not stop. */
	for (i = 0; i < RTE_DIM(stuck); i++)
		CHECK_EQ(plx_sim_inject(sim, d.fn, stuck[i], 0), 0);
	for (i = 0; i < N; i++)
		CHECK_OK(enqueue(&d, iova(src + i * LEN),
			iova(dst + i * SLOT + 2), LEN, 0));
	CHECK_EQ(plx_test_chan_submit(&d), 0);
	CHECK_OK(plx_test_chan_wait_descs(&d, base + N));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	CHECK_MSG(plx_test_log_has("will never be reported"),
		"the PMD did not log that it gave up on the engine");
	CHECK_OK(plx_test_chan_completed_status(&d, N + 1, &n, st));
	CHECK_EQ(n, N);
	for (i = 0; i < N; i++) {
		CHECK_STATUS(st[i], RTE_DMA_STATUS_SUCCESSFUL);
		CHECK_OK(verify_copy(src + i * LEN, dst + i * SLOT, 2, LEN,
			SLOT));
	}
	CHECK_EQ(vchan_setup(&d, 64), -EBUSY);
	CHECK_EQ(rte_dma_start(d.id), -ENODEV);
	CHECK_OK(plx_test_vchan_is(d.id, RTE_DMA_VCHAN_HALTED_ERROR));
	CHECK_OK(reprobe(FAST_IDX, FAST_ARGS));
	CHECK_OK(chan_start(&d, FAST_IDX, 64));
	CHECK_OK(smoke_copy(&d));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

static int
test_start_stop_cycles(void)
{
	enum { CYCLES = 100, N = 16, LEN = 200, SLOT = LEN + 16 };
	uint8_t *src = buf_alloc(N * LEN), *dst = buf_alloc(N * SLOT);
	struct xfer x[N];
	struct plx_test_chan d;
	unsigned int c, i;

	CHECK(src != NULL && dst != NULL);
	CHECK_OK(chan_start(&d, RING_IDX, 64));
	for (c = 0; c < CYCLES; c++) {
		if (c > 0)
			CHECK_OK(chan_restart(&d));
		fill_pattern(src, N * LEN, c);
		memset(dst, GUARD, N * SLOT);
		for (i = 0; i < N; i++)
			x[i] = (struct xfer){ iova(src + i * LEN),
				iova(dst + i * SLOT + 1 + (i + c) % 8), LEN };
		/* enqueue() checks the ids run from 0 again. */
		CHECK_OK(run_copies(&d, x, N));
		for (i = 0; i < N; i++)
			CHECK_OK(verify_copy(src + i * LEN, dst + i * SLOT,
				1 + (i + c) % 8, LEN, SLOT));
		CHECK_EQ(rte_dma_stop(d.id), 0);
	}
	CHECK_OK(plx_test_stats_are(d.id, CYCLES * N, CYCLES * N, 0));
	return 0;
}

/* Completions left uncollected across a stop block the next start. */
static int
test_restart_pending(void)
{
	enum { N = 8 };
	enum rte_dma_status_code st[N];
	uint8_t *buf = buf_alloc(128);
	struct plx_test_chan d;
	uint64_t base;
	unsigned int i;

	NEED_SIM(sim);
	CHECK(buf != NULL);
	CHECK_OK(chan_start(&d, RING_IDX, 64));
	base = plx_test_chan_descs(&d);
	for (i = 0; i < N; i++)
		CHECK_OK(enqueue(&d, iova(buf), iova(buf + 64), 64, 0));
	CHECK_EQ(plx_test_chan_submit(&d), 0);
	CHECK_OK(plx_test_chan_wait_descs(&d, base + N));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	CHECK_EQ(rte_dma_start(d.id), -EBUSY);
	/* Nor a new ring: it would lose their positions and reports. */
	CHECK_EQ(vchan_setup(&d, 128), -EBUSY);
	CHECK_EQ(rte_dma_burst_capacity(d.id, 0), d.nb_desc - N);
	CHECK_OK(plx_test_chan_wait_status(&d, st, 3));
	CHECK_EQ(rte_dma_start(d.id), -EBUSY);
	CHECK_EQ(vchan_setup(&d, 128), -EBUSY);
	CHECK_OK(plx_test_chan_wait_status(&d, st + 3, N - 3));
	for (i = 0; i < N; i++)
		CHECK_STATUS(st[i], RTE_DMA_STATUS_SUCCESSFUL);
	CHECK_EQ(plx_test_chan_last_idx(&d), N - 1);
	CHECK_OK(chan_restart(&d));
	CHECK_OK(smoke_copy(&d));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

static int
test_vchan_status(void)
{
	enum rte_dma_status_code st;
	uint8_t *buf = buf_alloc(128);
	struct plx_test_chan d;
	unsigned int i;
	uint16_t last;

	NEED_SIM(sim);
	CHECK(buf != NULL);
	CHECK_OK(fast_start(&d, 32));
	CHECK_OK(plx_test_vchan_is(d.id, RTE_DMA_VCHAN_IDLE));
	CHECK_OK(smoke_copy(&d));
	CHECK_OK(plx_test_vchan_is(d.id, RTE_DMA_VCHAN_IDLE));

	/* Pending behind a stall; released, it completes. */
	CHECK_EQ(plx_sim_inject(sim, d.fn, PLX_SIM_FAULT_STALL, 0), 0);
	CHECK_OK(enqueue(&d, iova(buf), iova(buf + 64), 64,
		RTE_DMA_OP_FLAG_SUBMIT));
	for (i = 0; i < 100; i++) {
		CHECK_OK(plx_test_vchan_is(d.id, RTE_DMA_VCHAN_ACTIVE));
		CHECK_EQ(rte_dma_completed(d.id, 0, 1, &last, NULL), 0);
	}
	plx_sim_clear_faults(sim, d.fn);
	CHECK_OK(plx_test_chan_wait_completed(&d, 1));
	CHECK_OK(plx_test_vchan_is(d.id, RTE_DMA_VCHAN_IDLE));

	/* Pending behind a stall, then stopped. */
	CHECK_EQ(plx_sim_inject(sim, d.fn, PLX_SIM_FAULT_STALL, 0), 0);
	CHECK_OK(enqueue(&d, iova(buf), iova(buf + 64), 64,
		RTE_DMA_OP_FLAG_SUBMIT));
	CHECK_OK(plx_test_vchan_is(d.id, RTE_DMA_VCHAN_ACTIVE));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	CHECK_OK(plx_test_vchan_is(d.id, RTE_DMA_VCHAN_IDLE));
	CHECK_OK(plx_test_chan_wait_status(&d, &st, 1));
	CHECK_STATUS(st, RTE_DMA_STATUS_USER_ABORT);
	CHECK_OK(plx_test_vchan_is(d.id, RTE_DMA_VCHAN_IDLE));
	return 0;
}

static int
test_stats_dump(void)
{
	enum rte_dma_status_code st[3];
	struct rte_dma_stats s;
	uint8_t *buf = buf_alloc(1024);
	struct xfer x[10];
	struct plx_test_chan d;
	uint64_t base;
	unsigned int i;

	NEED_SIM(sim);
	CHECK(buf != NULL);
	CHECK_OK(chan_start(&d, DATA_IDX, 32));
	CHECK_OK(plx_test_stats_are(d.id, 0, 0, 0));
	for (i = 0; i < RTE_DIM(x); i++)
		x[i] = (struct xfer){ iova(buf), iova(buf + 512), 100 };
	CHECK_OK(run_copies(&d, x, RTE_DIM(x)));
	CHECK_OK(plx_test_stats_are(d.id, 10, 10, 0));

	base = plx_test_chan_descs(&d);
	CHECK_EQ(plx_sim_inject(sim, d.fn, PLX_SIM_FAULT_READ_FAIL, 1), 0);
	for (i = 0; i < 3; i++)
		CHECK_OK(enqueue(&d, x[i].src, x[i].dst, x[i].len, 0));
	CHECK_OK(plx_test_stats_are(d.id, 10, 10, 0));
	CHECK_EQ(plx_test_chan_submit(&d), 0);
	CHECK_OK(plx_test_stats_are(d.id, 13, 10, 0));
	CHECK_OK(plx_test_chan_wait_descs(&d, base + 3));
	CHECK_OK(plx_test_chan_wait_status(&d, st, 3));
	CHECK_STATUS(st[1], RTE_DMA_STATUS_BUS_READ_ERROR);
	CHECK_OK(plx_test_stats_are(d.id, 13, 13, 1));
	CHECK_EQ(rte_dma_stats_get(d.id, RTE_DMA_ALL_VCHAN, &s), 0);
	CHECK_EQ(s.submitted, 13);
	CHECK_EQ(s.completed, 13);
	CHECK_EQ(s.errors, 1);
	CHECK_EQ(rte_dma_stats_get(d.id, 1, &s), -EINVAL);
	CHECK_EQ(rte_dma_stats_reset(d.id, RTE_DMA_ALL_VCHAN), 0);
	CHECK_OK(plx_test_stats_are(d.id, 0, 0, 0));

	CHECK_OK(plx_test_dump_has(d.id, d.addr, "CTRL"));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

const struct plx_test dma_plx_stop_tests[] = {
	{ "failures", test_failures },
	{ "iommu_errors", test_iommu_errors },
	{ "stop_stall", test_stop_stall },
	{ "stop_pause_stuck", test_stop_pause_stuck },
	{ "stop_abort_stuck", test_stop_abort_stuck },
	{ "stop_reset_stuck", test_stop_reset_stuck },
	{ "stop_lost_idle", test_stop_lost_idle },
	{ "start_stop_cycles", test_start_stop_cycles },
	{ "restart_pending", test_restart_pending },
	{ "vchan_status", test_vchan_status },
	{ "stats_dump", test_stats_dump },
	PLX_TEST_END
};
