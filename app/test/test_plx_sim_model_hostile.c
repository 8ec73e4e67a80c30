/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Model tests: a model as hostile as silicon may be within the contract
 * (issue 13): burst prefetch and its weak START latch, lost START writes,
 * unclean write-backs, an all-ones glitch, an engine halting on a failure,
 * the ownership checker, seeded timing chaos, non-atomic transfers.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "test_plx_sim_model.h"

static const struct plx_sim_conf burst_conf = {
	.nb_funcs = 1, .cpu = -1, .manual = true, .burst_prefetch = true,
};

/* A latched START re-reads the head only, once: the rest stay stranded. */
static int
test_burst_latch(struct env *e)
{
	desc_set(e, 0, 0, 0, 32);
	/* One burst: 0 valid, 1..3 fetched invalid. */
	CHECK_EQ(ring_run(e, 0, 1), 1);
	desc_fill(e, 1, 4, 32);
	CHECK_EQ(kick(e, 100), 1);
	CHECK_EQ(flags(e, 1), PLX_DESC_WB_SUCCESS | 32);
	CHECK_EQ(run_bits(e), PLX_CTRL_DESC_INVALID);
	CHECK_EQ(flags(e, 2), PLX_DESC_VALID | 32);
	CHECK_EQ(flags(e, 3), PLX_DESC_VALID | 32);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_NEXT_ADDR),
		(uint32_t)desc_iova(e, 2));
	/* START from idle fetches a fresh burst at NEXT_ADDR. */
	CHECK_EQ(kick(e, 100), 2);
	CHECK_EQ(flags(e, 3), PLX_DESC_WB_SUCCESS | 32);
	CHECK_EQ(run_bits(e), PLX_CTRL_DESC_INVALID);
	for (uint32_t i = 0; i < 4; i++)
		CHECK(memcmp(e->dst + i * 100, e->src + i * 100, 32) == 0);
	return 0;
}

/* No fetch until the queue is empty: a burst is taken in one go. */
static int
test_burst_when_empty(struct env *e)
{
	desc_fill(e, 0, 8, 32);
	CHECK_EQ(ring_run(e, 0, 1), 1);		/* burst 0..3 */
	CHECK_EQ(step(e, 3), 3);
	/* Rewritten before the next burst: the engine runs what it is now. */
	desc_set(e, 4, 400, 10400, 32);
	CHECK_EQ(step(e, 100), 4);
	CHECK(memcmp(e->dst + 10400, e->src + 400, 32) == 0);
	CHECK(mem_is(e->dst + 400, 0, 32));
	/* The burst after 4..7 finds 8 invalid: stop there. */
	CHECK_EQ(run_bits(e), PLX_CTRL_DESC_INVALID);
	CHECK_EQ(plx_sim_desc_count(e->sim, 0), 8);
	return 0;
}

/* Turned on at run time, from the next START from idle. */
static int
test_burst_switch(struct env *e)
{
	desc_set(e, 0, 0, 0, 32);
	plx_sim_set_burst_prefetch(e->sim, true);
	CHECK_EQ(ring_run(e, 0, 1), 1);
	desc_fill(e, 1, 4, 32);
	CHECK_EQ(kick(e, 100), 1);
	plx_sim_set_burst_prefetch(e->sim, false);
	/* Still the burst engine until it stops... */
	CHECK_EQ(run_bits(e), PLX_CTRL_DESC_INVALID);
	/* ...then the contract's: re-read everything on a latch. */
	desc_fill(e, 4, 8, 32);
	CHECK_EQ(kick(e, 1), 1);
	desc_fill(e, 8, 12, 32);
	CHECK_EQ(kick(e, 100), 9);
	CHECK_EQ(flags(e, 11), PLX_DESC_WB_SUCCESS | 32);
	return 0;
}

/* START is lost, the rest of the write is taken: the engine stays idle. */
static int
test_lost_start_idle(struct env *e)
{
	desc_fill(e, 0, 2, 64);
	ring_program(e, 0, PLX_PREF_LIMIT_4_DESC);
	CHECK_EQ(step(e, 0), 0);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_LOST_START, 0) == 0);
	CHECK_EQ(kick(e, 100), 0);
	CHECK_EQ(ctrl_settled(e), PLX_CTRL_WRITE_BACK_EN |
		PLX_CTRL_DESC_MODE_OFF_CHIP);
	CHECK_EQ(flags(e, 0), PLX_DESC_VALID | 64);
	/* One write only: the next START is taken. */
	CHECK_EQ(kick(e, 100), 2);
	CHECK_EQ(flags(e, 1), PLX_DESC_WB_SUCCESS | 64);
	CHECK_EQ(run_bits(e), PLX_CTRL_DESC_INVALID);
	return 0;
}

