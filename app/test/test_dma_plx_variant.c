/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * dma_plx on the mutant models: what the PMD does on a switch that
 * departs from one assumed clause of the contract. Run under the
 * launcher with that variant, the variant's name after the EAL options:
 *
 *   dpdk-plx-sim -n 1 --variant NAME -- test_dma_plx_variant --no-huge \
 *       -m 512 --iova-mode=va --no-shconf --file-prefix P \
 *       -d .../librte_dma_plx.so -- NAME
 *
 * Each test states what applies on such silicon: the PMD is unaffected,
 * adapts, stays safe, or (src-before-dst) cannot tell and copies the
 * wrong way; the PMD guide's "Bringing up new hardware" lists them.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_memzone.h>

#include "plx_sim_host.h"
#include "test_plx_common.h"

#define ADDR		"0000:03:00.1"
#define WAIT_US		(2 * 1000 * 1000)
#define BIG_LEN		(8u << 20)
#define SMALL_LEN	4096
#define FILL		0x5a

static struct plx_sim *sim;
static const struct rte_memzone *mz;
static uint8_t *src, *dst;	/* BIG_LEN each */
static rte_iova_t src_iova, dst_iova;

static void
fill(uint8_t *p, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + seed * 13 + 1);
}

static bool
is_fill(const uint8_t *p, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != (uint8_t)(i * 7 + seed * 13 + 1))
			return false;
	return true;
}

