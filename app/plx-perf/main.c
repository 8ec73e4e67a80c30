/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * dpdk-test-plx-perf: what a copy costs the CPU and how fast it goes, for
 * dma_plx (with the simulated engine copying, and in its null mode), DPDK's
 * dma_skeleton and a plain rte_memcpy on the worker, side by side in one
 * run. One worker lcore per channel; the loop is dpdk-test-dma-perf's:
 * enqueue until -ENOSPC, submit every kick batch and poll completions; every
 * copied byte is verified at the end of each case.
 *
 * Worker busy cycles: TSC cycles of the worker's copy loop minus its idle
 * time. The worker is idle when a poll found nothing to collect while it
 * could not enqueue (ring full, or draining at the end); the first empty
 * poll of each such wait counts as busy, the re-polls after it as idle.
 * For rte_memcpy every cycle is busy.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_memcpy.h>
#include <rte_memzone.h>
#include <rte_pause.h>

#include "plx_dma_compat.h"
#include "plx_sim_host.h"

#define MAX_CHANNELS	4
#define MAX_LIST	32
#define MAX_CPL		255	/* completions per poll, as dpdk-test-dma-perf */
#define WAIT_LIMIT_S	5	/* a wait longer than this fails the case */
#define LAT_WARM	100	/* latency samples taken and dropped first */
#define PACE_MAX_HZ	50000	/* a paced wait pauses at most 20 us */
#define SKELETON_NAME	"dma_skeleton_perf"

enum engine {
	ENG_PLX,	/* dma_plx, the (simulated) engine copying */
	ENG_PLX_NULL,	/* dma_plx, simulated engine in null-copy mode */
	ENG_SKELETON,	/* DPDK's dma_skeleton (a CPU thread copies) */
	ENG_CPU,	/* rte_memcpy on the worker */
	ENG_MAX
};

static const char * const engine_names[ENG_MAX] = {
	[ENG_PLX] = "plx",
	[ENG_PLX_NULL] = "plx-null",
	[ENG_SKELETON] = "skeleton",
	[ENG_CPU] = "cpu",
};

enum sweep {
	SWEEP_SIZE,
	SWEEP_BATCH,
	SWEEP_RING,
	SWEEP_CHANNELS,
	SWEEP_MAX
};

static const char * const sweep_names[SWEEP_MAX] = {
	[SWEEP_SIZE] = "size",
	[SWEEP_BATCH] = "batch",
	[SWEEP_RING] = "ring",
	[SWEEP_CHANNELS] = "channels",
};

struct u64_list {
	unsigned int n;
	uint64_t v[MAX_LIST];
};

static struct {
	unsigned int engines;		/* bit per enum engine */
	unsigned int sweeps;		/* bit per enum sweep */
	struct u64_list sizes, batches, rings, channels;
	uint32_t size;			/* fixed value in the other sweeps */
	uint16_t batch;
	uint16_t ring;
	uint64_t time_ms;		/* per case, 0 with a fixed count */
	uint64_t ops;			/* per channel and case, 0: timed */
	uint64_t mem;			/* bytes per side and channel */
	unsigned int lat_samples;
	const char *csv;
	bool sync;			/* instruction-count mode */
	bool check;			/* CI sanity mode */
	bool paced;			/* pause between polls of a wait */
	unsigned int repeat;		/* runs per case, the best counts */
} opt = {
	.engines = (1u << ENG_MAX) - 1,
	.sweeps = (1u << SWEEP_MAX) - 1,
	.sizes = { 11, { 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384,
		32768, 65536 } },
	.batches = { 7, { 1, 2, 4, 8, 16, 32, 64 } },
	.rings = { 8, { 32, 64, 128, 256, 512, 1024, 2048, 4096 } },
	.channels = { 4, { 1, 2, 3, 4 } },
	.size = 64,
	.batch = 32,
	.ring = 1024,
	.time_ms = 200,
	.mem = 8u << 20,
	.lat_samples = 2000,
	.paced = true,
	.repeat = 1,
};

/*
 * The simulated switch the benchmark runs on under dpdk-plx-sim, NULL on
 * real hardware: its null-copy toggle and, for the instruction-count mode,
 * the engine's descriptor count.
 */
static struct plx_sim *sim;

/* One channel: a worker lcore, its buffers, and per case a device. */
struct chan {
	unsigned int lcore;
	const struct rte_memzone *src_mz, *dst_mz;
	int16_t dev[ENG_MAX];		/* dmadev per DMA engine, -1 none */
	int sim_fn[ENG_MAX];		/* simulated function, -1 none */

