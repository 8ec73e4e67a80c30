/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Model tests: power-on, the ring walk, prefetch and its snapshots,
 * write-back, the IOMMU and IOVA translation (with the engine's cached
 * translations and prefetch hints), the ring's own mapping.
 * Most run in manual mode, where plx_sim_step() makes every interleaving
 * deterministic.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "test_plx_sim_model.h"

/* Both functions of a fresh switch are zero; a BAR's fd maps its bytes. */
static int
power_on_checks(struct plx_sim *sim, uint8_t **alias)
{
	volatile uint8_t *bar;
	int fd;

	CHECK_EQ(plx_sim_nb_funcs(sim), 2);
	CHECK(plx_sim_bar0(sim, 2) == NULL);
	CHECK_EQ(plx_sim_bar0_fd(sim, 2), (uint64_t)-1);
	for (unsigned int fn = 0; fn < 2; fn++) {
		bar = plx_sim_bar0(sim, fn);
		CHECK(bar != NULL);
		for (unsigned int i = 0; i < PLX_BAR0_SIM_LEN; i++)
			CHECK_EQ(bar[i], 0);
		CHECK_EQ(plx_sim_desc_count(sim, fn), 0);
		CHECK_EQ(plx_sim_step(sim, fn, 16), 0);
		CHECK_EQ(*(volatile uint32_t *)(bar + PLX_REG_CTRL), 0);
	}
	/* The fd maps the very same bytes. */
	fd = plx_sim_bar0_fd(sim, 1);
	CHECK(fd >= 0);
	*alias = mmap(NULL, PLX_BAR0_SIM_LEN, PROT_READ | PROT_WRITE,
		MAP_SHARED, fd, 0);
	CHECK(*alias != MAP_FAILED);
	bar = plx_sim_bar0(sim, 1);
	*(volatile uint32_t *)(*alias + PLX_REG_DESC_RING_COUNT) = 0x1234;
	CHECK_EQ(*(volatile uint32_t *)(bar + PLX_REG_DESC_RING_COUNT), 0x1234);
	bar = plx_sim_bar0(sim, 0);
	CHECK_EQ(*(volatile uint32_t *)(bar + PLX_REG_DESC_RING_COUNT), 0);
	return 0;
}

static int
test_power_on(void)
{
	struct plx_sim_conf conf = { .nb_funcs = 2, .cpu = -1, .manual = true };
	struct plx_sim *sim = plx_sim_create(&conf);
	uint8_t *alias = MAP_FAILED;
	int rc;

	CHECK(sim != NULL);
	rc = power_on_checks(sim, &alias);
	if (alias != MAP_FAILED)
		munmap(alias, PLX_BAR0_SIM_LEN);
	plx_sim_destroy(sim);
	return rc;
}

/* A switch on BAR0 files of the caller's (fds[0]), driven through them. */
static int
bar_fds_checks(const struct plx_sim_conf *conf, struct env *e,
		uint8_t **alias)
{
	const int fd = conf->bar_fds[0];

	CHECK(fd >= 0);
	CHECK(ftruncate(fd, PLX_BAR0_SIM_LEN) == 0);
	*alias = mmap(NULL, PLX_BAR0_SIM_LEN, PROT_READ | PROT_WRITE,
		MAP_SHARED, fd, 0);
	CHECK(*alias != MAP_FAILED);
	memset(*alias, 0x5a, PLX_BAR0_SIM_LEN);
	CHECK(env_init_conf(e, conf, 8, 4096) == 0);
	CHECK_EQ(plx_sim_bar0_fd(e->sim, 0), fd);
	CHECK(plx_sim_bar0_fd(e->sim, 1) >= 0);
	CHECK(plx_sim_bar0_fd(e->sim, 1) != fd);
	CHECK(mem_is(*alias, 0, PLX_BAR0_SIM_LEN));	/* power-on: zero */
	/* Driven through the caller's own mapping of the file. */
	desc_set(e, 0, 0, 0, 64);
	ring_program(e, 0, 8);
	*(volatile uint16_t *)(*alias + PLX_REG_CTRL) = PLX_CTRL_START_VAL;
	CHECK_EQ(step(e, 8), 1);
	CHECK_EQ(*(volatile uint16_t *)(*alias + PLX_REG_CTRL),
		PLX_CTRL_WRITE_BACK_EN | PLX_CTRL_DESC_MODE_OFF_CHIP |
		PLX_CTRL_DESC_INVALID);
	return 0;
}

static int
test_bar_fds(void)
{
	int fds[2] = { memfd_create("t0", 0), -1 };
	struct plx_sim_conf conf = { .nb_funcs = 2, .cpu = -1, .manual = true,
		.bar_fds = fds };
	struct env e = { 0 };
	uint8_t *alias = MAP_FAILED;
	int rc = bar_fds_checks(&conf, &e, &alias);

	env_fini(&e);
	if (alias != MAP_FAILED)
		munmap(alias, PLX_BAR0_SIM_LEN);
	if (fds[0] >= 0)
		close(fds[0]);
	return rc;
}

