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
	/* Memory of the test's own (env_page()), unmapped with the rest. */
	void *page[3];
	size_t page_len[3];
	unsigned int nb_pages;
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

/* Running, or stopped at an invalid descriptor. */
static inline uint32_t
run_bits(const struct env *e)
{
	return ctrl32(e) & (PLX_CTRL_IN_PROGRESS | PLX_CTRL_DESC_INVALID);
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

/* Descriptors from..to-1, each size bytes at i * 100 in both buffers. */
static void
desc_fill(struct env *e, uint32_t from, uint32_t to, uint32_t size)
{
	for (uint32_t i = from; i < to; i++)
		desc_set(e, i, i * 100, i * 100, size);
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
	while (e->nb_pages > 0) {
		e->nb_pages--;
		munmap(e->page[e->nb_pages], e->page_len[e->nb_pages]);
	}
	memset(e, 0, sizeof(*e));
}

/* len bytes for the test, unmapped once the switch is gone (env_fini()). */
static void *
env_page(struct env *e, size_t len)
{
	void *p;

	if (e->nb_pages == sizeof(e->page) / sizeof(e->page[0]))
		return NULL;
	p = page_alloc(len);
	if (p != NULL) {
		e->page[e->nb_pages] = p;
		e->page_len[e->nb_pages] = len;
		e->nb_pages++;
	}
	return p;
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

/* The one-function switches most tests run on. */
static const struct plx_sim_conf manual_conf = {
	.nb_funcs = 1, .cpu = -1, .manual = true,
};
static const struct plx_sim_conf threaded_conf = {
	.nb_funcs = 1, .cpu = -1,
};

static int
env_init(struct env *e, bool manual, uint32_t ring_n, size_t len)
{
	return env_init_conf(e, manual ? &manual_conf : &threaded_conf,
		ring_n, len);
}

static inline unsigned int
step(struct env *e, unsigned int max)
{
	return plx_sim_step(e->sim, e->fn, max);
}

/* Contract step 2, then (manual mode) the engine takes up to max. */
static unsigned int
kick(struct env *e, unsigned int max)
{
	doorbell(e);
	return step(e, max);
}

/* Contract steps 1 and 2: program the ring at next_idx, START. */
static void
ring_start(struct env *e, uint32_t next_idx)
{
	ring_program(e, next_idx, PLX_PREF_LIMIT_4_DESC);
	doorbell(e);
}

/* ring_start(), and the engine takes up to max (manual mode). */
static unsigned int
ring_run(struct env *e, uint32_t next_idx, unsigned int max)
{
	ring_start(e, next_idx);
	return step(e, max);
}

/*
 * A 32-bit write at CTRL of RESET_VAL (status bits cleared, START off)
 * plus v: a pause or abort, or a CTRL2 setting in the top half. Then the
 * engine takes up to max descriptors (manual mode).
 */
static unsigned int
ctrl_write(struct env *e, uint32_t v, unsigned int max)
{
	w32(e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | v);
	return step(e, max);
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

/*
 * From here on, most tests take the switch the runner makes for them (see
 * tests[]) and leave it to the runner to tear down.
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
out:
	return -1;
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
out:
	return -1;
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
out:
	return -1;
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
out:
	return -1;
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
out:
	return -1;
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
out:
	return -1;
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
out:
	return -1;
}

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
out:
	return -1;
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
out:
	return -1;
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
out:
	return -1;
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
out:
	return -1;
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
	CHECK_EQ(__atomic_load_n(&r[0].flags_and_size, __ATOMIC_ACQUIRE),
		PLX_DESC_WB_SUCCESS | 1000);
	CHECK_EQ(__atomic_load_n(&r[1].flags_and_size, __ATOMIC_ACQUIRE),
		PLX_DESC_WB_READ_FAIL);
	CHECK(memcmp(b + 20, a + 10, 1000) == 0);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_LAST_ADDR), (uint32_t)rio + DSZ);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_NEXT_ADDR), (uint32_t)rio + 2 * DSZ);
	return 0;
out:
	return -1;
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
out:
	return -1;
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
out:
	return -1;
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
		CHECK_EQ(__atomic_load_n(&moved[i].flags_and_size,
			__ATOMIC_ACQUIRE), PLX_DESC_WB_SUCCESS | 16);
		CHECK(memcmp(e->dst + i * 100, e->src + i * 100, 16) == 0);
	}
	/* Unmapped with snapshots queued: they run, their write-backs go
	 * nowhere, and the next fetch stops the engine. */
	desc_fill(e, 6, 9, 16);
	memcpy(moved, e->ring, e->ring_alloc);
	CHECK_EQ(kick(e, 1), 1);	/* 6 done, 7 and 8 queued */
	CHECK(plx_sim_iommu_unmap(e->sim, e->ring_iova, e->ring_alloc) == 0);
	CHECK_EQ(step(e, 100), 2);
	CHECK_EQ(__atomic_load_n(&moved[6].flags_and_size, __ATOMIC_ACQUIRE),
		PLX_DESC_WB_SUCCESS | 16);
	for (uint32_t i = 7; i < 9; i++) {
		CHECK_EQ(__atomic_load_n(&moved[i].flags_and_size,
			__ATOMIC_ACQUIRE), PLX_DESC_VALID | 16);
		CHECK(memcmp(e->dst + i * 100, e->src + i * 100, 16) == 0);
	}
	CHECK_EQ(run_bits(e), PLX_CTRL_DESC_INVALID);
	return 0;
out:
	return -1;
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
	CHECK_EQ(__atomic_load_n(&ring[0].flags_and_size, __ATOMIC_ACQUIRE),
		PLX_DESC_WB_SUCCESS | 10);
	CHECK_EQ(__atomic_load_n(&ring[1].flags_and_size, __ATOMIC_ACQUIRE),
		PLX_DESC_WB_SUCCESS | 10);
	CHECK_EQ(__atomic_load_n(&wrong[0].flags_and_size, __ATOMIC_ACQUIRE),
		PLX_DESC_WB_SUCCESS | 10);
	CHECK(memcmp(e->dst + 1000, e->src + 1000, 10) == 0);
	/* The real descriptors 2 and 3 were never touched. */
	CHECK_EQ(__atomic_load_n(&ring[2].flags_and_size, __ATOMIC_ACQUIRE),
		PLX_DESC_VALID | 10);
	CHECK(mem_is(e->dst + 200, 0, 10));
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_LAST_ADDR), 0);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_NEXT_ADDR), DSZ);
	CHECK(ctrl32(e) & PLX_CTRL_DESC_INVALID);
	return 0;
