/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Issue 10: an op-sequence fuzzer of dma_plx against a reference model.
 *
 *   dpdk-plx-sim -n 4 -- test_dma_plx_fuzz --no-huge -m 512 \
 *       --iova-mode=va --no-shconf --file-prefix fz -d .../librte_dma_plx.so \
 *       -- [--seed S] [--steps N] [--segment-steps M] [--funcs F]
 *          [--segment I [--ops LIST]] [--faults KIND,...]
 *          [--shrink-secs S] [--stop-timeout-ms MS] [--trace]
 *
 * The run is cut into segments of M steps (default 5000), each a test
 * case of its own: it starts from fresh devices (every function removed,
 * power-cycled, probed again) and runs ops drawn from its own seed,
 * derived from --seed and the segment's number. Each op is configure,
 * vchan_setup (nb_desc in and out of range), start, copy (good lengths
 * and addresses, zero or oversized lengths, IOVAs beyond 48 bits, mapped
 * or unmapped ones), copy_sg (1 to 16 segments a side, split apart, bad
 * lists), submit, completed, completed_status, burst_capacity, stop,
 * close, stats, info, PCI remove, administrator unbind (VFIO request),
 * re-probe, or a simulator fault at a random descriptor (read-fail,
 * write-fail, stall, surprise removal, pause-stuck, abort-stuck and
 * reset-stuck with it); the reference model (test_dma_plx_fuzz_model.c,
 * _report.c, _data.c) checks every answer. Functions are fuzzed side by
 * side (--funcs).
 *
 * A failed segment is shrunk: its ops are replayed from fresh devices,
 * first up to the failing one, then with chunks left out (delta
 * debugging) while the same check still fails, for at most S seconds.
 * The shortest sequence is replayed with a trace of every call, and the
 * line that replays it is printed: --seed S --segment I --ops LIST.
 *
 * The op sequence is a function of the seed alone; what the engine thread
 * makes of it in time is not, and the model accepts each legal outcome.
 *
 * Output: "PASS segment I" or "FAIL segment I: reason" per segment, a
 * coverage line, then "N passed, N failed". Every check that fails
 * fails its segment: there is no list of known deviations.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_log.h>
#include <rte_memzone.h>

#include "plx_parse.h"
#include "plx_sim_host.h"
#include "test_plx_common.h"
#include "test_dma_plx_fuzz.h"

#define DEFAULT_STEPS		100000
#define DEFAULT_SEG_STEPS	5000
#define DEFAULT_FUNCS		2
#define DEFAULT_SHRINK_SECS	120
#define DEFAULT_STOP_MS		10
#define MAX_SHRUNK		2	/* failed segments shrunk per run */

/* --- options --- */

static char devargs[64];
/* The options that shape a segment's ops or checks, to rerun it. */
char fz_same_args[512];

struct fz_opts fz_opts = {
	.steps = DEFAULT_STEPS,
	.seg_steps = DEFAULT_SEG_STEPS,
	.funcs = DEFAULT_FUNCS,
	.segment = -1,
	.shrink_secs = DEFAULT_SHRINK_SECS,
	.stop_ms = DEFAULT_STOP_MS,
};

static void
usage(const char *prog)
{
	printf("Usage: %s <EAL args> -- [options]\n"
		"  --seed S              the run's seed (default: from the clock)\n"
		"  --steps N             steps in all (default %u)\n"
		"  --segment-steps M     steps per segment, a test case each (default %u)\n"
		"  --funcs F             simulated functions fuzzed side by side (default %u)\n"
		"  --segment I           run segment I only\n"
		"  --ops LIST            with --segment: only these ops (\"3,17-20\"), traced\n"
		"  --faults KIND,...     faults to inject (default all: read-fail,write-fail,\n"
		"                        wb-no-status,wb-both-fail,wb-short,lost-start,\n"
		"                        all-ones-glitch,stall,surprise-removal,\n"
		"                        pause-stuck,abort-stuck,reset-stuck)\n"
		"  --list-checks         the check classes\n"
		"  --shrink-secs S       time to shrink a failure (default %u)\n"
		"  --stop-timeout-ms MS  the PMD's stop_timeout_ms devarg (default %u)\n"
		"  --trace               print every call\n",
		prog, DEFAULT_STEPS, DEFAULT_SEG_STEPS, DEFAULT_FUNCS,
		DEFAULT_SHRINK_SECS, DEFAULT_STOP_MS);
}

