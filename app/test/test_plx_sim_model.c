/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Register-level tests of the device model against the hardware contract
 * (doc: plx-hardware.md). Most run in manual mode, where plx_sim_step()
 * makes every interleaving deterministic; the threaded ones poll with a
 * timeout and never use sleeps for synchronisation.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "plx_dma_hw.h"
#include "plx_sim.h"

#define DSZ		((uint32_t)sizeof(struct plx_dma_hw_desc))
#define TIMEOUT_NS	(30ull * 1000000000ull)
/* IOVA windows for mappings that differ from the host address. */
#define IOVA_A		UINT64_C(0x100000000000)
#define IOVA_B		UINT64_C(0x200000000000)
#define XLATE_OFF	UINT64_C(0x800000000000) /* above any host address */

static char fail_reason[512];

static void fail_at(int line, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
fail_at(int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (fail_reason[0] != '\0')
		return;	/* keep the first failure */
	n = snprintf(fail_reason, sizeof(fail_reason), "line %d: ", line);
	va_start(ap, fmt);
	vsnprintf(fail_reason + n, sizeof(fail_reason) - n, fmt, ap);
	va_end(ap);
}

#define CHECK(c) do { \
	if (!(c)) { \
		fail_at(__LINE__, "%s", #c); \
		goto out; \
	} \
} while (0)

#define CHECK_EQ(a, b) do { \
	uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b); \
	if (a_ != b_) { \
		fail_at(__LINE__, "%s == %#" PRIx64 ", expected %s == %#" \
			PRIx64, #a, a_, #b, b_); \
		goto out; \
	} \
} while (0)

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t
iova(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static void *
page_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* --- register access, as a driver does it (plain volatile stores) --- */

struct env {
	struct plx_sim *sim;
	unsigned int fn;
	volatile uint8_t *bar;
	struct plx_dma_hw_desc *ring;
	size_t ring_alloc;
	uint32_t ring_n;
	uint64_t ring_iova;
	uint8_t *src;
	uint8_t *dst;
	size_t len;
};

static inline void
w16(const struct env *e, uint32_t off, uint16_t v)
{
	*(volatile uint16_t *)(e->bar + off) = v;
}

static inline void
w32(const struct env *e, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(e->bar + off) = v;
}

static inline uint16_t
r16(const struct env *e, uint32_t off)
{
	return *(volatile uint16_t *)(e->bar + off);
}

static inline uint32_t
r32(const struct env *e, uint32_t off)
{
	return *(volatile uint32_t *)(e->bar + off);
}

static inline uint32_t
ctrl32(const struct env *e)
{
	return r32(e, PLX_REG_CTRL);
}

/*
 * CTRL once the engine has taken software's last write. BAR0 is plain
 * memory: until the engine polls, a read returns what software wrote, and
 * RESET_VAL in it carries every DONE bit. The model never sets
 * IMM_PAUSE_DONE, so a value with it set is such a pending write (all ones
 * is a removed device).
 */
static uint32_t
ctrl_settled(const struct env *e)
{
	uint64_t t0 = now_ns();
	uint32_t v;

	while (((v = ctrl32(e)) & PLX_CTRL_IMM_PAUSE_DONE) &&
			v != PLX_GONE_U32 && now_ns() - t0 < TIMEOUT_NS)
		sched_yield();
	return v;
}

static inline void
doorbell(const struct env *e)
{
	w16(e, PLX_REG_CTRL, PLX_CTRL_START_VAL);
}

static inline uint32_t
flags(const struct env *e, uint32_t i)
{
	return __atomic_load_n(&e->ring[i].flags_and_size, __ATOMIC_ACQUIRE);
}

static uint64_t
desc_iova(const struct env *e, uint32_t i)
{
	return e->ring_iova + (uint64_t)i * DSZ;
}

/* Addresses and size first, VALID last with release ordering. */
static void
desc_put(struct plx_dma_hw_desc *d, uint64_t src, uint64_t dst,
		uint32_t size, bool valid)
{
	__atomic_store_n(&d->flags_and_size, size, __ATOMIC_RELAXED);
	d->dst_addr_hi = (uint16_t)(dst >> 32);
	d->src_addr_hi = (uint16_t)(src >> 32);
	d->dst_addr_lo = (uint32_t)dst;
	d->src_addr_lo = (uint32_t)src;
	__atomic_store_n(&d->flags_and_size,
		size | (valid ? PLX_DESC_VALID : 0), __ATOMIC_RELEASE);
}

static void
desc_set(struct env *e, uint32_t i, size_t src_off, size_t dst_off,
		uint32_t size)
{
	desc_put(&e->ring[i], iova(e->src + src_off), iova(e->dst + dst_off),
		size, true);
}

static void
set_valid(struct env *e, uint32_t i)
{
	__atomic_fetch_or(&e->ring[i].flags_and_size, PLX_DESC_VALID,
		__ATOMIC_RELEASE);
}

/* Contract step 1. */
static void
ring_program(struct env *e, uint32_t next_idx, uint32_t pref)
{
	w32(e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL);
	w32(e, PLX_REG_DESC_RING_ADDR, (uint32_t)e->ring_iova);
	w32(e, PLX_REG_DESC_RING_ADDR_HI, (uint32_t)(e->ring_iova >> 32));
	w32(e, PLX_REG_DESC_RING_NEXT_ADDR,
		(uint32_t)desc_iova(e, next_idx));
	w32(e, PLX_REG_DESC_RING_COUNT, e->ring_n);
	w32(e, PLX_REG_PREF_LIMIT, pref);
	w16(e, PLX_REG_INTR_CTRL, 0);
}

static void
env_fini(struct env *e)
{
	plx_sim_destroy(e->sim);
	if (e->ring != NULL)
		munmap(e->ring, e->ring_alloc);
	if (e->src != NULL)
		munmap(e->src, e->len);
	if (e->dst != NULL)
		munmap(e->dst, e->len);
	memset(e, 0, sizeof(*e));
}

/* Allocate and map a ring of ring_n descriptors and two buffers. */
static int
env_attach(struct env *e, unsigned int fn, uint32_t ring_n, size_t len)
{
	size_t rl = ((size_t)ring_n * DSZ + 4095) & ~(size_t)4095;
	int i;

	e->fn = fn;
	e->bar = plx_sim_bar0(e->sim, fn);
	e->ring_n = ring_n;
	e->ring_alloc = rl;
	e->len = len;
	for (i = 0; i < 4; i++) {
		e->ring = page_alloc(rl);
		if (e->ring == NULL)
			return -1;
		/* A ring must keep to one 4 GiB window. */
		if ((iova(e->ring) >> 32) == ((iova(e->ring) + rl - 1) >> 32))
			break;
	}
	e->ring_iova = iova(e->ring);
	e->src = page_alloc(len);
	e->dst = page_alloc(len);
	if (e->bar == NULL || e->src == NULL || e->dst == NULL)
		return -1;
	if (plx_sim_iommu_map(e->sim, e->ring_iova, e->ring, rl) != 0 ||
			plx_sim_iommu_map(e->sim, iova(e->src), e->src, len) ||
			plx_sim_iommu_map(e->sim, iova(e->dst), e->dst, len))
		return -1;
	for (size_t k = 0; k < len; k++)
		e->src[k] = (uint8_t)(k * 7 + k / 251 + 1);
	return 0;
}

static int
env_init_conf(struct env *e, const struct plx_sim_conf *conf,
		uint32_t ring_n, size_t len)
{
	memset(e, 0, sizeof(*e));
	e->sim = plx_sim_create(conf);
	if (e->sim == NULL)
		return -1;
	return env_attach(e, 0, ring_n, len);
}

static int
env_init(struct env *e, bool manual, uint32_t ring_n, size_t len)
{
	struct plx_sim_conf conf = {
		.nb_funcs = 1, .cpu = -1, .manual = manual,
	};

	return env_init_conf(e, &conf, ring_n, len);
}

static inline unsigned int
step(struct env *e, unsigned int max)
{
	return plx_sim_step(e->sim, e->fn, max);
}

static bool
mem_is(const uint8_t *p, uint8_t v, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* Poll a condition in threaded mode, with a generous timeout. */
#define WAIT_FOR(c) do { \
	uint64_t t0_ = now_ns(); \
	while (!(c)) { \
		if (now_ns() - t0_ > TIMEOUT_NS) { \
			fail_at(__LINE__, "timeout waiting for %s", #c); \
			goto out; \
		} \
		sched_yield(); \
	} \
} while (0)

/* ====================================================================== */

static int
test_power_on(void)
{
	struct plx_sim_conf conf = { .nb_funcs = 2, .cpu = -1, .manual = true };
	struct plx_sim *sim = plx_sim_create(&conf);
	volatile uint8_t *bar;
	uint8_t *alias = NULL;
	int rc = -1, fd;

	CHECK(sim != NULL);
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
	alias = mmap(NULL, PLX_BAR0_SIM_LEN, PROT_READ | PROT_WRITE,
		MAP_SHARED, fd, 0);
	CHECK(alias != MAP_FAILED);
	bar = plx_sim_bar0(sim, 1);
	*(volatile uint32_t *)(alias + PLX_REG_DESC_RING_COUNT) = 0x1234;
	CHECK_EQ(*(volatile uint32_t *)(bar + PLX_REG_DESC_RING_COUNT), 0x1234);
	bar = plx_sim_bar0(sim, 0);
	CHECK_EQ(*(volatile uint32_t *)(bar + PLX_REG_DESC_RING_COUNT), 0);
	rc = 0;
out:
	if (alias != NULL && alias != MAP_FAILED)
		munmap(alias, PLX_BAR0_SIM_LEN);
	plx_sim_destroy(sim);
	return rc;
}

static int
test_bar_fds(void)
{
	int fds[2] = { memfd_create("t0", 0), -1 };
	struct plx_sim_conf conf = { .nb_funcs = 2, .cpu = -1, .manual = true,
		.bar_fds = fds };
	struct env e = { 0 };
	uint8_t *alias = NULL;
	int rc = -1;

	CHECK(fds[0] >= 0);
	CHECK(ftruncate(fds[0], PLX_BAR0_SIM_LEN) == 0);
	alias = mmap(NULL, PLX_BAR0_SIM_LEN, PROT_READ | PROT_WRITE,
		MAP_SHARED, fds[0], 0);
	CHECK(alias != MAP_FAILED);
	memset(alias, 0x5a, PLX_BAR0_SIM_LEN);
	CHECK(env_init_conf(&e, &conf, 8, 4096) == 0);
	CHECK_EQ(plx_sim_bar0_fd(e.sim, 0), fds[0]);
	CHECK(plx_sim_bar0_fd(e.sim, 1) >= 0);
	CHECK(plx_sim_bar0_fd(e.sim, 1) != fds[0]);
	CHECK(mem_is(alias, 0, PLX_BAR0_SIM_LEN));	/* power-on: zero */
	/* Driven through the caller's own mapping of the file. */
	desc_set(&e, 0, 0, 0, 64);
	ring_program(&e, 0, 8);
	*(volatile uint16_t *)(alias + PLX_REG_CTRL) = PLX_CTRL_START_VAL;
	CHECK_EQ(step(&e, 8), 1);
	CHECK_EQ(*(volatile uint16_t *)(alias + PLX_REG_CTRL),
		PLX_CTRL_WRITE_BACK_EN | PLX_CTRL_DESC_MODE_OFF_CHIP |
		PLX_CTRL_DESC_INVALID);
	rc = 0;
out:
	env_fini(&e);
	if (alias != NULL && alias != MAP_FAILED)
		munmap(alias, PLX_BAR0_SIM_LEN);
	if (fds[0] >= 0)
		close(fds[0]);
	return rc;
}

static int
test_ring_walk(void)
{
	struct env e;
	uint32_t sz[8];
	int rc = -1;

	CHECK(env_init(&e, true, 16, 64 * 1024) == 0);
	for (uint32_t i = 0; i < 8; i++) {
		sz[i] = i * 517 + 1;
		desc_set(&e, i, i * 4096 + i, i * 4096, sz[i]);
	}
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	CHECK_EQ(step(&e, 3), 3);
	/* Mid-ring: running, START consumed, config as written. */
	CHECK_EQ(ctrl32(&e), PLX_CTRL_IN_PROGRESS | PLX_CTRL_WRITE_BACK_EN |
		PLX_CTRL_DESC_MODE_OFF_CHIP);
	CHECK_EQ(r32(&e, PLX_REG_DESC_RING_NEXT_ADDR),
		(uint32_t)desc_iova(&e, 3));
	CHECK_EQ(flags(&e, 3), PLX_DESC_VALID | sz[3]);
	CHECK_EQ(step(&e, 0), 0);
	CHECK_EQ(step(&e, 100), 5);
	for (uint32_t i = 0; i < 8; i++) {
		CHECK_EQ(flags(&e, i), PLX_DESC_WB_SUCCESS | sz[i]);
		CHECK(memcmp(e.dst + i * 4096, e.src + i * 4096 + i, sz[i]) == 0);
		CHECK_EQ(e.dst[i * 4096 + sz[i]], 0);
	}
	CHECK_EQ(r32(&e, PLX_REG_DESC_RING_NEXT_ADDR),
		(uint32_t)desc_iova(&e, 8));
	CHECK_EQ(r32(&e, PLX_REG_DESC_RING_LAST_ADDR),
		(uint32_t)desc_iova(&e, 7));
	CHECK_EQ(r32(&e, PLX_REG_DESC_RING_LAST_SIZE), sz[7]);
	/* Stopped at descriptor 8 (never written): DESC_INVALID, idle. */
	CHECK_EQ(ctrl32(&e), PLX_CTRL_WRITE_BACK_EN |
		PLX_CTRL_DESC_MODE_OFF_CHIP | PLX_CTRL_DESC_INVALID);
	CHECK_EQ(r16(&e, PLX_REG_CTRL), PLX_CTRL_WRITE_BACK_EN |
		PLX_CTRL_DESC_MODE_OFF_CHIP | PLX_CTRL_DESC_INVALID);
	CHECK_EQ(plx_sim_desc_count(e.sim, 0), 8);
	CHECK_EQ(r16(&e, PLX_REG_INTR_STATUS),
		PLX_INTR_DESC_DONE | PLX_INTR_INV_DESC);
	/* Ring registers software wrote are left alone. */
	CHECK_EQ(r32(&e, PLX_REG_DESC_RING_ADDR), (uint32_t)e.ring_iova);
	CHECK_EQ(r32(&e, PLX_REG_DESC_RING_COUNT), 16);
	CHECK_EQ(r32(&e, PLX_REG_PREF_LIMIT), PLX_PREF_LIMIT_4_DESC);
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

static int
test_wrap(void)
{
	struct env e;
	int rc = -1;

	CHECK(env_init(&e, true, 4, 64 * 1024) == 0);
	for (uint32_t i = 0; i < 4; i++)
		desc_set(&e, i, i * 100, i * 100, 100);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	CHECK_EQ(step(&e, 4), 4);
	CHECK_EQ(r32(&e, PLX_REG_DESC_RING_NEXT_ADDR), (uint32_t)e.ring_iova);
	CHECK(ctrl32(&e) & PLX_CTRL_IN_PROGRESS);
	/* Descriptor 0 was written back: the engine stops there. */
	CHECK_EQ(step(&e, 4), 0);
	CHECK(!(ctrl32(&e) & PLX_CTRL_IN_PROGRESS));
	CHECK(ctrl32(&e) & PLX_CTRL_DESC_INVALID);
	/* Second lap: 0..2 valid again, 3 still written back. */
	memset(e.dst, 0, 4096);
	for (uint32_t i = 0; i < 3; i++)
		desc_set(&e, i, 1000 + i, 2000 + i * 100, 50);
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 3);
	for (uint32_t i = 0; i < 3; i++) {
		CHECK_EQ(flags(&e, i), PLX_DESC_WB_SUCCESS | 50);
		CHECK(memcmp(e.dst + 2000 + i * 100, e.src + 1000 + i, 50) == 0);
	}
	CHECK_EQ(r32(&e, PLX_REG_DESC_RING_NEXT_ADDR),
		(uint32_t)desc_iova(&e, 3));
	CHECK_EQ(plx_sim_desc_count(e.sim, 0), 7);
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

static int
test_valid_stop_resume(void)
{
	struct env e;
	int rc = -1;

	CHECK(env_init(&e, true, 16, 64 * 1024) == 0);
	for (uint32_t i = 0; i < 3; i++)
		desc_set(&e, i, i * 64, i * 64, 64);
	desc_put(&e.ring[3], iova(e.src), iova(e.dst + 3 * 64), 64, false);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 3);
	CHECK_EQ(ctrl32(&e) & (PLX_CTRL_IN_PROGRESS | PLX_CTRL_DESC_INVALID),
		PLX_CTRL_DESC_INVALID);
	CHECK_EQ(flags(&e, 3), 64);
	CHECK(mem_is(e.dst + 3 * 64, 0, 64));
	/* Made valid without a START: nothing happens. */
	set_valid(&e, 3);
	desc_set(&e, 4, 4 * 64, 4 * 64, 64);
	CHECK_EQ(step(&e, 100), 0);
	CHECK_EQ(flags(&e, 3), PLX_DESC_VALID | 64);
	/* START resumes at NEXT_ADDR, where it stopped. */
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 2);
	CHECK_EQ(flags(&e, 3), PLX_DESC_WB_SUCCESS | 64);
	CHECK_EQ(flags(&e, 4), PLX_DESC_WB_SUCCESS | 64);
	CHECK(memcmp(e.dst + 3 * 64, e.src, 64) == 0);
	CHECK_EQ(r32(&e, PLX_REG_DESC_RING_NEXT_ADDR),
		(uint32_t)desc_iova(&e, 5));
	CHECK_EQ(ctrl32(&e) & (PLX_CTRL_IN_PROGRESS | PLX_CTRL_DESC_INVALID),
		PLX_CTRL_DESC_INVALID);
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

/* A descriptor made valid after it was prefetched, with no new START. */
static int
test_prefetch_race(void)
{
	struct env e;
	int rc = -1;

	CHECK(env_init(&e, true, 16, 64 * 1024) == 0);
	desc_set(&e, 0, 0, 0, 32);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	/* The step snapshots 0 and 1 (invalid), then processes 0 only. */
	CHECK_EQ(step(&e, 1), 1);
	CHECK(ctrl32(&e) & PLX_CTRL_IN_PROGRESS);
	desc_set(&e, 1, 100, 100, 32);
	CHECK_EQ(step(&e, 100), 0);
	CHECK_EQ(ctrl32(&e) & (PLX_CTRL_IN_PROGRESS | PLX_CTRL_DESC_INVALID),
		PLX_CTRL_DESC_INVALID);
	CHECK_EQ(flags(&e, 1), PLX_DESC_VALID | 32);
	CHECK_EQ(r32(&e, PLX_REG_DESC_RING_NEXT_ADDR),
		(uint32_t)desc_iova(&e, 1));
	/* Stranded until software writes START, as the contract says. */
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 1);
	CHECK_EQ(flags(&e, 1), PLX_DESC_WB_SUCCESS | 32);
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

/* START after VALID while the engine runs on stale snapshots: latched. */
static int
test_start_latch(void)
{
	struct env e;
	int rc = -1;

	CHECK(env_init(&e, true, 16, 64 * 1024) == 0);
	desc_set(&e, 0, 0, 0, 32);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	CHECK_EQ(step(&e, 1), 1);
	for (uint32_t i = 1; i < 4; i++)
		desc_set(&e, i, i * 100, i * 100, 32);
	doorbell(&e);
	/* One step takes the START and processes 1..3 without stopping. */
	CHECK_EQ(step(&e, 3), 3);
	CHECK_EQ(ctrl32(&e) & (PLX_CTRL_IN_PROGRESS | PLX_CTRL_DESC_INVALID |
		PLX_CTRL_START), PLX_CTRL_IN_PROGRESS);
	for (uint32_t i = 1; i < 4; i++)
		CHECK_EQ(flags(&e, i), PLX_DESC_WB_SUCCESS | 32);
	/* The latch is used up: the next invalid descriptor stops it. */
	CHECK_EQ(step(&e, 100), 0);
	CHECK(ctrl32(&e) & PLX_CTRL_DESC_INVALID);
	/* Two STARTs in a row are one. */
	desc_set(&e, 4, 0, 400, 32);
	doorbell(&e);
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 1);
	CHECK_EQ(plx_sim_desc_count(e.sim, 0), 5);
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

/* Prefetched descriptors are snapshots; PREF_LIMIT 8 = four of them. */
static int
test_prefetch_snapshot(void)
{
	struct env e;
	int rc = -1;

	CHECK(env_init(&e, true, 16, 64 * 1024) == 0);
	for (uint32_t i = 0; i < 6; i++)
		desc_set(&e, i, i * 100, i * 100, 32);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	CHECK_EQ(step(&e, 1), 1);	/* snapshots 0..3 */
	desc_set(&e, 3, 3 * 100, 10000 + 3 * 100, 32);
	desc_set(&e, 4, 4 * 100, 10000 + 4 * 100, 32);
	CHECK_EQ(step(&e, 100), 5);
	CHECK(memcmp(e.dst + 300, e.src + 300, 32) == 0);	/* old */
	CHECK(mem_is(e.dst + 10300, 0, 32));
	CHECK(memcmp(e.dst + 10400, e.src + 400, 32) == 0);	/* new */
	CHECK(mem_is(e.dst + 400, 0, 32));
	env_fini(&e);

	/* PREF_LIMIT 0: only the current descriptor is fetched. */
	CHECK(env_init(&e, true, 16, 64 * 1024) == 0);
	for (uint32_t i = 0; i < 3; i++)
		desc_set(&e, i, i * 100, i * 100, 32);
	ring_program(&e, 0, 0);
	doorbell(&e);
	CHECK_EQ(step(&e, 1), 1);
	desc_set(&e, 1, 100, 10100, 32);
	desc_set(&e, 3, 300, 300, 32);	/* valid before it is fetched */
	CHECK_EQ(step(&e, 100), 3);
	CHECK(memcmp(e.dst + 10100, e.src + 100, 32) == 0);
	CHECK(mem_is(e.dst + 100, 0, 32));
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

static int
test_writeback_disabled(void)
{
	struct env e;
	int rc = -1;

	CHECK(env_init(&e, true, 4, 4096) == 0);
	desc_set(&e, 0, 0, 0, 10);
	desc_set(&e, 1, 10, 10, 20);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	w16(&e, PLX_REG_CTRL, PLX_CTRL_START_VAL & ~PLX_CTRL_WRITE_BACK_EN);
	CHECK_EQ(step(&e, 2), 2);
	CHECK_EQ(flags(&e, 0), PLX_DESC_VALID | 10);
	CHECK_EQ(flags(&e, 1), PLX_DESC_VALID | 20);
	CHECK(memcmp(e.dst, e.src, 30) == 0);
	CHECK_EQ(r32(&e, PLX_REG_DESC_RING_LAST_ADDR),
		(uint32_t)desc_iova(&e, 1));
	CHECK_EQ(r32(&e, PLX_REG_DESC_RING_LAST_SIZE), 20);
	CHECK_EQ(plx_sim_desc_count(e.sim, 0), 2);
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

static int
test_null_copy(void)
{
	struct plx_sim_conf conf = { .nb_funcs = 1, .cpu = -1, .manual = true,
		.null_copy = true };
	struct env e;
	int rc = -1;

	CHECK(env_init_conf(&e, &conf, 4, 4096) == 0);
	desc_set(&e, 0, 0, 0, 100);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	CHECK_EQ(step(&e, 4), 1);
	CHECK_EQ(flags(&e, 0), PLX_DESC_WB_SUCCESS | 100);
	CHECK(mem_is(e.dst, 0, 100));
	/* Switched off on the running switch: the next one moves data. */
	plx_sim_set_null_copy(e.sim, false);
	desc_set(&e, 1, 0, 0, 100);
	doorbell(&e);
	CHECK_EQ(step(&e, 4), 1);
	CHECK_EQ(flags(&e, 1), PLX_DESC_WB_SUCCESS | 100);
	CHECK(memcmp(e.dst, e.src, 100) == 0);
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

static int
test_size_zero(void)
{
	struct env e;
	int rc = -1;

	CHECK(env_init(&e, true, 4, 4096) == 0);
	desc_set(&e, 0, 0, 0, 0);
	desc_set(&e, 1, 0, 0, 8);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	CHECK_EQ(step(&e, 4), 2);
	CHECK_EQ(flags(&e, 0), PLX_DESC_WB_READ_FAIL);
	CHECK_EQ(flags(&e, 1), PLX_DESC_WB_SUCCESS | 8);
	CHECK_EQ(r32(&e, PLX_REG_DESC_RING_LAST_SIZE), 8);
	CHECK(r16(&e, PLX_REG_INTR_STATUS) & PLX_INTR_ERROR);
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

/* IOMMU rejection: failure bit, 0 bytes, memory untouched, engine goes on. */
static int
test_iommu_reject(void)
{
	struct env e;
	uint8_t *um = page_alloc(4096), *part = page_alloc(8192);
	int rc = -1;

	CHECK(um != NULL && part != NULL);
	CHECK(env_init(&e, true, 16, 16384) == 0);
	memset(um, 0x5a, 4096);
	memset(part, 0x6b, 8192);
	CHECK(plx_sim_iommu_map(e.sim, iova(part), part, 4096) == 0);
	desc_put(&e.ring[0], iova(um), iova(e.dst), 64, true);
	desc_put(&e.ring[1], iova(e.src), iova(um), 64, true);
	desc_put(&e.ring[2], iova(part + 4096 - 10), iova(e.dst + 100), 20, true);
	desc_put(&e.ring[3], iova(e.src), iova(part + 4096 - 10), 20, true);
	desc_put(&e.ring[4], iova(part + 4096 - 20), iova(e.dst + 200), 20,
		true);
	desc_set(&e, 5, 300, 300, 64);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 6);
	CHECK_EQ(flags(&e, 0), PLX_DESC_WB_READ_FAIL);
	CHECK_EQ(flags(&e, 1), PLX_DESC_WB_WRITE_FAIL);
	CHECK_EQ(flags(&e, 2), PLX_DESC_WB_READ_FAIL);
	CHECK_EQ(flags(&e, 3), PLX_DESC_WB_WRITE_FAIL);
	CHECK_EQ(flags(&e, 4), PLX_DESC_WB_SUCCESS | 20);
	CHECK_EQ(flags(&e, 5), PLX_DESC_WB_SUCCESS | 64);
	CHECK(mem_is(e.dst, 0, 64));
	CHECK(mem_is(e.dst + 100, 0, 20));
	CHECK(mem_is(um, 0x5a, 4096));
	CHECK(mem_is(part, 0x6b, 8192));
	CHECK(memcmp(e.dst + 300, e.src + 300, 64) == 0);
	CHECK_EQ(plx_sim_desc_count(e.sim, 0), 6);
	CHECK_EQ(r16(&e, PLX_REG_INTR_STATUS) & PLX_INTR_ERROR, PLX_INTR_ERROR);
	/* Unmapping takes a range out again. */
	CHECK(plx_sim_iommu_unmap(e.sim, iova(e.src), e.len) == 0);
	desc_set(&e, 6, 0, 0, 8);
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 1);
	CHECK_EQ(flags(&e, 6), PLX_DESC_WB_READ_FAIL);
	rc = 0;
out:
	env_fini(&e);
	if (um != NULL)
		munmap(um, 4096);
	if (part != NULL)
		munmap(part, 8192);
	return rc;
}

/* Map/unmap argument rules, and adjacent mappings. */
static int
test_iommu_table(void)
{
	struct env e;
	uint8_t *p = page_alloc(8192), *q = page_alloc(8192);
	int rc = -1;

	CHECK(p != NULL && q != NULL);
	CHECK(env_init(&e, true, 16, 4096) == 0);
	memset(p, 0x11, 4096);
	memset(p + 4096, 0x22, 4096);
	memset(q, 0x33, 4096);
	memset(q + 4096, 0x44, 4096);
	CHECK_EQ(plx_sim_iommu_map(e.sim, IOVA_A, p, 0), (uint64_t)-EINVAL);
	CHECK_EQ(plx_sim_iommu_map(e.sim, IOVA_A, NULL, 4096),
		(uint64_t)-EINVAL);
	CHECK_EQ(plx_sim_iommu_map(e.sim, UINT64_MAX - 10, p, 4096),
		(uint64_t)-EINVAL);
	CHECK(plx_sim_iommu_map(e.sim, IOVA_A, p, 4096) == 0);
	CHECK(plx_sim_iommu_map(e.sim, IOVA_A + 4096, p + 4096, 4096) == 0);
	CHECK_EQ(plx_sim_iommu_map(e.sim, IOVA_A + 100, q, 10),
		(uint64_t)-EEXIST);
	CHECK_EQ(plx_sim_iommu_map(e.sim, IOVA_A - 10, q, 20),
		(uint64_t)-EEXIST);
	/* Contiguous in IOVA and host: one block for the engine. */
	CHECK(plx_sim_iommu_map(e.sim, IOVA_B + 4096, q, 4096) == 0);
	CHECK(plx_sim_iommu_map(e.sim, IOVA_B, q + 4096, 4096) == 0);
	desc_put(&e.ring[0], IOVA_A + 4096 - 50, iova(e.dst), 100, true);
	/* Contiguous IOVA, discontiguous host: refused. */
	desc_put(&e.ring[1], IOVA_B + 4096 - 50, iova(e.dst + 200), 100, true);
	desc_put(&e.ring[2], IOVA_B + 4096 - 50, iova(e.dst + 400), 50, true);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 3);
	CHECK_EQ(flags(&e, 0), PLX_DESC_WB_SUCCESS | 100);
	CHECK(mem_is(e.dst, 0x11, 50) && mem_is(e.dst + 50, 0x22, 50));
	CHECK_EQ(flags(&e, 1), PLX_DESC_WB_READ_FAIL);
	CHECK(mem_is(e.dst + 200, 0, 100));
	CHECK_EQ(flags(&e, 2), PLX_DESC_WB_SUCCESS | 50);
	CHECK(mem_is(e.dst + 400, 0x44, 50));
	/* Unmap: never splits a mapping; nothing there is -ENOENT. */
	CHECK_EQ(plx_sim_iommu_unmap(e.sim, IOVA_A, 100), (uint64_t)-EINVAL);
	CHECK_EQ(plx_sim_iommu_unmap(e.sim, IOVA_A + 8192, 4096),
		(uint64_t)-ENOENT);
	CHECK_EQ(plx_sim_iommu_unmap(e.sim, IOVA_A, 0), (uint64_t)-EINVAL);
	CHECK(plx_sim_iommu_unmap(e.sim, IOVA_A, 8192) == 0);
	CHECK_EQ(plx_sim_iommu_unmap(e.sim, IOVA_A, 8192), (uint64_t)-ENOENT);
	desc_put(&e.ring[3], IOVA_A, iova(e.dst + 600), 10, true);
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 1);
	CHECK_EQ(flags(&e, 3), PLX_DESC_WB_READ_FAIL);
	/* Remapping the same IOVA to other memory takes effect. */
	CHECK(plx_sim_iommu_map(e.sim, IOVA_A, q, 4096) == 0);
	desc_put(&e.ring[4], IOVA_A, iova(e.dst + 600), 10, true);
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 1);
	CHECK_EQ(flags(&e, 4), PLX_DESC_WB_SUCCESS | 10);
	CHECK(mem_is(e.dst + 600, 0x33, 10));
	rc = 0;
out:
	env_fini(&e);
	if (p != NULL)
		munmap(p, 8192);
	if (q != NULL)
		munmap(q, 8192);
	return rc;
}

/* IOVAs unrelated to host addresses, 48 bits wide, ring included. */
static int
test_iova_not_vaddr(void)
{
	struct env e;
	uint8_t *a = page_alloc(4096), *b = page_alloc(4096);
	struct plx_dma_hw_desc *r = page_alloc(4096);
	uint64_t rio = UINT64_C(0xfedc00001000);
	int rc = -1;

	CHECK(a != NULL && b != NULL && r != NULL);
	CHECK(env_init(&e, true, 16, 4096) == 0);
	for (int i = 0; i < 4096; i++)
		a[i] = (uint8_t)(i ^ 0xa5);
	CHECK(plx_sim_iommu_map(e.sim, IOVA_A, a, 4096) == 0);
	CHECK(plx_sim_iommu_map(e.sim, IOVA_B + 0x12340000, b, 4096) == 0);
	CHECK(plx_sim_iommu_map(e.sim, rio, r, 4096) == 0);
	desc_put(&r[0], IOVA_A + 10, IOVA_B + 0x12340000 + 20, 1000, true);
	/* The host address of a is not an IOVA of anything. */
	desc_put(&r[1], iova(a), IOVA_B + 0x12340000, 10, true);
	e.ring_iova = rio;
	e.ring_n = 8;
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 2);
	CHECK_EQ(__atomic_load_n(&r[0].flags_and_size, __ATOMIC_ACQUIRE),
		PLX_DESC_WB_SUCCESS | 1000);
	CHECK_EQ(__atomic_load_n(&r[1].flags_and_size, __ATOMIC_ACQUIRE),
		PLX_DESC_WB_READ_FAIL);
	CHECK(memcmp(b + 20, a + 10, 1000) == 0);
	CHECK_EQ(r32(&e, PLX_REG_DESC_RING_LAST_ADDR), (uint32_t)rio + DSZ);
	CHECK_EQ(r32(&e, PLX_REG_DESC_RING_NEXT_ADDR), (uint32_t)rio + 2 * DSZ);
	rc = 0;
out:
	env_fini(&e);
	if (a != NULL)
		munmap(a, 4096);
	if (b != NULL)
		munmap(b, 4096);
	if (r != NULL)
		munmap(r, 4096);
	return rc;
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
test_iova_xlate(void)
{
	struct env e;
	int rc = -1;

	CHECK(env_init(&e, true, 8, 4096) == 0);
	plx_sim_set_iova_xlate(e.sim, xlate_off);
	desc_put(&e.ring[0], iova(e.src) + XLATE_OFF, iova(e.dst) + XLATE_OFF,
		100, true);
	desc_put(&e.ring[1], iova(e.src), iova(e.dst) + XLATE_OFF, 100, true);
	e.ring_iova += XLATE_OFF;
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 2);
	CHECK_EQ(flags(&e, 0), PLX_DESC_WB_SUCCESS | 100);
	CHECK_EQ(flags(&e, 1), PLX_DESC_WB_READ_FAIL);
	CHECK(memcmp(e.dst, e.src, 100) == 0);
	/* Back to the table: the translated ring is no longer reachable. */
	plx_sim_set_iova_xlate(e.sim, NULL);
	desc_put(&e.ring[2], iova(e.src), iova(e.dst), 10, true);
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 0);
	CHECK_EQ(flags(&e, 2), PLX_DESC_VALID | 10);
	CHECK(ctrl32(&e) & PLX_CTRL_DESC_INVALID);
	e.ring_iova -= XLATE_OFF;
	ring_program(&e, 2, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 1);
	CHECK_EQ(flags(&e, 2), PLX_DESC_WB_SUCCESS | 10);
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