out:
	return -1;
}

static int
test_fault_rw(struct env *e)
{
	CHECK_EQ(plx_sim_inject(e->sim, 1, PLX_SIM_FAULT_READ_FAIL, 0),
		(uint64_t)-EINVAL);
	CHECK_EQ(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_NONE, 0),
		(uint64_t)-EINVAL);
	desc_fill(e, 0, 5, 50);
	CHECK_EQ(ring_run(e, 0, 1), 1);
	/* Counted from now: write-fail hits the next one, read-fail the 3rd. */
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_WRITE_FAIL, 0) == 0);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_READ_FAIL, 2) == 0);
	CHECK_EQ(step(e, 100), 4);
	CHECK_EQ(flags(e, 0), PLX_DESC_WB_SUCCESS | 50);
	CHECK_EQ(flags(e, 1), PLX_DESC_WB_WRITE_FAIL);
	CHECK_EQ(flags(e, 2), PLX_DESC_WB_SUCCESS | 50);
	CHECK_EQ(flags(e, 3), PLX_DESC_WB_READ_FAIL);
	CHECK_EQ(flags(e, 4), PLX_DESC_WB_SUCCESS | 50);
	CHECK(mem_is(e->dst + 100, 0, 50));
	CHECK(mem_is(e->dst + 300, 0, 50));
	CHECK(memcmp(e->dst + 400, e->src + 400, 50) == 0);
	/* One-shot: the next lap is clean. */
	desc_fill(e, 5, 10, 50);
	CHECK_EQ(kick(e, 100), 5);
	for (uint32_t i = 5; i < 10; i++)
		CHECK_EQ(flags(e, i), PLX_DESC_WB_SUCCESS | 50);
	/* clear_faults disarms a pending one. */
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_READ_FAIL, 0) == 0);
	plx_sim_clear_faults(e->sim, 0);
	desc_set(e, 10, 0, 1000, 50);
	CHECK_EQ(kick(e, 100), 1);
	CHECK_EQ(flags(e, 10), PLX_DESC_WB_SUCCESS | 50);
	return 0;
out:
	return -1;
}