/*
 * From here on, most tests take the switch the runner makes for them (see
 * model_ring_tests[]) and leave it to the runner to tear down.
 */

static int
test_ring_walk(struct env *e)
{
	uint32_t sz[8];

	for (uint32_t i = 0; i < 8; i++) {
		sz[i] = i * 517 + 1;
		desc_set(e, i, i * 4096 + i, i * 4096, sz[i]);
	}
	CHECK_EQ(ring_run(e, 0, 3), 3);
	/* Mid-ring: running, START consumed, config as written. */
	CHECK_EQ(ctrl32(e), PLX_CTRL_IN_PROGRESS | PLX_CTRL_WRITE_BACK_EN |
		PLX_CTRL_DESC_MODE_OFF_CHIP);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_NEXT_ADDR),
		(uint32_t)desc_iova(e, 3));
	CHECK_EQ(flags(e, 3), PLX_DESC_VALID | sz[3]);
	CHECK_EQ(step(e, 0), 0);
	CHECK_EQ(step(e, 100), 5);
	for (uint32_t i = 0; i < 8; i++) {
		CHECK_EQ(flags(e, i), PLX_DESC_WB_SUCCESS | sz[i]);
		CHECK(memcmp(e->dst + i * 4096, e->src + i * 4096 + i,
			sz[i]) == 0);
		CHECK_EQ(e->dst[i * 4096 + sz[i]], 0);
	}
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_NEXT_ADDR),
		(uint32_t)desc_iova(e, 8));
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_LAST_ADDR),
		(uint32_t)desc_iova(e, 7));
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_LAST_SIZE), sz[7]);
	/* Stopped at descriptor 8 (never written): DESC_INVALID, idle. */
	CHECK_EQ(ctrl32(e), PLX_CTRL_WRITE_BACK_EN |
		PLX_CTRL_DESC_MODE_OFF_CHIP | PLX_CTRL_DESC_INVALID);
	CHECK_EQ(r16(e, PLX_REG_CTRL), PLX_CTRL_WRITE_BACK_EN |
		PLX_CTRL_DESC_MODE_OFF_CHIP | PLX_CTRL_DESC_INVALID);
	CHECK_EQ(plx_sim_desc_count(e->sim, 0), 8);
	CHECK_EQ(r16(e, PLX_REG_INTR_STATUS),
		PLX_INTR_DESC_DONE | PLX_INTR_INV_DESC);
	/* Ring registers software wrote are left alone. */
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_ADDR), (uint32_t)e->ring_iova);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_COUNT), 16);
	CHECK_EQ(r32(e, PLX_REG_PREF_LIMIT), PLX_PREF_LIMIT_4_DESC);
	return 0;
}

static int
test_wrap(struct env *e)
{
	desc_fill(e, 0, 4, 100);
	CHECK_EQ(ring_run(e, 0, 4), 4);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_NEXT_ADDR), (uint32_t)e->ring_iova);
	CHECK(ctrl32(e) & PLX_CTRL_IN_PROGRESS);
	/* Descriptor 0 was written back: the engine stops there. */
	CHECK_EQ(step(e, 4), 0);
	CHECK(!(ctrl32(e) & PLX_CTRL_IN_PROGRESS));
	CHECK(ctrl32(e) & PLX_CTRL_DESC_INVALID);
	/* Second lap: 0..2 valid again, 3 still written back. */
	memset(e->dst, 0, 4096);
	for (uint32_t i = 0; i < 3; i++)
		desc_set(e, i, 1000 + i, 2000 + i * 100, 50);
	CHECK_EQ(kick(e, 100), 3);
	for (uint32_t i = 0; i < 3; i++) {
		CHECK_EQ(flags(e, i), PLX_DESC_WB_SUCCESS | 50);
		CHECK(memcmp(e->dst + 2000 + i * 100, e->src + 1000 + i,
			50) == 0);
	}
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_NEXT_ADDR),
		(uint32_t)desc_iova(e, 3));
	CHECK_EQ(plx_sim_desc_count(e->sim, 0), 7);
	return 0;
}

static int
test_valid_stop_resume(struct env *e)
{
	for (uint32_t i = 0; i < 3; i++)
		desc_set(e, i, i * 64, i * 64, 64);
	desc_put(&e->ring[3], iova(e->src), iova(e->dst + 3 * 64), 64, false);
	CHECK_EQ(ring_run(e, 0, 100), 3);
	CHECK_EQ(run_bits(e), PLX_CTRL_DESC_INVALID);
	CHECK_EQ(flags(e, 3), 64);
	CHECK(mem_is(e->dst + 3 * 64, 0, 64));
	/* Made valid without a START: nothing happens. */
	set_valid(e, 3);
	desc_set(e, 4, 4 * 64, 4 * 64, 64);
	CHECK_EQ(step(e, 100), 0);
	CHECK_EQ(flags(e, 3), PLX_DESC_VALID | 64);
	/* START resumes at NEXT_ADDR, where it stopped. */
	CHECK_EQ(kick(e, 100), 2);
	CHECK_EQ(flags(e, 3), PLX_DESC_WB_SUCCESS | 64);
	CHECK_EQ(flags(e, 4), PLX_DESC_WB_SUCCESS | 64);
	CHECK(memcmp(e->dst + 3 * 64, e->src, 64) == 0);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_NEXT_ADDR),
		(uint32_t)desc_iova(e, 5));
	CHECK_EQ(run_bits(e), PLX_CTRL_DESC_INVALID);
	return 0;
}

