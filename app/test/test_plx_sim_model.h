/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * What the model tests (test_plx_sim_model*.c) share: a switch with a
 * ring and two buffers mapped for its engine (struct env), register and
 * descriptor access as a driver does it, the contract's steps, and the
 * tables of tests. No DPDK: the results and the runner are the core's
 * (test_plx_core.h).
 */

#ifndef TEST_PLX_SIM_MODEL_H
#define TEST_PLX_SIM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plx_dma_hw.h"
#include "plx_sim.h"
#include "plx_sim_atomic.h"
#include "test_plx_core.h"

#define DSZ		((uint32_t)sizeof(struct plx_dma_hw_desc))
#define TIMEOUT_US	(30ull * 1000000ull)
/* IOVA windows for mappings that differ from the host address. */
#define IOVA_A		UINT64_C(0x100000000000)
#define IOVA_B		UINT64_C(0x200000000000)
#define XLATE_OFF	UINT64_C(0x800000000000) /* above any host address */

/* Poll a condition in threaded mode, with a generous timeout. */
#define WAIT_FOR(c)	PLX_WAIT_FOR(c, TIMEOUT_US)

static inline uint64_t
iova(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* --- a switch under test --- */

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

/* The one-function switches most tests run on. */
extern const struct plx_sim_conf manual_conf;
extern const struct plx_sim_conf threaded_conf;

/* A switch of conf; function 0 with a ring of ring_n and len-byte buffers. */
int env_init_conf(struct env *e, const struct plx_sim_conf *conf,
	uint32_t ring_n, size_t len);
/* The same on a one-function switch, manual or threaded. */
int env_init(struct env *e, bool manual, uint32_t ring_n, size_t len);
/* Function fn of e->sim: allocate and map a ring and two buffers. */
int env_attach(struct env *e, unsigned int fn, uint32_t ring_n, size_t len);
/* len bytes for the test, unmapped once the switch is gone (env_fini()). */
void *env_page(struct env *e, size_t len);
void env_fini(struct env *e);

/* --- register access, as a driver does it (plain volatile stores) --- */

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

/* CTRL once the engine has taken software's last write. */
uint32_t ctrl_settled(const struct env *e);

static inline void
doorbell(const struct env *e)
{
	w16(e, PLX_REG_CTRL, PLX_CTRL_START_VAL);
}

static inline uint32_t
flags(const struct env *e, uint32_t i)
{
	return plx_sim_load(&e->ring[i].flags_and_size, memory_order_acquire);
}

static inline uint64_t
desc_iova(const struct env *e, uint32_t i)
{
	return e->ring_iova + (uint64_t)i * DSZ;
}

/* --- descriptors --- */

/* Addresses and size first, VALID last with release ordering. */
void desc_put(struct plx_dma_hw_desc *d, uint64_t src, uint64_t dst,
	uint32_t size, bool valid);
/* Descriptor i: size bytes from src + src_off to dst + dst_off. */
void desc_set(struct env *e, uint32_t i, size_t src_off, size_t dst_off,
	uint32_t size);
/* Descriptors from..to-1, each size bytes at i * 100 in both buffers. */
void desc_fill(struct env *e, uint32_t from, uint32_t to, uint32_t size);
void set_valid(struct env *e, uint32_t i);
bool mem_is(const uint8_t *p, uint8_t v, size_t len);

/* --- the contract's steps --- */

/* Step 1: the ring at next_idx, prefetch limit pref. */
void ring_program(struct env *e, uint32_t next_idx, uint32_t pref);
/* Manual mode: the engine takes up to max descriptors. */
unsigned int step(struct env *e, unsigned int max);
/* Step 2, then (manual mode) the engine takes up to max. */
unsigned int kick(struct env *e, unsigned int max);
/* Steps 1 and 2: program the ring at next_idx, START. */
void ring_start(struct env *e, uint32_t next_idx);
/* ring_start(), and the engine takes up to max (manual mode). */
unsigned int ring_run(struct env *e, uint32_t next_idx, unsigned int max);
/*
 * A 32-bit write at CTRL of RESET_VAL (status bits cleared, START off)
 * plus v: a pause or abort, or a CTRL2 setting in the top half. Then the
 * engine takes up to max descriptors (manual mode).
 */
unsigned int ctrl_write(struct env *e, uint32_t v, unsigned int max);

/* --- the tests --- */

struct model_test {
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
#define MODEL_TEST_END		{ NULL, NULL, NULL, NULL, 0, 0 }

/* In the order they run, each to MODEL_TEST_END. */
extern const struct model_test model_ring_tests[];	/* _ring.c */
extern const struct model_test model_ctrl_tests[];	/* _ctrl.c */
extern const struct model_test model_threaded_tests[];	/* _threaded.c */
extern const struct model_test model_variant_tests[];	/* _variant.c */
extern const struct model_test model_hostile_tests[];	/* _hostile.c */
extern const struct model_test model_removal_tests[];	/* _removal.c */

/* One test; the switch made for it goes whatever the outcome. */
int model_test_run(const void *test);

#endif /* TEST_PLX_SIM_MODEL_H */
