/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * A removed function at register level: every view of its BAR0 reads all
 * ones from the moment of the removal, whatever software writes, with no
 * engine pass in between (plx-hardware.md, "Surprise removal"); the
 * writes are dropped and counted; a replug makes the views answer again.
 */

#include <stdint.h>
#include <sys/mman.h>

#include "test_plx_sim_model.h"

#if defined(__x86_64__)
/* Every byte of the n-byte BAR0 at bar reads v. */
static bool
view_is(const volatile uint8_t *bar, uint32_t n, uint8_t v)
{
	for (uint32_t off = 0; off < n; off++)
		if (bar[off] != v)
			return false;
	return true;
}

/* Writes of every width, each read back at once. */
static int
writes_read_ones(struct env *e)
{
	uint64_t dropped = plx_sim_dropped_writes(e->sim, e->fn);

	w32(e, PLX_REG_DESC_RING_NEXT_ADDR, (uint32_t)e->ring_iova);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_NEXT_ADDR), PLX_GONE_U32);
	w32(e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL);
	CHECK_EQ(ctrl32(e), PLX_GONE_U32);
	doorbell(e);
	CHECK_EQ(r16(e, PLX_REG_CTRL), PLX_GONE_U16);
	w16(e, PLX_REG_CTRL2, 3);
	CHECK_EQ(r16(e, PLX_REG_CTRL2), PLX_GONE_U16);
	w16(e, PLX_REG_INTR_STATUS, 0);
	CHECK_EQ(r16(e, PLX_REG_INTR_STATUS), PLX_GONE_U16);
	e->bar[PLX_REG_PREF_LIMIT] = 8;
	CHECK_EQ(e->bar[PLX_REG_PREF_LIMIT], 0xff);
	*(volatile uint64_t *)(e->bar + PLX_REG_DESC_RING_ADDR) = 0;
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_ADDR), PLX_GONE_U32);
	CHECK(view_is(e->bar, PLX_BAR0_SIM_LEN, 0xff));
	CHECK_EQ(plx_sim_dropped_writes(e->sim, e->fn), dropped + 7);
	return 0;
}

static int
test_removal_reads_ones(struct env *e)
{
	desc_fill(e, 0, 6, 64);
	CHECK_EQ(ring_run(e, 0, 2), 2);
	w32(e, PLX_REG_DESC_RING_COUNT, e->ring_n);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_COUNT), e->ring_n);
	CHECK_EQ(plx_sim_dropped_writes(e->sim, 0), 0);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_SURPRISE_REMOVAL,
		0) == 0);
	CHECK(view_is(e->bar, PLX_BAR0_SIM_LEN, 0xff));
	/* No step of the engine between a write and its read. */
	CHECK(writes_read_ones(e) == 0);
	CHECK_EQ(step(e, 100), 0);
	CHECK(view_is(e->bar, PLX_BAR0_SIM_LEN, 0xff));
	for (uint32_t i = 2; i < 6; i++)
		CHECK_EQ(flags(e, i), PLX_DESC_VALID | 64);
	CHECK_EQ(plx_sim_desc_count(e->sim, 0), 2);
	/* A replug: the registers answer again, writes read back. */
	CHECK(plx_sim_replug(e->sim, 0) == 0);
	CHECK(view_is(e->bar, PLX_BAR0_SIM_LEN, 0));
	w32(e, PLX_REG_DESC_RING_COUNT, e->ring_n);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_COUNT), e->ring_n);
	CHECK_EQ(plx_sim_dropped_writes(e->sim, 0), 7);
	CHECK_EQ(ring_run(e, 2, 100), 4);
	/* Removed again, again at once. */
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_SURPRISE_REMOVAL,
		0) == 0);
	CHECK(writes_read_ones(e) == 0);
	return 0;
}

/* A view mapped while the function is gone is gone from the start. */
static int
view_checks(struct env *e, volatile uint8_t *v, uint32_t len)
{
	uint64_t dropped = plx_sim_dropped_writes(e->sim, 0);

	CHECK(view_is(v, len, 0));
	*(volatile uint32_t *)(v + PLX_REG_DESC_RING_COUNT) = 16;
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_COUNT), 16);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_SURPRISE_REMOVAL,
		0) == 0);
	CHECK(view_is(v, len, 0xff));
	*(volatile uint32_t *)(v + PLX_REG_DESC_RING_COUNT) = 16;
	CHECK(view_is(v, len, 0xff));
	CHECK_EQ(plx_sim_dropped_writes(e->sim, 0), dropped + 1);
	CHECK(plx_sim_replug(e->sim, 0) == 0);
	*(volatile uint32_t *)(v + PLX_REG_DESC_RING_COUNT) = 16;
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_COUNT), 16);
	return 0;
}

