/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Model tests in threaded mode: a minimal driver against the engine
 * thread, stops landing mid-ring, pacing, IOMMU changes under traffic.
 * They poll with a timeout and never use sleeps for synchronisation.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test_plx_sim_model.h"

/* A minimal driver: fills slots in order, completes them in order. */
struct drv {
	struct env *e;
	uint32_t head;
	uint32_t tail;
	uint32_t inflight;
	uint32_t *size;
	size_t *src_off;
	size_t *dst_off;
};

static int
drv_init(struct drv *d, struct env *e)
{
	memset(d, 0, sizeof(*d));
	d->e = e;
	d->size = calloc(e->ring_n, sizeof(*d->size));
	d->src_off = calloc(e->ring_n, sizeof(*d->src_off));
	d->dst_off = calloc(e->ring_n, sizeof(*d->dst_off));
	return d->size && d->src_off && d->dst_off ? 0 : -1;
}

static void
drv_fini(struct drv *d)
{
	free(d->size);
	free(d->src_off);
	free(d->dst_off);
}

static bool
drv_submit(struct drv *d, size_t src_off, size_t dst_off, uint32_t size)
{
	uint32_t s = d->head;

	if (d->inflight == d->e->ring_n)
		return false;
	d->size[s] = size;
	d->src_off[s] = src_off;
	d->dst_off[s] = dst_off;
	desc_set(d->e, s, src_off, dst_off, size);
	d->head = (s + 1) % d->e->ring_n;
	d->inflight++;
	return true;
}

/* The oldest descriptor's write-back, or 0 if it is still in flight. */
static uint32_t
drv_complete(struct drv *d, uint32_t *slot)
{
	uint32_t fl;

	if (d->inflight == 0)
		return 0;
	fl = flags(d->e, d->tail);
	if (fl & PLX_DESC_VALID)
		return 0;
	*slot = d->tail;
	d->tail = (d->tail + 1) % d->e->ring_n;
	d->inflight--;
	return fl;
}

/* Count what has completed into *done, each a successful, exact copy. */
static int
drv_reap(struct drv *d, uint32_t *done)
{
	const struct env *e = d->e;
	uint32_t fl, slot;

	while ((fl = drv_complete(d, &slot)) != 0) {
		CHECK_EQ(fl, PLX_DESC_WB_SUCCESS | d->size[slot]);
		CHECK(memcmp(e->dst + d->dst_off[slot],
			e->src + d->src_off[slot], d->size[slot]) == 0);
		(*done)++;
	}
	return 0;
}

static int
threaded_copy(struct env *e, struct drv *d)
{
	const uint32_t total = 20000;
	uint32_t submitted = 0, done = 0, burst = 0;
	unsigned int seed = 1;
	uint64_t t0;

	CHECK(drv_init(d, e) == 0);
	ring_program(e, 0, PLX_PREF_LIMIT_4_DESC);
	t0 = plx_test_now_us();
	while (done < total) {
		CHECK(plx_test_now_us() - t0 < TIMEOUT_US);
		if (burst == 0)
			burst = 1 + rand_r(&seed) % 16;
		while (burst > 0 && submitted < total) {
			uint32_t size = 1 + rand_r(&seed) % 4096;
			size_t so = rand_r(&seed) % (e->len - size);

			/* Each slot owns its destination window. */
			if (!drv_submit(d, so, (size_t)d->head * 4096, size))
				break;
			submitted++;
			burst--;
		}
		doorbell(e);
		CHECK(drv_reap(d, &done) == 0);
	}
	CHECK_EQ(plx_sim_desc_count(e->sim, 0), total);
	WAIT_FOR(!(ctrl_settled(e) & PLX_CTRL_IN_PROGRESS));
	CHECK(ctrl_settled(e) & PLX_CTRL_DESC_INVALID);
	return 0;
}

static int
test_threaded_copy(struct env *e)
{
	struct drv d = { 0 };
	int rc = threaded_copy(e, &d);

	drv_fini(&d);
	return rc;
}

/* Two functions served by the one engine thread at the same time. */
static int
threaded_multi_func(struct env *e, struct drv *d)
{
	struct plx_sim_conf conf = { .nb_funcs = 2, .cpu = -1 };
	uint32_t done[2] = { 0, 0 }, sub[2] = { 0, 0 };
	const uint32_t total = 3000;
	uint64_t t0;

	CHECK(env_init_conf(&e[0], &conf, 64, 256 * 1024) == 0);
	e[1].sim = e[0].sim;
	CHECK(env_attach(&e[1], 1, 64, 256 * 1024) == 0);
	for (int k = 0; k < 2; k++) {
		CHECK(drv_init(&d[k], &e[k]) == 0);
		ring_program(&e[k], 0, PLX_PREF_LIMIT_4_DESC);
	}
	t0 = plx_test_now_us();
	while (done[0] < total || done[1] < total) {
		CHECK(plx_test_now_us() - t0 < TIMEOUT_US);
		for (int k = 0; k < 2; k++) {
			/* Sizes 1000 and 1001 tell the functions apart. */
			while (sub[k] < total && drv_submit(&d[k],
					(sub[k] * 37) % 4096,
					(size_t)d[k].head * 4096, 1000 + k))
				sub[k]++;
			doorbell(&e[k]);
			CHECK(drv_reap(&d[k], &done[k]) == 0);
		}
	}
	CHECK_EQ(plx_sim_desc_count(e[0].sim, 0), total);
	CHECK_EQ(plx_sim_desc_count(e[0].sim, 1), total);
	return 0;
}

