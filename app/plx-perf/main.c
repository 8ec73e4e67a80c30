/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * dpdk-test-plx-perf: what a copy costs the CPU and how fast it goes, for
 * dma_plx (with the simulated engine copying, and in its null mode), DPDK's
 * dma_skeleton and a plain rte_memcpy on the worker, side by side in one
 * run. One worker lcore per channel; the loop is dpdk-test-dma-perf's:
 * enqueue until -ENOSPC, submit every kick batch and poll completions, over
 * buffers spread as the mbufs of a pool (setup.c; --dense: back to back);
 * every copied byte is verified at the end of each case.
 *
 * Worker busy cycles: TSC cycles of the worker's copy loop minus its idle
 * time. The worker is idle when a poll found nothing to collect while it
 * could not enqueue (ring full, or draining at the end); the first empty
 * poll of each such wait counts as busy, the re-polls after it as idle.
 * For rte_memcpy every cycle is busy.
 */

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "plx_perf.h"

struct plx_sim *sim;
struct chan chans[MAX_CHANNELS];
unsigned int nb_chans;
unsigned int nb_devs[ENG_MAX];
uint64_t tsc_hz;
FILE *csv;
unsigned int checks_passed, checks_failed;

/* --- cases --- */

static bool
engine_usable(enum engine e, unsigned int channels)
{
	return (opt.engines & (1u << e)) && nb_devs[e] >= channels &&
		nb_chans >= channels;
}

