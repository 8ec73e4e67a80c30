/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Model tests: the mutant models. Each variant departs from the contract
 * in its one clause (plx_sim.h); each test shows that departure at
 * register level, next to what the contract's model does there.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "test_plx_sim_model.h"

#define VARIANT_CONF(name, v) \
static const struct plx_sim_conf name = { \
	.nb_funcs = 1, .cpu = -1, .manual = true, \
	.variants = PLX_SIM_VARIANT(v), \
}

VARIANT_CONF(src_first_conf, PLX_SIM_VAR_SRC_BEFORE_DST);
VARIANT_CONF(stop_err_conf, PLX_SIM_VAR_STOP_ON_ERROR);
VARIANT_CONF(size0_conf, PLX_SIM_VAR_SIZE0_SUCCESS);
VARIANT_CONF(no_latch_conf, PLX_SIM_VAR_NO_START_LATCH);
VARIANT_CONF(imm_conf, PLX_SIM_VAR_IMM_PAUSE_DONE_SET);
VARIANT_CONF(residue_conf, PLX_SIM_VAR_RESIDUE_AS_REMAINING);
VARIANT_CONF(bar0_8k_conf, PLX_SIM_VAR_BAR0_8K);
VARIANT_CONF(no_last_conf, PLX_SIM_VAR_NO_LAST_REGS);
VARIANT_CONF(txfr_conf, PLX_SIM_VAR_TXFR_64_ONLY);

static int
test_variant_names(void)
{
	enum plx_sim_variant v;

	for (unsigned int i = 0; i < PLX_SIM_VAR_MAX; i++) {
		CHECK(plx_sim_variant_parse(plx_sim_variant_name(i), &v) == 0);
		CHECK_EQ(v, i);
	}
	CHECK_EQ(plx_sim_variant_parse("stop-on-errors", NULL),
		(uint64_t)-EINVAL);
	CHECK(strcmp(plx_sim_variant_name(PLX_SIM_VAR_MAX), "unknown") == 0);
	CHECK_EQ(plx_sim_bar0_len(0), PLX_BAR0_SIM_LEN);
	CHECK_EQ(plx_sim_bar0_len(~PLX_SIM_VARIANT(PLX_SIM_VAR_BAR0_8K)),
		PLX_BAR0_SIM_LEN);
	return 0;
}

/* The engine reads the source from byte 8: the copy runs backwards. */
static int
test_variant_src_before_dst(struct env *e)
{
	memset(e->dst, 0xd5, 64);
	desc_set(e, 0, 0, 0, 64);
	CHECK_EQ(ring_run(e, 0, 4), 1);
	CHECK_EQ(flags(e, 0), PLX_DESC_WB_SUCCESS | 64);
	CHECK(mem_is(e->src, 0xd5, 64));
	CHECK(mem_is(e->dst, 0xd5, 64));
	return 0;
}

/* Stopped after the failure, no status bit; START goes on past it. */
static int
test_variant_stop_on_error(struct env *e)
{
	desc_set(e, 0, 0, 0, 0);
	desc_set(e, 1, 100, 100, 8);
	CHECK_EQ(ring_run(e, 0, 4), 1);
	CHECK_EQ(flags(e, 0), PLX_DESC_WB_READ_FAIL);
	CHECK_EQ(flags(e, 1), PLX_DESC_VALID | 8);
	CHECK_EQ(ctrl32(e) & (PLX_CTRL_IN_PROGRESS | PLX_CTRL_STATUS_MASK), 0);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_NEXT_ADDR),
		(uint32_t)desc_iova(e, 1));
	CHECK(r16(e, PLX_REG_INTR_STATUS) & PLX_INTR_ERROR);
	CHECK_EQ(step(e, 4), 0);
	CHECK_EQ(kick(e, 4), 1);
	CHECK_EQ(flags(e, 1), PLX_DESC_WB_SUCCESS | 8);
	CHECK_EQ(run_bits(e), PLX_CTRL_DESC_INVALID);
	/* An injected failure stops it the same way. */
	desc_set(e, 2, 200, 200, 8);
	desc_set(e, 3, 300, 300, 8);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_WRITE_FAIL, 0) == 0);
	CHECK_EQ(kick(e, 4), 1);
	CHECK_EQ(flags(e, 2), PLX_DESC_WB_WRITE_FAIL);
	CHECK_EQ(flags(e, 3), PLX_DESC_VALID | 8);
	return 0;
}