/* Lost while running: no latch, the engine stops at a stale snapshot. */
static int
test_lost_start_running(struct env *e)
{
	desc_set(e, 0, 0, 0, 32);
	CHECK_EQ(ring_run(e, 0, 1), 1);		/* 1 fetched invalid */
	desc_fill(e, 1, 3, 32);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_LOST_START, 0) == 0);
	CHECK_EQ(kick(e, 100), 0);
	CHECK_EQ(run_bits(e), PLX_CTRL_DESC_INVALID);
	CHECK_EQ(flags(e, 1), PLX_DESC_VALID | 32);
	CHECK_EQ(kick(e, 100), 2);
	/* Armed for later, it waits for its descriptor count. */
	desc_fill(e, 3, 6, 32);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_LOST_START, 1) == 0);
	CHECK_EQ(kick(e, 1), 1);		/* 4, 5 and 6 (invalid) fetched */
	desc_set(e, 6, 600, 600, 32);
	CHECK_EQ(kick(e, 100), 2);		/* this latch is lost */
	CHECK_EQ(run_bits(e), PLX_CTRL_DESC_INVALID);
	CHECK_EQ(flags(e, 6), PLX_DESC_VALID | 32);
	/* Cleared with the other faults. */
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_LOST_START, 0) == 0);
	plx_sim_clear_faults(e->sim, 0);
	CHECK_EQ(kick(e, 100), 1);
	CHECK_EQ(flags(e, 6), PLX_DESC_WB_SUCCESS | 32);
	return 0;
}

/* Write-backs a clean engine never makes. */
static int
test_wb_faults(struct env *e)
{
	desc_fill(e, 0, 5, 50);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_WB_NO_STATUS, 1) == 0);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_WB_BOTH_FAIL, 2) == 0);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_WB_SHORT, 3) == 0);
	CHECK_EQ(ring_run(e, 0, 100), 5);
	CHECK_EQ(flags(e, 0), PLX_DESC_WB_SUCCESS | 50);
	CHECK_EQ(flags(e, 1), 50);
	CHECK(memcmp(e->dst + 100, e->src + 100, 50) == 0);
	CHECK_EQ(flags(e, 2), PLX_DESC_WB_READ_FAIL | PLX_DESC_WB_WRITE_FAIL);
	CHECK(mem_is(e->dst + 200, 0, 50));
	CHECK_EQ(flags(e, 3), PLX_DESC_WB_SUCCESS | 25);
	CHECK(memcmp(e->dst + 300, e->src + 300, 25) == 0);
	CHECK(mem_is(e->dst + 325, 0, 25));
	CHECK_EQ(flags(e, 4), PLX_DESC_WB_SUCCESS | 50);
	CHECK_EQ(r16(e, PLX_REG_INTR_STATUS),
		PLX_INTR_ERROR | PLX_INTR_DESC_DONE | PLX_INTR_INV_DESC);
	/* One-shot: the next lap is clean. */
	desc_fill(e, 5, 9, 50);
	CHECK_EQ(kick(e, 100), 4);
	for (uint32_t i = 5; i < 9; i++)
		CHECK_EQ(flags(e, i), PLX_DESC_WB_SUCCESS | 50);
	return 0;
}