static int
test_threaded_multi_func(void)
{
	struct env e[2] = { 0 };
	struct drv d[2] = { 0 };
	int rc = threaded_multi_func(e, d);

	drv_fini(&d[0]);
	drv_fini(&d[1]);
	/* The switch first: its engine thread may still be reading e[1]'s
	 * ring (a START latched by the last doorbell). */
	e[1].sim = NULL;
	env_fini(&e[0]);
	env_fini(&e[1]);
	return rc;
}

/* STOP_DESCS descriptors, each slow enough for a stop to land mid-ring. */
#define STOP_DESCS	1000u
static const struct plx_sim_conf slow_conf = {
	.nb_funcs = 1, .cpu = -1, .desc_latency_ns = 20000,
};

/* Pause or abort a running ring; completions stay strictly in order. */
static int
threaded_stop(struct env *e, uint32_t cmd, uint32_t done_bit)
{
	const uint32_t n = STOP_DESCS;
	uint32_t k;

	for (uint32_t i = 0; i < n; i++)
		desc_set(e, i, i * 8, i * 64, 64);
	ring_start(e, 0);
	WAIT_FOR(plx_sim_desc_count(e->sim, 0) >= 50);
	w32(e, PLX_REG_CTRL, cmd);
	/* Reading back the write itself would show done_bit already. */
	CHECK(ctrl32(e) & PLX_CTRL_IMM_PAUSE_DONE);
	WAIT_FOR(ctrl_settled(e) & done_bit);
	CHECK(!(ctrl_settled(e) & PLX_CTRL_IN_PROGRESS));
	k = (uint32_t)plx_sim_desc_count(e->sim, 0);
	CHECK(k >= 50 && k < n);
	for (uint32_t i = 0; i < n; i++)
		CHECK_EQ(flags(e, i), i < k ? PLX_DESC_WB_SUCCESS | 64 :
			PLX_DESC_VALID | 64);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_NEXT_ADDR),
		(uint32_t)desc_iova(e, k));
	/* The engine stays put; then a restart finishes the ring. */
	CHECK_EQ(plx_sim_desc_count(e->sim, 0), k);
	ring_start(e, k);
	WAIT_FOR(plx_sim_desc_count(e->sim, 0) == n &&
		(ctrl_settled(e) & PLX_CTRL_DESC_INVALID));
	for (uint32_t i = 0; i < n; i++)
		CHECK_EQ(flags(e, i), PLX_DESC_WB_SUCCESS | 64);
	CHECK(memcmp(e->dst + 64 * (n - 1), e->src + 8 * (n - 1), 64) == 0);
	return 0;
}

static int
test_threaded_pause(struct env *e)
{
	return threaded_stop(e, PLX_CTRL_RESET_VAL | PLX_CTRL_GRACEFUL_PAUSE,
		PLX_CTRL_GRACEFUL_PAUSE_DONE);
}

static int
test_threaded_abort(struct env *e)
{
	return threaded_stop(e, PLX_CTRL_RESET_VAL | PLX_CTRL_ABORT,
		PLX_CTRL_ABORT_DONE);
}

static int
test_threaded_stall_removal(struct env *e)
{
	desc_fill(e, 0, 8, 64);
	/* Armed before the START: nothing has run yet to count from. */
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_STALL, 3) == 0);
	ring_start(e, 0);
	WAIT_FOR(plx_sim_desc_count(e->sim, 0) == 3);
	CHECK(ctrl_settled(e) & PLX_CTRL_IN_PROGRESS);
	plx_sim_clear_faults(e->sim, 0);
	WAIT_FOR(plx_sim_desc_count(e->sim, 0) == 8);
	WAIT_FOR(ctrl_settled(e) & PLX_CTRL_DESC_INVALID);
	/* Removal while running. */
	desc_fill(e, 8, 16, 64);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_STALL, 2) == 0);
	doorbell(e);
	WAIT_FOR(plx_sim_desc_count(e->sim, 0) == 10);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_SURPRISE_REMOVAL,
		0) == 0);
	plx_sim_clear_faults(e->sim, 0);
	CHECK_EQ(ctrl32(e), PLX_GONE_U32);
	doorbell(e);
	CHECK_EQ(ctrl32(e), PLX_GONE_U32);	/* at once, no pass needed */
	CHECK_EQ(plx_sim_desc_count(e->sim, 0), 10);
	CHECK_EQ(flags(e, 10), PLX_DESC_VALID | 64);
	return 0;
}