	/* The case, set by the main lcore. */
	enum engine engine;
	int16_t dev_id;
	uint32_t size;
	uint16_t batch;
	uint16_t ring_cap;		/* descriptors of the ring */
	uint32_t nbuf;			/* buffers of size bytes per side */
	uint64_t max_ops;
	uint64_t duration;		/* TSC cycles, 0: max_ops only */
	uint64_t seed;
	bool latency;			/* low-load latency run */
	uint64_t *lat;			/* opt.lat_samples TSC deltas */
	RTE_ATOMIC(unsigned int) *ready;	/* start barrier */
	unsigned int nb_chans;

	/* Results. */
	uint64_t issued, done, submitted;
	uint64_t busy, idle;
	uint64_t polls, empty_polls;
	uint64_t sim_base;
	int error;
	bool verified;
	RTE_ATOMIC(bool) finished;
};

static struct chan chans[MAX_CHANNELS];
static unsigned int nb_chans;	/* worker lcores with buffers */
static unsigned int nb_devs[ENG_MAX];
static uint64_t tsc_hz;
static FILE *csv;
static unsigned int checks_passed, checks_failed;

struct result {
	enum sweep sweep;
	enum engine engine;
	unsigned int channels;
	uint32_t size;
	uint16_t batch;
	uint16_t ring;
	uint64_t ops;
	double secs, mops, gbps, cyc_op, idle_pct;
	double lat_p50, lat_p99;	/* ns, NAN when not measured */
	bool ok;
	const char *why;
};

/* --- options --- */

static void
usage(const char *prog)
{
	printf("usage: %s [EAL options] -- [options]\n"
"  -e, --engines LIST   of plx,plx-null,skeleton,cpu (default: all found)\n"
"  -w, --sweeps LIST    of size,batch,ring,channels (default: all)\n"
"  -s, --sizes LIST     copy sizes of the size sweep, K/M suffixes\n"
"                       (default 64,128,...,65536)\n"
"  -b, --batches LIST   kick batches of the batch sweep (default 1,2,..,64)\n"
"  -r, --rings LIST     ring sizes of the ring sweep (default 32,...,4096)\n"
"  -c, --channels LIST  channel counts (default 1,2,3,4)\n"
"      --size N         copy size of the other sweeps (default 64)\n"
"      --batch N        kick batch of the other sweeps (default 32)\n"
"      --ring N         ring size of the other sweeps (default 1024)\n"
"  -t, --time MS        duration of a case (default 200)\n"
"  -n, --ops N          fixed operation count per channel and case\n"
"  -m, --mem SIZE       source and destination bytes per channel\n"
"                       (default 8M)\n"
"  -l, --lat-samples N  latency samples per engine and size (default 2000,\n"
"                       0: none)\n"
"      --csv FILE       write the results as CSV\n"
"      --repeat N       runs per case, the fastest is reported (default 1)\n"
"      --tight          re-poll at once while waiting for ring room, as\n"
"                       dpdk-test-dma-perf does (default: paced)\n"
"      --sync           instruction-count mode: poll only once the\n"
"                       simulated engine has finished what was submitted\n"
"      --check          sanity mode: fail on insane numbers, end with\n"
"                       \"N passed, N failed\"\n", prog);
}

static int
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *s == '-')
		return -EINVAL;
	if (*end == 'K' || *end == 'k') {
		*v <<= 10;
		end++;
	} else if (*end == 'M') {
		*v <<= 20;
		end++;
	}
	if (*end == 'i')	/* Ki, Mi: the same */
		end++;
	return *end == '\0' && *v >= min && *v <= max ? 0 : -EINVAL;
}

static int
parse_list(const char *s, uint64_t min, uint64_t max, struct u64_list *l)
{
	char buf[512], *tok, *save = NULL;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	l->n = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
			tok = strtok_r(NULL, ",", &save)) {
		if (l->n == MAX_LIST || parse_u64(tok, min, max, &l->v[l->n]))
			return -EINVAL;
		l->n++;
	}
	return l->n > 0 ? 0 : -EINVAL;
}

/* A comma-separated list of names into a bit set. */
static int
parse_names(const char *s, const char * const *names, unsigned int nb,
		unsigned int *bits)
{
	char buf[256], *tok, *save = NULL;
	unsigned int i;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	*bits = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
			tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < nb && strcmp(tok, names[i]) != 0; i++)
			;
		if (i == nb)
			return -EINVAL;
		*bits |= 1u << i;
	}
	return *bits != 0 ? 0 : -EINVAL;
}

enum {
	OPT_SIZE = 256,
	OPT_BATCH,
	OPT_RING,
	OPT_CSV,
	OPT_SYNC,
	OPT_CHECK,
	OPT_TIGHT,
	OPT_REPEAT,
};

