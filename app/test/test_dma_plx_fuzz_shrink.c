/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Running a segment of the fuzzer and shrinking a failure: the segment's
 * ops are replayed from fresh devices, first up to the failing one, then
 * without the other functions' ops, then with ever smaller chunks left
 * out (delta debugging) while the same check class still fails, for at
 * most --shrink-secs; the shortest sequence is replayed with a trace and
 * the options that rerun it are printed.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "test_plx_common.h"
#include "test_dma_plx_fuzz.h"

#define SHRINK_TRIALS		400
#define REPLAYS			3

struct replay {
	int at;		/* position in the list of the failing op, -1: passed */
	int check;	/* its check class */
	char msg[PLX_TEST_MSG_LEN];
};

static void
replay_run(const struct fz_step *steps, const uint32_t *idx, uint32_t n,
		struct replay *out)
{
	uint32_t i;

	fz_fail_reset();
	out->at = -1;
	if (fz_world_reset() != 0) {
		out->at = 0;
		out->check = FZ_C_SETUP;
		snprintf(out->msg, sizeof(out->msg), "%s", plx_test_msg);
		return;
	}
	for (i = 0; i < n; i++) {
		const struct fz_step *s = &steps[idx[i]];

		fz_trace_step("[%u] fn%u %s: ", idx[i], s->fn % fz_w.nb_funcs,
			fz_op_name(s->kind));
		if (fz_exec(s) != 0 || fz_between_steps() != 0)
			break;
	}
	if (i == n)
		return;
	out->at = i;
	out->check = fz_failed_check();
	/* The reason, cut to leave room for where it happened. */
	snprintf(out->msg, sizeof(out->msg), "step %u (fn%u %s): %.*s", idx[i],
		steps[idx[i]].fn % fz_w.nb_funcs,
		fz_op_name(steps[idx[i]].kind), PLX_TEST_MSG_LEN - 64,
		plx_test_msg[0] != '\0' ? plx_test_msg : "?");
}

/*
 * Fails the same way (same check class), twice, as timing may decide?
 * Then idx is cut after the failing op.
 */
static bool
still_fails(const struct fz_step *steps, uint32_t *idx, uint32_t *n,
		int check)
{
	struct replay rp;
	uint32_t at = 0;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		replay_run(steps, idx, *n, &rp);
		if (rp.at < 0 || rp.check != check)
			return false;
		at = RTE_MAX(at, (uint32_t)rp.at);
	}
	*n = at + 1;
	return true;
}

/*
 * Delta debugging over the op list (complements only: an op sequence
 * rarely fails without its set-up): leave out ever smaller chunks while
 * the failure stays.
 */
static void
shrink(const struct fz_step *steps, uint32_t *idx, uint32_t *n, int check,
		unsigned int *trials)
{
	uint64_t end = plx_test_now_us() + (uint64_t)fz_opts.shrink_secs * 1000000;
	uint32_t *cand = malloc(sizeof(*cand) * *n);
	uint32_t parts = 2, chunk, start, m, i;
	bool cut;

	if (cand == NULL)
		return;
	/* First without the other functions' ops: often all can go. */
	for (i = m = 0; i < *n; i++)
		if (steps[idx[i]].fn % fz_w.nb_funcs ==
				steps[idx[*n - 1]].fn % fz_w.nb_funcs)
			cand[m++] = idx[i];
	if (m < *n) {
		++*trials;
		if (still_fails(steps, cand, &m, check)) {
			memcpy(idx, cand, sizeof(*idx) * m);
			*n = m;
		}
	}
	while (*n >= 2 && *trials < SHRINK_TRIALS &&
			plx_test_now_us() < end) {
		chunk = (*n + parts - 1) / parts;
		cut = false;
		for (start = 0; start < *n && !cut; start += chunk) {
			for (i = m = 0; i < *n; i++)
				if (i < start || i >= start + chunk)
					cand[m++] = idx[i];
			if (m == 0 || plx_test_now_us() >= end)
				continue;
			++*trials;
			if (still_fails(steps, cand, &m, check)) {
				memcpy(idx, cand, sizeof(*idx) * m);
				*n = m;
				parts = RTE_MAX(parts - 1, 2u);
				cut = true;
			}
		}
		if (!cut) {
			if (parts >= *n)
				break;
			parts = RTE_MIN(parts * 2, *n);
		}
	}
	free(cand);
}

