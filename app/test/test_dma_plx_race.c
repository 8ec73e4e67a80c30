/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Issue 10: removal racing the application's control calls.
 *
 *   dpdk-plx-sim -n 4 -- test_dma_plx_race --no-huge -m 512 \
 *       --iova-mode=va --no-shconf --file-prefix raceN \
 *       --lcores '(0-4)@(0-1)' -d .../librte_dma_plx.so \
 *       [-- [--cycles N] [--seed S] [--filter NAME] [--list]]
 *
 * One case per control call (stop, close, start, configure, vchan_setup,
 * stats_get, stats_reset, dump, vchan_status, info_get) x removal path x
 * traffic, each of --cycles cycles. A cycle configures one channel (the
 * application's reference: lifecycle.md never lets a removal release a
 * configured device), brings it to the call's precondition, then lets
 * the main lcore make the call and a removal run, released together by a
 * flag and each after a random spin:
 *  - thread: a worker lcore calls rte_eal_hotplug_remove() or
 *    rte_dev_remove();
 *  - irq: the main lcore raises the VFIO request in the simulator; DPDK's
 *    interrupt thread passes RTE_DEV_EVENT_REMOVE to our callback, which
 *    sets an alarm; the alarm, on the interrupt thread too, releases the
 *    main lcore and removes.
 * With traffic, copies and completions run up to the call on the main
 * lcore (stop, close, configure, vchan_setup: after a stop; start and
 * stats_reset: on after it too), or beside it on a worker lcore for the
 * calls an application makes beside its fast path.
 *
 * Both sides are timestamped: the call's return code, and what it
 * returned, must be what lifecycle.md allows for the order that happened
 * (call before the removal, after it, or overlapping). Then every op
 * handed out is reported exactly once with a legal status, the stats
 * agree, the held channel stops and closes, the rte_malloc heap is back
 * where it was with the function removed, and the address probes again
 * into a channel that copies.
 *
 * The random offset between the two sides adapts (see struct race_case)
 * so that calls land before, during and after the removal; "# NAME: ..."
 * says how often, and a case whose calls all came before, or all after,
 * fails.
 *
 * The cases and main are here, a cycle in test_dma_plx_race_cycle.c, the
 * two sides in test_dma_plx_race_sides.c.
 *
 * Output: "PASS name" / "FAIL name: reason" per case, "N passed, N failed".
 * The seed is printed first; --seed S reproduces every random choice
 * (thread timing aside).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "plx_sim_host.h"
#include "test_dma_plx_race.h"
#include "test_plx_common.h"

#define DEFAULT_CYCLES	50
/* From this many cycles on, a case must have had a call that did not
 * come after the removal and one that did not come before it: else the
 * offsets missed the race. */
#define ORDERS_MIN_CYCLES 16

struct plx_sim *sim;
static unsigned int nb_funcs;
unsigned int rm_lcore, w_lcore;
struct removal g_rm;
struct rchan g_chan;
uint64_t g_seed;
static unsigned int g_cycles = DEFAULT_CYCLES;
static struct plx_test_run run;

/* --- cases --- */

static struct race_case cases[C_MAX * RM_MAX * 2];

static void
cases_init(void)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(cases); i++) {
		struct race_case *k = &cases[i];

		k->call = i / (RM_MAX * 2);
		k->path = i / 2 % RM_MAX;
		k->traffic = i % 2;
		snprintf(k->name, sizeof(k->name), "%s_%s_%s",
			call_names[k->call],
			k->path == RM_IRQ ? "irq" : "thread",
			k->traffic ? "traffic" : "idle");
	}
}

/* The function with a fresh device; base: the heap with it removed. */
static int
func_fresh(struct rchan *c, struct plx_test_heap *base)
{
	int id = rte_dma_get_dev_id_by_name(c->addr);

	if (id >= 0) {
		rte_dma_stop(id);
		rte_dma_close(id);
	}
	CHECK_OK(plx_test_pci_restore(sim, c->addr, NULL));
	CHECK_EQ(plx_test_pci_remove(c->addr, false), 0);
	plx_test_heap_get(base);
	CHECK_EQ(plx_test_pci_probe(c->addr, NULL), 0);
	return plx_test_dev_id(c->addr, &c->id);
}

/* After a failure: whatever the case left held, closed. */
static void
recover(void)
{
	if (g_rm.rc == -EINPROGRESS)
		removal_wait(&g_rm);
	plx_test_close_held();
	plx_test_msg[0] = '\0';
}