static int
parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "engines", required_argument, NULL, 'e' },
		{ "sweeps", required_argument, NULL, 'w' },
		{ "sizes", required_argument, NULL, 's' },
		{ "batches", required_argument, NULL, 'b' },
		{ "rings", required_argument, NULL, 'r' },
		{ "channels", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "ring", required_argument, NULL, OPT_RING },
		{ "time", required_argument, NULL, 't' },
		{ "ops", required_argument, NULL, 'n' },
		{ "mem", required_argument, NULL, 'm' },
		{ "lat-samples", required_argument, NULL, 'l' },
		{ "csv", required_argument, NULL, OPT_CSV },
		{ "sync", no_argument, NULL, OPT_SYNC },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "tight", no_argument, NULL, OPT_TIGHT },
		{ "repeat", required_argument, NULL, OPT_REPEAT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v = 0;
	int c;

	while ((c = getopt_long(argc, argv, "e:w:s:b:r:c:t:n:m:l:h", longopts,
			NULL)) != -1) {
		int ret = 0;

		switch (c) {
		case 'e':
			ret = parse_names(optarg, engine_names, ENG_MAX,
				&opt.engines);
			break;
		case 'w':
			ret = parse_names(optarg, sweep_names, SWEEP_MAX,
				&opt.sweeps);
			break;
		case 's':
			ret = parse_list(optarg, 1, 1 << 24, &opt.sizes);
			break;
		case 'b':
			ret = parse_list(optarg, 1, 4096, &opt.batches);
			break;
		case 'r':
			ret = parse_list(optarg, 32, 32768, &opt.rings);
			break;
		case 'c':
			ret = parse_list(optarg, 1, MAX_CHANNELS,
				&opt.channels);
			break;
		case OPT_SIZE:
			ret = parse_u64(optarg, 1, 1 << 24, &v);
			opt.size = v;
			break;
		case OPT_BATCH:
			ret = parse_u64(optarg, 1, 4096, &v);
			opt.batch = v;
			break;
		case OPT_RING:
			ret = parse_u64(optarg, 32, 32768, &v);
			opt.ring = v;
			break;
		case 't':
			ret = parse_u64(optarg, 1, 3600000, &opt.time_ms);
			break;
		case 'n':
			ret = parse_u64(optarg, 1, UINT64_MAX / 2, &opt.ops);
			break;
		case 'm':
			ret = parse_u64(optarg, 4096, UINT64_C(1) << 32,
				&opt.mem);
			break;
		case 'l':
			ret = parse_u64(optarg, 0, 1000000, &v);
			opt.lat_samples = v;
			break;
		case OPT_CSV:
			opt.csv = optarg;
			break;
		case OPT_SYNC:
			opt.sync = true;
			break;
		case OPT_CHECK:
			opt.check = true;
			break;
		case OPT_TIGHT:
			opt.paced = false;
			break;
		case OPT_REPEAT:
			ret = parse_u64(optarg, 1, 100, &v);
			opt.repeat = v;
			break;
		default:
			usage(argv[0]);
			return -EINVAL;
		}
		if (ret != 0) {
			fprintf(stderr, "bad value for option %s: %s\n",
				argv[optind - 1], optarg);
			return -EINVAL;
		}
	}
	for (c = 0; c < (int)opt.sizes.n; c++)
		v = RTE_MAX(v, opt.sizes.v[c]);
	if (RTE_MAX(v, (uint64_t)opt.size) > opt.mem) {
		fprintf(stderr, "copy sizes must not exceed --mem\n");
		return -EINVAL;
	}
	if (optind != argc) {
		fprintf(stderr, "unexpected argument %s\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/* --- set-up --- */

/* The skeleton devices, one per channel, their copy threads on the main
 * lcore's CPUs (where dpdk-plx-sim --cpu should put the simulated engine). */
static void
skeleton_create(unsigned int n)
{
	char args[64];
	unsigned int i;

	for (i = 0; i < n; i++) {
		snprintf(args, sizeof(args), SKELETON_NAME "%u,lcore=%u", i,
			rte_get_main_lcore());
		if (rte_dev_probe(args) != 0) {
			fprintf(stderr, "cannot create %s (is the dma_skeleton "
				"driver loaded?)\n", args);
			return;
		}
	}
}

static bool
is_skeleton(const char *name)
{
	return strncmp(name, SKELETON_NAME, strlen(SKELETON_NAME)) == 0;
}

static void
devices_find(void)
{
	struct rte_dma_info info;
	unsigned int i, k;
	int16_t id;

	for (i = 0; i < MAX_CHANNELS; i++)
		for (k = 0; k < ENG_MAX; k++) {
			chans[i].dev[k] = -1;
			chans[i].sim_fn[k] = -1;
		}
	RTE_DMA_FOREACH_DEV(id) {
		enum engine e;

		if (rte_dma_info_get(id, &info) != 0)
			continue;
		e = is_skeleton(info.dev_name) ? ENG_SKELETON : ENG_PLX;
		if (nb_devs[e] == MAX_CHANNELS)
			continue;
		i = nb_devs[e]++;
		chans[i].dev[e] = id;
		if (e == ENG_PLX && sim != NULL) {
			chans[i].sim_fn[e] = plx_sim_func_of_addr(info.dev_name);
			chans[i].dev[ENG_PLX_NULL] = id;
			chans[i].sim_fn[ENG_PLX_NULL] = chans[i].sim_fn[e];
			nb_devs[ENG_PLX_NULL]++;
		}
	}
	nb_devs[ENG_CPU] = MAX_CHANNELS;
}

static int
chans_init(void)
{
	unsigned int lcore;
	char name[RTE_MEMZONE_NAMESIZE];

	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct chan *ch = &chans[nb_chans];

		if (nb_chans == MAX_CHANNELS)
			break;
		ch->lcore = lcore;
		snprintf(name, sizeof(name), "perf_src%u", nb_chans);
		ch->src_mz = rte_memzone_reserve_aligned(name, opt.mem,
			rte_lcore_to_socket_id(lcore), RTE_MEMZONE_IOVA_CONTIG,
			4096);
		snprintf(name, sizeof(name), "perf_dst%u", nb_chans);
		ch->dst_mz = rte_memzone_reserve_aligned(name, opt.mem,
			rte_lcore_to_socket_id(lcore), RTE_MEMZONE_IOVA_CONTIG,
			4096);
		ch->lat = calloc(opt.lat_samples + 1, sizeof(*ch->lat));
		if (ch->src_mz == NULL || ch->dst_mz == NULL || ch->lat == NULL) {
			fprintf(stderr, "cannot allocate %" PRIu64 " bytes "
				"twice for channel %u\n", opt.mem, nb_chans);
			return -ENOMEM;
		}
		nb_chans++;
	}
	if (nb_chans == 0) {
		fprintf(stderr, "no worker lcore: give EAL at least two "
			"lcores\n");
		return -EINVAL;
	}
	return 0;
}

static bool dev_started[RTE_DMADEV_DEFAULT_MAX];

static void
dev_stop(int16_t dev)
{
	if (dev >= 0 && dev < RTE_DMADEV_DEFAULT_MAX && dev_started[dev]) {
		rte_dma_stop(dev);
		dev_started[dev] = false;
	}
}

static int
dev_setup(int16_t dev, uint16_t ring, uint16_t *cap)
{
	const struct rte_dma_conf conf = { .nb_vchans = 1 };
	struct rte_dma_vchan_conf qconf = {
		.direction = RTE_DMA_DIR_MEM_TO_MEM,
	};
	struct rte_dma_info info;

	if (rte_dma_info_get(dev, &info) != 0)
		return -ENODEV;
	qconf.nb_desc = RTE_MIN(ring, info.max_desc);
	qconf.nb_desc = RTE_MAX(qconf.nb_desc, info.min_desc);
	if (dev >= RTE_DMADEV_DEFAULT_MAX)
		return -ENODEV;
	dev_stop(dev);
	if (rte_dma_configure(dev, &conf) != 0 ||
			rte_dma_vchan_setup(dev, 0, &qconf) != 0 ||
			rte_dma_start(dev) != 0) {
		fprintf(stderr, "%s: cannot set up a ring of %u\n",
			info.dev_name, qconf.nb_desc);
		return -EIO;
	}
	dev_started[dev] = true;
	*cap = qconf.nb_desc;
	return 0;
}

/* --- the worker --- */

static inline uint8_t *
chan_src(const struct chan *ch)
{
	return ch->src_mz->addr;
}

static inline uint8_t *
chan_dst(const struct chan *ch)
{
	return ch->dst_mz->addr;
}

/*
 * Instruction-count mode: wait, without touching the driver, until the
 * simulated engine has processed everything submitted. Yield, so that
 * valgrind, which runs one thread at a time, switches to the engine.
 */
static __rte_noinline void
sync_engine(struct chan *ch)
{
	while (plx_sim_desc_count(sim, ch->sim_fn[ch->engine]) - ch->sim_base <
			ch->submitted)
		sched_yield();
}

static inline uint16_t
dma_poll(struct chan *ch)
{
	uint16_t last, n;
	bool err = false;

	if (opt.sync)
		sync_engine(ch);
	n = rte_dma_completed(ch->dev_id, 0, MAX_CPL, &last, &err);
	ch->done += n;
	ch->polls++;
	if (n == 0)
		ch->empty_polls++;
	if (unlikely(err))
		ch->error = -EIO;
	return n;
}

/* Poll until something completes; what follows a first empty poll is idle. */
static void
dma_wait(struct chan *ch)
{
	uint64_t t0, t;

	if (dma_poll(ch) != 0 || ch->error != 0)
		return;
	t0 = rte_rdtsc();
	do {
		t = rte_rdtsc();
		if (t - t0 > WAIT_LIMIT_S * tsc_hz) {
			ch->error = -ETIMEDOUT;
			break;
		}
	} while (dma_poll(ch) == 0 && ch->error == 0);
	ch->idle += t - t0;
}

/*
 * The ring is full: collect until a kick batch (at most half the ring)
 * fits again. Retrying the copy after every poll, as dpdk-test-dma-perf
 * does, degenerates into one-op submits whenever the engine is slower than
 * the worker. Paced (the default), the worker then waits about as long as
 * the missing completions should take, from the rate seen in this wait,
 * instead of re-reading descriptors the engine is writing: the figure is
 * then the driver's cost, not that of a cache line bouncing between the
 * cores at the engine's pace.
 */
static void
dma_wait_room(struct chan *ch)
{
	uint64_t room = RTE_MIN(ch->batch, ch->ring_cap / 2);
	uint64_t want = ch->done + RTE_MIN(room, ch->issued - ch->done);
	uint64_t first_done = 0, first_t = 0;

	for (;;) {
		uint64_t t, until;

		dma_wait(ch);
		if (ch->done >= want || ch->error != 0)
			return;
		if (!opt.paced)
			continue;
		t = rte_rdtsc();
		if (first_t == 0) {
			first_t = t;
			first_done = ch->done;
			continue;
		}
		until = t + RTE_MIN((t - first_t) * (want - ch->done) /
			(ch->done - first_done + 1), tsc_hz / PACE_MAX_HZ);
		while (rte_rdtsc() < until)
			rte_pause();
		ch->idle += rte_rdtsc() - t;
	}
}

static inline void
dma_submit(struct chan *ch)
{
	int ret = rte_dma_submit(ch->dev_id, 0);

	if (unlikely(ret < 0))
		ch->error = ret;
	ch->submitted = ch->issued;
}

/* Stop at the end of a pass over the buffers once the time is up. */
static inline bool
pass_end(const struct chan *ch, uint64_t start)
{
	return ch->duration != 0 && rte_rdtsc() - start >= ch->duration;
}

/* The measured loop of the DMA engines, dpdk-test-dma-perf's. */
static __rte_noinline void
perf_dma_loop(struct chan *ch, uint64_t start)
{
	const rte_iova_t src0 = ch->src_mz->iova, dst0 = ch->dst_mz->iova;
	const int16_t dev = ch->dev_id;
	const uint32_t size = ch->size;
	const uint16_t batch = ch->batch;
	rte_iova_t src = src0, dst = dst0;
	uint32_t buf = 0;
	uint16_t pending = 0;

	while (ch->issued < ch->max_ops && ch->error == 0) {
		int ret;

		if (buf == ch->nbuf) {
			buf = 0;
			src = src0;
			dst = dst0;
			if (pass_end(ch, start))
				break;
		}
		ret = rte_dma_copy(dev, 0, src, dst, size, 0);
		if (unlikely(ret < 0)) {
			if (ret != -ENOSPC) {
				ch->error = ret;
				break;
			}
			if (pending != 0) {
				dma_submit(ch);
				pending = 0;
			}
			dma_wait_room(ch);
			continue;
		}
		ch->issued++;
		buf++;
		src += size;
		dst += size;
		if (++pending == batch) {
			dma_submit(ch);
			pending = 0;
			dma_poll(ch);
		}
	}
	if (pending != 0)
		dma_submit(ch);
	while (ch->done < ch->issued && ch->error == 0)
		dma_wait(ch);
}

/* The same for rte_memcpy on the worker. */
static __rte_noinline void
perf_cpu_loop(struct chan *ch, uint64_t start)
{
	uint8_t *const src0 = chan_src(ch), *const dst0 = chan_dst(ch);
	const uint32_t size = ch->size;
	uint8_t *src = src0, *dst = dst0;
	uint32_t buf = 0;

	while (ch->issued < ch->max_ops) {
		if (buf == ch->nbuf) {
			buf = 0;
			src = src0;
			dst = dst0;
			if (pass_end(ch, start))
				break;
		}
		rte_memcpy(dst, src, size);
		ch->issued++;
		buf++;
		src += size;
		dst += size;
	}
	ch->done = ch->issued;
}

/* Low load: one operation in flight, submitted on its own. */
static void
perf_latency(struct chan *ch)
{
	unsigned int i, buf = 0;

	for (i = 0; i < opt.lat_samples + LAT_WARM && ch->error == 0; i++) {
		size_t off = (size_t)buf * ch->size;
		uint64_t t0, t1;

		t0 = rte_rdtsc_precise();
		if (ch->engine == ENG_CPU) {
			rte_memcpy(chan_dst(ch) + off, chan_src(ch) + off,
				ch->size);
		} else {
			int ret = rte_dma_copy(ch->dev_id, 0,
				ch->src_mz->iova + off, ch->dst_mz->iova + off,
				ch->size, RTE_DMA_OP_FLAG_SUBMIT);

			if (ret < 0) {
				ch->error = ret;
				break;
			}
			ch->issued++;
			ch->submitted = ch->issued;
			dma_wait(ch);
		}
		t1 = rte_rdtsc_precise();
		if (i >= LAT_WARM)
			ch->lat[i - LAT_WARM] = t1 - t0;
		if (++buf == ch->nbuf)
			buf = 0;
	}
	if (ch->engine == ENG_CPU)
		ch->issued = ch->done = i;
}

/* Source: a pattern unique to the case; destination: zero. */
static void
buffers_fill(struct chan *ch, size_t len)
{
	uint8_t *s = chan_src(ch);
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t v = (ch->seed + i) * UINT64_C(0x9e3779b97f4a7c15);

		memcpy(s + i, &v, 8);
	}
	for (; i < len; i++)
		s[i] = (uint8_t)(ch->seed + i);
	memset(chan_dst(ch), 0, len);
}

/* Every buffer was copied at least once (none, in null-copy mode). */
static bool
buffers_verify(const struct chan *ch, size_t len)
{
	const uint8_t *d = chan_dst(ch);

	if (ch->engine != ENG_PLX_NULL)
		return memcmp(d, chan_src(ch), len) == 0;
	return d[0] == 0 && memcmp(d, d + 1, len - 1) == 0;
}

static void
barrier(struct chan *ch)
{
	rte_atomic_fetch_add_explicit(ch->ready, 1, rte_memory_order_acq_rel);
	while (rte_atomic_load_explicit(ch->ready, rte_memory_order_acquire) < ch->nb_chans)
		rte_pause();
}

static void
counters_reset(struct chan *ch)
{
	ch->issued = ch->done = ch->submitted = 0;
	ch->busy = ch->idle = 0;
	ch->polls = ch->empty_polls = 0;
	if (opt.sync)
		ch->sim_base = plx_sim_desc_count(sim, ch->sim_fn[ch->engine]);
}

static void
run_loop(struct chan *ch, uint64_t start)
{
	if (ch->engine == ENG_CPU)
		perf_cpu_loop(ch, start);
	else
		perf_dma_loop(ch, start);
}

static int
worker(void *arg)
{
	struct chan *ch = arg;
	size_t len = (size_t)ch->nbuf * ch->size;
	uint64_t max_ops = ch->max_ops, start;

	/* The latency run uses its first buffers only. */
	if (ch->latency)
		len = (size_t)RTE_MIN(ch->nbuf, opt.lat_samples + LAT_WARM) *
			ch->size;
	buffers_fill(ch, len);
	ch->error = 0;
	if (ch->latency) {
		counters_reset(ch);
		perf_latency(ch);
	} else {
		/* Warm up: wake the engine, fault the ring and buffers in
		 * (not when counting instructions: every op would count). */
		ch->max_ops = RTE_MIN((uint64_t)ch->nbuf, 4096u);
		counters_reset(ch);
		if (!opt.sync)
			run_loop(ch, 0);
		ch->max_ops = max_ops;
		counters_reset(ch);
		barrier(ch);
		start = rte_rdtsc();
		run_loop(ch, start);
		ch->busy = rte_rdtsc() - start - ch->idle;
	}
	ch->verified = ch->error == 0 && buffers_verify(ch, len);
	rte_atomic_store_explicit(&ch->finished, true, rte_memory_order_release);
	return 0;
}

/* --- cases --- */

struct case_conf {
	enum sweep sweep;
	uint32_t size;
	uint16_t batch;
	uint16_t ring;
	unsigned int channels;
};

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
	r->ok = true;
	if (sim != NULL && (e == ENG_PLX || e == ENG_PLX_NULL))
		plx_sim_set_null_copy(sim, e == ENG_PLX_NULL);
	seed++;
	for (i = 0; i < n; i++) {
		struct chan *ch = &chans[i];
		uint64_t nbuf = RTE_MAX(opt.mem / cc->size, UINT64_C(1));

		if (opt.ops != 0)
			nbuf = RTE_MIN(nbuf, opt.ops);
		ch->engine = e;
		ch->dev_id = ch->dev[e];
		ch->size = cc->size;
		ch->batch = cc->batch;
		ch->nbuf = RTE_MIN(nbuf, UINT32_MAX);
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
		rte_eal_remote_launch(worker, &chans[i], chans[i].lcore);
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
	r->idle_pct = 100.0 * idle / (busy + idle);
	if (opt.sync)
		printf("    %s: %" PRIu64 " ops, %" PRIu64 " polls, %" PRIu64
			" empty\n", engine_names[e], ops, chans[0].polls,
			chans[0].empty_polls);
	return 0;
}

static void
fmt_ns(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, "%.0f", v);
}