static bool
is_byte(const uint8_t *p, uint8_t v, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* The channel of ADDR, probed with args (NULL: as it is), started. */
static int
chan_open(struct plx_test_chan *c, const char *args)
{
	if (args != NULL) {
		CHECK_OK(plx_test_pci_remove(ADDR, false));
		CHECK_OK(plx_test_pci_probe(ADDR, args));
	}
	CHECK_OK(plx_test_chan_init(c, sim, ADDR, WAIT_US));
	CHECK_OK(plx_test_chan_attach(c));
	CHECK_OK(plx_test_chan_start(c, 64));
	fill(src, BIG_LEN, 1);
	memset(dst, FILL, BIG_LEN);
	return 0;
}

static int
chan_close(struct plx_test_chan *c, const char *args)
{
	CHECK(rte_dma_stop(c->id) == 0);
	if (args != NULL) {
		CHECK_OK(plx_test_pci_remove(ADDR, false));
		CHECK_OK(plx_test_pci_probe(ADDR, NULL));
	}
	return 0;
}

/* One copy at off of len bytes, submitted; the op must be accepted. */
static int
copy(struct plx_test_chan *c, size_t off, uint32_t len)
{
	int rc;

	CHECK_OK(plx_test_chan_copy(c, src_iova + off, dst_iova + off, len,
		RTE_DMA_OP_FLAG_SUBMIT, &rc));
	CHECK_MSG(rc >= 0, "copy of %u bytes refused: %d", len, rc);
	return 0;
}

/* A copy works as on the contract's model. */
static int
copy_works(struct plx_test_chan *c)
{
	CHECK_OK(copy(c, 0, SMALL_LEN));
	CHECK_OK(plx_test_chan_wait_completed(c, 1));
	CHECK(is_fill(dst, SMALL_LEN, 1));
	return 0;
}

/*
 * NOT SAFE as it is: each copy is reported successful and the source is
 * overwritten; dma_plx cannot tell. The devarg src_first=1 adapts it.
 */
static int
test_src_before_dst(void)
{
	struct plx_test_chan c;

	CHECK_OK(chan_open(&c, NULL));
	CHECK_OK(copy(&c, 0, SMALL_LEN));
	CHECK_OK(plx_test_chan_wait_completed(&c, 1));
	CHECK_MSG(is_byte(src, FILL, SMALL_LEN),
		"the source was not overwritten: the copy did not run backwards");
	CHECK(is_byte(dst, FILL, SMALL_LEN));
	CHECK(rte_dma_stop(c.id) == 0);
	/* Adapts when told: src_first=1 puts the source word first. */
	CHECK_OK(chan_open(&c, "src_first=1"));
	CHECK_OK(copy_works(&c));
	CHECK(is_fill(src, SMALL_LEN, 1));
	CHECK_OK(plx_test_dump_has(c.id, "src_first 1", "devargs"));
	return chan_close(&c, "src_first=1");
}

/*
 * Safe, not live: the ops after a failure wait; rte_dma_stop() reports
 * them not done, none as a success without its data.
 */
static int
test_stop_on_error(void)
{
	enum rte_dma_status_code st[8];
	unsigned int got = 0, i, before;
	struct plx_test_chan c;
	uint64_t end;
	uint16_t n;

	CHECK_OK(chan_open(&c, NULL));
	CHECK(plx_sim_inject(sim, 0, PLX_SIM_FAULT_READ_FAIL, 0) == 0);
	for (i = 0; i < 4; i++)
		CHECK_OK(copy(&c, i * SMALL_LEN, 64));
	for (end = plx_test_now_us() + 300 * 1000;
			got < 4 && plx_test_now_us() < end; got += n)
		CHECK_OK(plx_test_chan_completed_status(&c, 4 - got, &n,
			&st[got]));
	CHECK_MSG(got >= 1 && st[0] != RTE_DMA_STATUS_SUCCESSFUL,
		"the failed op is not reported first as failed");
	before = got;
	CHECK(rte_dma_stop(c.id) == 0);
	CHECK_OK(plx_test_chan_completed_status(&c, 8, &n, &st[got]));
	got += n;
	CHECK_EQ(got, 4);
	for (i = 1; i < got; i++) {
		if (st[i] == RTE_DMA_STATUS_SUCCESSFUL)
			CHECK(is_fill(dst + i * SMALL_LEN, 64, 1));
		else
			CHECK_MSG(i >= before, "op %u failed before the stop", i);
	}
	printf("stop-on-error: %u of 3 ops after the failure were reported "
		"before rte_dma_stop()\n", before - 1);
	return 0;
}

/* Unaffected: a length of 0 never reaches the engine. */
static int
test_size0_success(void)
{
	struct plx_test_chan c;
	int rc;

	CHECK_OK(chan_open(&c, NULL));
	CHECK_OK(plx_test_chan_copy(&c, src_iova, dst_iova, 0,
		RTE_DMA_OP_FLAG_SUBMIT, &rc));
	CHECK_EQ(rc, (uint64_t)-EINVAL);
	CHECK_OK(copy_works(&c));
	return chan_close(&c, NULL);
}

/* Completions of the channel for at most us, into *got. */
static int
collect(struct plx_test_chan *c, unsigned int want, uint64_t us,
		unsigned int *got)
{
	uint64_t end = plx_test_now_us() + us;
	uint16_t n;

	while (*got < want && plx_test_now_us() < end) {
		CHECK_OK(plx_test_chan_completed_status(c, want - *got, &n,
			NULL));
		*got += n;
	}
	return 0;
}

/*
 * Safe, late: a batch submitted while the engine copies a large op can be
 * left behind at its first descriptor until the next rte_dma_submit().
 * (A PMD that writes START again when its periodic check finds the engine
 * stopped there picks it up by itself; then no round strands.)
 */
static int
test_no_start_latch(void)
{
	unsigned int round, stranded = 0;
	struct plx_test_chan c;

	CHECK_OK(chan_open(&c, NULL));
	for (round = 0; round < 10; round++) {
		unsigned int got = 0;

		memset(dst, FILL, BIG_LEN);
		CHECK_OK(copy(&c, 0, BIG_LEN - 2 * SMALL_LEN));
		rte_delay_us_block(200);
		CHECK_OK(copy(&c, BIG_LEN - 2 * SMALL_LEN, SMALL_LEN));
		CHECK_OK(collect(&c, 2, 200 * 1000, &got));
		if (got < 2) {
			stranded++;
			CHECK_EQ(got, 1);
			CHECK(is_byte(dst + BIG_LEN - 2 * SMALL_LEN, FILL,
				SMALL_LEN));
		}
		/* The next submit takes the stranded batch along. */
		CHECK_OK(copy(&c, BIG_LEN - SMALL_LEN, SMALL_LEN));
		CHECK_OK(plx_test_chan_wait_completed(&c, 3 - got));
		CHECK(is_fill(dst, BIG_LEN, 1));
	}
	printf("no-start-latch: %u of %u batches were left behind until the "
		"next submit\n", stranded, round);
	return chan_close(&c, NULL);
}

/* Adapts: stop tells its pending command by value, not by this bit. */
static int
test_imm_pause_done_set(void)
{
	struct plx_test_chan c;
	uint64_t t0, us;

	CHECK_OK(chan_open(&c, NULL));
	CHECK_OK(copy(&c, 0, BIG_LEN));
	t0 = plx_test_now_us();
	CHECK(rte_dma_stop(c.id) == 0);
	us = plx_test_now_us() - t0;
	CHECK_MSG(us < 500 * 1000, "rte_dma_stop() took %" PRIu64 " us", us);
	CHECK(!plx_test_log_has("timed out"));
	CHECK(!plx_test_log_has("function reset"));
	CHECK_OK(plx_test_chan_drain(&c, false, 64));
	CHECK(rte_dma_start(c.id) == 0);
	plx_test_chan_reset(&c);
	CHECK_OK(copy_works(&c));
	return chan_close(&c, NULL);
}

/*
 * Safe, unusable: a success is reported only when the count written back
 * is the size asked (a short one is an error), so silicon that writes the
 * residue there gets every copy reported ERROR_UNKNOWN, never a success
 * it cannot vouch for. The self-test's writeback-count check names it.
 */
static int
test_residue_as_remaining(void)
{
	enum rte_dma_status_code st[1];
	struct plx_test_chan c;

	CHECK_OK(chan_open(&c, NULL));
	CHECK_OK(copy(&c, SMALL_LEN, 64));
	CHECK_OK(plx_test_chan_wait_status(&c, st, 1));
	CHECK_STATUS(st[0], RTE_DMA_STATUS_ERROR_UNKNOWN);
	return chan_close(&c, NULL);
}

/* Unaffected: the registers are where they were. */
static int
test_bar0_8k(void)
{
	struct plx_test_chan c;

	CHECK_OK(chan_open(&c, NULL));
	CHECK_OK(copy_works(&c));
	return chan_close(&c, NULL);
}

/* Unaffected but for what rte_dma_dump() prints. */
static int
test_no_last_regs(void)
{
	struct plx_test_chan c;

	CHECK_OK(chan_open(&c, NULL));
	CHECK_OK(copy_works(&c));
	CHECK_OK(plx_test_dump_has(c.id, "LAST_ADDR      0x00000000",
		"(size 0)"));
	return chan_close(&c, NULL);
}

/* Safe: at the default 64 B copies work; max_txfr=512 makes them fail. */
static int
test_txfr_64_only(void)
{
	const char *args = "max_txfr=512";
	enum rte_dma_status_code st;
	struct plx_test_chan c;

	CHECK_OK(chan_open(&c, NULL));
	CHECK_OK(copy_works(&c));
	CHECK(rte_dma_stop(c.id) == 0);
	CHECK_OK(chan_open(&c, args));
	CHECK_OK(copy(&c, 0, SMALL_LEN));
	CHECK_OK(plx_test_chan_wait_status(&c, &st, 1));
	CHECK(st != RTE_DMA_STATUS_SUCCESSFUL);
	CHECK(is_byte(dst, FILL, SMALL_LEN));
	return chan_close(&c, args);
}

static const struct plx_test tests[] = {
	{ "src-before-dst", test_src_before_dst },
	{ "stop-on-error", test_stop_on_error },
	{ "size0-success", test_size0_success },
	{ "no-start-latch", test_no_start_latch },
	{ "imm-pause-done-set", test_imm_pause_done_set },
	{ "residue-as-remaining", test_residue_as_remaining },
	{ "bar0-8k", test_bar0_8k },
	{ "no-last-regs", test_no_last_regs },
	{ "txfr-64-only", test_txfr_64_only },
	PLX_TEST_END
};

static void
after_test(int ret)
{
	if (ret < 0)
		plx_test_log_show();
}

int
main(int argc, char **argv)
{
	struct plx_test_run run = { .filter = NULL };
	const struct plx_test *t;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "cannot initialise EAL\n");
		return 2;
	}
	argc -= ret;
	argv += ret;
	sim = plx_sim_self();
	mz = rte_memzone_reserve_aligned("variant_bufs", 2 * BIG_LEN,
		SOCKET_ID_ANY, RTE_MEMZONE_IOVA_CONTIG, 4096);
	if (argc != 2 || sim == NULL || mz == NULL) {
		fprintf(stderr, "usage: %s <EAL args> -- VARIANT (under "
			"dpdk-plx-sim --variant VARIANT)\n", argv[0]);
		rte_eal_cleanup();
		return 2;
	}
	src = mz->addr;
	dst = src + BIG_LEN;
	src_iova = mz->iova;
	dst_iova = mz->iova + BIG_LEN;
	setvbuf(stdout, NULL, _IOLBF, 0);
	run.before = plx_test_log_mark;
	run.after = after_test;
	plx_test_log_start();
	for (t = tests; t->name != NULL; t++)
		if (strcmp(t->name, argv[1]) == 0)
			plx_test_run(&run, t);
	if (run.passed + run.failed == 0)
		fprintf(stderr, "no test for variant '%s'\n", argv[1]);
	plx_test_summary(&run);
	plx_test_log_stop();
	rte_memzone_free(mz);
	plx_test_close_held();
	rte_eal_cleanup();
	plx_test_log_free();
	return run.failed > 0 || run.passed == 0 ? 1 : 0;
}
