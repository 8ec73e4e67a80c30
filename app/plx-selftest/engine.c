/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Register access as the contract describes it (plx_hw.rst), the run's
 * ring and buffers, and stopping the engine. Every wait is bounded by
 * st_dev.timeout_us; nothing here assumes more than the contract's
 * non-[assumed] clauses, since those are what the checks question.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_io.h>
#include <rte_memzone.h>
#include <rte_pause.h>

#include "plx_selftest.h"

/* The ring, then the small buffers, in one zone. */
#define ST_OFF_SMALL_SRC	(64 * 1024)
#define ST_OFF_SMALL_DST	(ST_OFF_SMALL_SRC + ST_SMALL_LEN)
#define ST_OFF_BIG		(ST_OFF_SMALL_DST + ST_SMALL_LEN)
/* Large copies keep the engine busy long enough to race it. */
#define ST_BIG_MAX		(8u << 20)
#define ST_BIG_MIN		(1u << 20)

uint64_t
st_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

uint32_t
st_rd32(const struct st_dev *d, uint32_t off)
{
	return rte_read32(d->bar + off);
}

void
st_wr32(const struct st_dev *d, uint32_t off, uint32_t v)
{
	rte_write32(v, d->bar + off);
}

uint16_t
st_rd16(const struct st_dev *d, uint32_t off)
{
	return rte_read16(d->bar + off);
}

static void
st_ctrl_write32(struct st_dev *d, uint32_t v)
{
	d->last_ctrl = PLX_CTRL32_CTRL(v);
	st_wr32(d, PLX_REG_CTRL, v);
}

/* --- memory --- */

void
st_fill(uint8_t *p, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)((i * 7 + i / 251 + seed * 13 + 1) & 0xff);
}

bool
st_is_fill(const uint8_t *p, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (uint8_t)((i * 7 + i / 251 + seed * 13 + 1) & 0xff))
			return false;
	return true;
}

bool
st_is_byte(const uint8_t *p, uint8_t v, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

static const struct rte_memzone *
st_zone(const struct st_dev *d, const char *what, size_t len, size_t align)
{
	char name[RTE_MEMZONE_NAMESIZE];

	snprintf(name, sizeof(name), "plx_st_%.4s_%.16s", what, d->name);
	return rte_memzone_reserve_aligned(name, len, d->numa,
		RTE_MEMZONE_IOVA_CONTIG, align);
}

static bool
st_zone_reachable(const struct rte_memzone *mz)
{
	return ((mz->iova + mz->len - 1) & ~PLX_IOVA_MASK) == 0;
}

static void
st_mem_free(struct st_dev *d)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(d->mz); i++) {
		rte_memzone_free(d->mz[i]);
		d->mz[i] = NULL;
	}
}

/*
 * Three IOVA-contiguous zones: the ring and the small buffers, and the
 * two large buffers, as large as memory allows. Aligned to their size
 * (up to a 2 MiB hugepage), they need no physically contiguous pages
 * beyond that, which IOVA-as-PA (uio) rarely has.
 */
