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
 * or unmapped ones), submit, completed, completed_status, burst_capacity,
 * stop, close, stats, info, PCI remove, administrator unbind (VFIO
 * request), re-probe, or a simulator fault at a random descriptor
 * (read-fail, write-fail, stall, pause-stuck, abort-stuck with it,
 * surprise removal); the reference model (test_dma_plx_fuzz_model.c)
 * checks every answer. Functions are fuzzed side by side (--funcs).
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
#define DEFAULT_STOP_MS		100
#define SHRINK_TRIALS		400
#define REPLAYS			3
#define MAX_SHRUNK		2	/* failed segments shrunk per run */

/* --- randomness --- */

uint64_t
fz_rand(struct fz_rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint32_t
fz_below(struct fz_rng *r, uint32_t n)
{
	return n == 0 ? 0 : fz_rand(r) % n;
}

bool
fz_pct(struct fz_rng *r, unsigned int pct)
{
	return fz_below(r, 100) < pct;
}

/* --- checks --- */

static const char *const check_names[FZ_C_MAX] = {
	[FZ_C_RC] = "rc",
	[FZ_C_FAST_RC] = "fast-rc",
	[FZ_C_ORDER] = "order",
	[FZ_C_STATUS] = "status",
	[FZ_C_EARLY] = "early-report",
	[FZ_C_LIVENESS] = "liveness",
	[FZ_C_HAS_ERROR] = "has-error",
	[FZ_C_DATA] = "data",
	[FZ_C_LATE_WRITE] = "late-write",
	[FZ_C_ENGINE] = "engine",
	[FZ_C_CAPACITY] = "capacity",
	[FZ_C_VCHAN_STATUS] = "vchan-status",
	[FZ_C_STATS] = "stats",
	[FZ_C_DEVICE] = "device",
	[FZ_C_LOG] = "log",
	[FZ_C_SETUP] = "setup",
};

static int failed_check = -1;

const char *
fz_check_name(enum fz_check c)
{
	return c < FZ_C_MAX ? check_names[c] : "?";
}

int
fz_fail(enum fz_check c, const char *fmt, ...)
{
	char buf[PLX_TEST_MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (failed_check < 0)
		failed_check = c;
	plx_test_record(NULL, 0, "[%s] %s", check_names[c], buf);
	return -1;
}

int
fz_failed_check(void)
{
	return failed_check;
}

void
fz_fail_reset(void)
{
	failed_check = -1;
	plx_test_msg[0] = '\0';
}

uint64_t fz_counts[FZ_N_MAX];

/* --- log capture: count lines, keep the tail --- */

#define LOG_TAIL	(32 * 1024)

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_tail[LOG_TAIL];
static uint64_t log_bytes;
static uint64_t log_nl;
static FILE *log_f;

static ssize_t
log_write(void *cookie, const char *buf, size_t len)
{
	size_t i;

	RTE_SET_USED(cookie);
	pthread_mutex_lock(&log_lock);
	for (i = 0; i < len; i++) {
		log_tail[log_bytes++ % LOG_TAIL] = buf[i];
		if (buf[i] == '\n')
			__atomic_fetch_add(&log_nl, 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&log_lock);
	return len;
}

int
fz_log_open(void)
{
	static const cookie_io_functions_t io = { .write = log_write };

	log_f = fopencookie(NULL, "w", io);
	if (log_f == NULL)
		return -1;
	setvbuf(log_f, NULL, _IOLBF, 0);
	return rte_openlog_stream(log_f);
}

void
fz_log_close(void)
{
	rte_openlog_stream(NULL);
	if (log_f != NULL)
		fclose(log_f);
	log_f = NULL;
}

uint64_t
fz_log_lines(void)
{
	if (log_f != NULL)
		fflush(log_f);
	return __atomic_load_n(&log_nl, __ATOMIC_RELAXED);
}

void
fz_log_show(unsigned int max_lines)
{
	uint64_t end, start, i;
	unsigned int nl = 0;
	bool bol = true;

	fz_log_lines();
	pthread_mutex_lock(&log_lock);
	end = log_bytes;
	start = end > LOG_TAIL ? end - LOG_TAIL : 0;
	/* Back from the end to the start of the last max_lines lines. */
	for (i = end; i > start; i--)
		if (log_tail[(i - 1) % LOG_TAIL] == '\n' && i != end &&
				++nl == max_lines)
			break;
	for (; i < end; i++) {
		char c = log_tail[i % LOG_TAIL];

		if (bol)
			fputs("# log: ", stdout);
		putchar(c);
		bol = c == '\n';
	}
	pthread_mutex_unlock(&log_lock);
	if (!bol)
		putchar('\n');
}

/* --- trace --- */

bool fz_tracing;
static char trace_prefix[64];

void
fz_trace(const char *fmt, ...)
{
	va_list ap;

	if (!fz_tracing)
		return;
	printf("#   %s", trace_prefix);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* --- options --- */

struct fz_opts {
	uint64_t seed;
	uint64_t steps;
	uint32_t seg_steps;
	unsigned int funcs;
	int64_t segment;	/* only this one, or -1 */
	const char *ops;	/* with segment: only these op indices */
	unsigned int shrink_secs;
	unsigned int stop_ms;
	bool trace;
	bool list_checks;
};

static char devargs[64];
/* The options that shape a segment's ops or checks, to rerun it. */
static char same_args[512];

static struct fz_opts opts = {
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
		"                        stall,surprise-removal,pause-stuck,abort-stuck,\n"
		"                        reset-stuck)\n"
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
		size_t len = strlen(same_args);

		if (o == NULL)
			return -1;
		if (val == NULL)
			val = "";
		if (strcmp(o, "--funcs") == 0 || strcmp(o, "--faults") == 0 ||
				strcmp(o, "--stop-timeout-ms") == 0 ||
				strcmp(o, "--segment-steps") == 0)
			snprintf(same_args + len, sizeof(same_args) - len,
				" %s %s", o, val);

		if (strcmp(o, "--trace") == 0) {
			opts.trace = true;
		} else if (strcmp(o, "--list-checks") == 0) {
			opts.list_checks = true;
		} else if (strcmp(o, "--ops") == 0 && i + 1 < argc) {
			opts.ops = argv[++i];
		} else if (strcmp(o, "--faults") == 0 && i + 1 < argc) {
			if (fault_list(argv[++i]) != 0)
				return -1;
		} else if ((which = num_opt(o, val, &v)) >= 0) {
			uint64_t *dst[] = { &opts.seed, &opts.steps };

			i++;
			if (which < 2)
				*dst[which] = v;
			else if (which == 2)
				opts.seg_steps = v;
			else if (which == 3)
				opts.funcs = v;
			else if (which == 4)
				opts.segment = v;
			else if (which == 5)
				opts.shrink_secs = v;
			else
				opts.stop_ms = v;
		} else {
			return -1;
		}
	}
	return opts.ops != NULL && opts.segment < 0 ? -1 : 0;
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

static void
segment_ops(uint64_t seed, uint32_t seg, struct fz_step *steps, uint32_t n)
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
	fz_faults_cleared(f);
	f->may_run = false;
	f->frozen = fz_descs(f);
	fz_quarantine_free(f);
	FZ_OK(fz_chan_new(f, &ch));
	f->cur = ch;
	return 0;
}

static int
world_reset(void)
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

	fz_w.nb_funcs = RTE_MIN(opts.funcs, plx_sim_nb_funcs(fz_sim));
	fz_w.stop_ms = opts.stop_ms;
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

/* --- running and shrinking a segment --- */

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
	if (world_reset() != 0) {
		out->at = 0;
		out->check = FZ_C_SETUP;
		snprintf(out->msg, sizeof(out->msg), "%s", plx_test_msg);
		return;
	}
	for (i = 0; i < n; i++) {
		const struct fz_step *s = &steps[idx[i]];

		snprintf(trace_prefix, sizeof(trace_prefix), "[%u] fn%u %s: ",
			idx[i], s->fn % fz_w.nb_funcs, fz_op_name(s->kind));
		if (fz_exec(s) != 0 || fz_between_steps() != 0)
			break;
	}
	if (i == n)
		return;
	out->at = i;
	out->check = fz_failed_check();
	snprintf(out->msg, sizeof(out->msg), "step %u (fn%u %s): %s", idx[i],
		steps[idx[i]].fn % fz_w.nb_funcs,
		fz_op_name(steps[idx[i]].kind), plx_test_msg[0] != '\0' ?
			plx_test_msg : "?");
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
	uint64_t end = plx_test_now_us() + (uint64_t)opts.shrink_secs * 1000000;
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
	fz_tracing = opts.trace;
	again += rp.at >= 0 && rp.check == check;
	printf("#   -> %s\n", rp.at >= 0 ? rp.msg : "passed this time");
	if (rp.at >= 0)
		fz_log_show(12);
	for (i = 1; i < REPLAYS; i++) {
		replay_run(steps, idx, n, &rp);
		again += rp.at >= 0 && rp.check == check;
	}
	printf("# the shortened sequence failed %u of %u replays; rerun it with: -- --seed %" PRIu64 "%s --segment %u --ops ",
		again, REPLAYS, opts.seed, same_args, seg);
	print_list(idx, n);
	putchar('\n');
}

/*
 * Run segment seg (only the ops in list, if given) and report it; shrink
 * a failure if asked. 0 passed, -1 failed.
 */
static int
segment_run(struct plx_test_run *run, uint32_t seg, const uint32_t *list,
		uint32_t nb_list, bool do_shrink)
{
	uint32_t n = list != NULL ? nb_list : opts.seg_steps, i;
	struct fz_step *steps = calloc(opts.seg_steps, sizeof(*steps));
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
	segment_ops(opts.seed, seg, steps, opts.seg_steps);
	for (i = 0; i < n; i++)
		idx[i] = list != NULL ? list[i] : i;
	replay_run(steps, idx, n, &rp);
	plx_test_report(run, name, rp.at < 0 ? 0 : -1, rp.msg);
	if (rp.at >= 0) {
		fz_log_show(12);
		if (do_shrink && rp.check != FZ_C_SETUP) {
			uint64_t counts[FZ_N_MAX];

			/* Coverage counts the run, not replays. */
			memcpy(counts, fz_counts, sizeof(counts));
			n = rp.at + 1;
			shrink(steps, idx, &n, rp.check, &trials);
			show_shrunk(seg, steps, idx, n, rp.check, trials,
				rp.at + 1);
			memcpy(fz_counts, counts, sizeof(counts));
		}
	}
	free(steps);
	free(idx);
	return rp.at < 0 ? 0 : -1;
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
		for (; a <= b && a < opts.seg_steps; a++) {
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

static void
print_coverage(uint64_t t0)
{
	static const char *const names[FZ_N_MAX] = {
		"steps", "copies", "sg-copies", "refused", "reports", "ok", "aborted",
		"not-attempted", "bus-errors", "link-errors", "starts", "stops",
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
}

static void
run_all(struct plx_test_run *run)
{
	uint32_t nb_seg = (opts.steps + opts.seg_steps - 1) / opts.seg_steps;
	uint32_t seg, *list = NULL, n = 0;
	unsigned int shrunk = 0;

	if (opts.segment >= 0) {
		if (opts.ops != NULL && parse_ops(opts.ops, &list, &n) != 0) {
			plx_test_report(run, "--ops", -1, "bad list");
			return;
		}
		fz_tracing = fz_tracing || list != NULL;
		segment_run(run, opts.segment, list, n, list == NULL);
		free(list);
		return;
	}
	for (seg = 0; seg < nb_seg; seg++)
		if (segment_run(run, seg, NULL, 0, shrunk < MAX_SHRUNK) != 0)
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
	opts.seed = plx_test_now_us() ^ ((uint64_t)getpid() << 32);
	fz_w.faults = UINT32_MAX;
	for (dd = 1; dd < argc && strcmp(argv[dd], "--") != 0; dd++)
		;
	if (parse_args(dd < argc ? argc - dd - 1 : 0, argv + dd + 1) != 0) {
		usage(argv[0]);
		return 2;
	}
	if (opts.list_checks) {
		for (i = 0; i < FZ_C_SETUP; i++)
			printf("%s\n", check_names[i]);
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
	fz_tracing = opts.trace;
	snprintf(devargs, sizeof(devargs), "stop_timeout_ms=%u", opts.stop_ms);
	fz_w.devargs = devargs;
	if (fz_log_open() != 0 || world_init() != 0) {
		plx_test_report(&run, "setup", -1, "no log stream or memory");
		goto out;
	}
	printf("# seed %" PRIu64 " (--seed %" PRIu64 " reproduces the ops), %" PRIu64 " steps in segments of %u, %u functions, stop_timeout_ms %u\n",
		opts.seed, opts.seed, opts.steps, opts.seg_steps,
		fz_w.nb_funcs, opts.stop_ms);
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