static void
wait_workers(unsigned int n)
{
	const struct timespec ms = { 0, 1000000 };
	unsigned int i;

	/* Sleep: the main lcore may share its CPU with the engine. */
	for (i = 0; i < n; i++)
		while (!rte_atomic_load_explicit(&chans[i].finished, rte_memory_order_acquire))
			nanosleep(&ms, NULL);
	rte_eal_mp_wait_lcore();
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double
percentile_ns(uint64_t *v, unsigned int n, double p)
{
	unsigned int i = (unsigned int)(p * (n - 1) + 0.5);

	return (double)v[i] * 1e9 / tsc_hz;
}

/* Run one engine on one case; latency instead of throughput if asked. */
static int
case_run(const struct case_conf *cc, enum engine e, bool latency,
		struct result *r)
{
	static unsigned int seed;
	RTE_ATOMIC(unsigned int) ready = 0;
	uint64_t ops = 0, busy = 0, idle = 0, wall_max = 0;
	unsigned int i, n = latency ? 1 : cc->channels;

	memset(r, 0, sizeof(*r));
	r->sweep = cc->sweep;
	r->engine = e;
	r->channels = n;
	r->size = cc->size;
	r->batch = cc->batch;
	r->ring = cc->ring;
	r->lat_p50 = r->lat_p99 = NAN;
	r->xfer_ns = NAN;
	r->wait_pct[0] = r->wait_pct[1] = NAN;
	r->ok = true;
	/* Before any engine of the case runs, on channel 0's lcore. */
	if (!opt.sync && !latency)
		r->xfer_ns = (double)xfer_probe(chans[0].lcore) * 1e9 / tsc_hz;
	if (sim != NULL && (e == ENG_PLX || e == ENG_PLX_NULL))
		plx_sim_set_null_copy(sim, e == ENG_PLX_NULL);
	seed++;
	for (i = 0; i < n; i++) {
		struct chan *ch = &chans[i];

		ch->engine = e;
		ch->dev_id = ch->dev[e];
		ch->size = cc->size;
		ch->batch = cc->batch;
		ch->nbuf = buf_count(cc->size);
		buf_layout(cc->size, &ch->first, &ch->stride);
		ch->max_ops = opt.ops != 0 ? opt.ops : UINT64_MAX;
		ch->duration = opt.ops != 0 ? 0 :
			opt.time_ms * tsc_hz / 1000;
		ch->seed = (uint64_t)seed << 32 | i;
		ch->latency = latency;
		ch->ready = &ready;
		ch->nb_chans = n;
		ch->finished = false;
		if (e != ENG_CPU &&
				dev_setup(ch->dev_id, cc->ring, &ch->ring_cap) != 0)
			return -EIO;
	}
	for (i = 0; i < n; i++)
		rte_eal_remote_launch(perf_worker, &chans[i], chans[i].lcore);
	wait_workers(n);

	for (i = 0; i < n; i++) {
		const struct chan *ch = &chans[i];

		/* A started dma_skeleton's thread keeps waking up on the
		 * simulated engine's CPU: leave no engine running between
		 * cases. */
		if (e != ENG_CPU)
			dev_stop(ch->dev_id);

		if (ch->error != 0 && r->ok) {
			r->ok = false;
			r->why = ch->error == -ETIMEDOUT ? "timeout" :
				"DMA error";
		} else if (!ch->verified && r->ok) {
			r->ok = false;
			r->why = "data mismatch";
		}
		if (ch->done != ch->issued && r->ok) {
			r->ok = false;
			r->why = "ops lost";
		}
		ops += ch->done;
		busy += ch->busy;
		idle += ch->idle;
		wall_max = RTE_MAX(wall_max, ch->busy + ch->idle);
	}
	r->ops = ops;
	if (latency) {
		qsort(chans[0].lat, opt.lat_samples, sizeof(uint64_t), cmp_u64);
		r->lat_p50 = percentile_ns(chans[0].lat, opt.lat_samples, 0.50);
		r->lat_p99 = percentile_ns(chans[0].lat, opt.lat_samples, 0.99);
		return 0;
	}
	r->secs = (double)wall_max / tsc_hz;
	r->mops = ops / r->secs / 1e6;
	r->gbps = ops * (double)cc->size / r->secs / 1e9;
	r->cyc_op = (double)busy / ops;
	for (i = 0; i < 2; i++)
		r->wait_pct[i] = chans[0].wait_ns[i] == UINT64_MAX ? NAN :
			chans[0].wait_ns[i] / (r->secs * 1e7);
	r->idle_pct = 100.0 * idle / (busy + idle);
	if (opt.sync)
		printf("    %s: %" PRIu64 " ops, %" PRIu64 " polls, %" PRIu64
			" empty\n", engine_names[e], ops, chans[0].polls,
			chans[0].empty_polls);
	return 0;
}

/* Each case's result so far, over the rounds. */
static struct result results[SWEEP_MAX][MAX_LIST][ENG_MAX];

/*
 * One round's run of a case into its result: the fastest run (the least
 * disturbed on a busy machine) counts, with the latency of the round of
 * the lowest median; a failed run fails the case.
 */
static void
case_merge(struct result *best, const struct result *r,
		const struct result *lat, unsigned int round)
{
	if (round == 0) {
		*best = *r;
	} else if (best->ok && (!r->ok || r->mops > best->mops)) {
		double p50 = best->lat_p50, p99 = best->lat_p99;

		*best = *r;
		best->lat_p50 = p50;
		best->lat_p99 = p99;
	}
	if (lat == NULL || !best->ok)
		return;
	if (!lat->ok) {
		best->ok = false;
		best->why = lat->why;
	} else if (isnan(best->lat_p50) || lat->lat_p50 < best->lat_p50) {
		best->lat_p50 = lat->lat_p50;
		best->lat_p99 = lat->lat_p99;
	}
}

/* The list a sweep varies, and its i-th case. */
static const struct u64_list *
sweep_list(enum sweep s)
{
	return s == SWEEP_SIZE ? &opt.sizes : s == SWEEP_BATCH ? &opt.batches :
		s == SWEEP_RING ? &opt.rings : &opt.channels;
}

static struct case_conf
sweep_case(enum sweep s, unsigned int i)
{
	struct case_conf cc = { s, opt.size, opt.batch, opt.ring, 1 };
	uint64_t v = sweep_list(s)->v[i];

	if (s == SWEEP_SIZE)
		cc.size = v;
	else if (s == SWEEP_BATCH)
		cc.batch = v;
	else if (s == SWEEP_RING)
		cc.ring = v;
	else
		cc.channels = v;
	return cc;
}

/*
 * One round of a sweep. The engines run back to back, so that they share
 * conditions; a case's rounds are a whole sweep apart, so that a spell of
 * a slow machine (seconds, see the guide) costs one round of a few cases
 * and not every run of them.
 */
static void
sweep_round(enum sweep s, unsigned int round)
{
	unsigned int i, e;

	for (i = 0; i < sweep_list(s)->n; i++) {
		struct case_conf cc = sweep_case(s, i);

		for (e = 0; e < ENG_MAX; e++) {
			struct result r, lat;
			bool with_lat;

			if (!engine_usable(e, cc.channels))
				continue;
			if (case_run(&cc, e, false, &r) != 0)
				r.ok = false, r.why = "set-up failed";
			with_lat = s == SWEEP_SIZE && opt.lat_samples != 0 &&
				r.ok && !opt.sync &&
				case_run(&cc, e, true, &lat) == 0;
			case_merge(&results[s][i][e], &r,
				with_lat ? &lat : NULL, round);
		}
	}
}

static void
sweep_print(enum sweep s)
{
	unsigned int i, e;

	for (i = 0; i < sweep_list(s)->n; i++)
		for (e = 0; e < ENG_MAX; e++) {
			if (!engine_usable(e, sweep_case(s, i).channels))
				continue;
			result_print(&results[s][i][e]);
			if (s == SWEEP_SIZE)
				size_results[i][e] = results[s][i][e];
		}
}

int
main(int argc, char **argv)
{
	unsigned int s, e, r;
	int ret;

	setlinebuf(stdout);
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	if (perf_parse_args(argc - ret, argv + ret) != 0)
		return 2;
	tsc_hz = rte_get_tsc_hz();
	sim = plx_sim_self();
	if (opt.sync && sim == NULL) {
		fprintf(stderr, "--sync needs the simulated switch\n");
		return 2;
	}
	/* Only the simulated engine can be waited for without the driver. */
	if (opt.sync)
		opt.engines &= (1u << ENG_PLX) | (1u << ENG_PLX_NULL);
	if (chans_init() != 0)
		return 1;
	if (opt.engines & (1u << ENG_SKELETON))
		skeleton_create(nb_chans);
	devices_find();
	engine_thread_find();
	for (e = 0; e < ENG_MAX; e++)
		if ((opt.engines & (1u << e)) && nb_devs[e] == 0)
			printf("engine %s: no device, skipped\n",
				engine_names[e]);
	if (opt.csv != NULL && (csv = fopen(opt.csv, "w")) == NULL) {
		fprintf(stderr, "cannot write %s\n", opt.csv);
		return 1;
	}
	header_print();
	for (r = 0; r < opt.repeat; r++) {
		for (s = 0; s < SWEEP_MAX; s++)
			if (opt.sweeps & (1u << s))
				sweep_round(s, r);
		if (opt.repeat > 1)
			fprintf(stderr, "round %u of %u done\n", r + 1,
				opt.repeat);
	}
	for (s = 0; s < SWEEP_MAX; s++)
		if (opt.sweeps & (1u << s))
			sweep_print(s);
	if (opt.sweeps & (1u << SWEEP_SIZE))
		targets_print();
	if (sim != NULL)
		plx_sim_set_null_copy(sim, false);
	if (csv != NULL)
		fclose(csv);
	for (s = 0; s < MAX_CHANNELS; s++) {
		for (e = 0; e < ENG_CPU; e++)
			dev_stop(chans[s].dev[e]);
		free(chans[s].lat);
	}
	rte_eal_cleanup();
	if (opt.check)
		printf("%u passed, %u failed\n", checks_passed, checks_failed);
	return checks_failed == 0 ? 0 : 1;
}