/* W1C: status bits written 1 clear, written 0 stay. */
static int
test_ctrl_w1c(struct env *e)
{
	const uint32_t cfg = PLX_CTRL_WRITE_BACK_EN | PLX_CTRL_DESC_MODE_OFF_CHIP;

	CHECK_EQ(ring_run(e, 0, 10), 0);
	CHECK_EQ(r16(e, PLX_REG_CTRL), cfg | PLX_CTRL_DESC_INVALID);
	/* Abort while idle, status bits written 0: DESC_INVALID stays. */
	w16(e, PLX_REG_CTRL, cfg | PLX_CTRL_ABORT);
	CHECK_EQ(step(e, 10), 0);
	CHECK_EQ(r16(e, PLX_REG_CTRL), cfg | PLX_CTRL_ABORT |
		PLX_CTRL_DESC_INVALID | PLX_CTRL_ABORT_DONE);
	/* Clear one status bit only. */
	w16(e, PLX_REG_CTRL, cfg | PLX_CTRL_DESC_INVALID |
		PLX_CTRL_IMM_PAUSE_DONE);
	CHECK_EQ(step(e, 10), 0);
	CHECK_EQ(r16(e, PLX_REG_CTRL), cfg | PLX_CTRL_ABORT_DONE);
	/* A plain config write keeps it, RESET_VAL clears everything. */
	w16(e, PLX_REG_CTRL, 0);
	CHECK_EQ(step(e, 10), 0);
	CHECK_EQ(r16(e, PLX_REG_CTRL), PLX_CTRL_ABORT_DONE);
	w16(e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL);
	CHECK_EQ(step(e, 10), 0);
	CHECK_EQ(ctrl32(e), 0);
	/* IMM_PAUSE_DONE is never set by the model. */
	CHECK(!(r16(e, PLX_REG_CTRL) & PLX_CTRL_IMM_PAUSE_DONE));
	return 0;
out:
	return -1;
}

/* A 32-bit write at CTRL also writes CTRL2; IN_PROGRESS is read-only. */
static int
test_ctrl2(struct env *e)
{
	CHECK_EQ(ctrl_write(e, (uint32_t)PLX_CTRL2_MAX_TXFR_1KB << 16, 0), 0);
	CHECK_EQ(r16(e, PLX_REG_CTRL2), PLX_CTRL2_MAX_TXFR_1KB);
	CHECK_EQ(r16(e, PLX_REG_CTRL), 0);
	CHECK_EQ(ctrl_write(e, PLX_CTRL_IN_PROGRESS |
		((uint32_t)PLX_CTRL2_MAX_TXFR_2KB << 16), 0), 0);
	CHECK_EQ(ctrl32(e), (uint32_t)PLX_CTRL2_MAX_TXFR_2KB << 16);
	/* A 16-bit write leaves CTRL2 as it was. */
	desc_set(e, 0, 0, 0, 8);
	desc_set(e, 1, 0, 8, 8);
	ring_program(e, 0, PLX_PREF_LIMIT_4_DESC);
	w32(e, PLX_REG_CTRL, ((uint32_t)PLX_CTRL2_MAX_TXFR_512B << 16) |
		PLX_CTRL_RESET_VAL);
	CHECK_EQ(kick(e, 1), 1);
	CHECK_EQ(ctrl32(e), PLX_CTRL_IN_PROGRESS |
		((uint32_t)PLX_CTRL2_MAX_TXFR_512B << 16) |
		PLX_CTRL_WRITE_BACK_EN | PLX_CTRL_DESC_MODE_OFF_CHIP);
	CHECK_EQ(r16(e, PLX_REG_CTRL2), (PLX_CTRL_IN_PROGRESS >> 16) |
		PLX_CTRL2_MAX_TXFR_512B);
	/* The Linux pause: 32-bit, CTRL2 = 0. */
	CHECK_EQ(ctrl_write(e, PLX_CTRL_GRACEFUL_PAUSE, 10), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_GRACEFUL_PAUSE |
		PLX_CTRL_GRACEFUL_PAUSE_DONE);
	return 0;
out:
	return -1;
}

static int
test_intr_status(struct env *e)
{
	desc_set(e, 0, 0, 0, 0);
	desc_set(e, 1, 0, 0, 8);
	ring_program(e, 0, PLX_PREF_LIMIT_4_DESC);
	w16(e, PLX_REG_INTR_CTRL, PLX_INTR_ERROR | PLX_INTR_INV_DESC);
	CHECK_EQ(kick(e, 1), 1);
	CHECK_EQ(r16(e, PLX_REG_INTR_STATUS),
		PLX_INTR_ERROR | PLX_INTR_DESC_DONE);
	CHECK_EQ(r16(e, PLX_REG_INTR_CTRL), PLX_INTR_ERROR | PLX_INTR_INV_DESC);
	/* Written 0: nothing cleared. */
	w16(e, PLX_REG_INTR_STATUS, 0);
	CHECK_EQ(step(e, 1), 1);
	CHECK_EQ(r16(e, PLX_REG_INTR_STATUS),
		PLX_INTR_ERROR | PLX_INTR_DESC_DONE);
	w16(e, PLX_REG_INTR_STATUS, PLX_INTR_ERROR);
	CHECK_EQ(step(e, 10), 0);	/* stops at 2: invalid */
	CHECK_EQ(r16(e, PLX_REG_INTR_STATUS),
		PLX_INTR_DESC_DONE | PLX_INTR_INV_DESC);
	/* Taken even when the engine has nothing to raise. */
	w16(e, PLX_REG_INTR_STATUS, 0xffff);
	CHECK_EQ(step(e, 0), 0);
	CHECK_EQ(r16(e, PLX_REG_INTR_STATUS), 0);
	w16(e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | PLX_CTRL_ABORT);
	CHECK_EQ(step(e, 10), 0);
	CHECK_EQ(r16(e, PLX_REG_INTR_STATUS), PLX_INTR_ABORT_DONE);
	CHECK_EQ(r16(e, PLX_REG_INTR_CTRL), PLX_INTR_ERROR | PLX_INTR_INV_DESC);
	return 0;
out:
	return -1;
}