static bool
result_sane(const struct result *r)
{
	return r->ok && r->ops > 0 && isfinite(r->mops) && r->mops > 0 &&
		isfinite(r->gbps) && r->gbps > 0 && isfinite(r->cyc_op) &&
		r->cyc_op > 0;
}

static void
result_print(const struct result *r)
{
	char p50[32], p99[32];
	bool sane = result_sane(r);

	fmt_ns(p50, sizeof(p50), r->lat_p50);
	fmt_ns(p99, sizeof(p99), r->lat_p99);
	printf("%-8s %-9s %2u %6u %4u %5u %10" PRIu64 " %8.2f %7.2f %8.1f "
		"%5.1f %7s %7s %s%s\n", sweep_names[r->sweep],
		engine_names[r->engine], r->channels, r->size, r->batch,
		r->ring, r->ops, r->mops, r->gbps, r->cyc_op, r->idle_pct,
		p50, p99, r->ok ? "ok" : "FAILED: ", r->ok ? "" : r->why);
	if (csv != NULL)
		fprintf(csv, "%s,%s,%u,%u,%u,%u,%" PRIu64 ",%.4f,%.3f,%.3f,"
			"%.1f,%.1f,%s,%s,%s\n", sweep_names[r->sweep],
			engine_names[r->engine], r->channels, r->size,
			r->batch, r->ring, r->ops, r->secs, r->mops, r->gbps,
			r->cyc_op, r->idle_pct, p50, p99,
			r->ok ? "yes" : "no");
	if (opt.check) {
		if (sane)
			checks_passed++;
		else
			checks_failed++;
		if (!sane)
			printf("CHECK FAILED: %s %s size %u: %s\n",
				sweep_names[r->sweep], engine_names[r->engine],
				r->size, r->ok ? "insane figures" : r->why);
	} else if (!r->ok) {
		checks_failed++;
	}
}