static int
case_run(struct race_case *k, unsigned int kase)
{
	struct rchan *c = &g_chan;
	uint64_t t0 = plx_test_now_us();
	struct plx_test_heap base;
	unsigned int cycle;

	memset(c, 0, sizeof(*c));
	k->fn = kase % nb_funcs;
	c->fn = k->fn;
	snprintf(c->addr, sizeof(c->addr), "%s", plx_sim_func_addr(c->fn));
	CHECK_OK(func_fresh(c, &base));
	for (cycle = 0; cycle < g_cycles; cycle++) {
		if (cycle_run(k, kase, cycle, &base) != 0) {
			plx_test_msg_prefix("cycle %u of %u (rerun: -- --filter %s --seed %" PRIu64 ")",
				cycle + 1, g_cycles, k->name, g_seed);
			return -1;
		}
	}
	CHECK_MSG(g_cycles < ORDERS_MIN_CYCLES ||
			(k->orders[ORD_BEFORE] + k->orders[ORD_OVERLAP] > 0 &&
			 k->orders[ORD_AFTER] + k->orders[ORD_OVERLAP] > 0),
		"in %u cycles the call came %u times before, %u during, %u after the removal: the offsets do not cover the race",
		g_cycles, k->orders[ORD_BEFORE], k->orders[ORD_OVERLAP],
		k->orders[ORD_AFTER]);
	printf("# %s on %s: %u cycles, call %s/%s/%s the removal %u/%u/%u; ops SUCCESSFUL %" PRIu64
		", USER_ABORT %" PRIu64 ", NOT_ATTEMPTED %" PRIu64 "; %" PRIu64 " ms\n",
		k->name, c->addr, g_cycles, order_names[0], order_names[1],
		order_names[2], k->orders[0], k->orders[1], k->orders[2],
		k->nb_st[0], k->nb_st[1], k->nb_st[2],
		(plx_test_now_us() - t0) / 1000);
	return 0;
}

static void
cases_run(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < RTE_DIM(cases); i++) {
		struct plx_test t = { cases[i].name, NULL };

		if (!plx_test_selected(&run, &t))
			continue;
		plx_test_msg[0] = '\0';
		if (sim == NULL || rte_lcore_count() < 3) {
			plx_test_report(&run, cases[i].name, 1,
				"needs dpdk-plx-sim and 2 worker lcores");
			continue;
		}
		ret = plx_test_result(case_run(&cases[i], i), NULL, 0);
		plx_test_report(&run, cases[i].name, ret, plx_test_msg);
		if (ret != 0)
			recover();
	}
}

/* --- main --- */

static void
usage(const char *prog)
{
	printf("Usage: %s <EAL args> -- [--cycles N] [--seed S] [--filter NAME] [--list]\n"
		"  --cycles N     cycles per case (default %u)\n"
		"  --seed S       reproduce a run\n"
		"  --filter NAME  only cases whose name contains NAME\n"
		"  --list         the names of the cases\n",
		prog, DEFAULT_CYCLES);
}

static int
parse_args(int argc, char **argv)
{
	char *end;
	unsigned long long v;
	int i;

	for (i = 0; i < argc; i++) {
		if (plx_test_option(&run, argc, argv, &i))
			continue;
		if (i + 1 >= argc)
			return -1;
		errno = 0;
		v = strtoull(argv[i + 1], &end, 0);
		if (errno != 0 || *end != '\0' || argv[i + 1][0] == '-')
			return -1;
		if (strcmp(argv[i], "--seed") == 0)
			g_seed = v;
		else if (strcmp(argv[i], "--cycles") == 0 && v > 0 &&
				v <= 1000000)
			g_cycles = v;
		else
			return -1;
		i++;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned int lcore, n = 0, i;
	int dd, cpu;

	setvbuf(stdout, NULL, _IOLBF, 0);
	g_seed = plx_test_now_us() ^ ((uint64_t)getpid() << 32);
	cases_init();
	/* Our arguments follow the first "--"; EAL's come before it. */
	for (dd = 1; dd < argc && strcmp(argv[dd], "--") != 0; dd++)
		;
	if (parse_args(dd < argc ? argc - dd - 1 : 0, argv + dd + 1) != 0) {
		usage(argv[0]);
		return 2;
	}
	if (run.list) {
		for (i = 0; i < RTE_DIM(cases); i++)
			printf("%s\n", cases[i].name);
		return 0;
	}
	if (rte_eal_init(dd, argv) < 0) {
		fprintf(stderr, "cannot initialise EAL\n");
		return 2;
	}
	printf("# seed %" PRIu64 " (--seed %" PRIu64 " reproduces this run), %u cycles per case\n",
		g_seed, g_seed, g_cycles);
	crash_handlers();
	sim = plx_sim_self();
	nb_funcs = sim != NULL ? plx_sim_nb_funcs(sim) : 0;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (n == 0)
			rm_lcore = lcore;
		else if (n == 1)
			w_lcore = lcore;
		n++;
	}
	if (sim != NULL && n >= 2 && (race_pin_sides(rm_lcore, &cpu) != 0 ||
			race_buffers_init() != 0 ||
			removal_init(&g_rm, cpu) != 0)) {
		plx_test_report(&run, "setup", -1, plx_test_msg);
	} else {
		cases_run();
	}
	plx_test_summary(&run);
	removal_fini();
	race_buffers_free();
	rte_eal_cleanup();
	return run.failed > 0 ? 1 : 0;
}