/* The contract's graceful pause, then a restart from NEXT_ADDR. */
static int
test_pause(struct env *e)
{
	uint32_t next;

	desc_fill(e, 0, 8, 64);
	CHECK_EQ(ring_run(e, 0, 2), 2);
	CHECK_EQ(ctrl_write(e, PLX_CTRL_GRACEFUL_PAUSE, 100), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_GRACEFUL_PAUSE |
		PLX_CTRL_GRACEFUL_PAUSE_DONE);
	for (uint32_t i = 2; i < 8; i++)
		CHECK_EQ(flags(e, i), PLX_DESC_VALID | 64);
	CHECK(mem_is(e->dst + 200, 0, 600));
	next = r32(e, PLX_REG_DESC_RING_NEXT_ADDR);
	CHECK_EQ(next, (uint32_t)desc_iova(e, 2));
	/* Rest of the Linux sequence: write again, zero the ring registers. */
	w32(e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | PLX_CTRL_GRACEFUL_PAUSE);
	w32(e, PLX_REG_DESC_RING_COUNT, 0);
	w32(e, PLX_REG_DESC_RING_ADDR, 0);
	w32(e, PLX_REG_DESC_RING_ADDR_HI, 0);
	w32(e, PLX_REG_DESC_RING_NEXT_ADDR, 0);
	CHECK_EQ(step(e, 100), 0);
	CHECK(!(ctrl32(e) & PLX_CTRL_IN_PROGRESS));
	CHECK_EQ(plx_sim_desc_count(e->sim, 0), 2);
	/* Restart where it stopped. */
	ring_program(e, 2, PLX_PREF_LIMIT_4_DESC);
	CHECK_EQ(step(e, 0), 0);
	CHECK_EQ(ctrl32(e), 0);
	CHECK_EQ(kick(e, 100), 6);
	for (uint32_t i = 0; i < 8; i++) {
		CHECK_EQ(flags(e, i), PLX_DESC_WB_SUCCESS | 64);
		CHECK(memcmp(e->dst + i * 100, e->src + i * 100, 64) == 0);
	}
	return 0;
out:
	return -1;
}

static int
test_pause_idle(struct env *e)
{
	CHECK_EQ(ctrl_write(e, PLX_CTRL_GRACEFUL_PAUSE, 0), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_GRACEFUL_PAUSE |
		PLX_CTRL_GRACEFUL_PAUSE_DONE);
	/* Withdrawn before it was served: no acknowledgement. */
	CHECK_EQ(ctrl_write(e, 0, 0), 0);
	CHECK_EQ(ctrl32(e), 0);
	return 0;
out:
	return -1;
}

static int
test_abort(struct env *e)
{
	desc_fill(e, 0, 8, 64);
	CHECK_EQ(ring_run(e, 0, 3), 3);
	CHECK_EQ(ctrl_write(e, PLX_CTRL_ABORT, 100), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_ABORT | PLX_CTRL_ABORT_DONE);
	CHECK_EQ(r16(e, PLX_REG_INTR_STATUS) & PLX_INTR_ABORT_DONE,
		PLX_INTR_ABORT_DONE);
	for (uint32_t i = 3; i < 8; i++)
		CHECK_EQ(flags(e, i), PLX_DESC_VALID | 64);
	CHECK(mem_is(e->dst + 300, 0, 500));
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_NEXT_ADDR),
		(uint32_t)desc_iova(e, 3));
	/* Nothing more happens until START; then it resumes at NEXT_ADDR. */
	CHECK_EQ(step(e, 100), 0);
	CHECK_EQ(kick(e, 100), 5);
	CHECK_EQ(flags(e, 7), PLX_DESC_WB_SUCCESS | 64);
	/* Abort while idle: acknowledged at once. */
	CHECK_EQ(ctrl_write(e, PLX_CTRL_ABORT, 0), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_ABORT | PLX_CTRL_ABORT_DONE);
	return 0;