/* A descriptor made valid after it was prefetched, with no new START. */
static int
test_prefetch_race(struct env *e)
{
	desc_set(e, 0, 0, 0, 32);
	/* The step snapshots 0 and 1 (invalid), then processes 0 only. */
	CHECK_EQ(ring_run(e, 0, 1), 1);
	CHECK(ctrl32(e) & PLX_CTRL_IN_PROGRESS);
	desc_set(e, 1, 100, 100, 32);
	CHECK_EQ(step(e, 100), 0);
	CHECK_EQ(run_bits(e), PLX_CTRL_DESC_INVALID);
	CHECK_EQ(flags(e, 1), PLX_DESC_VALID | 32);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_NEXT_ADDR),
		(uint32_t)desc_iova(e, 1));
	/* Stranded until software writes START, as the contract says. */
	CHECK_EQ(kick(e, 100), 1);
	CHECK_EQ(flags(e, 1), PLX_DESC_WB_SUCCESS | 32);
	return 0;
}

/* START after VALID while the engine runs on stale snapshots: latched. */
static int
test_start_latch(struct env *e)
{
	desc_set(e, 0, 0, 0, 32);
	CHECK_EQ(ring_run(e, 0, 1), 1);
	desc_fill(e, 1, 4, 32);
	/* One step takes the START and processes 1..3 without stopping. */
	CHECK_EQ(kick(e, 3), 3);
	CHECK_EQ(ctrl32(e) & (PLX_CTRL_IN_PROGRESS | PLX_CTRL_DESC_INVALID |
		PLX_CTRL_START), PLX_CTRL_IN_PROGRESS);
	for (uint32_t i = 1; i < 4; i++)
		CHECK_EQ(flags(e, i), PLX_DESC_WB_SUCCESS | 32);
	/* The latch is used up: the next invalid descriptor stops it. */
	CHECK_EQ(step(e, 100), 0);
	CHECK(ctrl32(e) & PLX_CTRL_DESC_INVALID);
	/* Two STARTs in a row are one. */
	desc_set(e, 4, 0, 400, 32);
	doorbell(e);
	CHECK_EQ(kick(e, 100), 1);
	CHECK_EQ(plx_sim_desc_count(e->sim, 0), 5);
	return 0;
}

/* Prefetched descriptors are snapshots; PREF_LIMIT 8 = four of them. */
static int
test_prefetch_snapshot(struct env *e)
{
	desc_fill(e, 0, 6, 32);
	CHECK_EQ(ring_run(e, 0, 1), 1);	/* snapshots 0..3 */
	desc_set(e, 3, 3 * 100, 10000 + 3 * 100, 32);
	desc_set(e, 4, 4 * 100, 10000 + 4 * 100, 32);
	CHECK_EQ(step(e, 100), 5);
	CHECK(memcmp(e->dst + 300, e->src + 300, 32) == 0);	/* old */
	CHECK(mem_is(e->dst + 10300, 0, 32));
	CHECK(memcmp(e->dst + 10400, e->src + 400, 32) == 0);	/* new */
	CHECK(mem_is(e->dst + 400, 0, 32));
	/* Slot 3 was rewritten while the engine owned it; 4 was not yet. */
	CHECK_EQ(plx_sim_ownership_errors(e->sim, 0), 1);
	env_fini(e);

	/* PREF_LIMIT 0: only the current descriptor is fetched. */
	CHECK(env_init(e, true, 16, 64 * 1024) == 0);
	desc_fill(e, 0, 3, 32);
	ring_program(e, 0, 0);
	CHECK_EQ(kick(e, 1), 1);
	desc_set(e, 1, 100, 10100, 32);
	desc_set(e, 3, 300, 300, 32);	/* valid before it is fetched */
	CHECK_EQ(step(e, 100), 3);
	CHECK(memcmp(e->dst + 10100, e->src + 100, 32) == 0);
	CHECK(mem_is(e->dst + 100, 0, 32));
	return 0;
}

static int
test_writeback_disabled(struct env *e)
{
	desc_set(e, 0, 0, 0, 10);
	desc_set(e, 1, 10, 10, 20);
	ring_program(e, 0, PLX_PREF_LIMIT_4_DESC);
	w16(e, PLX_REG_CTRL, PLX_CTRL_START_VAL & ~PLX_CTRL_WRITE_BACK_EN);
	CHECK_EQ(step(e, 2), 2);
	CHECK_EQ(flags(e, 0), PLX_DESC_VALID | 10);
	CHECK_EQ(flags(e, 1), PLX_DESC_VALID | 20);
	CHECK(memcmp(e->dst, e->src, 30) == 0);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_LAST_ADDR),
		(uint32_t)desc_iova(e, 1));
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_LAST_SIZE), 20);
	CHECK_EQ(plx_sim_desc_count(e->sim, 0), 2);
	return 0;
}