static int
st_mem_alloc(struct st_dev *d)
{
	size_t big;

	d->mz[0] = st_zone(d, "ring", ST_OFF_BIG, 256 * 1024);
	for (big = ST_BIG_MAX; d->mz[0] != NULL && big >= ST_BIG_MIN;
			big /= 2) {
		size_t align = RTE_MIN(big, (size_t)2 << 20);

		d->mz[1] = st_zone(d, "src", big, align);
		d->mz[2] = st_zone(d, "dst", big, align);
		if (d->mz[1] != NULL && d->mz[2] != NULL)
			break;
		rte_memzone_free(d->mz[1]);
		rte_memzone_free(d->mz[2]);
		d->mz[1] = d->mz[2] = NULL;
	}
	if (d->mz[0] == NULL || d->mz[1] == NULL) {
		fprintf(stderr, "%s: no IOVA-contiguous memory for the run\n",
			d->name);
		st_mem_free(d);
		return -ENOMEM;
	}
	if (!st_zone_reachable(d->mz[0]) || !st_zone_reachable(d->mz[1]) ||
			!st_zone_reachable(d->mz[2])) {
		fprintf(stderr, "%s: memory beyond the engine's 48-bit "
			"IOVAs\n", d->name);
		st_mem_free(d);
		return -ERANGE;
	}
	d->big_len = big;
	memset(d->mz[0]->addr, 0, d->mz[0]->len);
	/* Aligned to 256 KiB: the ring is inside one 4 GiB window. */
	d->ring = d->mz[0]->addr;
	d->ring_iova = d->mz[0]->iova;
	d->small_src = RTE_PTR_ADD(d->ring, ST_OFF_SMALL_SRC);
	d->small_dst = RTE_PTR_ADD(d->ring, ST_OFF_SMALL_DST);
	d->small_src_iova = d->ring_iova + ST_OFF_SMALL_SRC;
	d->small_dst_iova = d->ring_iova + ST_OFF_SMALL_DST;
	d->big_src = d->mz[1]->addr;
	d->big_src_iova = d->mz[1]->iova;
	d->big_dst = d->mz[2]->addr;
	d->big_dst_iova = d->mz[2]->iova;
	return 0;
}

/* --- registers as found --- */

static void
st_save(struct st_dev *d)
{
	struct st_saved *s = &d->saved;

	s->ring_addr = st_rd32(d, PLX_REG_DESC_RING_ADDR);
	s->ring_addr_hi = st_rd32(d, PLX_REG_DESC_RING_ADDR_HI);
	s->ring_next = st_rd32(d, PLX_REG_DESC_RING_NEXT_ADDR);
	s->ring_count = st_rd32(d, PLX_REG_DESC_RING_COUNT);
	s->pref_limit = st_rd32(d, PLX_REG_PREF_LIMIT);
	s->ctrl2 = st_rd16(d, PLX_REG_CTRL2) &
		(uint16_t)~PLX_CTRL32_CTRL2(PLX_CTRL_IN_PROGRESS);
	s->intr_ctrl = st_rd16(d, PLX_REG_INTR_CTRL);
	s->intr_status = st_rd16(d, PLX_REG_INTR_STATUS);
	d->saved_valid = true;
}

/*
 * Everything back but the status bits, which only the engine sets: CTRL's
 * are left clear, and of INTR_STATUS's (write-1-to-clear) those the run
 * raised are cleared, those found set stay.
 */
static void
st_restore(struct st_dev *d)
{
	const struct st_saved *s = &d->saved;
	uint16_t raised;

	st_ctrl_write32(d, PLX_CTRL_RESET_VAL | PLX_CTRL32_OF_CTRL2(s->ctrl2));
	st_wr32(d, PLX_REG_DESC_RING_ADDR, s->ring_addr);
	st_wr32(d, PLX_REG_DESC_RING_ADDR_HI, s->ring_addr_hi);
	st_wr32(d, PLX_REG_DESC_RING_NEXT_ADDR, s->ring_next);
	st_wr32(d, PLX_REG_DESC_RING_COUNT, s->ring_count);
	st_wr32(d, PLX_REG_PREF_LIMIT, s->pref_limit);
	rte_write16(s->intr_ctrl, d->bar + PLX_REG_INTR_CTRL);
	raised = st_rd16(d, PLX_REG_INTR_STATUS) & ~s->intr_status;
	if (raised != 0)
		rte_write16(raised, d->bar + PLX_REG_INTR_STATUS);
}

/*
 * Whether the registers read back as st_save() found them, but for
 * INTR_STATUS: a register file of plain memory shows the clearing write
 * itself until the engine takes it.
 */