out:
	return -1;
}

/*
 * n descriptors, fault armed, the first k done; then the stop command cmd
 * and ten polls of the engine, long past when it would have answered.
 */
static int
stop_stuck(struct env *e, enum plx_sim_fault fault, uint32_t n,
		unsigned int k, uint32_t cmd)
{
	desc_fill(e, 0, n, 64);
	CHECK(plx_sim_inject(e->sim, 0, fault, 0) == 0);
	CHECK_EQ(ring_run(e, 0, k), k);
	w32(e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | cmd);
	for (int i = 0; i < 10; i++)
		step(e, 0);
	return 0;
out:
	return -1;
}

static int
test_pause_stuck(struct env *e)
{
	CHECK(stop_stuck(e, PLX_SIM_FAULT_PAUSE_STUCK, 6, 2,
		PLX_CTRL_GRACEFUL_PAUSE) == 0);
	CHECK(!(ctrl32(e) & PLX_CTRL_GRACEFUL_PAUSE_DONE));
	CHECK(ctrl32(e) & PLX_CTRL_IN_PROGRESS);
	/* The engine carries on; the abort still works. */
	CHECK_EQ(step(e, 2), 2);
	CHECK_EQ(ctrl_write(e, PLX_CTRL_ABORT, 100), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_ABORT | PLX_CTRL_ABORT_DONE);
	CHECK_EQ(flags(e, 4), PLX_DESC_VALID | 64);
	/* Still stuck while idle, until cleared. */
	CHECK_EQ(ctrl_write(e, PLX_CTRL_GRACEFUL_PAUSE, 0), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_GRACEFUL_PAUSE);
	plx_sim_clear_faults(e->sim, 0);
	CHECK_EQ(step(e, 0), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_GRACEFUL_PAUSE |
		PLX_CTRL_GRACEFUL_PAUSE_DONE);
	return 0;
out:
	return -1;
}

static int
test_abort_stuck(struct env *e)
{
	CHECK(stop_stuck(e, PLX_SIM_FAULT_ABORT_STUCK, 3, 1,
		PLX_CTRL_ABORT) == 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_ABORT | PLX_CTRL_IN_PROGRESS);
	plx_sim_clear_faults(e->sim, 0);
	CHECK_EQ(step(e, 100), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_ABORT | PLX_CTRL_ABORT_DONE);
	CHECK_EQ(flags(e, 1), PLX_DESC_VALID | 64);
	return 0;
out:
	return -1;
}

static int
test_stall(struct env *e)
{
	desc_fill(e, 0, 6, 64);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_STALL, 2) == 0);
	CHECK_EQ(ring_run(e, 0, 100), 2);
	CHECK_EQ(step(e, 100), 0);
	CHECK(ctrl32(e) & PLX_CTRL_IN_PROGRESS);
	CHECK_EQ(flags(e, 2), PLX_DESC_VALID | 64);
	/* A pause is not acknowledged while stalled... */
	CHECK_EQ(ctrl_write(e, PLX_CTRL_GRACEFUL_PAUSE, 100), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_GRACEFUL_PAUSE | PLX_CTRL_IN_PROGRESS);
	/* ...an abort is, and kills the stalled transfer. */
	CHECK_EQ(ctrl_write(e, PLX_CTRL_ABORT, 100), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_ABORT | PLX_CTRL_ABORT_DONE);
	CHECK_EQ(flags(e, 2), PLX_DESC_VALID | 64);
	CHECK(mem_is(e->dst + 200, 0, 64));
	CHECK_EQ(kick(e, 100), 4);
	CHECK_EQ(flags(e, 5), PLX_DESC_WB_SUCCESS | 64);
	/* A stall released by clear_faults goes on where it stood. */
	desc_fill(e, 6, 9, 64);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_STALL, 1) == 0);
	CHECK_EQ(kick(e, 100), 1);
	CHECK_EQ(step(e, 100), 0);
	plx_sim_clear_faults(e->sim, 0);
	CHECK_EQ(step(e, 100), 2);
	CHECK_EQ(flags(e, 8), PLX_DESC_WB_SUCCESS | 64);
	CHECK_EQ(run_bits(e), PLX_CTRL_DESC_INVALID);
	return 0;
out:
	return -1;
}

/* Every 32-bit register reads v: 0 after a replug, all ones when gone. */
static bool
bar_is(const struct env *e, uint32_t v)
{
	for (uint32_t off = 0; off < PLX_BAR0_SIM_LEN; off += 4)
		if (r32(e, off) != v)
			return false;
	return true;
}