/* With the engine's cache prefetch hints (off by default). */
static const struct plx_sim_conf hints_conf = {
	.nb_funcs = 1, .cpu = -1, .manual = true, .prefetch_hints = true,
};

static const struct plx_sim_conf null_copy_conf = {
	.nb_funcs = 1, .cpu = -1, .manual = true, .null_copy = true,
};

static int
test_null_copy(struct env *e)
{
	desc_set(e, 0, 0, 0, 100);
	CHECK_EQ(ring_run(e, 0, 4), 1);
	CHECK_EQ(flags(e, 0), PLX_DESC_WB_SUCCESS | 100);
	CHECK(mem_is(e->dst, 0, 100));
	/* Switched off on the running switch: the next one moves data. */
	plx_sim_set_null_copy(e->sim, false);
	desc_set(e, 1, 0, 0, 100);
	CHECK_EQ(kick(e, 4), 1);
	CHECK_EQ(flags(e, 1), PLX_DESC_WB_SUCCESS | 100);
	CHECK(memcmp(e->dst, e->src, 100) == 0);
	return 0;
}

static int
test_size_zero(struct env *e)
{
	desc_set(e, 0, 0, 0, 0);
	desc_set(e, 1, 0, 0, 8);
	CHECK_EQ(ring_run(e, 0, 4), 2);
	CHECK_EQ(flags(e, 0), PLX_DESC_WB_READ_FAIL);
	CHECK_EQ(flags(e, 1), PLX_DESC_WB_SUCCESS | 8);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_LAST_SIZE), 8);
	CHECK(r16(e, PLX_REG_INTR_STATUS) & PLX_INTR_ERROR);
	return 0;
}

/* IOMMU rejection: failure bit, 0 bytes, memory untouched, engine goes on. */
static int
test_iommu_reject(struct env *e)
{
	uint8_t *um = env_page(e, 4096), *part = env_page(e, 8192);

	CHECK(um != NULL && part != NULL);
	memset(um, 0x5a, 4096);
	memset(part, 0x6b, 8192);
	CHECK(plx_sim_iommu_map(e->sim, iova(part), part, 4096) == 0);
	desc_put(&e->ring[0], iova(um), iova(e->dst), 64, true);
	desc_put(&e->ring[1], iova(e->src), iova(um), 64, true);
	desc_put(&e->ring[2], iova(part + 4096 - 10), iova(e->dst + 100), 20,
		true);
	desc_put(&e->ring[3], iova(e->src), iova(part + 4096 - 10), 20, true);
	desc_put(&e->ring[4], iova(part + 4096 - 20), iova(e->dst + 200), 20,
		true);
	desc_set(e, 5, 300, 300, 64);
	CHECK_EQ(ring_run(e, 0, 100), 6);
	CHECK_EQ(flags(e, 0), PLX_DESC_WB_READ_FAIL);
	CHECK_EQ(flags(e, 1), PLX_DESC_WB_WRITE_FAIL);
	CHECK_EQ(flags(e, 2), PLX_DESC_WB_READ_FAIL);
	CHECK_EQ(flags(e, 3), PLX_DESC_WB_WRITE_FAIL);
	CHECK_EQ(flags(e, 4), PLX_DESC_WB_SUCCESS | 20);
	CHECK_EQ(flags(e, 5), PLX_DESC_WB_SUCCESS | 64);
	CHECK(mem_is(e->dst, 0, 64));
	CHECK(mem_is(e->dst + 100, 0, 20));
	CHECK(mem_is(um, 0x5a, 4096));
	CHECK(mem_is(part, 0x6b, 8192));
	CHECK(memcmp(e->dst + 300, e->src + 300, 64) == 0);
	CHECK_EQ(plx_sim_desc_count(e->sim, 0), 6);
	CHECK_EQ(r16(e, PLX_REG_INTR_STATUS) & PLX_INTR_ERROR, PLX_INTR_ERROR);
	/* Unmapping takes a range out again. */
	CHECK(plx_sim_iommu_unmap(e->sim, iova(e->src), e->len) == 0);
	desc_set(e, 6, 0, 0, 8);
	CHECK_EQ(kick(e, 100), 1);
	CHECK_EQ(flags(e, 6), PLX_DESC_WB_READ_FAIL);
	return 0;
}

/*
 * The engine hints the lines of the descriptors it fetched ahead
 * (hints_conf), never keeps their translation: unmapping or remapping
 * what a queued descriptor points at takes effect when it runs.
 */