static int
test_variant_size0_success(struct env *e)
{
	desc_set(e, 0, 0, 0, 0);
	desc_set(e, 1, 0, 0, 8);
	CHECK_EQ(ring_run(e, 0, 4), 2);
	CHECK_EQ(flags(e, 0), PLX_DESC_WB_SUCCESS);
	CHECK_EQ(flags(e, 1), PLX_DESC_WB_SUCCESS | 8);
	CHECK(!(r16(e, PLX_REG_INTR_STATUS) & PLX_INTR_ERROR));
	return 0;
}

/* test_start_latch's sequence: the START is forgotten, 1..3 stranded. */
static int
test_variant_no_start_latch(struct env *e)
{
	desc_set(e, 0, 0, 0, 32);
	CHECK_EQ(ring_run(e, 0, 1), 1);
	desc_fill(e, 1, 4, 32);
	CHECK_EQ(kick(e, 3), 0);
	CHECK_EQ(run_bits(e), PLX_CTRL_DESC_INVALID);
	for (uint32_t i = 1; i < 4; i++)
		CHECK_EQ(flags(e, i), PLX_DESC_VALID | 32);
	/* A START from idle still fetches them. */
	CHECK_EQ(kick(e, 100), 3);
	CHECK_EQ(flags(e, 3), PLX_DESC_WB_SUCCESS | 32);
	return 0;
}

static int
test_variant_imm_pause_done_set(struct env *e)
{
	const uint32_t status = PLX_CTRL_STATUS_MASK;

	desc_fill(e, 0, 4, 32);
	CHECK_EQ(ring_run(e, 0, 1), 1);
	CHECK_EQ(ctrl_write(e, PLX_CTRL_GRACEFUL_PAUSE, 0), 0);
	CHECK_EQ(ctrl32(e) & (status | PLX_CTRL_IN_PROGRESS),
		PLX_CTRL_GRACEFUL_PAUSE_DONE | PLX_CTRL_IMM_PAUSE_DONE);
	/* Still told from a write: it never shows all of RESET_VAL. */
	CHECK_EQ(ctrl_write(e, 0, 0), 0);
	CHECK_EQ(ctrl32(e) & status, 0);
	CHECK_EQ(kick(e, 1), 1);
	CHECK_EQ(ctrl_write(e, PLX_CTRL_ABORT, 0), 0);
	CHECK_EQ(ctrl32(e) & (status | PLX_CTRL_IN_PROGRESS),
		PLX_CTRL_ABORT_DONE | PLX_CTRL_IMM_PAUSE_DONE);
	return 0;
}

/* The count written back is what was left: 0 on success, all on failure. */
static int
test_variant_residue_as_remaining(struct env *e)
{
	desc_set(e, 0, 0, 0, 100);
	desc_set(e, 1, 0, 200, 0);
	desc_set(e, 2, 0, 300, 50);
	CHECK_EQ(ring_run(e, 0, 1), 1);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_READ_FAIL, 1) == 0);
	CHECK_EQ(step(e, 4), 2);
	CHECK_EQ(flags(e, 0), PLX_DESC_WB_SUCCESS);
	CHECK(memcmp(e->dst, e->src, 100) == 0);
	CHECK_EQ(flags(e, 1), PLX_DESC_WB_READ_FAIL);
	CHECK_EQ(flags(e, 2), PLX_DESC_WB_READ_FAIL | 50);
	return 0;
}