static bool
st_restored(struct st_dev *d)
{
	struct st_saved found = d->saved;
	const struct st_saved *now = &d->saved;

	st_save(d);
	if (found.ring_addr == now->ring_addr &&
			found.ring_addr_hi == now->ring_addr_hi &&
			found.ring_next == now->ring_next &&
			found.ring_count == now->ring_count &&
			found.pref_limit == now->pref_limit &&
			found.ctrl2 == now->ctrl2 &&
			found.intr_ctrl == now->intr_ctrl)
		return true;
	fprintf(stderr, "%s: registers not as found: ring 0x%08x:%08x -> "
		"0x%08x:%08x, next 0x%08x -> 0x%08x, count %u -> %u, "
		"PREF_LIMIT %u -> %u, CTRL2 0x%04x -> 0x%04x, INTR_CTRL "
		"0x%04x -> 0x%04x\n", d->name, found.ring_addr_hi,
		found.ring_addr, now->ring_addr_hi, now->ring_addr,
		found.ring_next, now->ring_next, found.ring_count,
		now->ring_count, found.pref_limit, now->pref_limit,
		found.ctrl2, now->ctrl2, found.intr_ctrl, now->intr_ctrl);
	return false;
}

int
st_dev_open(struct st_dev *d)
{
	uint32_t ctrl;

	if (d->bar == NULL || d->bar_len < PLX_BAR0_MIN_LEN)
		return -ENXIO;
	ctrl = st_rd32(d, PLX_REG_CTRL);
	if (ctrl == PLX_GONE_U32) {
		fprintf(stderr, "%s: BAR0 reads all ones: device gone?\n",
			d->name);
		return -ENODEV;
	}
	if (ctrl & PLX_CTRL_IN_PROGRESS) {
		fprintf(stderr, "%s: the engine is running (CTRL 0x%08x): "
			"something else uses it, not touched\n", d->name, ctrl);
		return -EBUSY;
	}
	st_save(d);
	return st_mem_alloc(d);
}

void
st_dev_close(struct st_dev *d)
{
	if (d->saved_valid && !d->stuck) {
		st_restore(d);
		d->restored = st_restored(d);
	}
	/* A stuck engine may still write the zones: they are never freed. */
	if (!d->stuck)
		st_mem_free(d);
}

/* --- the ring --- */

uint64_t
st_desc_iova(const struct st_dev *d, unsigned int i)
{
	return d->ring_iova + (uint64_t)i * sizeof(struct plx_dma_hw_desc);
}

void
st_ring_program(struct st_dev *d, uint32_t ctrl2_code)
{
	memset(d->ring, 0, ST_RING_N * sizeof(*d->ring));
	rte_wmb();
	d->ctrl2_code = ctrl2_code;
	st_ctrl_write32(d, PLX_CTRL_RESET_VAL |
		PLX_CTRL32_OF_CTRL2(ctrl2_code));
	st_wr32(d, PLX_REG_DESC_RING_ADDR, (uint32_t)d->ring_iova);
	st_wr32(d, PLX_REG_DESC_RING_ADDR_HI, (uint32_t)(d->ring_iova >> 32));
	st_wr32(d, PLX_REG_DESC_RING_NEXT_ADDR, (uint32_t)d->ring_iova);
	st_wr32(d, PLX_REG_DESC_RING_COUNT, ST_RING_N);
	st_wr32(d, PLX_REG_PREF_LIMIT, PLX_PREF_LIMIT_4_DESC);
	rte_write16(0, d->bar + PLX_REG_INTR_CTRL);
}

void
st_desc(struct st_dev *d, unsigned int i, uint64_t src, uint64_t dst,
		uint32_t size, bool valid)
{
	struct plx_dma_hw_desc *p = &d->ring[i];
	uint32_t lo8 = (uint32_t)(d->src_word_first ? src : dst);
	uint32_t lo12 = (uint32_t)(d->src_word_first ? dst : src);

	p->flags_and_size = size;
	p->dst_addr_hi = (uint16_t)(dst >> 32);
	p->src_addr_hi = (uint16_t)(src >> 32);
	p->dst_addr_lo = lo8;
	p->src_addr_lo = lo12;
	if (valid)
		st_desc_set_valid(d, i);
}

void
st_desc_set_valid(struct st_dev *d, unsigned int i)
{
	rte_wmb();
	d->ring[i].flags_and_size |= PLX_DESC_VALID;
	rte_wmb();
}