/*
 * Throughput: the best of opt.repeat runs (the least disturbed on a busy
 * machine); a failed run fails the case.
 */
static int
case_best(const struct case_conf *cc, enum engine e, struct result *best)
{
	unsigned int i;

	for (i = 0; i < opt.repeat; i++) {
		struct result r;

		if (case_run(cc, e, false, &r) != 0)
			return -EIO;
		if (i == 0 || !r.ok || (best->ok && r.mops > best->mops))
			*best = r;
		if (!r.ok)
			break;
	}
	return 0;
}

/* Figures the targets compare, from the size sweep. */
static struct result size_results[MAX_LIST][ENG_MAX];

static void
sweep_run(enum sweep s)
{
	struct case_conf cc = { s, opt.size, opt.batch, opt.ring, 1 };
	const struct u64_list *l = s == SWEEP_SIZE ? &opt.sizes :
		s == SWEEP_BATCH ? &opt.batches :
		s == SWEEP_RING ? &opt.rings : &opt.channels;
	unsigned int i, e;

	for (i = 0; i < l->n; i++) {
		switch (s) {
		case SWEEP_SIZE:
			cc.size = l->v[i];
			break;
		case SWEEP_BATCH:
			cc.batch = l->v[i];
			break;
		case SWEEP_RING:
			cc.ring = l->v[i];
			break;
		default:
			cc.channels = l->v[i];
			break;
		}
		/* The engines back to back, so that they share conditions. */
		for (e = 0; e < ENG_MAX; e++) {
			struct result r, lat;

			if (!engine_usable(e, cc.channels))
				continue;
			if (case_best(&cc, e, &r) != 0)
				r.ok = false, r.why = "set-up failed";
			if (s == SWEEP_SIZE && opt.lat_samples != 0 &&
					r.ok && !opt.sync &&
					case_run(&cc, e, true, &lat) == 0) {
				r.lat_p50 = lat.lat_p50;
				r.lat_p99 = lat.lat_p99;
				if (!lat.ok)
					r.ok = false, r.why = lat.why;
			}
			result_print(&r);
			if (s == SWEEP_SIZE)
				size_results[i][e] = r;
		}
	}
}