static int
test_variant_bar0_8k(struct env *e)
{
	volatile uint8_t *bar = plx_sim_bar0(e->sim, 0);
	struct stat st;

	CHECK_EQ(plx_sim_bar0_len(bar0_8k_conf.variants),
		2 * PLX_BAR0_SIM_LEN);
	CHECK(fstat(plx_sim_bar0_fd(e->sim, 0), &st) == 0);
	CHECK_EQ(st.st_size, 2 * PLX_BAR0_SIM_LEN);
	CHECK_EQ(bar[2 * PLX_BAR0_SIM_LEN - 1], 0);
	/* The registers are where they were. */
	desc_set(e, 0, 0, 0, 16);
	CHECK_EQ(ring_run(e, 0, 4), 1);
	CHECK_EQ(flags(e, 0), PLX_DESC_WB_SUCCESS | 16);
	/* A removal turns all of it to ones. */
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_SURPRISE_REMOVAL,
		0) == 0);
	CHECK_EQ(bar[2 * PLX_BAR0_SIM_LEN - 1], 0xff);
	return 0;
}

static int
test_variant_no_last_regs(struct env *e)
{
	desc_set(e, 0, 0, 0, 10);
	desc_set(e, 1, 10, 10, 20);
	CHECK_EQ(ring_run(e, 0, 4), 2);
	CHECK_EQ(flags(e, 1), PLX_DESC_WB_SUCCESS | 20);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_LAST_ADDR), 0);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_LAST_SIZE), 0);
	return 0;
}

/* 64 B and 4 B work; every other code makes each descriptor fail. */
static int
test_variant_txfr_64_only(struct env *e)
{
	static const uint32_t codes[] = {
		PLX_CTRL2_MAX_TXFR_64B, PLX_CTRL2_MAX_TXFR_128B,
		PLX_CTRL2_MAX_TXFR_256B, PLX_CTRL2_MAX_TXFR_512B,
		PLX_CTRL2_MAX_TXFR_1KB, PLX_CTRL2_MAX_TXFR_2KB,
		PLX_CTRL2_MAX_TXFR_4B,
	};

	ring_program(e, 0, PLX_PREF_LIMIT_4_DESC);
	for (uint32_t i = 0; i < PLX_TEST_DIM(codes); i++) {
		bool ok = codes[i] == PLX_CTRL2_MAX_TXFR_64B ||
			codes[i] == PLX_CTRL2_MAX_TXFR_4B;

		CHECK_EQ(ctrl_write(e, PLX_CTRL32_OF_CTRL2(codes[i]), 0), 0);
		desc_set(e, i, i * 100, i * 100, 100);
		CHECK_EQ(kick(e, 4), 1);
		CHECK_EQ(flags(e, i), ok ? PLX_DESC_WB_SUCCESS | 100 :
			PLX_DESC_WB_WRITE_FAIL);
	}
	return 0;
}

const struct model_test model_variant_tests[] = {
	TEST(variant_names),
	ENV_TEST(variant_src_before_dst, &src_first_conf, 4, 4096),
	ENV_TEST(variant_stop_on_error, &stop_err_conf, 8, 4096),
	ENV_TEST(variant_size0_success, &size0_conf, 4, 4096),
	ENV_TEST(variant_no_start_latch, &no_latch_conf, 16, 4096),
	ENV_TEST(variant_imm_pause_done_set, &imm_conf, 8, 4096),
	ENV_TEST(variant_residue_as_remaining, &residue_conf, 4, 4096),
	ENV_TEST(variant_bar0_8k, &bar0_8k_conf, 4, 4096),
	ENV_TEST(variant_no_last_regs, &no_last_conf, 4, 4096),
	ENV_TEST(variant_txfr_64_only, &txfr_conf, 8, 4096),
	MODEL_TEST_END
};
