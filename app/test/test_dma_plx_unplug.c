/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Issue 4: unplugging a dma_plx device while the application uses it.
 *
 *   dpdk-plx-sim -n 4 -- test_dma_plx_unplug --no-huge -m 512 \
 *       --iova-mode=va --no-shconf --file-prefix unplugN \
 *       --lcores '(0-4)@(0,1)' -d .../librte_dma_plx.so \
 *       [-- [--cycles N] [--cleanup-cycles N] [--seed S] [--filter NAME]
 *       [--exclude NAME]]
 *
 * Deterministic tests (test_dma_plx_unplug_det.c) force the awkward
 * moments with the simulator's faults (stalled engine, pause or abort
 * never acknowledged, device gone with a full ring or during
 * rte_dma_stop) and assert every status, error code and counter exactly.
 * The torture tests (_torture.c) then remove channels at random points
 * while one worker lcore per channel runs copy, submit, completed and
 * completed_status in a tight loop, once per way a device can go: the
 * application removes it (torture_app), the administrator unbinds it
 * (torture_unbind: VFIO request, RTE_DEV_EVENT_REMOVE, removal from an
 * alarm), it vanishes (torture_surprise), rte_eal_cleanup() runs with it
 * started (torture_cleanup, _cleanup.c: a child process per cycle, run
 * before this process initialises EAL).
 *
 * Output: "PASS name", "FAIL name: reason (file:line)" or "SKIP name:
 * reason" per test, then "N passed, N failed". The seed is printed first;
 * --seed S reproduces every random choice (thread timing aside).
 *
 * --bench-guard is no test: it measures the fast path instead
 * (test_dma_plx_unplug_bench.c).
 */

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "plx_parse.h"
#include "test_dma_plx_unplug.h"

static const struct plx_test no_tests[] = { PLX_TEST_END };

/* The late write-back test belongs to a run whose switch makes them. */
static const struct plx_test *tables[] = {
	unplug_det_tests,
	unplug_sg_tests,
	unplug_guard_tests,
	no_tests,		/* unplug_late_tests, see main() */
	unplug_torture_tests,
	plx_test_ownership,
};

/* Runs before EAL initialisation (see the top of the file). */
static const struct plx_test cleanup_test = {
	"torture_cleanup", test_torture_cleanup
};

static struct plx_test_run run;

/* After a failure: whatever the test left, back to fresh devices. */
static void
recover(void)
{
	unsigned int fn;

	plx_test_msg[0] = '\0';
	plx_test_close_held();
	for (fn = 0; fn < nb_funcs; fn++)
		if (func_restore(&chans[fn], NULL) != 0)
			printf("# recovery of %s: %s\n", chans[fn].ch.addr,
				plx_test_msg);
}

/* After a test in EAL: its log if it failed, and a recovery. */
static void
after_test(int ret)
{
	if (ret < 0) {
		plx_test_log_show();
		recover();
	}
}

static void
usage(const char *prog)
{
	printf("Usage: %s <EAL args> -- [--cycles N] [--cleanup-cycles N] "
		"[--seed S] [--filter NAME] [--exclude NAME] [--list] [--times] [--bench-guard]\n"
		"       [--membarrier-unregistered]\n"
		"  --cycles N          torture cycles per in-process removal kind (default %u)\n"
		"  --cleanup-cycles N  child processes of torture_cleanup (default cycles/20)\n"
		"  --seed S            reproduce a run\n"
		"  --filter NAME       only tests whose name contains NAME\n"
		"  --exclude NAME      no test whose name contains NAME\n"
		"  --list              the names of the tests\n"
		"  --times             how long each test takes\n"
		"  --bench-guard       measure the fast path instead (simulator with --null-copy)\n"
		"  --membarrier-unregistered  membarrier registration fails at probe:\n"
		"                      every channel takes the fenced entry points\n",
		prog, DEFAULT_CYCLES);
}

struct app_args {
	bool bench;
	int child;	/* -1: not a cleanup child, else its variant */
};

static int
parse_app_args(int argc, char **argv, struct app_args *a)
{
	uint64_t v;
	int i;

	memset(a, 0, sizeof(*a));
	a->child = -1;
	for (i = 0; i < argc; i++) {
		const char *opt = argv[i];
		bool has_val = i + 1 < argc;

		if (plx_test_option(&run, argc, argv, &i))
			continue;
		if (strcmp(opt, "--bench-guard") == 0) {
			a->bench = true;
		} else if (strcmp(opt, "--membarrier-unregistered") == 0) {
			mb_unregistered = true;
		} else if (has_val && plx_parse_u64(argv[i + 1], 0, 0, UINT64_MAX, &v) == 0) {
			i++;
			if (strcmp(opt, "--seed") == 0)
				g_seed = v;
			else if (strcmp(opt, "--cycles") == 0 && v > 0 &&
					v <= UINT32_MAX)
				g_cycles = v;
			else if (strcmp(opt, "--cleanup-cycles") == 0 &&
					v <= UINT32_MAX)
				g_cleanup_cycles = v;
			else if (strcmp(opt, "--cleanup-child") == 0 &&
					v < CV_MAX)
				a->child = v;
			else
				return -1;
		} else {
			return -1;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct app_args a;
	unsigned int lcore;
	int ret, dd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	g_seed = plx_test_now_us() ^ ((uint64_t)getpid() << 32);
	/* Our arguments follow the first "--"; EAL's come before it. */
	for (dd = 1; dd < argc && strcmp(argv[dd], "--") != 0; dd++)
		;
	if (parse_app_args(dd < argc ? argc - dd - 1 : 0, argv + dd + 1,
			&a) != 0) {
		usage(argv[0]);
		return 2;
	}
	if (unplug_late_armed())
		tables[3] = unplug_late_tests;
	if (run.list) {
		plx_test_run_tables(&run, tables, RTE_DIM(tables));
		plx_test_list(&cleanup_test, 1);
		return 0;
	}
	if (a.child < 0 && !a.bench) {
		printf("# seed %" PRIu64 " (--seed %" PRIu64 " reproduces this run)\n",
			g_seed, g_seed);
		eal_argc = dd;
		eal_argv = argv;
		if (plx_test_selected(&run, &cleanup_test))
			plx_test_run(&run, &cleanup_test);
	}

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "cannot initialise EAL\n");
		return 2;
	}
	sim = plx_sim_self();
	nb_funcs = sim != NULL ? plx_sim_nb_funcs(sim) : 0;
	RTE_LCORE_FOREACH_WORKER(lcore)
		if (nb_workers < MAX_CHANS)
			worker_lcores[nb_workers++] = lcore;
	plx_test_log_start();
	if (chans_init() != 0) {
		plx_test_report(&run, "setup", -1, plx_test_msg);
	} else if (a.child >= 0) {
		return child_main(a.child, g_seed);
	} else if (a.bench) {
		if (bench_guard() != 0) {
			printf("bench-guard failed: %s\n", plx_test_msg);
			plx_test_log_show();
			run.failed++;
		}
	} else {
		run.before = plx_test_log_mark;
		run.after = after_test;
		plx_test_run_tables(&run, tables, RTE_DIM(tables));
	}
	if (!a.bench)
		plx_test_summary(&run);
	unbind_unregister();
	plx_test_log_stop();
	plx_test_close_held();
	chans_free();
	rte_eal_cleanup();
	plx_test_log_free();
	return run.failed > 0 ? 1 : 0;
}