static const struct result *
size_result(uint32_t size, enum engine e)
{
	unsigned int i;

	for (i = 0; i < opt.sizes.n; i++)
		if (opt.sizes.v[i] == size && size_results[i][e].ok &&
				size_results[i][e].ops != 0)
			return &size_results[i][e];
	return NULL;
}

static void
target(const char *what, double value, double limit, bool at_most)
{
	bool met = at_most ? value <= limit : value >= limit;

	printf("target: %-58s %8.3f %s %8.3f  %s\n", what, value,
		at_most ? "<=" : ">=", limit, met ? "MET" : "MISSED");
}

/* The targets, as ratios within this run. */
static void
targets_print(void)
{
	const struct result *n64 = size_result(64, ENG_PLX_NULL);
	const struct result *p64 = size_result(64, ENG_PLX);
	const struct result *s64 = size_result(64, ENG_SKELETON);
	const struct result *p4k = size_result(4096, ENG_PLX);
	const struct result *c4k = size_result(4096, ENG_CPU);
	unsigned int i;

	if (n64 != NULL && s64 != NULL)
		target("plx-null / skeleton worker cycles/op, 64 B",
			n64->cyc_op / s64->cyc_op, 1, true);
	if (p4k != NULL && c4k != NULL)
		target("plx / cpu worker cycles/op, 4 KiB",
			p4k->cyc_op / c4k->cyc_op, 0.25, true);
	if (p64 != NULL && s64 != NULL)
		target("plx / skeleton Mops, 64 B", p64->mops / s64->mops, 2,
			false);
	for (i = 0; i < opt.sizes.n; i++) {
		const struct result *p = &size_results[i][ENG_PLX];
		const struct result *c = &size_results[i][ENG_CPU];
		char what[64];

		if (opt.sizes.v[i] < 4096 || !p->ok || !c->ok || p->ops == 0 ||
				c->ops == 0)
			continue;
		snprintf(what, sizeof(what), "plx / cpu GB/s, %" PRIu64 " B",
			opt.sizes.v[i]);
		target(what, p->gbps / c->gbps, 0.9, false);
	}
}