static int
test_prefetch_remap(struct env *e)
{
	uint8_t *a = env_page(e, 4096), *b = env_page(e, 4096);

	CHECK(a != NULL && b != NULL);
	memset(a, 0xa1, 4096);
	memset(b, 0xb2, 4096);
	CHECK(plx_sim_iommu_map(e->sim, IOVA_A, a, 4096) == 0);
	CHECK(plx_sim_iommu_map(e->sim, IOVA_B, b, 4096) == 0);
	desc_set(e, 0, 0, 0, 64);
	desc_put(&e->ring[1], IOVA_A, iova(e->dst + 1000), 64, true);
	desc_put(&e->ring[2], IOVA_B, iova(e->dst + 2000), 64, true);
	desc_put(&e->ring[3], iova(e->src + 3000), IOVA_B + 64, 64, true);
	/* 0 runs with 1..3 queued behind it, their lines hinted. */
	CHECK_EQ(ring_run(e, 0, 1), 1);
	/* 1's source moves to b; 2's source and 3's destination go. */
	CHECK(plx_sim_iommu_unmap(e->sim, IOVA_A, 4096) == 0);
	CHECK(plx_sim_iommu_unmap(e->sim, IOVA_B, 4096) == 0);
	CHECK(plx_sim_iommu_map(e->sim, IOVA_A, b, 4096) == 0);
	CHECK_EQ(step(e, 100), 3);
	CHECK_EQ(flags(e, 1), PLX_DESC_WB_SUCCESS | 64);
	CHECK(mem_is(e->dst + 1000, 0xb2, 64));
	CHECK_EQ(flags(e, 2), PLX_DESC_WB_READ_FAIL);
	CHECK(mem_is(e->dst + 2000, 0, 64));
	CHECK_EQ(flags(e, 3), PLX_DESC_WB_WRITE_FAIL);
	CHECK(mem_is(a, 0xa1, 4096) && mem_is(b, 0xb2, 4096));
	CHECK_EQ(plx_sim_ownership_errors(e->sim, 0), 0);
	return 0;
}

/*
 * Mappings made page by page (as DPDK maps its memory segments) are one
 * block while contiguous in IOVA and host address, for the engine's
 * cached translations too; a change of the map is seen at once.
 */
static int
test_iommu_runs(struct env *e)
{
	uint8_t *p = env_page(e, 8 * 4096), *q = env_page(e, 4096);
	uint64_t pg = 4096;
	unsigned int i;

	CHECK(p != NULL && q != NULL);
	for (i = 0; i < 8; i++) {
		memset(p + i * pg, 0x10 + i, pg);
		CHECK(plx_sim_iommu_map(e->sim, IOVA_A + i * pg, p + i * pg,
			pg) == 0);
	}
	memset(q, 0x77, pg);
	desc_put(&e->ring[0], IOVA_A + 10, iova(e->dst), 64, true);
	desc_put(&e->ring[1], IOVA_A + 6 * pg - 32, iova(e->dst + 100), 64,
		true);
	desc_put(&e->ring[2], iova(e->src), IOVA_A + 2 * pg - 16, 32, true);
	CHECK_EQ(ring_run(e, 0, 100), 3);
	CHECK_EQ(flags(e, 0), PLX_DESC_WB_SUCCESS | 64);
	CHECK(mem_is(e->dst, 0x10, 64));
	CHECK_EQ(flags(e, 1), PLX_DESC_WB_SUCCESS | 64);
	CHECK(mem_is(e->dst + 100, 0x15, 32) &&
		mem_is(e->dst + 132, 0x16, 32));
	CHECK_EQ(flags(e, 2), PLX_DESC_WB_SUCCESS | 32);
	CHECK(memcmp(p + 2 * pg - 16, e->src, 32) == 0);
	/* Page 6 goes, and with it the block across it. */
	CHECK(plx_sim_iommu_unmap(e->sim, IOVA_A + 6 * pg, pg) == 0);
	desc_put(&e->ring[3], IOVA_A + 6 * pg - 32, iova(e->dst + 200), 64,
		true);
	desc_put(&e->ring[4], IOVA_A + 7 * pg + 8, iova(e->dst + 300), 64,
		true);
	desc_put(&e->ring[5], IOVA_A + 5 * pg, iova(e->dst + 400), pg, true);
	CHECK_EQ(kick(e, 100), 3);
	CHECK_EQ(flags(e, 3), PLX_DESC_WB_READ_FAIL);
	CHECK(mem_is(e->dst + 200, 0, 64));
	CHECK_EQ(flags(e, 4), PLX_DESC_WB_SUCCESS | 64);
	CHECK(mem_is(e->dst + 300, 0x17, 64));
	CHECK_EQ(flags(e, 5), PLX_DESC_WB_SUCCESS | (uint32_t)pg);
	CHECK(mem_is(e->dst + 400, 0x15, pg));
	/* Back at other memory: contiguous IOVA, not host. */
	CHECK(plx_sim_iommu_map(e->sim, IOVA_A + 6 * pg, q, pg) == 0);
	desc_put(&e->ring[6], IOVA_A + 6 * pg - 32, iova(e->dst + 5000), 64,
		true);
	desc_put(&e->ring[7], IOVA_A + 6 * pg + 100, iova(e->dst + 5100), 64,
		true);
	CHECK_EQ(kick(e, 100), 2);
	CHECK_EQ(flags(e, 6), PLX_DESC_WB_READ_FAIL);
	CHECK(mem_is(e->dst + 5000, 0, 64));
	CHECK_EQ(flags(e, 7), PLX_DESC_WB_SUCCESS | 64);
	CHECK(mem_is(e->dst + 5100, 0x77, 64));
	return 0;
}