static const struct plx_sim_conf pacing_conf = {
	.nb_funcs = 1, .cpu = -1, .bandwidth = 100 * 1000 * 1000,
};

/* 40 x 50000 bytes at 100 MB/s: 20 ms at least. */
static int
test_threaded_pacing(struct env *e)
{
	uint64_t t0, dt;

	for (uint32_t i = 0; i < 40; i++)
		desc_set(e, i, i * 50000, i * 50000, 50000);
	ring_program(e, 0, PLX_PREF_LIMIT_4_DESC);
	t0 = plx_test_now_us();
	doorbell(e);
	WAIT_FOR(plx_sim_desc_count(e->sim, 0) == 40);
	dt = plx_test_now_us() - t0;
	CHECK(dt >= 19000);
	CHECK(memcmp(e->dst, e->src, 40 * 50000) == 0);
	return 0;
}

/* The IOMMU test's driver thread: copies into buffer b without pause. */
struct iommu_ctx {
	struct env *e;
	uint8_t *b;
	bool stop;
	uint64_t ok;
	uint64_t fail;
	bool bad;
};

static void *
iommu_driver(void *arg)
{
	struct iommu_ctx *c = arg;
	struct env *e = c->e;
	uint32_t head = 0, tail = 0, inflight = 0;
	uint64_t t0 = plx_test_now_us();

	while (!plx_sim_load(&c->stop, memory_order_acquire)) {
		uint32_t fl;

		while (inflight < e->ring_n) {
			desc_put(&e->ring[head], iova(e->src),
				iova(c->b + head * 64), 64, true);
			head = (head + 1) % e->ring_n;
			inflight++;
		}
		doorbell(e);
		while (inflight > 0 &&
				!((fl = flags(e, tail)) & PLX_DESC_VALID)) {
			if (fl == (PLX_DESC_WB_SUCCESS | 64))
				c->ok++;
			else if (fl == PLX_DESC_WB_WRITE_FAIL)
				c->fail++;
			else
				c->bad = true;
			tail = (tail + 1) % e->ring_n;
			inflight--;
		}
		if (plx_test_now_us() - t0 > TIMEOUT_US) {
			c->bad = true;
			break;
		}
	}
	return NULL;
}

/* The rounds of the IOMMU test, its driver thread running. */
static int
iommu_rounds(struct env *e, struct iommu_ctx *c, uint8_t *other)
{
	for (int round = 0; round < 50; round++) {
		uint64_t n;

		WAIT_FOR(mem_is(c->b, 0xaa, 32 * 64) || c->bad);
		CHECK(plx_sim_iommu_unmap(e->sim, iova(c->b), 32 * 64) == 0);
		memset(c->b, 0, 32 * 64);
		n = plx_sim_desc_count(e->sim, 0);
		/* Unrelated churn, while the engine keeps failing writes. */
		CHECK(plx_sim_iommu_map(e->sim, IOVA_A, other, 4096) == 0);
		CHECK(plx_sim_iommu_unmap(e->sim, IOVA_A, 4096) == 0);
		WAIT_FOR(plx_sim_desc_count(e->sim, 0) >= n + 64 || c->bad);
		CHECK(mem_is(c->b, 0, 32 * 64));
		CHECK(plx_sim_iommu_map(e->sim, iova(c->b), c->b,
			32 * 64) == 0);
	}
	return 0;
}

/*
 * Map/unmap from another thread while the engine copies: once unmap
 * returns, the engine never writes the range again.
 */
static int
test_threaded_iommu(struct env *e)
{
	struct iommu_ctx c = { .e = e };
	uint8_t *other = env_page(e, 4096);
	pthread_t th;
	int rc;

	CHECK(other != NULL);
	memset(e->src, 0xaa, 4096);
	c.b = env_page(e, 32 * 64);
	CHECK(c.b != NULL);
	CHECK(plx_sim_iommu_map(e->sim, iova(c.b), c.b, 32 * 64) == 0);
	ring_program(e, 0, PLX_PREF_LIMIT_4_DESC);
	CHECK(pthread_create(&th, NULL, iommu_driver, &c) == 0);
	rc = iommu_rounds(e, &c, other);
	plx_sim_store(&c.stop, true, memory_order_release);
	pthread_join(th, NULL);
	if (rc != 0)
		return rc;
	CHECK(!c.bad);
	CHECK(c.ok > 0 && c.fail > 0);
	/* The runner stops the engine before it unmaps c.b. */
	return 0;
}

const struct model_test model_threaded_tests[] = {
	THREADED(threaded_copy, 128, 1 << 20),
	TEST(threaded_multi_func),
	ENV_TEST(threaded_pause, &slow_conf, STOP_DESCS + 1, 64 * 1024),
	ENV_TEST(threaded_abort, &slow_conf, STOP_DESCS + 1, 64 * 1024),
	THREADED(threaded_stall_removal, 16, 64 * 1024),
	ENV_TEST(threaded_pacing, &pacing_conf, 64, 4 << 20),
	THREADED(threaded_iommu, 32, 4096),
	MODEL_TEST_END
};
