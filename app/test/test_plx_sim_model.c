/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Register-level tests of the device model against the hardware contract
 * (doc: plx-hardware.md), without DPDK. Most run in manual mode, where
 * plx_sim_step() makes every interleaving deterministic; the threaded ones
 * poll with a timeout and never use sleeps for synchronisation.
 *
 *   test_plx_sim_model [--filter SUBSTRING] [--exclude SUBSTRING]
 *       [--list] [--times] [NAME...]
 *
 * NAME: only the tests of exactly that name. Output: one "PASS name" or
 * "FAIL name: reason (file:line)" line per test, then "N passed, N failed".
 */

#include <stdio.h>
#include <string.h>

#include "test_plx_sim_model.h"

static const struct model_test *const tables[] = {
	model_ring_tests,
	model_ctrl_tests,
	model_threaded_tests,
	model_variant_tests,
	model_hostile_tests,
	model_removal_tests,
};

/* Named on the command line, or no test is. */
static bool
named(const char *name, int argc, char **argv)
{
	bool any = false;

	for (int i = 1; i < argc; i++) {
		if (argv[i] == NULL)
			continue;
		if (strcmp(argv[i], name) == 0)
			return true;
		any = true;
	}
	return !any;
}

int
main(int argc, char **argv)
{
	struct plx_test_run run = { .filter = NULL };
	const struct model_test *t;

	/* Options out of argv (NULL), the names of tests left. */
	for (int i = 1; i < argc; i++) {
		int opt = i;

		if (!plx_test_option(&run, argc, argv, &i))
			continue;
		for (; opt <= i; opt++)
			argv[opt] = NULL;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t g = 0; g < PLX_TEST_DIM(tables); g++) {
		for (t = tables[g]; t->name != NULL; t++) {
			if (run.list)
				printf("%s\n", t->name);
			else if (named(t->name, argc, argv) &&
					plx_test_name_selected(&run, t->name))
				plx_test_run_arg(&run, t->name, model_test_run,
					t);
		}
	}
	if (!run.list)
		plx_test_summary(&run);
	return run.failed != 0;
}