static void
header_print(void)
{
	char model[128] = "unknown";
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");
	unsigned int e;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) == 0 && colon != NULL) {
			snprintf(model, sizeof(model), "%s", colon + 2);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	}
	if (f != NULL)
		fclose(f);
	snprintf(line, sizeof(line), "machine: %ld CPUs, %s, TSC %.3f GHz",
		sysconf(_SC_NPROCESSORS_ONLN), model, tsc_hz / 1e9);
	printf("%s\n", line);
	if (csv != NULL)
		fprintf(csv, "# %s\n", line);
	printf("channels: %u worker lcore(s);", nb_chans);
	for (e = 0; e < ENG_MAX; e++)
		printf(" %s %u%s", engine_names[e],
			e == ENG_CPU ? nb_chans : nb_devs[e],
			(opt.engines & (1u << e)) ? "" : " (off)");
	printf("\n%s per case; busy cycles are TSC cycles\n",
		opt.ops != 0 ? "fixed op count" : "timed");
	printf("%-8s %-9s %2s %6s %4s %5s %10s %8s %7s %8s %5s %7s %7s\n",
		"sweep", "engine", "ch", "size", "kick", "ring", "ops", "Mops",
		"GB/s", "cyc/op", "idle%", "p50ns", "p99ns");
	if (csv != NULL)
		fprintf(csv, "sweep,engine,channels,size,kick_batch,ring,ops,"
			"seconds,mops,gbps,busy_cycles_per_op,idle_pct,"
			"lat_p50_ns,lat_p99_ns,verified\n");
}

int
main(int argc, char **argv)
{
	unsigned int s, e;
	int ret;

	setlinebuf(stdout);
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	if (parse_args(argc - ret, argv + ret) != 0)
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
	for (e = 0; e < ENG_MAX; e++)
		if ((opt.engines & (1u << e)) && nb_devs[e] == 0)
			printf("engine %s: no device, skipped\n",
				engine_names[e]);
	if (opt.csv != NULL && (csv = fopen(opt.csv, "w")) == NULL) {
		fprintf(stderr, "cannot write %s\n", opt.csv);
		return 1;
	}
	header_print();
	for (s = 0; s < SWEEP_MAX; s++)
		if (opt.sweeps & (1u << s))
			sweep_run(s);
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