/* CTRL reads all ones for a moment; config space says present. */
static int
test_glitch(struct env *e)
{
	desc_fill(e, 0, 2, 64);
	CHECK_EQ(ring_run(e, 0, 1), 1);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_GLITCH, 0) == 0);
	CHECK_EQ(ctrl32(e), PLX_GONE_U32);
	CHECK_EQ(r16(e, PLX_REG_CTRL2), PLX_GONE_U16);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_COUNT), e->ring_n);
	CHECK(plx_sim_func_present(e->sim, 0));
	/* Over at the next step, the engine goes on where it was. */
	CHECK_EQ(step(e, 100), 1);
	CHECK_EQ(ctrl32(e), PLX_CTRL_WRITE_BACK_EN |
		PLX_CTRL_DESC_MODE_OFF_CHIP | PLX_CTRL_DESC_INVALID);
	/* A START written during one is taken after it. */
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_GLITCH, 0) == 0);
	desc_set(e, 2, 200, 200, 64);
	CHECK_EQ(kick(e, 100), 1);
	CHECK_EQ(flags(e, 2), PLX_DESC_WB_SUCCESS | 64);
	CHECK_EQ(ctrl32(e), PLX_CTRL_WRITE_BACK_EN |
		PLX_CTRL_DESC_MODE_OFF_CHIP | PLX_CTRL_DESC_INVALID);
	/* Armed for later: it strikes after its descriptor, mid-batch. */
	desc_fill(e, 3, 6, 64);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_GLITCH, 1) == 0);
	CHECK_EQ(kick(e, 100), 1);
	CHECK_EQ(ctrl32(e), PLX_GONE_U32);
	CHECK_EQ(step(e, 100), 2);
	CHECK_EQ(flags(e, 5), PLX_DESC_WB_SUCCESS | 64);
	/* Held until cleared, steps or not. */
	CHECK_EQ(plx_sim_glitch(e->sim, 0, 0), 0);
	desc_set(e, 6, 600, 600, 64);
	CHECK_EQ(kick(e, 100), 0);
	CHECK_EQ(step(e, 100), 0);
	CHECK_EQ(ctrl32(e), PLX_GONE_U32);
	plx_sim_clear_faults(e->sim, 0);
	CHECK_EQ(step(e, 100), 1);
	CHECK_EQ(flags(e, 6), PLX_DESC_WB_SUCCESS | 64);
	CHECK_EQ(plx_sim_glitch(e->sim, 1, 0), (uint64_t)-EINVAL);
	return 0;
}

/* Threaded: writes during the glitch read back all ones, then land. */
static int
test_glitch_threaded(struct env *e)
{
	desc_fill(e, 0, 2, 64);
	ring_program(e, 0, PLX_PREF_LIMIT_4_DESC);
	/* Held until cleared: the test sees it whatever the scheduling. */
	CHECK(plx_sim_glitch(e->sim, 0, 0) == 0);
	doorbell(e);
	WAIT_FOR(ctrl32(e) == PLX_GONE_U32);
	CHECK_EQ(flags(e, 0), PLX_DESC_VALID | 64);
	plx_sim_clear_faults(e->sim, 0);
	WAIT_FOR(flags(e, 1) == (PLX_DESC_WB_SUCCESS | 64));
	WAIT_FOR(run_bits(e) == PLX_CTRL_DESC_INVALID);
	return 0;
}

/* halt-on-fail: the engine stops after a failure and ignores START. */
static int
test_halt_on_fail(struct env *e)
{
	desc_fill(e, 0, 6, 64);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_HALT_ON_FAIL, 0) == 0);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_READ_FAIL, 2) == 0);
	CHECK_EQ(ring_run(e, 0, 100), 3);
	CHECK_EQ(flags(e, 2), PLX_DESC_WB_READ_FAIL);
	CHECK_EQ(ctrl32(e), PLX_CTRL_WRITE_BACK_EN |
		PLX_CTRL_DESC_MODE_OFF_CHIP);
	CHECK_EQ(flags(e, 3), PLX_DESC_VALID | 64);
	CHECK_EQ(kick(e, 100), 0);
	CHECK_EQ(run_bits(e), 0);
	/* An abort completes and un-halts it; START resumes at NEXT_ADDR. */
	CHECK_EQ(ctrl_write(e, PLX_CTRL_ABORT, 100), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_ABORT | PLX_CTRL_ABORT_DONE);
	CHECK_EQ(kick(e, 100), 3);
	CHECK_EQ(flags(e, 5), PLX_DESC_WB_SUCCESS | 64);
	/* Still armed: a size-0 descriptor halts it too; clearing cures. */
	desc_set(e, 6, 0, 0, 0);
	desc_set(e, 7, 700, 700, 64);
	CHECK_EQ(kick(e, 100), 1);
	CHECK_EQ(run_bits(e), 0);
	plx_sim_clear_faults(e->sim, 0);
	CHECK_EQ(kick(e, 100), 1);
	CHECK_EQ(flags(e, 7), PLX_DESC_WB_SUCCESS | 64);
	return 0;
}

/*
 * The ownership checker: a slot rewritten after the engine fetched it
 * VALID is counted; one it fetched invalid is software's to rewrite.
 */