static int
test_removal_views(struct env *e)
{
	uint32_t len = plx_sim_bar0_len(0);
	volatile uint8_t *v;
	int rc;

	CHECK(plx_sim_bar0_map(e->sim, 0, NULL, len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE, 0) == MAP_FAILED);
	CHECK(plx_sim_bar0_map(e->sim, 2, NULL, len, PROT_READ | PROT_WRITE,
		MAP_SHARED, 0) == MAP_FAILED);
	CHECK(plx_sim_bar0_map(e->sim, 1, NULL, len + 1, PROT_READ,
		MAP_SHARED, 0) == MAP_FAILED);
	v = plx_sim_bar0_map(e->sim, 0, NULL, len, PROT_READ | PROT_WRITE,
		MAP_SHARED, 0);
	CHECK(v != MAP_FAILED);
	rc = view_checks(e, v, len);
	plx_sim_bar0_forget((void *)(uintptr_t)v, len);
	munmap((void *)(uintptr_t)v, len);
	CHECK(rc == 0);
	/* Mapped after the removal. */
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_SURPRISE_REMOVAL,
		0) == 0);
	v = plx_sim_bar0_map(e->sim, 0, NULL, len, PROT_READ | PROT_WRITE,
		MAP_SHARED, 0);
	CHECK(v != MAP_FAILED);
	v[PLX_REG_CTRL] = 0;
	rc = view_is(v, len, 0xff) && view_is(e->bar, len, 0xff) ? 0 : -1;
	CHECK(plx_sim_replug(e->sim, 0) == 0);
	rc |= view_is(v, len, 0) ? 0 : -1;
	plx_sim_bar0_forget((void *)(uintptr_t)v, len);
	munmap((void *)(uintptr_t)v, len);
	CHECK(rc == 0);
	return 0;
}

/*
 * The store forms a compiler may emit for a register write, each
 * stepped over: the code after it runs (done counts), nothing lands.
 */
static int
test_removal_store_forms(struct env *e)
{
	volatile uint8_t *p = e->bar + PLX_REG_DESC_RING_COUNT;
	uint64_t dropped;
	uint32_t done = 0;
	uint64_t rax = 0x1234;

	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_SURPRISE_REMOVAL,
		0) == 0);
	dropped = plx_sim_dropped_writes(e->sim, 0);
	__asm__ volatile(
		"movl $0x11223344, (%[p])\n\t"		/* c7 /0 imm32 */
		"incl %[done]\n\t"
		"movw $0x5566, 2(%[p])\n\t"		/* 66 c7 disp8 imm16 */
		"incl %[done]\n\t"
		"movb $0x77, 0x100(%[p])\n\t"		/* c6 disp32 imm8 */
		"incl %[done]\n\t"
		"movq %[rax], (%[p],%[z],8)\n\t"	/* REX.W 89 SIB */
		"incl %[done]\n\t"
		"orl $1, 4(%[p])\n\t"			/* 83 /1 imm8 */
		"incl %[done]\n\t"
		"addw $0x1000, (%[p])\n\t"		/* 66 81 /0 imm16 */
		"incl %[done]\n\t"
		"xchgl %k[rax], (%[p])\n\t"		/* 87 */
		"incl %[done]\n\t"
		"lock cmpxchgl %k[rax], (%[p])\n\t"	/* f0 0f b1 */
		"incl %[done]\n\t"
		"movups %%xmm0, (%[p])\n\t"		/* 0f 11 */
		"incl %[done]\n\t"
		"movnti %k[rax], (%[p])\n\t"		/* 0f c3 */
		"incl %[done]\n\t"
		: [done] "+m"(done), [rax] "+a"(rax)
		: [p] "r"(p), [z] "r"((uint64_t)0)
		: "memory", "cc", "xmm0");
	CHECK_EQ(done, 10);
	CHECK_EQ(plx_sim_dropped_writes(e->sim, 0), dropped + 10);
	CHECK(view_is(e->bar, PLX_BAR0_SIM_LEN, 0xff));
	return 0;
}

/* Threaded: the doorbell after a removal reads all ones, no pass later. */
static int
test_removal_threaded(struct env *e)
{
	desc_fill(e, 0, 4, 64);
	ring_start(e, 0);
	WAIT_FOR(plx_sim_desc_count(e->sim, 0) == 4);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_SURPRISE_REMOVAL,
		0) == 0);
	for (int i = 0; i < 1000; i++) {
		doorbell(e);
		CHECK_EQ(ctrl32(e), PLX_GONE_U32);
	}
	CHECK_EQ(plx_sim_dropped_writes(e->sim, 0), 1000);
	return 0;
}

static const struct plx_sim_conf two_conf = {
	.nb_funcs = 2, .cpu = -1, .manual = true,
};
#endif

/* Elsewhere writes do not trap (plx_sim_bar0_map()): none of these. */
const struct model_test model_removal_tests[] = {
#if defined(__x86_64__)
	MANUAL(removal_reads_ones, 16, 64 * 1024),
	ENV_TEST(removal_views, &two_conf, 16, 64 * 1024),
	MANUAL(removal_store_forms, 16, 64 * 1024),
	THREADED(removal_threaded, 16, 64 * 1024),
#endif
	MODEL_TEST_END
};