static int
fault_list(const char *list)
{
	char buf[256], *tok, *save = NULL;
	enum plx_sim_fault k;

	fz_w.faults = 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
			tok = strtok_r(NULL, ",", &save)) {
		if (plx_sim_fault_parse(tok, &k) != 0 ||
				k == PLX_SIM_FAULT_UNBIND_REQUEST)
			return -1;
		fz_w.faults |= FZ_BIT(k);
	}
	return 0;
}

static int
num_opt(const char *opt, const char *val, uint64_t *v)
{
	static const struct {
		const char *name;
		uint64_t min, max;
	} nums[] = {
		{ "--seed", 0, UINT64_MAX },
		{ "--steps", 1, UINT64_MAX },
		{ "--segment-steps", 1, 10000000 },
		{ "--funcs", 1, FZ_MAX_FUNCS },
		{ "--segment", 0, UINT32_MAX },
		{ "--shrink-secs", 0, 86400 },
		{ "--stop-timeout-ms", 1, 60000 },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(nums); i++)
		if (strcmp(opt, nums[i].name) == 0)
			return plx_parse_u64(val, 0, nums[i].min, nums[i].max,
				v) == 0 ? (int)i : -1;
	return -1;
}

static int
parse_args(int argc, char **argv)
{
	uint64_t v;
	int i, which;

	for (i = 0; i < argc; i++) {
		const char *o = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		size_t len = strlen(fz_same_args);

		if (o == NULL)
			return -1;
		if (val == NULL)
			val = "";
		if (strcmp(o, "--funcs") == 0 || strcmp(o, "--faults") == 0 ||
				strcmp(o, "--stop-timeout-ms") == 0 ||
				strcmp(o, "--segment-steps") == 0)
			snprintf(fz_same_args + len, sizeof(fz_same_args) - len,
				" %s %s", o, val);

		if (strcmp(o, "--trace") == 0) {
			fz_opts.trace = true;
		} else if (strcmp(o, "--list-checks") == 0) {
			fz_opts.list_checks = true;
		} else if (strcmp(o, "--ops") == 0 && i + 1 < argc) {
			fz_opts.ops = argv[++i];
		} else if (strcmp(o, "--faults") == 0 && i + 1 < argc) {
			if (fault_list(argv[++i]) != 0)
				return -1;
		} else if ((which = num_opt(o, val, &v)) >= 0) {
			uint64_t *dst[] = { &fz_opts.seed, &fz_opts.steps };

			i++;
			if (which < 2)
				*dst[which] = v;
			else if (which == 2)
				fz_opts.seg_steps = v;
			else if (which == 3)
				fz_opts.funcs = v;
			else if (which == 4)
				fz_opts.segment = v;
			else if (which == 5)
				fz_opts.shrink_secs = v;
			else
				fz_opts.stop_ms = v;
		} else {
			return -1;
		}
	}
	return fz_opts.ops != NULL && fz_opts.segment < 0 ? -1 : 0;
}

/* --- ops of a segment --- */

/* Out of 1000: cheap fast-path ops most, removals and probes seldom. */
static const uint16_t weights[FZ_OP_MAX] = {
	[FZ_OP_COPY] = 230,
	[FZ_OP_COPY_SG] = 50,
	[FZ_OP_BURST] = 45,
	[FZ_OP_SUBMIT] = 100,
	[FZ_OP_COMPLETED] = 100,
	[FZ_OP_COMPLETED_STATUS] = 130,
	[FZ_OP_CAPACITY] = 50,
	[FZ_OP_DRAIN] = 30,
	[FZ_OP_INFO] = 25,
	[FZ_OP_ADVANCE] = 90,
	[FZ_OP_CONFIGURE] = 12,
	[FZ_OP_VCHAN_SETUP] = 15,
	[FZ_OP_START] = 20,
	[FZ_OP_STOP] = 18,
	[FZ_OP_CLOSE] = 5,
	[FZ_OP_STATS_RESET] = 4,
	[FZ_OP_FAULT] = 16,
	[FZ_OP_CLEAR] = 3,
	[FZ_OP_REMOVE] = 4,
	[FZ_OP_UNBIND] = 2,
	[FZ_OP_PROBE] = 6,
	[FZ_OP_REPLUG] = 3,
	[FZ_OP_VERIFY] = 5,
	[FZ_OP_UNSUPPORTED] = 2,
};

static uint64_t
segment_seed(uint64_t seed, uint32_t seg)
{
	struct fz_rng r = { seed ^ ((uint64_t)seg << 32) ^ seg };

	return fz_rand(&r);
}