static int
test_ownership(struct env *e)
{
	desc_fill(e, 0, 3, 32);
	CHECK_EQ(ring_run(e, 0, 1), 1);	/* 1, 2 and 3 (invalid) fetched */
	desc_set(e, 3, 300, 300, 32);
	desc_set(e, 1, 100, 5000, 32);
	CHECK_EQ(plx_sim_ownership_errors(e->sim, 0), 0);
	CHECK_EQ(kick(e, 100), 3);
	CHECK_EQ(plx_sim_ownership_errors(e->sim, 0), 1);
	/* The write-back still lands; the data went where the engine read. */
	CHECK_EQ(flags(e, 1), PLX_DESC_WB_SUCCESS | 32);
	CHECK(memcmp(e->dst + 100, e->src + 100, 32) == 0);
	CHECK_EQ(plx_sim_ownership_errors(e->sim, 1), 0);
	return 0;
}

static const struct plx_sim_conf chaos_conf = {
	.nb_funcs = 2, .cpu = -1, .chaos = true, .chaos_seed = 42,
};

/*
 * Batches of 1..8 descriptors, each made valid then STARTed while the
 * engine may still run the one before: under chaos as without, none is
 * stranded, and each lands where it should. Returns the descriptors run.
 */
static int
chaos_batches(struct env *e, unsigned int rounds, uint32_t *done)
{
	uint32_t next = 0, x = 7;

	ring_program(e, 0, PLX_PREF_LIMIT_4_DESC);
	for (unsigned int r = 0; r < rounds; r++) {
		uint32_t n = 1 + (x = x * 1103515245 + 12345) % 8, i;

		for (i = 0; i < n; i++) {
			uint32_t k = (next + i) % e->ring_n;

			e->ring[k].flags_and_size = 0;
			desc_set(e, k, k * 64, k * 64, 64);
		}
		doorbell(e);
		next += n;
		WAIT_FOR(plx_sim_desc_count(e->sim, e->fn) == next);
		CHECK_EQ(flags(e, (next - 1) % e->ring_n),
			PLX_DESC_WB_SUCCESS | 64);
	}
	CHECK(memcmp(e->dst, e->src, e->ring_n * 64) == 0);
	*done = next;
	return 0;
}

/* Chaos stays within the contract: nothing stranded, stops answered. */
static int
test_chaos_contract(struct env *e)
{
	uint32_t done;

	CHECK_OK(chaos_batches(e, 300, &done));
	CHECK(plx_sim_chaos_digest(e->sim, 0) != 0);
	/* A pause and an abort are still acknowledged, if late. */
	desc_fill(e, 0, 16, 64);
	for (uint32_t i = 0; i < 16; i++)
		e->ring[i].flags_and_size |= PLX_DESC_VALID;
	ring_start(e, 0);
	w32(e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | PLX_CTRL_GRACEFUL_PAUSE);
	WAIT_FOR(ctrl_settled(e) & PLX_CTRL_GRACEFUL_PAUSE_DONE);
	w32(e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | PLX_CTRL_ABORT);
	WAIT_FOR(ctrl_settled(e) & PLX_CTRL_ABORT_DONE);
	return 0;
}

/* The same seed draws the same per-descriptor decisions; another not. */
static int
test_chaos_replay(void)
{
	struct plx_sim_conf conf = chaos_conf;
	uint64_t digest[3];
	struct env e;
	uint32_t done;
	int rc = 0;

	for (int i = 0; i < 3 && rc == 0; i++) {
		conf.chaos_seed = i < 2 ? 1234 : 4321;
		rc = env_init_conf(&e, &conf, 64, 64 * 64);
		if (rc == 0)
			rc = chaos_batches(&e, 100, &done);
		digest[i] = plx_sim_chaos_digest(e.sim, 0);
		env_fini(&e);
	}
	CHECK_EQ(rc, 0);
	CHECK_EQ(digest[0], digest[1]);
	CHECK(digest[0] != digest[2]);
	/* A manual switch ignores chaos. */
	conf.manual = true;
	CHECK(env_init_conf(&e, &conf, 16, 4096) == 0);
	desc_set(&e, 0, 0, 0, 8);
	rc = ring_run(&e, 0, 10) == 1 && plx_sim_chaos_digest(e.sim, 0) == 0;
	env_fini(&e);
	CHECK(rc);
	return 0;
}

static const struct plx_sim_conf chunked_conf = {
	.nb_funcs = 1, .cpu = -1, .manual = true, .chunked = true,
};

#define BIG	(64 * 1024)