/* "3,17-20,31" */
static void
print_list(const uint32_t *idx, uint32_t n)
{
	uint32_t i, j;

	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && idx[j] == idx[j - 1] + 1; j++)
			;
		printf("%s%u", i ? "," : "", idx[i]);
		if (j - i > 1)
			printf("-%u", idx[j - 1]);
	}
}

/* Show the shortened sequence: replays, one traced, and how to rerun it. */
static void
show_shrunk(uint32_t seg, const struct fz_step *steps, const uint32_t *idx,
		uint32_t n, int check, unsigned int trials, uint32_t from)
{
	struct replay rp;
	unsigned int i, again = 0;

	printf("# shortened to %u of %u ops in %u replays; replayed with a trace:\n",
		n, from, trials);
	fz_tracing = true;
	replay_run(steps, idx, n, &rp);
	fz_tracing = fz_opts.trace;
	again += rp.at >= 0 && rp.check == check;
	printf("#   -> %s\n", rp.at >= 0 ? rp.msg : "passed this time");
	if (rp.at >= 0)
		fz_log_show(12);
	for (i = 1; i < REPLAYS; i++) {
		replay_run(steps, idx, n, &rp);
		again += rp.at >= 0 && rp.check == check;
	}
	printf("# the shortened sequence failed %u of %u replays; rerun it with: -- --seed %" PRIu64 "%s --segment %u --ops ",
		again, REPLAYS, fz_opts.seed, fz_same_args, seg);
	print_list(idx, n);
	putchar('\n');
}

/*
 * Run segment seg (only the ops in list, if given) and report it; shrink
 * a failure if asked. 0 passed, -1 failed.
 */
int
fz_segment_run(struct plx_test_run *run, uint32_t seg, const uint32_t *list,
		uint32_t nb_list, bool do_shrink)
{
	uint32_t n = list != NULL ? nb_list : fz_opts.seg_steps, i;
	struct fz_step *steps = calloc(fz_opts.seg_steps, sizeof(*steps));
	uint32_t *idx = malloc(sizeof(*idx) * RTE_MAX(n, 1u));
	unsigned int trials = 0;
	struct replay rp;
	char name[32];

	snprintf(name, sizeof(name), "segment %u", seg);
	if (steps == NULL || idx == NULL) {
		free(steps);
		free(idx);
		plx_test_report(run, name, -1, "out of memory");
		return -1;
	}
	fz_segment_ops(fz_opts.seed, seg, steps, fz_opts.seg_steps);
	for (i = 0; i < n; i++)
		idx[i] = list != NULL ? list[i] : i;
	replay_run(steps, idx, n, &rp);
	plx_test_report(run, name, rp.at < 0 ? 0 : -1, rp.msg);
	if (rp.at >= 0) {
		fz_log_show(12);
		if (do_shrink && rp.check != FZ_C_SETUP) {
			uint64_t counts[FZ_N_MAX], op_us[FZ_OP_MAX];

			/* Coverage counts the run, not replays. */
			memcpy(counts, fz_counts, sizeof(counts));
			memcpy(op_us, fz_op_us, sizeof(op_us));
			n = rp.at + 1;
			shrink(steps, idx, &n, rp.check, &trials);
			show_shrunk(seg, steps, idx, n, rp.check, trials,
				rp.at + 1);
			memcpy(fz_counts, counts, sizeof(counts));
			memcpy(fz_op_us, op_us, sizeof(op_us));
		}
	}
	free(steps);
	free(idx);
	return rp.at < 0 ? 0 : -1;
}