/* The same with the cache hints on: they change nothing. */
static int
test_prefetch_snapshot_hinted(struct env *e)
{
	return test_prefetch_snapshot(e);
}

static int
test_iommu_reject_hinted(struct env *e)
{
	return test_iommu_reject(e);
}

/* Map/unmap argument rules, and adjacent mappings. */
static int
test_iommu_table(struct env *e)
{
	uint8_t *p = env_page(e, 8192), *q = env_page(e, 8192);

	CHECK(p != NULL && q != NULL);
	memset(p, 0x11, 4096);
	memset(p + 4096, 0x22, 4096);
	memset(q, 0x33, 4096);
	memset(q + 4096, 0x44, 4096);
	CHECK_EQ(plx_sim_iommu_map(e->sim, IOVA_A, p, 0), (uint64_t)-EINVAL);
	CHECK_EQ(plx_sim_iommu_map(e->sim, IOVA_A, NULL, 4096),
		(uint64_t)-EINVAL);
	CHECK_EQ(plx_sim_iommu_map(e->sim, UINT64_MAX - 10, p, 4096),
		(uint64_t)-EINVAL);
	CHECK(plx_sim_iommu_map(e->sim, IOVA_A, p, 4096) == 0);
	CHECK(plx_sim_iommu_map(e->sim, IOVA_A + 4096, p + 4096, 4096) == 0);
	CHECK_EQ(plx_sim_iommu_map(e->sim, IOVA_A + 100, q, 10),
		(uint64_t)-EEXIST);
	CHECK_EQ(plx_sim_iommu_map(e->sim, IOVA_A - 10, q, 20),
		(uint64_t)-EEXIST);
	/* Contiguous in IOVA and host: one block for the engine. */
	CHECK(plx_sim_iommu_map(e->sim, IOVA_B + 4096, q, 4096) == 0);
	CHECK(plx_sim_iommu_map(e->sim, IOVA_B, q + 4096, 4096) == 0);
	desc_put(&e->ring[0], IOVA_A + 4096 - 50, iova(e->dst), 100, true);
	/* Contiguous IOVA, discontiguous host: refused. */
	desc_put(&e->ring[1], IOVA_B + 4096 - 50, iova(e->dst + 200), 100,
		true);
	desc_put(&e->ring[2], IOVA_B + 4096 - 50, iova(e->dst + 400), 50,
		true);
	CHECK_EQ(ring_run(e, 0, 100), 3);
	CHECK_EQ(flags(e, 0), PLX_DESC_WB_SUCCESS | 100);
	CHECK(mem_is(e->dst, 0x11, 50) && mem_is(e->dst + 50, 0x22, 50));
	CHECK_EQ(flags(e, 1), PLX_DESC_WB_READ_FAIL);
	CHECK(mem_is(e->dst + 200, 0, 100));
	CHECK_EQ(flags(e, 2), PLX_DESC_WB_SUCCESS | 50);
	CHECK(mem_is(e->dst + 400, 0x44, 50));
	/* Unmap: never splits a mapping; nothing there is -ENOENT. */
	CHECK_EQ(plx_sim_iommu_unmap(e->sim, IOVA_A, 100), (uint64_t)-EINVAL);
	CHECK_EQ(plx_sim_iommu_unmap(e->sim, IOVA_A + 8192, 4096),
		(uint64_t)-ENOENT);
	CHECK_EQ(plx_sim_iommu_unmap(e->sim, IOVA_A, 0), (uint64_t)-EINVAL);
	CHECK(plx_sim_iommu_unmap(e->sim, IOVA_A, 8192) == 0);
	CHECK_EQ(plx_sim_iommu_unmap(e->sim, IOVA_A, 8192), (uint64_t)-ENOENT);
	desc_put(&e->ring[3], IOVA_A, iova(e->dst + 600), 10, true);
	CHECK_EQ(kick(e, 100), 1);
	CHECK_EQ(flags(e, 3), PLX_DESC_WB_READ_FAIL);
	/* Remapping the same IOVA to other memory takes effect. */
	CHECK(plx_sim_iommu_map(e->sim, IOVA_A, q, 4096) == 0);
	desc_put(&e->ring[4], IOVA_A, iova(e->dst + 600), 10, true);
	CHECK_EQ(kick(e, 100), 1);
	CHECK_EQ(flags(e, 4), PLX_DESC_WB_SUCCESS | 10);
	CHECK(mem_is(e->dst + 600, 0x33, 10));
	return 0;
}

