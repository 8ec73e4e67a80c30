/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Functional tests of dma_plx: probing, configuration, copies of every
 * size and alignment, ids across the 16-bit wrap, a full ring.
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
#include <rte_memory.h>

#include "plx_dma_compat.h"
#include "test_dma_plx.h"

static int
test_probe(void)
{
	struct rte_dma_info info;
	unsigned int idx;
	int id;

	CHECK_EQ(rte_dma_count_avail(), NB_FUNCS);
	for (idx = 0; idx < NB_FUNCS; idx++) {
		char name[RTE_DEV_NAME_MAX_LEN];

		func_name(idx, name, sizeof(name));
		id = rte_dma_get_dev_id_by_name(name);
		CHECK_MSG(id >= 0, "no dmadev %s", name);
		CHECK(rte_dma_is_valid(id));
		CHECK_EQ(rte_dma_info_get(id, &info), 0);
		CHECK_MSG(strcmp(info.dev_name, name) == 0,
			"dmadev %d is named %s, not %s", id, info.dev_name,
			name);
		if (sim != NULL)
			CHECK_EQ(plx_sim_func_of_addr(name), idx);
	}
	return 0;
}

static int
test_info(void)
{
	const uint64_t capa = RTE_DMA_CAPA_MEM_TO_MEM | RTE_DMA_CAPA_OPS_COPY |
		RTE_DMA_CAPA_OPS_COPY_SG | RTE_DMA_CAPA_HANDLES_ERRORS;
	struct rte_dma_info info;
	struct plx_test_chan d;

	CHECK_OK(chan_get(&d, DATA_IDX));
	CHECK_EQ(rte_dma_info_get(d.id, &info), 0);
	CHECK_MSG(info.dev_capa == capa, "capa 0x%" PRIx64 ", expected 0x%" PRIx64,
		info.dev_capa, capa);
	CHECK_EQ(info.dev_capa & (RTE_DMA_CAPA_OPS_FILL | RTE_DMA_CAPA_SILENT),
		0);
	CHECK_EQ(info.max_sges, 16);
	CHECK_EQ(info.max_vchans, 1);
	CHECK_EQ(info.min_desc, 32);
	CHECK_EQ(info.max_desc, 32768);
	CHECK_MSG(info.numa_node == SOCKET_ID_ANY ||
		(info.numa_node >= 0 && info.numa_node < RTE_MAX_NUMA_NODES),
		"numa_node %d", info.numa_node);
	return 0;
}

