/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/* The model tests' switch under test and the contract's steps. */

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "test_plx_sim_model.h"

/* The one-function switches most tests run on. */
const struct plx_sim_conf manual_conf = {
	.nb_funcs = 1, .cpu = -1, .manual = true,
};
const struct plx_sim_conf threaded_conf = {
	.nb_funcs = 1, .cpu = -1,
};

static void *
page_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * CTRL once the engine has taken software's last write. BAR0 is plain
 * memory: until the engine polls, a read returns what software wrote, and
 * RESET_VAL in it carries every DONE bit. The model never sets
 * IMM_PAUSE_DONE, so a value with it set is such a pending write (all ones
 * is a removed device).
 */
uint32_t
ctrl_settled(const struct env *e)
{
	uint64_t t0 = plx_test_now_us();
	uint32_t v;

	while (((v = ctrl32(e)) & PLX_CTRL_IMM_PAUSE_DONE) &&
			v != PLX_GONE_U32 && plx_test_now_us() - t0 < TIMEOUT_US)
		sched_yield();
	return v;
}

/* Addresses and size first, VALID last with release ordering. */
void
desc_put(struct plx_dma_hw_desc *d, uint64_t src, uint64_t dst,
		uint32_t size, bool valid)
{
	plx_sim_store(&d->flags_and_size, size, memory_order_relaxed);
	d->dst_addr_hi = (uint16_t)(dst >> 32);
	d->src_addr_hi = (uint16_t)(src >> 32);
	d->dst_addr_lo = (uint32_t)dst;
	d->src_addr_lo = (uint32_t)src;
	plx_sim_store(&d->flags_and_size,
		size | (valid ? PLX_DESC_VALID : 0), memory_order_release);
}

void
desc_set(struct env *e, uint32_t i, size_t src_off, size_t dst_off,
		uint32_t size)
{
	desc_put(&e->ring[i], iova(e->src + src_off), iova(e->dst + dst_off),
		size, true);
}

/* Descriptors from..to-1, each size bytes at i * 100 in both buffers. */
void
desc_fill(struct env *e, uint32_t from, uint32_t to, uint32_t size)
{
	for (uint32_t i = from; i < to; i++)
		desc_set(e, i, i * 100, i * 100, size);
}

void
set_valid(struct env *e, uint32_t i)
{
	plx_sim_fetch_or(&e->ring[i].flags_and_size, PLX_DESC_VALID,
		memory_order_release);
}

/* Contract step 1. */
void
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

void
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
void *
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
int
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

int
env_init_conf(struct env *e, const struct plx_sim_conf *conf,
		uint32_t ring_n, size_t len)
{
	memset(e, 0, sizeof(*e));
	e->sim = plx_sim_create(conf);
	if (e->sim == NULL)
		return -1;
	return env_attach(e, 0, ring_n, len);
}

int
env_init(struct env *e, bool manual, uint32_t ring_n, size_t len)
{
	return env_init_conf(e, manual ? &manual_conf : &threaded_conf,
		ring_n, len);
}

unsigned int
step(struct env *e, unsigned int max)
{
	return plx_sim_step(e->sim, e->fn, max);
}

/* Contract step 2, then (manual mode) the engine takes up to max. */
unsigned int
kick(struct env *e, unsigned int max)
{
	doorbell(e);
	return step(e, max);
}

/* Contract steps 1 and 2: program the ring at next_idx, START. */
void
ring_start(struct env *e, uint32_t next_idx)
{
	ring_program(e, next_idx, PLX_PREF_LIMIT_4_DESC);
	doorbell(e);
}

/* ring_start(), and the engine takes up to max (manual mode). */
unsigned int
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
unsigned int
ctrl_write(struct env *e, uint32_t v, unsigned int max)
{
	w32(e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | v);
	return step(e, max);
}

bool
mem_is(const uint8_t *p, uint8_t v, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

int
model_test_run(const void *test)
{
	const struct model_test *t = test;
	struct env e;
	int rc;

	if (t->fn != NULL)
		return t->fn();
	rc = env_init_conf(&e, t->conf, t->ring_n, t->len);
	if (rc != 0)
		plx_test_record(__FILE__, __LINE__,
			"no switch with a %u-descriptor ring", t->ring_n);
	else
		rc = t->env_fn(&e);
	env_fini(&e);
	return rc;
}