/* An abort mid-descriptor: the chunks moved stay, nothing written back. */
static int
test_chunked_abort(struct env *e)
{
	desc_set(e, 0, 0, 0, BIG);
	ring_start(e, 0);
	CHECK_EQ(plx_sim_step_bytes(e->sim, 0, 100, 16384), 0);
	CHECK_EQ(plx_sim_step_bytes(e->sim, 0, 100, 16384), 0);
	CHECK(memcmp(e->dst, e->src, 32768) == 0);
	CHECK(mem_is(e->dst + 32768, 0, BIG - 32768));
	CHECK_EQ(flags(e, 0), PLX_DESC_VALID | BIG);
	CHECK_EQ(ctrl_write(e, PLX_CTRL_ABORT, 100), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_ABORT | PLX_CTRL_ABORT_DONE);
	CHECK_EQ(flags(e, 0), PLX_DESC_VALID | BIG);
	CHECK(mem_is(e->dst + 32768, 0, BIG - 32768));
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_NEXT_ADDR),
		(uint32_t)desc_iova(e, 0));
	/* Started again, the descriptor runs from its start. */
	CHECK_EQ(kick(e, 100), 1);
	CHECK_EQ(flags(e, 0), PLX_DESC_WB_SUCCESS | BIG);
	CHECK(memcmp(e->dst, e->src, BIG) == 0);
	return 0;
}

/* A graceful pause waits for the descriptor in progress. */
static int
test_chunked_pause(struct env *e)
{
	desc_set(e, 0, 0, 0, BIG);
	desc_set(e, 1, 0, BIG, 64);
	ring_start(e, 0);
	CHECK_EQ(plx_sim_step_bytes(e->sim, 0, 100, 16384), 0);
	w32(e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | PLX_CTRL_GRACEFUL_PAUSE);
	CHECK_EQ(plx_sim_step_bytes(e->sim, 0, 100, 16384), 0);
	CHECK(!(ctrl32(e) & PLX_CTRL_GRACEFUL_PAUSE_DONE));
	CHECK_EQ(step(e, 100), 1);
	CHECK_EQ(ctrl32(e), PLX_CTRL_GRACEFUL_PAUSE |
		PLX_CTRL_GRACEFUL_PAUSE_DONE);
	/* Finished (the pause's CTRL write cleared WRITE_BACK_EN). */
	CHECK_EQ(plx_sim_desc_count(e->sim, 0), 1);
	CHECK(memcmp(e->dst, e->src, BIG) == 0);
	CHECK_EQ(flags(e, 1), PLX_DESC_VALID | 64);
	CHECK(mem_is(e->dst + BIG, 0, 64));
	return 0;
}

/* A removal mid-descriptor: partial data, no write-back, ever. */
static int
test_chunked_removal(struct env *e)
{
	desc_set(e, 0, 0, 0, BIG);
	ring_start(e, 0);
	CHECK_EQ(plx_sim_step_bytes(e->sim, 0, 100, 16384), 0);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_SURPRISE_REMOVAL,
		0) == 0);
	CHECK_EQ(step(e, 100), 0);
	CHECK(memcmp(e->dst, e->src, 16384) == 0);
	CHECK(mem_is(e->dst + 16384, 0, BIG - 16384));
	CHECK_EQ(flags(e, 0), PLX_DESC_VALID | BIG);
	return 0;
}

/*
 * The IOMMU per chunk: a hole in the destination fails the descriptor
 * there, the page before it written, the bytes moved written back; the
 * atomic transfer fails it whole, before any byte moves.
 */
static int
iommu_hole(struct env *e, uint32_t *wb, uint8_t **dst)
{
	uint8_t *p = env_page(e, 3 * 4096);

	CHECK(p != NULL);
	CHECK(plx_sim_iommu_map(e->sim, iova(p), p, 4096) == 0);
	CHECK(plx_sim_iommu_map(e->sim, iova(p + 8192), p + 8192, 4096) == 0);
	desc_put(&e->ring[0], iova(e->src), iova(p), 3 * 4096, true);
	CHECK_EQ(ring_run(e, 0, 100), 1);
	*wb = flags(e, 0);
	*dst = p;
	return 0;
}

