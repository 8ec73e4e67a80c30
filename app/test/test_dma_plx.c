/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Functional tests of the dma_plx PMD, run on the simulated PEX 87xx switch:
 *
 *   dpdk-plx-sim -n 4 -- test_dma_plx --no-huge -m 512 --iova-mode=va \
 *       --no-shconf --file-prefix plxtestN --lcores '(0-4)@(0,1)' \
 *       -d .../librte_dma_plx.so [-- [--filter SUBSTRING] [--exclude SUBSTRING]
 *       [--list] [--times]]
 *
 * (DPDK 22.11 rejects --lcores '0-4@(0,1)': a range needs parentheses.)
 * With IOVA as PA (uio), only copy_data is meant to run: --filter copy.
 *
 * The tests are in test_dma_plx_copy.c, _stop.c, _input.c, _sg.c and
 * _hostile.c, their
 * harness in test_dma_plx_harness.c (test_dma_plx.h). Functions
 * 0000:03:00.1..4 are used as follows: .1 data, errors, input
 * checks; .2 ring and lifecycle tests; .3 devargs; .4 (re-probed with
 * stop_timeout_ms=50) the tests that make a stop time out.
 *
 * Output: one "PASS name", "FAIL name: reason (file:line)" or
 * "SKIP name: reason" line per test, then "N passed, N failed[, N skipped]".
 */

#include <stdio.h>

#include <rte_common.h>
#include <rte_eal.h>

#include "test_dma_plx.h"

static const struct plx_test *const tables[] = {
	dma_plx_copy_tests,
	dma_plx_stop_tests,
	dma_plx_input_tests,
	dma_plx_sg_tests,
	dma_plx_hostile_tests,
	plx_test_ownership,
};

/* The PMD's log is shown only for a test that failed. */
static void
after_test(int ret)
{
	if (ret < 0)
		plx_test_log_show();
	cleanup();
}

static void
usage(const char *prog)
{
	printf("usage: %s <EAL args> [-- [--filter SUBSTRING] [--exclude SUBSTRING] [--list] [--times]]\n",
		prog);
}

int
main(int argc, char **argv)
{
	struct plx_test_run run = { .filter = NULL };
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "cannot initialise EAL\n");
		return 2;
	}
	argc -= ret;
	argv += ret;
	for (ret = 1; ret < argc; ret++) {
		if (!plx_test_option(&run, argc, argv, &ret)) {
			usage(argv[0]);
			rte_eal_cleanup();
			return 2;
		}
	}
	sim = plx_sim_self();
	setvbuf(stdout, NULL, _IOLBF, 0);
	run.before = plx_test_log_mark;
	run.after = after_test;
	plx_test_log_start();
	plx_test_run_tables(&run, tables, RTE_DIM(tables));
	if (!run.list)
		plx_test_summary(&run);
	plx_test_log_stop();
	rte_eal_cleanup();
	plx_test_log_free();
	return run.failed > 0 ? 1 : 0;
}