static int
test_surprise_removal(struct env *e)
{
	desc_fill(e, 0, 6, 64);
	CHECK_EQ(ring_run(e, 0, 2), 2);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_SURPRISE_REMOVAL,
		0) == 0);
	CHECK(bar_is(e, PLX_GONE_U32));
	CHECK_EQ(r16(e, PLX_REG_CTRL), PLX_GONE_U16);
	CHECK_EQ(r16(e, PLX_REG_CTRL2), PLX_GONE_U16);
	CHECK_EQ(r16(e, PLX_REG_INTR_STATUS), PLX_GONE_U16);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_NEXT_ADDR), PLX_GONE_U32);
	/* Writes are dropped, nothing is written back any more. */
	w32(e, PLX_REG_DESC_RING_NEXT_ADDR, (uint32_t)e->ring_iova);
	CHECK_EQ(kick(e, 100), 0);
	CHECK(bar_is(e, PLX_GONE_U32));
	for (uint32_t i = 2; i < 6; i++)
		CHECK_EQ(flags(e, i), PLX_DESC_VALID | 64);
	CHECK(mem_is(e->dst + 200, 0, 400));
	CHECK_EQ(plx_sim_desc_count(e->sim, 0), 2);
	/* clear_faults does not bring it back, replug does. */
	plx_sim_clear_faults(e->sim, 0);
	CHECK_EQ(step(e, 100), 0);
	CHECK(bar_is(e, PLX_GONE_U32));
	CHECK(plx_sim_replug(e->sim, 0) == 0);
	CHECK(bar_is(e, 0));
	CHECK_EQ(ring_run(e, 2, 100), 4);
	CHECK(memcmp(e->dst + 200, e->src + 200, 64) == 0);
	return 0;
out:
	return -1;
}

static int
test_unbind_request(struct env *e)
{
	eventfd_t v = 0;
	int rc = -1, fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	CHECK(fd >= 0);
	CHECK_EQ(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_UNBIND_REQUEST, 0),
		(uint64_t)-ENOTCONN);
	plx_sim_set_req_eventfd(e->sim, 0, fd);
	CHECK(eventfd_read(fd, &v) < 0 && errno == EAGAIN);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_UNBIND_REQUEST, 0) == 0);
	CHECK(eventfd_read(fd, &v) == 0);
	CHECK_EQ(v, 1);
	/* The function itself carries on. */
	desc_set(e, 0, 0, 0, 8);
	CHECK_EQ(ring_run(e, 0, 10), 1);
	plx_sim_set_req_eventfd(e->sim, 0, -1);
	CHECK_EQ(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_UNBIND_REQUEST, 0),
		(uint64_t)-ENOTCONN);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Faults of state strike once their descriptor count has come. */
static int
test_deferred_faults(struct env *e)
{
	eventfd_t v = 0;
	int rc = -1, fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	CHECK(fd >= 0);
	plx_sim_set_req_eventfd(e->sim, 0, fd);
	desc_fill(e, 0, 8, 64);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_UNBIND_REQUEST, 2) == 0);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_SURPRISE_REMOVAL,
		3) == 0);
	/* Armed only: the registers still answer, nothing signalled. */
	CHECK(r16(e, PLX_REG_CTRL) != PLX_GONE_U16);
	CHECK(eventfd_read(fd, &v) < 0 && errno == EAGAIN);
	CHECK_EQ(ring_run(e, 0, 2), 2);
	CHECK(eventfd_read(fd, &v) == 0);
	CHECK_EQ(v, 1);
	CHECK(r16(e, PLX_REG_CTRL) != PLX_GONE_U16);
	/* The third descriptor is written back, then the function leaves. */
	CHECK_EQ(step(e, 100), 1);
	CHECK_EQ(flags(e, 2), PLX_DESC_WB_SUCCESS | 64);
	CHECK(bar_is(e, PLX_GONE_U32));
	for (uint32_t i = 3; i < 8; i++)
		CHECK_EQ(flags(e, i), PLX_DESC_VALID | 64);
	CHECK_EQ(plx_sim_desc_count(e->sim, 0), 3);
	rc = 0;
out:
	plx_sim_set_req_eventfd(e->sim, 0, -1);
	if (fd >= 0)
		close(fd);
	return rc;
}