static int
test_chunked_iommu(struct env *e)
{
	struct env a;
	uint8_t *p;
	uint32_t wb;
	int rc;

	CHECK_OK(iommu_hole(e, &wb, &p));
	CHECK_EQ(wb, PLX_DESC_WB_WRITE_FAIL | 4096);
	CHECK(memcmp(p, e->src, 4096) == 0);
	CHECK(mem_is(p + 8192, 0, 4096));
	CHECK(env_init(&a, true, 16, 64 * 1024) == 0);
	rc = iommu_hole(&a, &wb, &p) == 0 &&
		wb == PLX_DESC_WB_WRITE_FAIL && mem_is(p, 0, 4096);
	env_fini(&a);
	CHECK(rc);
	return 0;
}

/* Forward in chunks: an overlapping copy spreads as on silicon. */
static int
test_chunked_overlap(struct env *e)
{
	uint8_t ref[512];

	memcpy(ref, e->src, sizeof(ref));
	for (uint32_t k = 0; k < 256; k += 64)	/* CTRL2 0: 64-byte chunks */
		memmove(ref + 16 + k, ref + k, 64);
	desc_put(&e->ring[0], iova(e->src), iova(e->src + 16), 256, true);
	CHECK_EQ(ring_run(e, 0, 100), 1);
	CHECK_EQ(flags(e, 0), PLX_DESC_WB_SUCCESS | 256);
	CHECK(memcmp(e->src, ref, sizeof(ref)) == 0);
	return 0;
}

static const struct plx_sim_conf late_conf = {
	.nb_funcs = 1, .cpu = -1, .manual = true, .late_writeback_us = 1,
};

/* The write-back before a removal lands after it, as a posted write. */
static int
test_late_writeback(struct env *e)
{
	desc_fill(e, 0, 4, 64);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_SURPRISE_REMOVAL,
		2) == 0);
	CHECK_EQ(ring_run(e, 0, 100), 2);
	CHECK(!plx_sim_func_present(e->sim, 0));
	CHECK_EQ(ctrl32(e), PLX_GONE_U32);
	CHECK_EQ(flags(e, 0), PLX_DESC_WB_SUCCESS | 64);
	/* Data moved, write-back still on its way. */
	CHECK(memcmp(e->dst + 100, e->src + 100, 64) == 0);
	CHECK_EQ(flags(e, 1), PLX_DESC_VALID | 64);
	CHECK_EQ(plx_sim_late_writebacks(e->sim, 0), 0);
	CHECK_EQ(step(e, 100), 0);
	CHECK_EQ(flags(e, 1), PLX_DESC_WB_SUCCESS | 64);
	CHECK_EQ(plx_sim_late_writebacks(e->sim, 0), 1);
	CHECK_EQ(flags(e, 2), PLX_DESC_VALID | 64);
	/* Only one, and only for a removal armed after a descriptor. */
	CHECK_EQ(step(e, 100), 0);
	CHECK(plx_sim_replug(e->sim, 0) == 0);
	CHECK_EQ(ring_run(e, 2, 1), 1);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_SURPRISE_REMOVAL,
		0) == 0);
	CHECK_EQ(step(e, 100), 0);
	CHECK_EQ(flags(e, 2), PLX_DESC_WB_SUCCESS | 64);
	CHECK_EQ(flags(e, 3), PLX_DESC_VALID | 64);
	return 0;
}

const struct model_test model_hostile_tests[] = {
	ENV_TEST(burst_latch, &burst_conf, 16, 64 * 1024),
	ENV_TEST(burst_when_empty, &burst_conf, 16, 64 * 1024),
	MANUAL(burst_switch, 16, 64 * 1024),
	MANUAL(lost_start_idle, 16, 64 * 1024),
	MANUAL(lost_start_running, 16, 64 * 1024),
	MANUAL(wb_faults, 16, 64 * 1024),
	MANUAL(glitch, 16, 64 * 1024),
	THREADED(glitch_threaded, 16, 64 * 1024),
	MANUAL(halt_on_fail, 16, 64 * 1024),
	MANUAL(ownership, 16, 64 * 1024),
	ENV_TEST(chaos_contract, &chaos_conf, 64, 64 * 64),
	TEST(chaos_replay),
	ENV_TEST(chunked_abort, &chunked_conf, 16, 64 * 1024),
	ENV_TEST(chunked_pause, &chunked_conf, 16, 128 * 1024),
	ENV_TEST(chunked_removal, &chunked_conf, 16, 64 * 1024),
	ENV_TEST(chunked_iommu, &chunked_conf, 16, 64 * 1024),
	ENV_TEST(chunked_overlap, &chunked_conf, 16, 64 * 1024),
	ENV_TEST(late_writeback, &late_conf, 16, 64 * 1024),
	MODEL_TEST_END
};