void
fz_segment_ops(uint64_t seed, uint32_t seg, struct fz_step *steps, uint32_t n)
{
	struct fz_rng r = { segment_seed(seed, seg) };
	unsigned int total = 0, k;
	uint32_t i, w;

	for (k = 0; k < FZ_OP_MAX; k++)
		total += weights[k];
	for (i = 0; i < n; i++) {
		w = fz_below(&r, total);
		for (k = 0; w >= weights[k]; k++)
			w -= weights[k];
		steps[i].kind = k;
		steps[i].fn = fz_below(&r, FZ_MAX_FUNCS);
		steps[i].r = fz_rand(&r);
	}
}

/* --- fresh devices --- */

static void
chan_drop(struct fz_chan *ch)
{
	rte_dma_stop(ch->id);
	rte_dma_close(ch->id);
	fz_chan_detach(ch);
	fz_chan_free(ch);
}

/* Close whatever dmadev of ours a failed segment left open. */
static void
close_strays(void)
{
	struct rte_dma_info info;
	int16_t id;

	for (id = 0; id < RTE_DMADEV_DEFAULT_MAX; id++)
		if (rte_dma_is_valid(id) && rte_dma_info_get(id, &info) == 0 &&
				strstr(info.dev_name, "-removed") != NULL) {
			rte_dma_stop(id);
			rte_dma_close(id);
		}
}

static void
func_drop(struct fz_func *f)
{
	while (f->nb_held > 0)
		chan_drop(f->held[0]);
	if (f->cur != NULL)
		chan_drop(f->cur);
	f->runner = NULL;
	f->lost_end = 0;
}

static int
func_reset(struct fz_func *f)
{
	struct fz_chan *ch;

	if (plx_test_pci_restore(fz_sim, f->addr, fz_w.devargs) != 0)
		return fz_fail(FZ_C_SETUP, "restore of %s: %s", f->addr,
			plx_test_msg);
	/* Replugged, faults off: nothing armed is left to strike. */
	f->probed = true;
	f->off_bus = false;
	f->nb_marks = 0;
	f->surprise_at = FZ_NEVER;
	fz_faults_cleared(f, fz_descs(f));
	f->may_run = false;
	f->frozen = fz_descs(f);
	fz_quarantine_free(f);
	FZ_OK(fz_chan_new(f, &ch));
	f->cur = ch;
	return 0;
}

int
fz_world_reset(void)
{
	unsigned int i;

	/* All closed before any probe: a probe may reuse a closed id. */
	for (i = 0; i < fz_w.nb_funcs; i++)
		func_drop(&fz_w.funcs[i]);
	close_strays();
	for (i = 0; i < fz_w.nb_funcs; i++)
		FZ_OK(func_reset(&fz_w.funcs[i]));
	return fz_unbind_init();
}

static int
world_init(void)
{
	struct fz_rng r = { 0x5eed };
	unsigned int i, j;

	fz_w.nb_funcs = RTE_MIN(fz_opts.funcs, plx_sim_nb_funcs(fz_sim));
	fz_w.stop_ms = fz_opts.stop_ms;
	for (i = 0; i < fz_w.nb_funcs; i++) {
		struct fz_func *f = &fz_w.funcs[i];
		char name[RTE_MEMZONE_NAMESIZE];

		f->fn = i;
		snprintf(f->addr, sizeof(f->addr), "%s", plx_sim_func_addr(i));
		snprintf(name, sizeof(name), "fz_src_%u", i);
		f->src_mz = rte_memzone_reserve_aligned(name, FZ_SRC_LEN,
			SOCKET_ID_ANY, RTE_MEMZONE_IOVA_CONTIG, 64);
		if (f->src_mz == NULL)
			return -1;
		f->src = f->src_mz->addr;
		f->src_iova = f->src_mz->iova;
		for (j = 0; j < FZ_SRC_LEN; j++)
			f->src[j] = fz_rand(&r) >> 56;
	}
	return 0;
}

static void
world_fini(void)
{
	unsigned int i;

	for (i = 0; i < fz_w.nb_funcs; i++) {
		struct fz_func *f = &fz_w.funcs[i];

		func_drop(f);
		fz_quarantine_free(f);
		rte_memzone_free(f->src_mz);
	}
}

/* --ops "3,17-20": indices into the segment's ops. */
static int
parse_ops(const char *s, uint32_t **list, uint32_t *n)
{
	uint32_t cap = 64, *l = malloc(sizeof(*l) * cap);
	char *end;

	*n = 0;
	while (l != NULL && *s != '\0') {
		unsigned long a = strtoul(s, &end, 10), b = a;

		if (end == s)
			break;
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		for (; a <= b && a < fz_opts.seg_steps; a++) {
			if (*n == cap)
				l = realloc(l, sizeof(*l) * (cap *= 2));
			if (l == NULL)
				return -1;
			l[(*n)++] = a;
		}
		s = *end == ',' ? end + 1 : end;
	}
	*list = l;
	return l != NULL && *s == '\0' && *n > 0 ? 0 : -1;
}