static int
test_replug(struct env *e)
{
	desc_fill(e, 0, 4, 64);
	ring_program(e, 0, PLX_PREF_LIMIT_4_DESC);
	w32(e, PLX_REG_CTRL, (uint32_t)PLX_CTRL2_MAX_TXFR_1KB << 16);
	w16(e, PLX_REG_INTR_CTRL, 3);
	CHECK_EQ(kick(e, 2), 2);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_READ_FAIL, 0) == 0);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_PAUSE_STUCK, 0) == 0);
	CHECK(plx_sim_replug(e->sim, 0) == 0);
	CHECK(bar_is(e, 0));
	/* Not running any more: nothing happens without a START. */
	CHECK_EQ(step(e, 100), 0);
	CHECK_EQ(flags(e, 2), PLX_DESC_VALID | 64);
	CHECK_EQ(ctrl32(e), 0);
	/* Faults are gone. */
	CHECK_EQ(ctrl_write(e, PLX_CTRL_GRACEFUL_PAUSE, 0), 0);
	CHECK(ctrl32(e) & PLX_CTRL_GRACEFUL_PAUSE_DONE);
	CHECK_EQ(ring_run(e, 2, 100), 2);
	CHECK_EQ(flags(e, 2), PLX_DESC_WB_SUCCESS | 64);
	CHECK_EQ(plx_sim_replug(e->sim, 3), (uint64_t)-EINVAL);
	return 0;
out:
	return -1;
}

static int
test_start_needs_ring_mode(struct env *e)
{
	desc_set(e, 0, 0, 0, 8);
	ring_program(e, 0, PLX_PREF_LIMIT_4_DESC);
	/* Block mode (DESC_MODE 0) is not modelled: START does nothing. */
	w16(e, PLX_REG_CTRL, PLX_CTRL_START | PLX_CTRL_WRITE_BACK_EN);
	CHECK_EQ(step(e, 10), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_WRITE_BACK_EN);
	CHECK_EQ(flags(e, 0), PLX_DESC_VALID | 8);
	CHECK_EQ(kick(e, 10), 1);
	return 0;
out:
	return -1;
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

static const struct plx_sim_conf verbose_conf = {
	.nb_funcs = 1, .cpu = -1, .manual = true, .verbose = 2,
};

static int
test_verbose(struct env *e)
{
	desc_set(e, 0, 0, 0, 8);
	CHECK_EQ(ring_run(e, 0, 10), 1);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_STALL, 5) == 0);
	plx_sim_clear_faults(e->sim, 0);
	return 0;
out:
	return -1;
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
out:
	return -1;
}

static int
test_threaded_copy(struct env *e)
{
	const uint32_t total = 20000;
	struct drv d = { 0 };
	uint32_t submitted = 0, done = 0, burst = 0;
	unsigned int seed = 1;
	uint64_t t0;
	int rc = -1;

	CHECK(drv_init(&d, e) == 0);
	ring_program(e, 0, PLX_PREF_LIMIT_4_DESC);
	t0 = now_ns();
	while (done < total) {
		CHECK(now_ns() - t0 < TIMEOUT_NS);
		if (burst == 0)
			burst = 1 + rand_r(&seed) % 16;
		while (burst > 0 && submitted < total) {
			uint32_t size = 1 + rand_r(&seed) % 4096;
			size_t so = rand_r(&seed) % (e->len - size);

			/* Each slot owns its destination window. */
			if (!drv_submit(&d, so, (size_t)d.head * 4096, size))
				break;
			submitted++;
			burst--;
		}
		doorbell(e);
		CHECK(drv_reap(&d, &done) == 0);
	}
	CHECK_EQ(plx_sim_desc_count(e->sim, 0), total);
	WAIT_FOR(!(ctrl_settled(e) & PLX_CTRL_IN_PROGRESS));
	CHECK(ctrl_settled(e) & PLX_CTRL_DESC_INVALID);
	rc = 0;
out:
	drv_fini(&d);
	return rc;
}