/* IOVAs unrelated to host addresses, 48 bits wide, ring included. */
static int
test_iova_not_vaddr(struct env *e)
{
	uint8_t *a = env_page(e, 4096), *b = env_page(e, 4096);
	struct plx_dma_hw_desc *r = env_page(e, 4096);
	uint64_t rio = UINT64_C(0xfedc00001000);

	CHECK(a != NULL && b != NULL && r != NULL);
	for (int i = 0; i < 4096; i++)
		a[i] = (uint8_t)(i ^ 0xa5);
	CHECK(plx_sim_iommu_map(e->sim, IOVA_A, a, 4096) == 0);
	CHECK(plx_sim_iommu_map(e->sim, IOVA_B + 0x12340000, b, 4096) == 0);
	CHECK(plx_sim_iommu_map(e->sim, rio, r, 4096) == 0);
	desc_put(&r[0], IOVA_A + 10, IOVA_B + 0x12340000 + 20, 1000, true);
	/* The host address of a is not an IOVA of anything. */
	desc_put(&r[1], iova(a), IOVA_B + 0x12340000, 10, true);
	e->ring_iova = rio;
	e->ring_n = 8;
	CHECK_EQ(ring_run(e, 0, 100), 2);
	CHECK_EQ(plx_sim_load(&r[0].flags_and_size, memory_order_acquire),
		PLX_DESC_WB_SUCCESS | 1000);
	CHECK_EQ(plx_sim_load(&r[1].flags_and_size, memory_order_acquire),
		PLX_DESC_WB_READ_FAIL);
	CHECK(memcmp(b + 20, a + 10, 1000) == 0);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_LAST_ADDR), (uint32_t)rio + DSZ);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_NEXT_ADDR), (uint32_t)rio + 2 * DSZ);
	return 0;
}

static void *
xlate_off(uint64_t io, uint64_t len)
{
	if (io < XLATE_OFF || len == 0)
		return NULL;
	return (void *)(uintptr_t)(io - XLATE_OFF);
}

/* IOVA as PA: a translator replaces the table, NULL restores it. */
static int
test_iova_xlate(struct env *e)
{
	plx_sim_set_iova_xlate(e->sim, xlate_off);
	desc_put(&e->ring[0], iova(e->src) + XLATE_OFF,
		iova(e->dst) + XLATE_OFF, 100, true);
	desc_put(&e->ring[1], iova(e->src), iova(e->dst) + XLATE_OFF, 100,
		true);
	e->ring_iova += XLATE_OFF;
	CHECK_EQ(ring_run(e, 0, 100), 2);
	CHECK_EQ(flags(e, 0), PLX_DESC_WB_SUCCESS | 100);
	CHECK_EQ(flags(e, 1), PLX_DESC_WB_READ_FAIL);
	CHECK(memcmp(e->dst, e->src, 100) == 0);
	/* Back to the table: the translated ring is no longer reachable. */
	plx_sim_set_iova_xlate(e->sim, NULL);
	desc_put(&e->ring[2], iova(e->src), iova(e->dst), 10, true);
	CHECK_EQ(kick(e, 100), 0);
	CHECK_EQ(flags(e, 2), PLX_DESC_VALID | 10);
	CHECK(ctrl32(e) & PLX_CTRL_DESC_INVALID);
	e->ring_iova -= XLATE_OFF;
	CHECK_EQ(ring_run(e, 2, 100), 1);
	CHECK_EQ(flags(e, 2), PLX_DESC_WB_SUCCESS | 10);
	return 0;
}

/* The ring itself outside the IOMMU: stop, DESC_INVALID, error cause. */
static int
test_ring_unmapped(struct env *e)
{
	desc_set(e, 0, 0, 0, 8);
	CHECK(plx_sim_iommu_unmap(e->sim, e->ring_iova, e->ring_alloc) == 0);
	CHECK_EQ(ring_run(e, 0, 100), 0);
	CHECK_EQ(run_bits(e), PLX_CTRL_DESC_INVALID);
	CHECK_EQ(r16(e, PLX_REG_INTR_STATUS),
		PLX_INTR_ERROR | PLX_INTR_INV_DESC);
	CHECK_EQ(flags(e, 0), PLX_DESC_VALID | 8);
	CHECK(mem_is(e->dst, 0, 8));
	return 0;
}

/*
 * The ring moves to other host memory while descriptors are queued as
 * snapshots: each is written back where the IOMMU maps its address when
 * it completes, never to the memory the snapshot came from.
 */