static int
test_config_errors(void)
{
	struct rte_dma_conf conf = { .nb_vchans = 1 };
	struct rte_dma_vchan_conf qconf = {
		.direction = RTE_DMA_DIR_MEM_TO_MEM,
		.nb_desc = 64,
	};
	/* 65536 does not fit nb_desc (uint16_t): 0 is what it would be. */
	static const uint16_t bad_desc[] = { 0, 1, 16, 31, 32769, 65535 };
	struct rte_dma_info info;
	struct plx_test_chan d;
	unsigned int i;

	CHECK_OK(chan_get(&d, RING_IDX));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	plx_dma_conf_set_flags(&conf, RTE_DMA_CFG_FLAG_SILENT);
	CHECK(rte_dma_configure(d.id, &conf) < 0);
	plx_dma_conf_set_flags(&conf, 0);
	conf.nb_vchans = 2;
	CHECK(rte_dma_configure(d.id, &conf) < 0);
	conf.nb_vchans = 0;
	CHECK(rte_dma_configure(d.id, &conf) < 0);
	conf.nb_vchans = 1;
	CHECK_EQ(rte_dma_configure(d.id, &conf), 0);

	qconf.direction = RTE_DMA_DIR_MEM_TO_DEV;
	CHECK_EQ(rte_dma_vchan_setup(d.id, 0, &qconf), -EINVAL);
	qconf.direction = RTE_DMA_DIR_DEV_TO_MEM;
	CHECK_EQ(rte_dma_vchan_setup(d.id, 0, &qconf), -EINVAL);
	qconf.direction = RTE_DMA_DIR_MEM_TO_MEM;
	CHECK_EQ(rte_dma_vchan_setup(d.id, 1, &qconf), -EINVAL);
	for (i = 0; i < RTE_DIM(bad_desc); i++) {
		qconf.nb_desc = bad_desc[i];
		CHECK_MSG(rte_dma_vchan_setup(d.id, 0, &qconf) == -EINVAL,
			"nb_desc %u accepted", bad_desc[i]);
	}
	qconf.nb_desc = 100;
	CHECK_EQ(rte_dma_vchan_setup(d.id, 0, &qconf), 0);
	CHECK_EQ(rte_dma_start(d.id), 0);
	CHECK_EQ(rte_dma_burst_capacity(d.id, 0), 128);
	CHECK_EQ(rte_dma_info_get(d.id, &info), 0);
	CHECK_EQ(info.nb_vchans, 1);
	/* Not while started. */
	CHECK_EQ(rte_dma_configure(d.id, &conf), -EBUSY);
	CHECK_EQ(rte_dma_vchan_setup(d.id, 0, &qconf), -EBUSY);
	CHECK_OK(plx_test_chan_fresh(&d));
	CHECK_OK(smoke_copy(&d));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

static int
test_not_started(void)
{
	enum rte_dma_status_code st[8];
	uint8_t *src = buf_alloc(64), *dst = buf_alloc(64);
	rte_iova_t s, t;
	struct plx_test_chan d;
	uint64_t base;
	uint16_t last;
	unsigned int i;
	int ret;

	NEED_SIM(sim);
	CHECK(src != NULL && dst != NULL);
	s = iova(src);
	t = iova(dst);
	CHECK_OK(chan_setup(&d, RING_IDX, 64));
	base = plx_test_chan_descs(&d);

	/* Configured, never started. */
	CHECK_EQ(rte_dma_copy(d.id, 0, s, t, 64, 0), -EINVAL);
	CHECK_EQ(rte_dma_copy(d.id, 0, s, t, 64, RTE_DMA_OP_FLAG_SUBMIT),
		-EINVAL);
	ret = rte_dma_submit(d.id, 0);
	CHECK_MSG(ret <= 0, "submit returned %d", ret);
	CHECK_EQ(rte_dma_completed_status(d.id, 0, RTE_DIM(st), &last, st), 0);

	/* Started then stopped, three copies left unsubmitted. */
	CHECK_OK(chan_restart(&d));
	for (i = 0; i < 3; i++)
		CHECK_OK(enqueue(&d, s, t, 64, 0));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	CHECK_EQ(rte_dma_copy(d.id, 0, s, t, 64, 0), -EINVAL);
	CHECK_EQ(rte_dma_copy(d.id, 0, s, t, 64, RTE_DMA_OP_FLAG_SUBMIT),
		-EINVAL);
	ret = rte_dma_submit(d.id, 0);
	CHECK_MSG(ret <= 0, "submit returned %d", ret);
	CHECK_EQ(plx_test_chan_descs(&d), base);
	CHECK_OK(plx_test_stats_are(d.id, 0, 0, 0));
	/* Submit on a stopped channel did not submit them. */
	CHECK_OK(plx_test_chan_wait_status(&d, st, 3));
	for (i = 0; i < 3; i++)
		CHECK_STATUS(st[i], RTE_DMA_STATUS_NOT_ATTEMPTED);
	CHECK_EQ(plx_test_chan_last_idx(&d), 2);
	/* All reported: nothing more, and the channel starts again. */
	CHECK_EQ(rte_dma_completed_status(d.id, 0, RTE_DIM(st), &last, st), 0);
	CHECK_EQ(last, 2);
	CHECK_EQ(rte_dma_completed(d.id, 0, RTE_DIM(st), &last, NULL), 0);
	CHECK_EQ(last, 2);
	/* Reported as NOT_ATTEMPTED, they count as submitted too. */
	CHECK_OK(plx_test_stats_are(d.id, 3, 3, 3));
	CHECK_EQ(plx_test_chan_descs(&d), base);
	CHECK_OK(chan_restart(&d));
	CHECK_OK(smoke_copy(&d));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

/*
 * completed() polled while the engine writes descriptors back: a copy
 * finishing between two looks must never read as an error.
 */
static int
test_completed_polling(void)
{
	enum { N = 20000, BATCH = 200 };
	uint8_t *buf = buf_alloc(128);
	rte_iova_t s, t;
	struct plx_test_chan d;
	struct plx_wait w;
	unsigned int sent = 0, done = 0, i;

	CHECK(buf != NULL);
	s = iova(buf);
	t = iova(buf + 64);
	CHECK_OK(chan_start(&d, RING_IDX, 256));
	w = plx_wait_begin(WAIT_US);
	while (done < N) {
		uint16_t k;
		bool err;

		if (sent == done) {
			for (i = 0; i < BATCH; i++)
				CHECK_OK(enqueue(&d, s, t, 64, 0));
			CHECK_EQ(plx_test_chan_submit(&d), 0);
			sent += BATCH;
		}
		CHECK_OK(plx_test_chan_completed(&d, BATCH, &k, &err));
		CHECK_MSG(!err, "has_error set after %u of %u good copies (%u reported now)",
			done, N, k);
		done += k;
		CHECK_MSG(plx_waiting(&w, k), "timeout at %u of %u", done, N);
	}
	CHECK_OK(plx_test_stats_are(d.id, N, N, 0));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

static const uint32_t copy_sizes[] = {
	1, 2, 3, 63, 64, 65, 4095, 4096, 4097, 65536, 1 << 20, 4 << 20,
};
#define COPY_SLACK	16	/* offset up to 7, then at least 8 guard bytes */

static int
test_copy_data(void)
{
	enum { N = RTE_DIM(copy_sizes) };
	uint8_t *src[N], *dst[N];
	unsigned int soff[N], doff[N];
	uint32_t len[N];
	struct xfer x[N];
	struct plx_test_chan d;
	unsigned int i, n = 0, round;

	for (i = 0; i < N; i++) {
		src[n] = buf_alloc(copy_sizes[i] + COPY_SLACK);
		dst[n] = buf_alloc(copy_sizes[i] + COPY_SLACK);
		len[n] = copy_sizes[i];
		if (src[n] != NULL && dst[n] != NULL) {
			n++;
			continue;
		}
		/* As PA, hugepages need not be physically adjacent. */
		CHECK_MSG(rte_eal_iova_mode() == RTE_IOVA_PA,
			"no memory for %u-byte buffers", copy_sizes[i]);
		printf("# copy_data: no IOVA-contiguous %u-byte buffer, size not tried\n",
			copy_sizes[i]);
	}
	CHECK_OK(chan_start(&d, DATA_IDX, 64));
	/* Round 0: one burst; round 1: one copy at a time, flag SUBMIT. */
	for (round = 0; round < 2; round++) {
		for (i = 0; i < n; i++) {
			soff[i] = 1 + (i + round) % 7;
			doff[i] = 1 + (3 * i + 2 * round + 4) % 7;
			fill_pattern(src[i], len[i] + COPY_SLACK, i + 100 * round);
			memset(dst[i], GUARD, len[i] + COPY_SLACK);
			x[i] = (struct xfer){ iova(src[i] + soff[i]),
				iova(dst[i] + doff[i]), len[i] };
		}
		if (round == 0) {
			CHECK_OK(run_copies(&d, x, n));
		} else {
			for (i = 0; i < n; i++) {
				CHECK_OK(enqueue(&d, x[i].src, x[i].dst,
					x[i].len, RTE_DMA_OP_FLAG_SUBMIT));
				CHECK_OK(plx_test_chan_wait_completed(&d, 1));
			}
		}
		for (i = 0; i < n; i++)
			CHECK_OK(verify_copy(src[i] + soff[i], dst[i], doff[i],
				len[i], len[i] + COPY_SLACK));
	}
	CHECK_OK(plx_test_stats_are(d.id, 2 * n, 2 * n, 0));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

/* Ids and last_idx across more than 65536 + nb_desc ops, pipelined. */
static int
wrap_one(uint16_t nb_desc, rte_iova_t src, rte_iova_t dst)
{
	const unsigned int total = 65536 + nb_desc + 1000;
	unsigned int sent = 0, done = 0;
	uint32_t rnd = nb_desc;
	struct plx_wait w = plx_wait_begin(WAIT_US);
	struct plx_test_chan d;
	uint16_t last = 0;

	CHECK_OK(chan_start(&d, RING_IDX, nb_desc));
	while (done < total) {
		unsigned int n, i;
		uint16_t k;
		bool err;

		CHECK_EQ(rte_dma_burst_capacity(d.id, 0),
			nb_desc - (sent - done));
		n = RTE_MIN(nb_desc - (sent - done), total - sent);
		n = RTE_MIN(n, 1 + rnd_next(&rnd) % nb_desc);
		for (i = 0; i < n; i++)
			CHECK_OK(enqueue(&d, src + 8 * (i % 64),
				dst + 8 * (i % 64), 8, 0));
		if (n > 0)
			CHECK_EQ(plx_test_chan_submit(&d), 0);
		sent += n;
		CHECK_OK(plx_test_chan_completed(&d,
			1 + rnd_next(&rnd) % nb_desc, &k, &err));
		CHECK(!err);
		done += k;
		CHECK_MSG(plx_waiting(&w, k), "ring %u: timeout at %u of %u",
			nb_desc, done, total);
	}
	/* Nothing pending: 0, and last_idx is the last completed id. */
	CHECK_EQ(rte_dma_completed(d.id, 0, nb_desc, &last, NULL), 0);
	CHECK_EQ(last, (uint16_t)(total - 1));
	CHECK_EQ((uint16_t)d.handed, (uint16_t)total);
	CHECK_EQ(rte_dma_burst_capacity(d.id, 0), nb_desc);
	CHECK_OK(plx_test_stats_are(d.id, total, total, 0));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

static int
test_ring_wrap(void)
{
	uint8_t *src = buf_alloc(512), *dst = buf_alloc(512);
	uint32_t nb;

	CHECK(src != NULL && dst != NULL);
	for (nb = 32; nb <= 32768; nb *= 2)
		CHECK_OK(wrap_one(nb, iova(src), iova(dst)));
	return 0;
}

/* Exactly nb_desc copies fit; capacity moves by one per copy only. */
static int
full_one(uint16_t nb_desc, rte_iova_t src, rte_iova_t dst)
{
	struct plx_test_chan d;
	unsigned int round, i;
	uint64_t base;

	CHECK_OK(chan_start(&d, RING_IDX, nb_desc));
	base = plx_test_chan_descs(&d);
	/* Three rounds: ids go past 65535 with the largest ring. */
	for (round = 0; round < 3; round++) {
		for (i = 0; i < nb_desc; i++) {
			CHECK_OK(enqueue(&d, src, dst, 8, 0));
			CHECK_EQ(rte_dma_burst_capacity(d.id, 0),
				nb_desc - i - 1);
		}
		CHECK_EQ(rte_dma_copy(d.id, 0, src, dst, 8, 0), -ENOSPC);
		CHECK_EQ(rte_dma_copy(d.id, 0, src, dst, 8,
			RTE_DMA_OP_FLAG_SUBMIT), -ENOSPC);
		CHECK_EQ(rte_dma_burst_capacity(d.id, 0), 0);
		CHECK_EQ(plx_test_chan_submit(&d), 0);
		CHECK_EQ(rte_dma_burst_capacity(d.id, 0), 0);
		CHECK_OK(plx_test_chan_wait_completed(&d, nb_desc));
		CHECK_EQ(rte_dma_burst_capacity(d.id, 0), nb_desc);
	}
	if (sim != NULL)
		CHECK_EQ(plx_test_chan_descs(&d) - base, 3 * nb_desc);
	CHECK_OK(plx_test_stats_are(d.id, 3 * nb_desc, 3 * nb_desc, 0));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

static int
test_full_ring(void)
{
	static const uint16_t sizes[] = { 32, 128, 32768 };
	uint8_t *src = buf_alloc(8), *dst = buf_alloc(8);
	unsigned int i;

	CHECK(src != NULL && dst != NULL);
	for (i = 0; i < RTE_DIM(sizes); i++)
		CHECK_OK(full_one(sizes[i], iova(src), iova(dst)));
	return 0;
}

const struct plx_test dma_plx_copy_tests[] = {
	{ "probe", test_probe },
	{ "info", test_info },
	{ "config_errors", test_config_errors },
	{ "not_started", test_not_started },
	{ "copy_data", test_copy_data },
	{ "completed_polling", test_completed_polling },
	{ "ring_wrap", test_ring_wrap },
	{ "full_ring", test_full_ring },
	PLX_TEST_END
};