/* Two functions served by the one engine thread at the same time. */
static int
test_threaded_multi_func(void)
{
	struct plx_sim_conf conf = { .nb_funcs = 2, .cpu = -1 };
	struct env e[2] = { 0 };
	struct drv d[2] = { 0 };
	uint32_t done[2] = { 0, 0 }, sub[2] = { 0, 0 };
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
	rc = 0;
out:
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
out:
	return -1;
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
	WAIT_FOR(ctrl32(e) == PLX_GONE_U32);
	CHECK_EQ(plx_sim_desc_count(e->sim, 0), 10);
	CHECK_EQ(flags(e, 10), PLX_DESC_VALID | 64);
	return 0;
out:
	return -1;
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
	t0 = now_ns();
	doorbell(e);
	WAIT_FOR(plx_sim_desc_count(e->sim, 0) == 40);
	dt = now_ns() - t0;
	CHECK(dt >= 19000000);
	CHECK(memcmp(e->dst, e->src, 40 * 50000) == 0);
	return 0;
out:
	return -1;
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
test_threaded_iommu(struct env *e)
{
	struct iommu_ctx c = { .e = e };
	uint8_t *other = env_page(e, 4096);
	pthread_t th;
	bool started = false;
	int rc = -1;

	CHECK(other != NULL);
	memset(e->src, 0xaa, 4096);
	c.b = env_page(e, 32 * 64);
	CHECK(c.b != NULL);
	CHECK(plx_sim_iommu_map(e->sim, iova(c.b), c.b, 32 * 64) == 0);
	ring_program(e, 0, PLX_PREF_LIMIT_4_DESC);
	CHECK(pthread_create(&th, NULL, iommu_driver, &c) == 0);
	started = true;
	for (int round = 0; round < 50; round++) {
		uint64_t n;

		WAIT_FOR(mem_is(c.b, 0xaa, 32 * 64) || c.bad);
		CHECK(plx_sim_iommu_unmap(e->sim, iova(c.b), 32 * 64) == 0);
		memset(c.b, 0, 32 * 64);
		n = plx_sim_desc_count(e->sim, 0);
		/* Unrelated churn, while the engine keeps failing writes. */
		CHECK(plx_sim_iommu_map(e->sim, IOVA_A, other, 4096) == 0);
		CHECK(plx_sim_iommu_unmap(e->sim, IOVA_A, 4096) == 0);
		WAIT_FOR(plx_sim_desc_count(e->sim, 0) >= n + 64 || c.bad);
		CHECK(mem_is(c.b, 0, 32 * 64));
		CHECK(plx_sim_iommu_map(e->sim, iova(c.b), c.b, 32 * 64) == 0);
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
	/* The runner stops the engine before it unmaps c.b. */
	return rc;
}

/* ---------------------------------------------------------------------- */

struct test {
	const char *name;
	int (*fn)(void);	/* makes its own switch, or needs none */
	/* Or run on a fresh one-function switch of conf, with a ring of
	 * ring_n descriptors and two len-byte buffers (env_init_conf()).
	 */
	int (*env_fn)(struct env *e);
	const struct plx_sim_conf *conf;
	uint32_t ring_n;
	size_t len;
};

#define TEST(t)			{ #t, test_##t, NULL, NULL, 0, 0 }
#define ENV_TEST(t, conf, n, len) { #t, NULL, test_##t, conf, n, len }
#define MANUAL(t, n, len)	ENV_TEST(t, &manual_conf, n, len)
#define THREADED(t, n, len)	ENV_TEST(t, &threaded_conf, n, len)

static const struct test tests[] = {
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
	MANUAL(iommu_table, 16, 4096),
	MANUAL(iova_not_vaddr, 16, 4096),
	MANUAL(iova_xlate, 8, 4096),
	MANUAL(ring_unmapped, 8, 4096),
	MANUAL(ring_remapped, 16, 4096),
	MANUAL(ring_4g_cross, 4, 4096),
	MANUAL(fault_rw, 16, 64 * 1024),
	MANUAL(ctrl_w1c, 4, 4096),
	MANUAL(ctrl2, 8, 4096),
	MANUAL(intr_status, 8, 4096),
	MANUAL(pause, 16, 64 * 1024),
	MANUAL(pause_idle, 4, 4096),
	MANUAL(abort, 16, 64 * 1024),
	MANUAL(pause_stuck, 16, 64 * 1024),
	MANUAL(abort_stuck, 16, 64 * 1024),
	MANUAL(stall, 16, 64 * 1024),
	MANUAL(surprise_removal, 16, 64 * 1024),
	MANUAL(deferred_faults, 16, 64 * 1024),
	MANUAL(unbind_request, 4, 4096),
	MANUAL(replug, 16, 64 * 1024),
	MANUAL(start_needs_ring_mode, 4, 4096),
	TEST(fault_names),
	ENV_TEST(verbose, &verbose_conf, 4, 4096),
	THREADED(threaded_copy, 128, 1 << 20),
	TEST(threaded_multi_func),
	ENV_TEST(threaded_pause, &slow_conf, STOP_DESCS + 1, 64 * 1024),
	ENV_TEST(threaded_abort, &slow_conf, STOP_DESCS + 1, 64 * 1024),
	THREADED(threaded_stall_removal, 16, 64 * 1024),
	ENV_TEST(threaded_pacing, &pacing_conf, 64, 4 << 20),
	THREADED(threaded_iommu, 32, 4096),
};

/* One test; the switch the runner made goes whatever the outcome. */
static int
run_test(const struct test *t)
{
	struct env e;
	int rc = -1;

	if (t->fn != NULL)
		return t->fn();
	if (env_init_conf(&e, t->conf, t->ring_n, t->len) == 0)
		rc = t->env_fn(&e);
	else
		fail_at(__LINE__, "no switch with a %u-descriptor ring",
			t->ring_n);
	env_fini(&e);
	return rc;
}

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
		if (run_test(t) == 0) {
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
