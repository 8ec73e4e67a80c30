/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * --bench-guard, no test: the fast-path cost of the unplug guard (copy,
 * submit every 32 copies, completed) on one channel. Steady figures need
 * the engine thread and the lcore on CPUs of their own:
 *
 *   dpdk-plx-sim --null-copy --cpu 1 -n 1 -- test_dma_plx_unplug \
 *       --no-huge -m 512 --iova-mode=va --no-shconf --file-prefix b \
 *       --lcores 0@0 -d .../librte_dma_plx.so -- --bench-guard
 */

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_dmadev.h>

#include "test_dma_plx_unplug.h"

#define BENCH_OPS	2000000u
#define BENCH_BATCH	32

struct bench {
	uint64_t cycles;	/* in the calls */
	uint64_t calls;
	uint64_t ops;		/* ops the calls took or returned */
};

static void
bench_add(struct bench *b, uint64_t t0, uint64_t ops)
{
	b->cycles += rte_rdtsc() - t0;
	b->calls++;
	b->ops += ops;
}

/*
 * Throughput, and the cycles spent in each fast-path call: the guard
 * around BAR0 is in submit (and in completed's rare device check); copy
 * and completed otherwise touch host memory only. Bursts of copies are
 * timed together to keep rdtsc out of the figure.
 */
int
bench_guard(void)
{
	struct tchan *tc = &chans[0];
	struct bench cp = { 0, 0, 0 }, sub = { 0, 0, 0 }, cpl = { 0, 0, 0 };
	const char *null_copy = getenv("PLX_SIM_NULL_COPY");
	uint64_t t0, t, empty = 0, end;
	unsigned int j;
	uint16_t last, n;
	bool err = false;
	int rc = 0;

	CHECK_MSG(sim != NULL && nb_funcs > 0, "needs dpdk-plx-sim");
	if (null_copy == NULL || strcmp(null_copy, "1") != 0)
		printf("# warning: the simulator was not started with --null-copy\n");
	CHECK_OK(plx_test_chan_attach(&tc->ch));
	CHECK_OK(tchan_start(tc, BENCH_RING));
	t0 = rte_rdtsc();
	while (cp.ops < BENCH_OPS) {
		t = rte_rdtsc();
		for (j = 0; j < BENCH_BATCH && cp.ops + j < BENCH_OPS; j++) {
			rc = rte_dma_copy(tc->ch.id, 0, tc->src_iova,
				tc->dst_iova, 64, 0);
			if (rc < 0)
				break;
		}
		bench_add(&cp, t, j);
		CHECK_MSG(rc >= 0 || rc == -ENOSPC, "copy: %d", rc);
		t = rte_rdtsc();
		rc = rte_dma_submit(tc->ch.id, 0);
		bench_add(&sub, t, 0);
		CHECK_EQ(rc, 0);
		t = rte_rdtsc();
		n = rte_dma_completed(tc->ch.id, 0, 2 * BENCH_BATCH, &last, &err);
		if (n > 0)
			bench_add(&cpl, t, n);
		else
			empty++;
		CHECK(!err);
	}
	end = plx_test_now_us() + WAIT_US;
	while (cpl.ops < BENCH_OPS) {
		cpl.ops += rte_dma_completed(tc->ch.id, 0, BENCH_RING, &last,
			&err);
		CHECK(!err);
		CHECK_MSG(plx_test_now_us() < end,
			"bench: %" PRIu64 " ops not completed",
			BENCH_OPS - cpl.ops);
	}
	t = rte_rdtsc() - t0;
	printf("bench-guard: %u ops, %.1f TSC cycles/op overall "
		"(copy, submit every %u, completed)\n"
		"bench-guard: in the calls: copy %.2f cycles/op, submit %.1f cycles/call, "
		"completed %.2f cycles/op (%" PRIu64 " calls returned ops, %" PRIu64 " none); TSC %" PRIu64 " Hz\n",
		BENCH_OPS, (double)t / BENCH_OPS, BENCH_BATCH,
		(double)cp.cycles / cp.ops, (double)sub.cycles / sub.calls,
		(double)cpl.cycles / RTE_MAX(cpl.ops, UINT64_C(1)), cpl.calls,
		empty, rte_get_tsc_hz());
	CHECK_EQ(rte_dma_stop(tc->ch.id), 0);
	return 0;
}