static int
test_ring_remapped(struct env *e)
{
	struct plx_dma_hw_desc *moved = env_page(e, e->ring_alloc);

	CHECK(moved != NULL);
	desc_fill(e, 0, 6, 16);
	CHECK_EQ(ring_run(e, 0, 1), 1);	/* snapshots 1..4 queued */
	memcpy(moved, e->ring, e->ring_alloc);
	CHECK(plx_sim_iommu_unmap(e->sim, e->ring_iova, e->ring_alloc) == 0);
	CHECK(plx_sim_iommu_map(e->sim, e->ring_iova, moved,
		e->ring_alloc) == 0);
	CHECK_EQ(step(e, 100), 5);
	for (uint32_t i = 1; i < 6; i++) {
		CHECK_EQ(flags(e, i), PLX_DESC_VALID | 16);
		CHECK_EQ(plx_sim_load(&moved[i].flags_and_size,
			memory_order_acquire), PLX_DESC_WB_SUCCESS | 16);
		CHECK(memcmp(e->dst + i * 100, e->src + i * 100, 16) == 0);
	}
	/* Unmapped with snapshots queued: they run, their write-backs go
	 * nowhere, and the next fetch stops the engine. */
	desc_fill(e, 6, 9, 16);
	memcpy(moved, e->ring, e->ring_alloc);
	CHECK_EQ(kick(e, 1), 1);	/* 6 done, 7 and 8 queued */
	CHECK(plx_sim_iommu_unmap(e->sim, e->ring_iova, e->ring_alloc) == 0);
	CHECK_EQ(step(e, 100), 2);
	CHECK_EQ(plx_sim_load(&moved[6].flags_and_size, memory_order_acquire),
		PLX_DESC_WB_SUCCESS | 16);
	for (uint32_t i = 7; i < 9; i++) {
		CHECK_EQ(plx_sim_load(&moved[i].flags_and_size,
			memory_order_acquire), PLX_DESC_VALID | 16);
		CHECK(memcmp(e->dst + i * 100, e->src + i * 100, 16) == 0);
	}
	CHECK_EQ(run_bits(e), PLX_CTRL_DESC_INVALID);
	return 0;
}

/* NEXT_ADDR wraps its low 32 bits: fetched from ADDR_HI:NEXT_ADDR. */
static int
test_ring_4g_cross(struct env *e)
{
	struct plx_dma_hw_desc *ring = env_page(e, 4096);
	struct plx_dma_hw_desc *wrong = env_page(e, 4096);
	const uint64_t base = UINT64_C(0x1ffffffe0);

	CHECK(ring != NULL && wrong != NULL);
	/* Ring at 0x1_ffff_ffe0..0x2_0000_001f; 0x1_0000_0000 elsewhere. */
	CHECK(plx_sim_iommu_map(e->sim, base, ring, 4 * DSZ) == 0);
	CHECK(plx_sim_iommu_map(e->sim, UINT64_C(0x100000000), wrong,
		4096) == 0);
	for (uint32_t i = 0; i < 4; i++)
		desc_put(&ring[i], iova(e->src + i * 100),
			iova(e->dst + i * 100), 10, true);
	desc_put(&wrong[0], iova(e->src + 1000), iova(e->dst + 1000), 10,
		true);
	e->ring_iova = base;
	e->ring_n = 4;
	ring_program(e, 0, PLX_PREF_LIMIT_4_DESC);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_ADDR_HI), 1);
	CHECK_EQ(kick(e, 100), 3);
	CHECK_EQ(plx_sim_load(&ring[0].flags_and_size, memory_order_acquire),
		PLX_DESC_WB_SUCCESS | 10);
	CHECK_EQ(plx_sim_load(&ring[1].flags_and_size, memory_order_acquire),
		PLX_DESC_WB_SUCCESS | 10);
	CHECK_EQ(plx_sim_load(&wrong[0].flags_and_size, memory_order_acquire),
		PLX_DESC_WB_SUCCESS | 10);
	CHECK(memcmp(e->dst + 1000, e->src + 1000, 10) == 0);
	/* The real descriptors 2 and 3 were never touched. */
	CHECK_EQ(plx_sim_load(&ring[2].flags_and_size, memory_order_acquire),
		PLX_DESC_VALID | 10);
	CHECK(mem_is(e->dst + 200, 0, 10));
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_LAST_ADDR), 0);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_NEXT_ADDR), DSZ);
	CHECK(ctrl32(e) & PLX_CTRL_DESC_INVALID);
	return 0;
}

const struct model_test model_ring_tests[] = {
	TEST(power_on),
	TEST(bar_fds),
	MANUAL(ring_walk, 16, 64 * 1024),
	MANUAL(wrap, 4, 64 * 1024),
	MANUAL(valid_stop_resume, 16, 64 * 1024),
	MANUAL(prefetch_race, 16, 64 * 1024),
	MANUAL(start_latch, 16, 64 * 1024),
	MANUAL(prefetch_snapshot, 16, 64 * 1024),
	MANUAL(writeback_disabled, 4, 4096),
	ENV_TEST(null_copy, &null_copy_conf, 4, 4096),
	MANUAL(size_zero, 4, 4096),
	MANUAL(iommu_reject, 16, 16384),
	ENV_TEST(prefetch_remap, &hints_conf, 16, 4096),
	ENV_TEST(prefetch_snapshot_hinted, &hints_conf, 16, 64 * 1024),
	ENV_TEST(iommu_reject_hinted, &hints_conf, 16, 16384),
	MANUAL(iommu_table, 16, 4096),
	MANUAL(iommu_runs, 16, 8192),
	MANUAL(iova_not_vaddr, 16, 4096),
	MANUAL(iova_xlate, 8, 4096),
	MANUAL(ring_unmapped, 8, 4096),
	MANUAL(ring_remapped, 16, 4096),
	MANUAL(ring_4g_cross, 4, 4096),
	MODEL_TEST_END
};