/* The ring itself outside the IOMMU: stop, DESC_INVALID, error cause. */
static int
test_ring_unmapped(void)
{
	struct env e;
	int rc = -1;

	CHECK(env_init(&e, true, 8, 4096) == 0);
	desc_set(&e, 0, 0, 0, 8);
	CHECK(plx_sim_iommu_unmap(e.sim, e.ring_iova, e.ring_alloc) == 0);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 0);
	CHECK_EQ(ctrl32(&e) & (PLX_CTRL_IN_PROGRESS | PLX_CTRL_DESC_INVALID),
		PLX_CTRL_DESC_INVALID);
	CHECK_EQ(r16(&e, PLX_REG_INTR_STATUS),
		PLX_INTR_ERROR | PLX_INTR_INV_DESC);
	CHECK_EQ(flags(&e, 0), PLX_DESC_VALID | 8);
	CHECK(mem_is(e.dst, 0, 8));
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

/* NEXT_ADDR wraps its low 32 bits: fetched from ADDR_HI:NEXT_ADDR. */
static int
test_ring_4g_cross(void)
{
	struct env e;
	struct plx_dma_hw_desc *ring = page_alloc(4096), *wrong = page_alloc(4096);
	const uint64_t base = UINT64_C(0x1ffffffe0);
	int rc = -1;

	CHECK(ring != NULL && wrong != NULL);
	CHECK(env_init(&e, true, 4, 4096) == 0);
	/* Ring at 0x1_ffff_ffe0..0x2_0000_001f; 0x1_0000_0000 elsewhere. */
	CHECK(plx_sim_iommu_map(e.sim, base, ring, 4 * DSZ) == 0);
	CHECK(plx_sim_iommu_map(e.sim, UINT64_C(0x100000000), wrong, 4096) == 0);
	for (uint32_t i = 0; i < 4; i++)
		desc_put(&ring[i], iova(e.src + i * 100), iova(e.dst + i * 100),
			10, true);
	desc_put(&wrong[0], iova(e.src + 1000), iova(e.dst + 1000), 10, true);
	e.ring_iova = base;
	e.ring_n = 4;
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	CHECK_EQ(r32(&e, PLX_REG_DESC_RING_ADDR_HI), 1);
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 3);
	CHECK_EQ(__atomic_load_n(&ring[0].flags_and_size, __ATOMIC_ACQUIRE),
		PLX_DESC_WB_SUCCESS | 10);
	CHECK_EQ(__atomic_load_n(&ring[1].flags_and_size, __ATOMIC_ACQUIRE),
		PLX_DESC_WB_SUCCESS | 10);
	CHECK_EQ(__atomic_load_n(&wrong[0].flags_and_size, __ATOMIC_ACQUIRE),
		PLX_DESC_WB_SUCCESS | 10);
	CHECK(memcmp(e.dst + 1000, e.src + 1000, 10) == 0);
	/* The real descriptors 2 and 3 were never touched. */
	CHECK_EQ(__atomic_load_n(&ring[2].flags_and_size, __ATOMIC_ACQUIRE),
		PLX_DESC_VALID | 10);
	CHECK(mem_is(e.dst + 200, 0, 10));
	CHECK_EQ(r32(&e, PLX_REG_DESC_RING_LAST_ADDR), 0);
	CHECK_EQ(r32(&e, PLX_REG_DESC_RING_NEXT_ADDR), DSZ);
	CHECK(ctrl32(&e) & PLX_CTRL_DESC_INVALID);
	rc = 0;