/* Where the time went: the op kinds that took most of it. */
static void
print_slowest(double secs)
{
	bool shown[FZ_OP_MAX] = { false };
	unsigned int i, k, top;

	printf("# time by op:");
	for (i = 0; i < 5; i++) {
		for (top = FZ_OP_MAX, k = 0; k < FZ_OP_MAX; k++)
			if (!shown[k] && (top == FZ_OP_MAX ||
					fz_op_us[k] > fz_op_us[top]))
				top = k;
		shown[top] = true;
		printf(" %s %.1f s", fz_op_name(top), fz_op_us[top] / 1e6);
	}
	printf(" (of %.1f s)\n", secs);
}

static void
print_coverage(uint64_t t0)
{
	static const char *const names[FZ_N_MAX] = {
		"steps", "copies", "sg-copies", "refused", "reports", "ok", "aborted",
		"not-attempted", "bus-errors", "link-errors", "unknown-errors",
		"starts", "stops",
		"removals", "unbinds", "probes", "faults", "vanished",
		"engines-lost",
	};
	double secs = (plx_test_now_us() - t0) / 1e6;
	unsigned int i;

	printf("# coverage:");
	for (i = 0; i < FZ_N_MAX; i++)
		printf(" %s %" PRIu64, names[i], fz_counts[i]);
	printf("\n# %" PRIu64 " steps in %.1f s: %.0f steps/s\n",
		fz_counts[FZ_N_STEPS], secs, fz_counts[FZ_N_STEPS] / secs);
	print_slowest(secs);
}

static void
run_all(struct plx_test_run *run)
{
	uint32_t nb_seg = (fz_opts.steps + fz_opts.seg_steps - 1) / fz_opts.seg_steps;
	uint32_t seg, *list = NULL, n = 0;
	unsigned int shrunk = 0;

	if (fz_opts.segment >= 0) {
		if (fz_opts.ops != NULL && parse_ops(fz_opts.ops, &list, &n) != 0) {
			plx_test_report(run, "--ops", -1, "bad list");
			return;
		}
		fz_tracing = fz_tracing || list != NULL;
		fz_segment_run(run, fz_opts.segment, list, n, list == NULL);
		free(list);
		return;
	}
	for (seg = 0; seg < nb_seg; seg++)
		if (fz_segment_run(run, seg, NULL, 0, shrunk < MAX_SHRUNK) != 0)
			shrunk++;
}

int
main(int argc, char **argv)
{
	struct plx_test_run run = { 0 };
	uint64_t t0;
	int dd, ret;
	unsigned int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fz_opts.seed = plx_test_now_us() ^ ((uint64_t)getpid() << 32);
	fz_w.faults = UINT32_MAX;
	for (dd = 1; dd < argc && strcmp(argv[dd], "--") != 0; dd++)
		;
	if (parse_args(dd < argc ? argc - dd - 1 : 0, argv + dd + 1) != 0) {
		usage(argv[0]);
		return 2;
	}
	if (fz_opts.list_checks) {
		for (i = 0; i < FZ_C_SETUP; i++)
			printf("%s\n", fz_check_name(i));
		return 0;
	}
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "cannot initialise EAL\n");
		return 2;
	}
	fz_sim = plx_sim_self();
	if (fz_sim == NULL) {
		plx_test_report(&run, "fuzz", 1, "not running under dpdk-plx-sim");
		goto out;
	}
	fz_tracing = fz_opts.trace;
	snprintf(devargs, sizeof(devargs), "stop_timeout_ms=%u", fz_opts.stop_ms);
	fz_w.devargs = devargs;
	if (fz_log_open() != 0 || world_init() != 0) {
		plx_test_report(&run, "setup", -1, "no log stream or memory");
		goto out;
	}
	printf("# seed %" PRIu64 " (--seed %" PRIu64 " reproduces the ops), %" PRIu64 " steps in segments of %u, %u functions, stop_timeout_ms %u\n",
		fz_opts.seed, fz_opts.seed, fz_opts.steps, fz_opts.seg_steps,
		fz_w.nb_funcs, fz_opts.stop_ms);
	t0 = plx_test_now_us();
	run_all(&run);
	print_coverage(t0);
	world_fini();
out:
	plx_test_summary(&run);
	fz_unbind_fini();
	fz_log_close();
	rte_eal_cleanup();
	return run.failed > 0 ? 1 : 0;
}