uint32_t
st_desc_flags(const struct st_dev *d, unsigned int i)
{
	uint32_t v = *(volatile const uint32_t *)&d->ring[i].flags_and_size;

	rte_rmb();
	return v;
}

void
st_start(struct st_dev *d)
{
	d->last_ctrl = PLX_CTRL_START_VAL;
	rte_write16(PLX_CTRL_START_VAL, d->bar + PLX_REG_CTRL);
}

/* --- waiting --- */

/*
 * Every write of CTRL carries RESET_VAL, all four status bits, which the
 * engine never reports at once; a read equal to the last write is that
 * write not yet taken (a register file of plain memory shows it).
 */
int
st_ctrl_settled(struct st_dev *d, uint32_t *ctrl)
{
	uint64_t end = st_now_us() + d->timeout_us;
	uint32_t v;

	for (;;) {
		v = st_rd32(d, PLX_REG_CTRL);
		if (PLX_CTRL32_CTRL(v) != d->last_ctrl || v == PLX_GONE_U32)
			break;
		if (st_now_us() > end) {
			*ctrl = v;
			return -ETIMEDOUT;
		}
		rte_pause();
	}
	*ctrl = v;
	return v == PLX_GONE_U32 ? -ENODEV : 0;
}

int
st_wait_desc(struct st_dev *d, unsigned int i)
{
	uint64_t end = st_now_us() + d->timeout_us;

	while (st_desc_flags(d, i) & PLX_DESC_VALID) {
		if (st_now_us() > end)
			return -ETIMEDOUT;
		rte_pause();
	}
	return 0;
}

int
st_wait_stopped(struct st_dev *d, uint32_t *ctrl)
{
	uint64_t end = st_now_us() + d->timeout_us;
	int ret;

	for (;;) {
		ret = st_ctrl_settled(d, ctrl);
		if (ret != 0 || !(*ctrl & PLX_CTRL_IN_PROGRESS))
			return ret;
		if (st_now_us() > end)
			return -ETIMEDOUT;
		rte_pause();
	}
}

int
st_command(struct st_dev *d, uint32_t cmd, uint32_t done, uint32_t *ctrl)
{
	uint64_t end = st_now_us() + d->timeout_us;
	int ret;

	st_ctrl_write32(d, PLX_CTRL_RESET_VAL | cmd |
		PLX_CTRL32_OF_CTRL2(d->ctrl2_code));
	for (;;) {
		ret = st_ctrl_settled(d, ctrl);
		if (ret != 0 || (*ctrl & done))
			return ret;
		if (st_now_us() > end)
			return -ETIMEDOUT;
		rte_pause();
	}
}

int
st_stop(struct st_dev *d)
{
	uint32_t ctrl;
	uint32_t cmd = PLX_CTRL_GRACEFUL_PAUSE;
	int ret;

	if (d->stuck)
		return -EBUSY;
	ret = st_command(d, cmd, PLX_CTRL_GRACEFUL_PAUSE_DONE, &ctrl);
	if (ret == -ETIMEDOUT) {
		cmd = PLX_CTRL_ABORT;
		ret = st_command(d, cmd, PLX_CTRL_ABORT_DONE, &ctrl);
	}
	if (ret != 0) {
		fprintf(stderr, "%s: the engine does not stop (CTRL 0x%08x): "
			"left as it is, its memory kept\n", d->name, ctrl);
		d->stuck = true;
		return -EBUSY;
	}
	/* The same command again clears its done bit. */
	st_ctrl_write32(d, PLX_CTRL_RESET_VAL | cmd |
		PLX_CTRL32_OF_CTRL2(d->ctrl2_code));
	st_wr32(d, PLX_REG_DESC_RING_COUNT, 0);
	st_wr32(d, PLX_REG_DESC_RING_ADDR, 0);
	st_wr32(d, PLX_REG_DESC_RING_ADDR_HI, 0);
	st_wr32(d, PLX_REG_DESC_RING_NEXT_ADDR, 0);
	return 0;
}