out:
	env_fini(&e);
	if (ring != NULL)
		munmap(ring, 4096);
	if (wrong != NULL)
		munmap(wrong, 4096);
	return rc;
}

static int
test_fault_rw(void)
{
	struct env e;
	int rc = -1;

	CHECK(env_init(&e, true, 16, 64 * 1024) == 0);
	CHECK_EQ(plx_sim_inject(e.sim, 1, PLX_SIM_FAULT_READ_FAIL, 0),
		(uint64_t)-EINVAL);
	CHECK_EQ(plx_sim_inject(e.sim, 0, PLX_SIM_FAULT_NONE, 0),
		(uint64_t)-EINVAL);
	for (uint32_t i = 0; i < 5; i++)
		desc_set(&e, i, i * 100, i * 100, 50);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	CHECK_EQ(step(&e, 1), 1);
	/* Counted from now: write-fail hits the next one, read-fail the 3rd. */
	CHECK(plx_sim_inject(e.sim, 0, PLX_SIM_FAULT_WRITE_FAIL, 0) == 0);
	CHECK(plx_sim_inject(e.sim, 0, PLX_SIM_FAULT_READ_FAIL, 2) == 0);
	CHECK_EQ(step(&e, 100), 4);
	CHECK_EQ(flags(&e, 0), PLX_DESC_WB_SUCCESS | 50);
	CHECK_EQ(flags(&e, 1), PLX_DESC_WB_WRITE_FAIL);
	CHECK_EQ(flags(&e, 2), PLX_DESC_WB_SUCCESS | 50);
	CHECK_EQ(flags(&e, 3), PLX_DESC_WB_READ_FAIL);
	CHECK_EQ(flags(&e, 4), PLX_DESC_WB_SUCCESS | 50);
	CHECK(mem_is(e.dst + 100, 0, 50));
	CHECK(mem_is(e.dst + 300, 0, 50));
	CHECK(memcmp(e.dst + 400, e.src + 400, 50) == 0);
	/* One-shot: the next lap is clean. */
	for (uint32_t i = 5; i < 10; i++)
		desc_set(&e, i, i * 100, i * 100, 50);
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 5);
	for (uint32_t i = 5; i < 10; i++)
		CHECK_EQ(flags(&e, i), PLX_DESC_WB_SUCCESS | 50);
	/* clear_faults disarms a pending one. */
	CHECK(plx_sim_inject(e.sim, 0, PLX_SIM_FAULT_READ_FAIL, 0) == 0);
	plx_sim_clear_faults(e.sim, 0);
	desc_set(&e, 10, 0, 1000, 50);
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 1);
	CHECK_EQ(flags(&e, 10), PLX_DESC_WB_SUCCESS | 50);
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

/* W1C: status bits written 1 clear, written 0 stay. */
static int
test_ctrl_w1c(void)
{
	const uint32_t cfg = PLX_CTRL_WRITE_BACK_EN | PLX_CTRL_DESC_MODE_OFF_CHIP;
	struct env e;
	int rc = -1;

	CHECK(env_init(&e, true, 4, 4096) == 0);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	CHECK_EQ(step(&e, 10), 0);
	CHECK_EQ(r16(&e, PLX_REG_CTRL), cfg | PLX_CTRL_DESC_INVALID);
	/* Abort while idle, status bits written 0: DESC_INVALID stays. */
	w16(&e, PLX_REG_CTRL, cfg | PLX_CTRL_ABORT);
	CHECK_EQ(step(&e, 10), 0);
	CHECK_EQ(r16(&e, PLX_REG_CTRL), cfg | PLX_CTRL_ABORT |
		PLX_CTRL_DESC_INVALID | PLX_CTRL_ABORT_DONE);
	/* Clear one status bit only. */
	w16(&e, PLX_REG_CTRL, cfg | PLX_CTRL_DESC_INVALID |
		PLX_CTRL_IMM_PAUSE_DONE);
	CHECK_EQ(step(&e, 10), 0);
	CHECK_EQ(r16(&e, PLX_REG_CTRL), cfg | PLX_CTRL_ABORT_DONE);
	/* A plain config write keeps it, RESET_VAL clears everything. */
	w16(&e, PLX_REG_CTRL, 0);
	CHECK_EQ(step(&e, 10), 0);
	CHECK_EQ(r16(&e, PLX_REG_CTRL), PLX_CTRL_ABORT_DONE);
	w16(&e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL);
	CHECK_EQ(step(&e, 10), 0);
	CHECK_EQ(ctrl32(&e), 0);
	/* IMM_PAUSE_DONE is never set by the model. */
	CHECK(!(r16(&e, PLX_REG_CTRL) & PLX_CTRL_IMM_PAUSE_DONE));
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

/* A 32-bit write at CTRL also writes CTRL2; IN_PROGRESS is read-only. */
static int
test_ctrl2(void)
{
	struct env e;
	int rc = -1;

	CHECK(env_init(&e, true, 8, 4096) == 0);
	w32(&e, PLX_REG_CTRL, ((uint32_t)PLX_CTRL2_MAX_TXFR_1KB << 16) |
		PLX_CTRL_RESET_VAL);
	CHECK_EQ(step(&e, 0), 0);
	CHECK_EQ(r16(&e, PLX_REG_CTRL2), PLX_CTRL2_MAX_TXFR_1KB);
	CHECK_EQ(r16(&e, PLX_REG_CTRL), 0);
	w32(&e, PLX_REG_CTRL, PLX_CTRL_IN_PROGRESS |
		((uint32_t)PLX_CTRL2_MAX_TXFR_2KB << 16) | PLX_CTRL_RESET_VAL);
	CHECK_EQ(step(&e, 0), 0);
	CHECK_EQ(ctrl32(&e), (uint32_t)PLX_CTRL2_MAX_TXFR_2KB << 16);
	/* A 16-bit write leaves CTRL2 as it was. */
	desc_set(&e, 0, 0, 0, 8);
	desc_set(&e, 1, 0, 8, 8);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	w32(&e, PLX_REG_CTRL, ((uint32_t)PLX_CTRL2_MAX_TXFR_512B << 16) |
		PLX_CTRL_RESET_VAL);
	doorbell(&e);
	CHECK_EQ(step(&e, 1), 1);
	CHECK_EQ(ctrl32(&e), PLX_CTRL_IN_PROGRESS |
		((uint32_t)PLX_CTRL2_MAX_TXFR_512B << 16) |
		PLX_CTRL_WRITE_BACK_EN | PLX_CTRL_DESC_MODE_OFF_CHIP);
	CHECK_EQ(r16(&e, PLX_REG_CTRL2), (PLX_CTRL_IN_PROGRESS >> 16) |
		PLX_CTRL2_MAX_TXFR_512B);
	/* The Linux pause: 32-bit, CTRL2 = 0. */
	w32(&e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | PLX_CTRL_GRACEFUL_PAUSE);
	CHECK_EQ(step(&e, 10), 0);
	CHECK_EQ(ctrl32(&e), PLX_CTRL_GRACEFUL_PAUSE |
		PLX_CTRL_GRACEFUL_PAUSE_DONE);
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

static int
test_intr_status(void)
{
	struct env e;
	int rc = -1;

	CHECK(env_init(&e, true, 8, 4096) == 0);
	desc_set(&e, 0, 0, 0, 0);
	desc_set(&e, 1, 0, 0, 8);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	w16(&e, PLX_REG_INTR_CTRL, PLX_INTR_ERROR | PLX_INTR_INV_DESC);
	doorbell(&e);
	CHECK_EQ(step(&e, 1), 1);
	CHECK_EQ(r16(&e, PLX_REG_INTR_STATUS),
		PLX_INTR_ERROR | PLX_INTR_DESC_DONE);
	CHECK_EQ(r16(&e, PLX_REG_INTR_CTRL), PLX_INTR_ERROR | PLX_INTR_INV_DESC);
	/* Written 0: nothing cleared. */
	w16(&e, PLX_REG_INTR_STATUS, 0);
	CHECK_EQ(step(&e, 1), 1);
	CHECK_EQ(r16(&e, PLX_REG_INTR_STATUS),
		PLX_INTR_ERROR | PLX_INTR_DESC_DONE);
	w16(&e, PLX_REG_INTR_STATUS, PLX_INTR_ERROR);
	CHECK_EQ(step(&e, 10), 0);	/* stops at 2: invalid */
	CHECK_EQ(r16(&e, PLX_REG_INTR_STATUS),
		PLX_INTR_DESC_DONE | PLX_INTR_INV_DESC);
	/* Taken even when the engine has nothing to raise. */
	w16(&e, PLX_REG_INTR_STATUS, 0xffff);
	CHECK_EQ(step(&e, 0), 0);
	CHECK_EQ(r16(&e, PLX_REG_INTR_STATUS), 0);
	w16(&e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | PLX_CTRL_ABORT);
	CHECK_EQ(step(&e, 10), 0);
	CHECK_EQ(r16(&e, PLX_REG_INTR_STATUS), PLX_INTR_ABORT_DONE);
	CHECK_EQ(r16(&e, PLX_REG_INTR_CTRL), PLX_INTR_ERROR | PLX_INTR_INV_DESC);
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

/* The contract's graceful pause, then a restart from NEXT_ADDR. */
static int
test_pause(void)
{
	const uint32_t pause = PLX_CTRL_RESET_VAL | PLX_CTRL_GRACEFUL_PAUSE;
	struct env e;
	uint32_t next;
	int rc = -1;

	CHECK(env_init(&e, true, 16, 64 * 1024) == 0);
	for (uint32_t i = 0; i < 8; i++)
		desc_set(&e, i, i * 100, i * 100, 64);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	CHECK_EQ(step(&e, 2), 2);
	w32(&e, PLX_REG_CTRL, pause);
	CHECK_EQ(step(&e, 100), 0);
	CHECK_EQ(ctrl32(&e), PLX_CTRL_GRACEFUL_PAUSE |
		PLX_CTRL_GRACEFUL_PAUSE_DONE);
	for (uint32_t i = 2; i < 8; i++)
		CHECK_EQ(flags(&e, i), PLX_DESC_VALID | 64);
	CHECK(mem_is(e.dst + 200, 0, 600));
	next = r32(&e, PLX_REG_DESC_RING_NEXT_ADDR);
	CHECK_EQ(next, (uint32_t)desc_iova(&e, 2));
	/* Rest of the Linux sequence: write again, zero the ring registers. */
	w32(&e, PLX_REG_CTRL, pause);
	w32(&e, PLX_REG_DESC_RING_COUNT, 0);
	w32(&e, PLX_REG_DESC_RING_ADDR, 0);
	w32(&e, PLX_REG_DESC_RING_ADDR_HI, 0);
	w32(&e, PLX_REG_DESC_RING_NEXT_ADDR, 0);
	CHECK_EQ(step(&e, 100), 0);
	CHECK(!(ctrl32(&e) & PLX_CTRL_IN_PROGRESS));
	CHECK_EQ(plx_sim_desc_count(e.sim, 0), 2);
	/* Restart where it stopped. */
	ring_program(&e, 2, PLX_PREF_LIMIT_4_DESC);
	CHECK_EQ(step(&e, 0), 0);
	CHECK_EQ(ctrl32(&e), 0);
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 6);
	for (uint32_t i = 0; i < 8; i++) {
		CHECK_EQ(flags(&e, i), PLX_DESC_WB_SUCCESS | 64);
		CHECK(memcmp(e.dst + i * 100, e.src + i * 100, 64) == 0);
	}
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

static int
test_pause_idle(void)
{
	struct env e;
	int rc = -1;

	CHECK(env_init(&e, true, 4, 4096) == 0);
	w32(&e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | PLX_CTRL_GRACEFUL_PAUSE);
	CHECK_EQ(step(&e, 0), 0);
	CHECK_EQ(ctrl32(&e), PLX_CTRL_GRACEFUL_PAUSE |
		PLX_CTRL_GRACEFUL_PAUSE_DONE);
	/* Withdrawn before it was served: no acknowledgement. */
	w32(&e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL);
	CHECK_EQ(step(&e, 0), 0);
	CHECK_EQ(ctrl32(&e), 0);
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

static int
test_abort(void)
{
	struct env e;
	int rc = -1;

	CHECK(env_init(&e, true, 16, 64 * 1024) == 0);
	for (uint32_t i = 0; i < 8; i++)
		desc_set(&e, i, i * 100, i * 100, 64);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	CHECK_EQ(step(&e, 3), 3);
	w32(&e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | PLX_CTRL_ABORT);
	CHECK_EQ(step(&e, 100), 0);
	CHECK_EQ(ctrl32(&e), PLX_CTRL_ABORT | PLX_CTRL_ABORT_DONE);
	CHECK_EQ(r16(&e, PLX_REG_INTR_STATUS) & PLX_INTR_ABORT_DONE,
		PLX_INTR_ABORT_DONE);
	for (uint32_t i = 3; i < 8; i++)
		CHECK_EQ(flags(&e, i), PLX_DESC_VALID | 64);
	CHECK(mem_is(e.dst + 300, 0, 500));
	CHECK_EQ(r32(&e, PLX_REG_DESC_RING_NEXT_ADDR),
		(uint32_t)desc_iova(&e, 3));
	/* Nothing more happens until START; then it resumes at NEXT_ADDR. */
	CHECK_EQ(step(&e, 100), 0);
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 5);
	CHECK_EQ(flags(&e, 7), PLX_DESC_WB_SUCCESS | 64);
	/* Abort while idle: acknowledged at once. */
	w32(&e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | PLX_CTRL_ABORT);
	CHECK_EQ(step(&e, 0), 0);
	CHECK_EQ(ctrl32(&e), PLX_CTRL_ABORT | PLX_CTRL_ABORT_DONE);
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

static int
test_pause_stuck(void)
{
	struct env e;
	int rc = -1;

	CHECK(env_init(&e, true, 16, 64 * 1024) == 0);
	for (uint32_t i = 0; i < 6; i++)
		desc_set(&e, i, i * 100, i * 100, 64);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	CHECK(plx_sim_inject(e.sim, 0, PLX_SIM_FAULT_PAUSE_STUCK, 0) == 0);
	doorbell(&e);
	CHECK_EQ(step(&e, 2), 2);
	w32(&e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | PLX_CTRL_GRACEFUL_PAUSE);
	for (int k = 0; k < 10; k++)
		step(&e, 0);
	CHECK(!(ctrl32(&e) & PLX_CTRL_GRACEFUL_PAUSE_DONE));
	CHECK(ctrl32(&e) & PLX_CTRL_IN_PROGRESS);
	/* The engine carries on; the abort still works. */
	CHECK_EQ(step(&e, 2), 2);
	w32(&e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | PLX_CTRL_ABORT);
	CHECK_EQ(step(&e, 100), 0);
	CHECK_EQ(ctrl32(&e), PLX_CTRL_ABORT | PLX_CTRL_ABORT_DONE);
	CHECK_EQ(flags(&e, 4), PLX_DESC_VALID | 64);
	/* Still stuck while idle, until cleared. */
	w32(&e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | PLX_CTRL_GRACEFUL_PAUSE);
	CHECK_EQ(step(&e, 0), 0);
	CHECK_EQ(ctrl32(&e), PLX_CTRL_GRACEFUL_PAUSE);
	plx_sim_clear_faults(e.sim, 0);
	CHECK_EQ(step(&e, 0), 0);
	CHECK_EQ(ctrl32(&e), PLX_CTRL_GRACEFUL_PAUSE |
		PLX_CTRL_GRACEFUL_PAUSE_DONE);
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

static int
test_abort_stuck(void)
{
	struct env e;
	int rc = -1;

	CHECK(env_init(&e, true, 16, 64 * 1024) == 0);
	for (uint32_t i = 0; i < 3; i++)
		desc_set(&e, i, i * 100, i * 100, 64);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	CHECK(plx_sim_inject(e.sim, 0, PLX_SIM_FAULT_ABORT_STUCK, 0) == 0);
	doorbell(&e);
	CHECK_EQ(step(&e, 1), 1);
	w32(&e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | PLX_CTRL_ABORT);
	for (int k = 0; k < 10; k++)
		step(&e, 0);
	CHECK_EQ(ctrl32(&e), PLX_CTRL_ABORT | PLX_CTRL_IN_PROGRESS);
	plx_sim_clear_faults(e.sim, 0);
	CHECK_EQ(step(&e, 100), 0);
	CHECK_EQ(ctrl32(&e), PLX_CTRL_ABORT | PLX_CTRL_ABORT_DONE);
	CHECK_EQ(flags(&e, 1), PLX_DESC_VALID | 64);
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

static int
test_stall(void)
{
	struct env e;
	int rc = -1;

	CHECK(env_init(&e, true, 16, 64 * 1024) == 0);
	for (uint32_t i = 0; i < 6; i++)
		desc_set(&e, i, i * 100, i * 100, 64);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	CHECK(plx_sim_inject(e.sim, 0, PLX_SIM_FAULT_STALL, 2) == 0);
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 2);
	CHECK_EQ(step(&e, 100), 0);
	CHECK(ctrl32(&e) & PLX_CTRL_IN_PROGRESS);
	CHECK_EQ(flags(&e, 2), PLX_DESC_VALID | 64);
	/* A pause is not acknowledged while stalled... */
	w32(&e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | PLX_CTRL_GRACEFUL_PAUSE);
	CHECK_EQ(step(&e, 100), 0);
	CHECK_EQ(ctrl32(&e), PLX_CTRL_GRACEFUL_PAUSE | PLX_CTRL_IN_PROGRESS);
	/* ...an abort is, and kills the stalled transfer. */
	w32(&e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | PLX_CTRL_ABORT);
	CHECK_EQ(step(&e, 100), 0);
	CHECK_EQ(ctrl32(&e), PLX_CTRL_ABORT | PLX_CTRL_ABORT_DONE);
	CHECK_EQ(flags(&e, 2), PLX_DESC_VALID | 64);
	CHECK(mem_is(e.dst + 200, 0, 64));
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 4);
	CHECK_EQ(flags(&e, 5), PLX_DESC_WB_SUCCESS | 64);
	/* A stall released by clear_faults goes on where it stood. */
	for (uint32_t i = 6; i < 9; i++)
		desc_set(&e, i, i * 100, i * 100, 64);
	CHECK(plx_sim_inject(e.sim, 0, PLX_SIM_FAULT_STALL, 1) == 0);
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 1);
	CHECK_EQ(step(&e, 100), 0);
	plx_sim_clear_faults(e.sim, 0);
	CHECK_EQ(step(&e, 100), 2);
	CHECK_EQ(flags(&e, 8), PLX_DESC_WB_SUCCESS | 64);
	CHECK_EQ(ctrl32(&e) & (PLX_CTRL_IN_PROGRESS | PLX_CTRL_DESC_INVALID),
		PLX_CTRL_DESC_INVALID);
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

static bool
bar_all_ones(const struct env *e)
{
	for (uint32_t off = 0; off < PLX_BAR0_SIM_LEN; off += 4)
		if (r32(e, off) != PLX_GONE_U32)
			return false;
	return true;
}

static int
test_surprise_removal(void)
{
	struct env e;
	int rc = -1;

	CHECK(env_init(&e, true, 16, 64 * 1024) == 0);
	for (uint32_t i = 0; i < 6; i++)
		desc_set(&e, i, i * 100, i * 100, 64);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	CHECK_EQ(step(&e, 2), 2);
	CHECK(plx_sim_inject(e.sim, 0, PLX_SIM_FAULT_SURPRISE_REMOVAL, 0) == 0);
	CHECK(bar_all_ones(&e));
	CHECK_EQ(r16(&e, PLX_REG_CTRL), PLX_GONE_U16);
	CHECK_EQ(r16(&e, PLX_REG_CTRL2), PLX_GONE_U16);
	CHECK_EQ(r16(&e, PLX_REG_INTR_STATUS), PLX_GONE_U16);
	CHECK_EQ(r32(&e, PLX_REG_DESC_RING_NEXT_ADDR), PLX_GONE_U32);
	/* Writes are dropped, nothing is written back any more. */
	w32(&e, PLX_REG_DESC_RING_NEXT_ADDR, (uint32_t)e.ring_iova);
	w16(&e, PLX_REG_CTRL, PLX_CTRL_START_VAL);
	CHECK_EQ(step(&e, 100), 0);
	CHECK(bar_all_ones(&e));
	for (uint32_t i = 2; i < 6; i++)
		CHECK_EQ(flags(&e, i), PLX_DESC_VALID | 64);
	CHECK(mem_is(e.dst + 200, 0, 400));
	CHECK_EQ(plx_sim_desc_count(e.sim, 0), 2);
	/* clear_faults does not bring it back, replug does. */
	plx_sim_clear_faults(e.sim, 0);
	CHECK_EQ(step(&e, 100), 0);
	CHECK(bar_all_ones(&e));
	CHECK(plx_sim_replug(e.sim, 0) == 0);
	for (uint32_t off = 0; off < PLX_BAR0_SIM_LEN; off += 4)
		CHECK_EQ(r32(&e, off), 0);
	ring_program(&e, 2, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 4);
	CHECK(memcmp(e.dst + 200, e.src + 200, 64) == 0);
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

static int
test_unbind_request(void)
{
	struct env e;
	eventfd_t v = 0;
	int rc = -1, fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	CHECK(fd >= 0);
	CHECK(env_init(&e, true, 4, 4096) == 0);
	CHECK_EQ(plx_sim_inject(e.sim, 0, PLX_SIM_FAULT_UNBIND_REQUEST, 0),
		(uint64_t)-ENOTCONN);
	plx_sim_set_req_eventfd(e.sim, 0, fd);
	CHECK(eventfd_read(fd, &v) < 0 && errno == EAGAIN);
	CHECK(plx_sim_inject(e.sim, 0, PLX_SIM_FAULT_UNBIND_REQUEST, 0) == 0);
	CHECK(eventfd_read(fd, &v) == 0);
	CHECK_EQ(v, 1);
	/* The function itself carries on. */
	desc_set(&e, 0, 0, 0, 8);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	CHECK_EQ(step(&e, 10), 1);
	plx_sim_set_req_eventfd(e.sim, 0, -1);
	CHECK_EQ(plx_sim_inject(e.sim, 0, PLX_SIM_FAULT_UNBIND_REQUEST, 0),
		(uint64_t)-ENOTCONN);
	rc = 0;
out:
	env_fini(&e);
	if (fd >= 0)
		close(fd);
	return rc;
}

static int
test_replug(void)
{
	struct env e;
	int rc = -1;

	CHECK(env_init(&e, true, 16, 64 * 1024) == 0);
	for (uint32_t i = 0; i < 4; i++)
		desc_set(&e, i, i * 100, i * 100, 64);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	w32(&e, PLX_REG_CTRL, (uint32_t)PLX_CTRL2_MAX_TXFR_1KB << 16);
	w16(&e, PLX_REG_INTR_CTRL, 3);
	doorbell(&e);
	CHECK_EQ(step(&e, 2), 2);
	CHECK(plx_sim_inject(e.sim, 0, PLX_SIM_FAULT_READ_FAIL, 0) == 0);
	CHECK(plx_sim_inject(e.sim, 0, PLX_SIM_FAULT_PAUSE_STUCK, 0) == 0);
	CHECK(plx_sim_replug(e.sim, 0) == 0);
	for (uint32_t off = 0; off < PLX_BAR0_SIM_LEN; off += 4)
		CHECK_EQ(r32(&e, off), 0);
	/* Not running any more: nothing happens without a START. */
	CHECK_EQ(step(&e, 100), 0);
	CHECK_EQ(flags(&e, 2), PLX_DESC_VALID | 64);
	CHECK_EQ(ctrl32(&e), 0);
	/* Faults are gone. */
	w32(&e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | PLX_CTRL_GRACEFUL_PAUSE);
	CHECK_EQ(step(&e, 0), 0);
	CHECK(ctrl32(&e) & PLX_CTRL_GRACEFUL_PAUSE_DONE);
	ring_program(&e, 2, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	CHECK_EQ(step(&e, 100), 2);
	CHECK_EQ(flags(&e, 2), PLX_DESC_WB_SUCCESS | 64);
	CHECK_EQ(plx_sim_replug(e.sim, 3), (uint64_t)-EINVAL);
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

static int
test_start_needs_ring_mode(void)
{
	struct env e;
	int rc = -1;

	CHECK(env_init(&e, true, 4, 4096) == 0);
	desc_set(&e, 0, 0, 0, 8);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	/* Block mode (DESC_MODE 0) is not modelled: START does nothing. */
	w16(&e, PLX_REG_CTRL, PLX_CTRL_START | PLX_CTRL_WRITE_BACK_EN);
	CHECK_EQ(step(&e, 10), 0);
	CHECK_EQ(ctrl32(&e), PLX_CTRL_WRITE_BACK_EN);
	CHECK_EQ(flags(&e, 0), PLX_DESC_VALID | 8);
	doorbell(&e);
	CHECK_EQ(step(&e, 10), 1);
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

static int
test_fault_names(void)
{
	enum plx_sim_fault f;
	int rc = -1;

	for (int i = PLX_SIM_FAULT_READ_FAIL; i < PLX_SIM_FAULT_MAX; i++) {
		const char *n = plx_sim_fault_name((enum plx_sim_fault)i);

		CHECK(n != NULL);
		CHECK(plx_sim_fault_parse(n, &f) == 0);
		CHECK_EQ(f, i);
	}
	CHECK(strcmp(plx_sim_fault_name(PLX_SIM_FAULT_SURPRISE_REMOVAL),
		"surprise-removal") == 0);
	CHECK(strcmp(plx_sim_fault_name(PLX_SIM_FAULT_UNBIND_REQUEST),
		"unbind-request") == 0);
	CHECK(strcmp(plx_sim_fault_name(PLX_SIM_FAULT_PAUSE_STUCK),
		"pause-stuck") == 0);
	CHECK(plx_sim_fault_parse("read-fail", &f) == 0 &&
		f == PLX_SIM_FAULT_READ_FAIL);
	CHECK(plx_sim_fault_parse("bogus", &f) == -EINVAL);
	CHECK(plx_sim_fault_parse(NULL, &f) == -EINVAL);
	CHECK(plx_sim_fault_name(PLX_SIM_FAULT_MAX) != NULL);
	rc = 0;
out:
	return rc;
}

static int
test_verbose(void)
{
	struct plx_sim_conf conf = { .nb_funcs = 1, .cpu = -1, .manual = true,
		.verbose = 2 };
	struct env e;
	int rc = -1;

	CHECK(env_init_conf(&e, &conf, 4, 4096) == 0);
	desc_set(&e, 0, 0, 0, 8);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	CHECK_EQ(step(&e, 10), 1);
	CHECK(plx_sim_inject(e.sim, 0, PLX_SIM_FAULT_STALL, 5) == 0);
	plx_sim_clear_faults(e.sim, 0);
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

/* ---------------------------- threaded mode ---------------------------- */

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

static int
test_threaded_copy(void)
{
	const uint32_t total = 20000;
	struct env e;
	struct drv d = { 0 };
	uint32_t submitted = 0, done = 0, burst = 0, fl, slot;
	unsigned int seed = 1;
	uint64_t t0;
	int rc = -1;

	CHECK(env_init(&e, false, 128, 1 << 20) == 0);
	CHECK(drv_init(&d, &e) == 0);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	t0 = now_ns();
	while (done < total) {
		CHECK(now_ns() - t0 < TIMEOUT_NS);
		if (burst == 0)
			burst = 1 + rand_r(&seed) % 16;
		while (burst > 0 && submitted < total) {
			uint32_t size = 1 + rand_r(&seed) % 4096;
			size_t so = rand_r(&seed) % (e.len - size);

			/* Each slot owns its destination window. */
			if (!drv_submit(&d, so, (size_t)d.head * 4096, size))
				break;
			submitted++;
			burst--;
		}
		doorbell(&e);
		while ((fl = drv_complete(&d, &slot)) != 0) {
			CHECK_EQ(fl, PLX_DESC_WB_SUCCESS | d.size[slot]);
			CHECK(memcmp(e.dst + d.dst_off[slot],
				e.src + d.src_off[slot], d.size[slot]) == 0);
			done++;
		}
	}
	CHECK_EQ(plx_sim_desc_count(e.sim, 0), total);
	WAIT_FOR(!(ctrl_settled(&e) & PLX_CTRL_IN_PROGRESS));
	CHECK(ctrl_settled(&e) & PLX_CTRL_DESC_INVALID);
	rc = 0;
out:
	drv_fini(&d);
	env_fini(&e);
	return rc;
}

/* Two functions served by the one engine thread at the same time. */
static int
test_threaded_multi_func(void)
{
	struct plx_sim_conf conf = { .nb_funcs = 2, .cpu = -1 };
	struct env e[2] = { 0 };
	struct drv d[2] = { 0 };
	uint32_t done[2] = { 0, 0 }, sub[2] = { 0, 0 }, fl, slot;
	const uint32_t total = 3000;
	uint64_t t0;
	int rc = -1;

	CHECK(env_init_conf(&e[0], &conf, 64, 256 * 1024) == 0);
	e[1].sim = e[0].sim;
	CHECK(env_attach(&e[1], 1, 64, 256 * 1024) == 0);
	for (int k = 0; k < 2; k++) {
		CHECK(drv_init(&d[k], &e[k]) == 0);
		ring_program(&e[k], 0, PLX_PREF_LIMIT_4_DESC);
	}
	t0 = now_ns();
	while (done[0] < total || done[1] < total) {
		CHECK(now_ns() - t0 < TIMEOUT_NS);
		for (int k = 0; k < 2; k++) {
			while (sub[k] < total && drv_submit(&d[k],
					(sub[k] * 37) % 4096,
					(size_t)d[k].head * 4096, 1000 + k))
				sub[k]++;
			doorbell(&e[k]);
			while ((fl = drv_complete(&d[k], &slot)) != 0) {
				CHECK_EQ(fl, PLX_DESC_WB_SUCCESS | (1000 + k));
				CHECK(memcmp(e[k].dst + d[k].dst_off[slot],
					e[k].src + d[k].src_off[slot],
					1000 + k) == 0);
				done[k]++;
			}
		}
	}
	CHECK_EQ(plx_sim_desc_count(e[0].sim, 0), total);
	CHECK_EQ(plx_sim_desc_count(e[0].sim, 1), total);
	rc = 0;
out:
	drv_fini(&d[0]);
	drv_fini(&d[1]);
	e[1].sim = NULL;
	env_fini(&e[1]);
	env_fini(&e[0]);
	return rc;
}

/* Pause or abort a running ring; completions stay strictly in order. */
static int
threaded_stop(uint32_t cmd, uint32_t done_bit)
{
	struct plx_sim_conf conf = { .nb_funcs = 1, .cpu = -1,
		.desc_latency_ns = 20000 };
	const uint32_t n = 1000;
	struct env e;
	uint32_t k;
	int rc = -1;

	CHECK(env_init_conf(&e, &conf, n + 1, 64 * 1024) == 0);
	for (uint32_t i = 0; i < n; i++)
		desc_set(&e, i, i * 8, i * 64, 64);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	WAIT_FOR(plx_sim_desc_count(e.sim, 0) >= 50);
	w32(&e, PLX_REG_CTRL, cmd);
	/* Reading back the write itself would show done_bit already. */
	CHECK(ctrl32(&e) & PLX_CTRL_IMM_PAUSE_DONE);
	WAIT_FOR(ctrl_settled(&e) & done_bit);
	CHECK(!(ctrl_settled(&e) & PLX_CTRL_IN_PROGRESS));
	k = (uint32_t)plx_sim_desc_count(e.sim, 0);
	CHECK(k >= 50 && k < n);
	for (uint32_t i = 0; i < n; i++)
		CHECK_EQ(flags(&e, i), i < k ? PLX_DESC_WB_SUCCESS | 64 :
			PLX_DESC_VALID | 64);
	CHECK_EQ(r32(&e, PLX_REG_DESC_RING_NEXT_ADDR),
		(uint32_t)desc_iova(&e, k));
	/* The engine stays put; then a restart finishes the ring. */
	CHECK_EQ(plx_sim_desc_count(e.sim, 0), k);
	ring_program(&e, k, PLX_PREF_LIMIT_4_DESC);
	doorbell(&e);
	WAIT_FOR(plx_sim_desc_count(e.sim, 0) == n &&
		(ctrl_settled(&e) & PLX_CTRL_DESC_INVALID));
	for (uint32_t i = 0; i < n; i++)
		CHECK_EQ(flags(&e, i), PLX_DESC_WB_SUCCESS | 64);
	CHECK(memcmp(e.dst + 64 * (n - 1), e.src + 8 * (n - 1), 64) == 0);
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

static int
test_threaded_pause(void)
{
	return threaded_stop(PLX_CTRL_RESET_VAL | PLX_CTRL_GRACEFUL_PAUSE,
		PLX_CTRL_GRACEFUL_PAUSE_DONE);
}

static int
test_threaded_abort(void)
{
	return threaded_stop(PLX_CTRL_RESET_VAL | PLX_CTRL_ABORT,
		PLX_CTRL_ABORT_DONE);
}

static int
test_threaded_stall_removal(void)
{
	struct env e;
	int rc = -1;

	CHECK(env_init(&e, false, 16, 64 * 1024) == 0);
	for (uint32_t i = 0; i < 8; i++)
		desc_set(&e, i, i * 100, i * 100, 64);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	CHECK(plx_sim_inject(e.sim, 0, PLX_SIM_FAULT_STALL, 3) == 0);
	doorbell(&e);
	WAIT_FOR(plx_sim_desc_count(e.sim, 0) == 3);
	CHECK(ctrl_settled(&e) & PLX_CTRL_IN_PROGRESS);
	plx_sim_clear_faults(e.sim, 0);
	WAIT_FOR(plx_sim_desc_count(e.sim, 0) == 8);
	WAIT_FOR(ctrl_settled(&e) & PLX_CTRL_DESC_INVALID);
	/* Removal while running. */
	for (uint32_t i = 8; i < 16; i++)
		desc_set(&e, i, i * 100, i * 100, 64);
	CHECK(plx_sim_inject(e.sim, 0, PLX_SIM_FAULT_STALL, 2) == 0);
	doorbell(&e);
	WAIT_FOR(plx_sim_desc_count(e.sim, 0) == 10);
	CHECK(plx_sim_inject(e.sim, 0, PLX_SIM_FAULT_SURPRISE_REMOVAL, 0) == 0);
	plx_sim_clear_faults(e.sim, 0);
	CHECK_EQ(ctrl32(&e), PLX_GONE_U32);
	w16(&e, PLX_REG_CTRL, PLX_CTRL_START_VAL);
	WAIT_FOR(ctrl32(&e) == PLX_GONE_U32);
	CHECK_EQ(plx_sim_desc_count(e.sim, 0), 10);
	CHECK_EQ(flags(&e, 10), PLX_DESC_VALID | 64);
	rc = 0;
out:
	env_fini(&e);
	return rc;
}

static int
test_threaded_pacing(void)
{
	struct plx_sim_conf conf = { .nb_funcs = 1, .cpu = -1,
		.bandwidth = 100 * 1000 * 1000 };
	struct env e;
	uint64_t t0, dt;
	int rc = -1;

	/* 40 x 50000 bytes at 100 MB/s: 20 ms at least. */
	CHECK(env_init_conf(&e, &conf, 64, 4 << 20) == 0);
	for (uint32_t i = 0; i < 40; i++)
		desc_set(&e, i, i * 50000, i * 50000, 50000);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	t0 = now_ns();
	doorbell(&e);
	WAIT_FOR(plx_sim_desc_count(e.sim, 0) == 40);
	dt = now_ns() - t0;
	CHECK(dt >= 19000000);
	CHECK(memcmp(e.dst, e.src, 40 * 50000) == 0);
	rc = 0;
out:
	env_fini(&e);
	return rc;
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
	uint64_t t0 = now_ns();

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
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
		if (now_ns() - t0 > TIMEOUT_NS) {
			c->bad = true;
			break;
		}
	}
	return NULL;
}

/*
 * Map/unmap from another thread while the engine copies: once unmap
 * returns, the engine never writes the range again.
 */
static int
test_threaded_iommu(void)
{
	struct env e;
	struct iommu_ctx c = { 0 };
	uint8_t *other = page_alloc(4096);
	pthread_t th;
	bool started = false;
	int rc = -1;

	CHECK(other != NULL);
	CHECK(env_init(&e, false, 32, 4096) == 0);
	memset(e.src, 0xaa, 4096);
	c.e = &e;
	c.b = page_alloc(32 * 64);
	CHECK(c.b != NULL);
	CHECK(plx_sim_iommu_map(e.sim, iova(c.b), c.b, 32 * 64) == 0);
	ring_program(&e, 0, PLX_PREF_LIMIT_4_DESC);
	CHECK(pthread_create(&th, NULL, iommu_driver, &c) == 0);
	started = true;
	for (int round = 0; round < 50; round++) {
		uint64_t n;

		WAIT_FOR(mem_is(c.b, 0xaa, 32 * 64) || c.bad);
		CHECK(plx_sim_iommu_unmap(e.sim, iova(c.b), 32 * 64) == 0);
		memset(c.b, 0, 32 * 64);
		n = plx_sim_desc_count(e.sim, 0);
		/* Unrelated churn, while the engine keeps failing writes. */
		CHECK(plx_sim_iommu_map(e.sim, IOVA_A, other, 4096) == 0);
		CHECK(plx_sim_iommu_unmap(e.sim, IOVA_A, 4096) == 0);
		WAIT_FOR(plx_sim_desc_count(e.sim, 0) >= n + 64 || c.bad);
		CHECK(mem_is(c.b, 0, 32 * 64));
		CHECK(plx_sim_iommu_map(e.sim, iova(c.b), c.b, 32 * 64) == 0);
	}
	__atomic_store_n(&c.stop, true, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	started = false;
	CHECK(!c.bad);
	CHECK(c.ok > 0 && c.fail > 0);
	rc = 0;
out:
	if (started) {
		__atomic_store_n(&c.stop, true, __ATOMIC_RELEASE);
		pthread_join(th, NULL);
	}
	env_fini(&e);
	if (c.b != NULL)
		munmap(c.b, 32 * 64);
	if (other != NULL)
		munmap(other, 4096);
	return rc;
}

/* ---------------------------------------------------------------------- */

struct test {
	const char *name;
	int (*fn)(void);
};

static const struct test tests[] = {
	{ "power_on", test_power_on },
	{ "bar_fds", test_bar_fds },
	{ "ring_walk", test_ring_walk },
	{ "wrap", test_wrap },
	{ "valid_stop_resume", test_valid_stop_resume },
	{ "prefetch_race", test_prefetch_race },
	{ "start_latch", test_start_latch },
	{ "prefetch_snapshot", test_prefetch_snapshot },
	{ "writeback_disabled", test_writeback_disabled },
	{ "null_copy", test_null_copy },
	{ "size_zero", test_size_zero },
	{ "iommu_reject", test_iommu_reject },
	{ "iommu_table", test_iommu_table },
	{ "iova_not_vaddr", test_iova_not_vaddr },
	{ "iova_xlate", test_iova_xlate },
	{ "ring_unmapped", test_ring_unmapped },
	{ "ring_4g_cross", test_ring_4g_cross },
	{ "fault_rw", test_fault_rw },
	{ "ctrl_w1c", test_ctrl_w1c },
	{ "ctrl2", test_ctrl2 },
	{ "intr_status", test_intr_status },
	{ "pause", test_pause },
	{ "pause_idle", test_pause_idle },
	{ "abort", test_abort },
	{ "pause_stuck", test_pause_stuck },
	{ "abort_stuck", test_abort_stuck },
	{ "stall", test_stall },
	{ "surprise_removal", test_surprise_removal },
	{ "unbind_request", test_unbind_request },
	{ "replug", test_replug },
	{ "start_needs_ring_mode", test_start_needs_ring_mode },
	{ "fault_names", test_fault_names },
	{ "verbose", test_verbose },
	{ "threaded_copy", test_threaded_copy },
	{ "threaded_multi_func", test_threaded_multi_func },
	{ "threaded_pause", test_threaded_pause },
	{ "threaded_abort", test_threaded_abort },
	{ "threaded_stall_removal", test_threaded_stall_removal },
	{ "threaded_pacing", test_threaded_pacing },
	{ "threaded_iommu", test_threaded_iommu },
};

int
main(int argc, char **argv)
{
	unsigned int pass = 0, fail = 0;

	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		const struct test *t = &tests[i];
		bool run = argc < 2;

		for (int a = 1; a < argc; a++)
			run |= strcmp(argv[a], t->name) == 0;
		if (!run)
			continue;
		fail_reason[0] = '\0';
		if (t->fn() == 0) {
			printf("PASS %s\n", t->name);
			pass++;
		} else {
			printf("FAIL %s: %s\n", t->name,
				fail_reason[0] ? fail_reason : "unknown");
			fail++;
		}
		fflush(stdout);
	}
	printf("%u passed, %u failed\n", pass, fail);
	return fail != 0;
}
