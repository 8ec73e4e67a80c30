/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Functional tests of the dma_plx PMD, run on the simulated PEX 87xx switch:
 *
 *   dpdk-plx-sim -n 4 -- test_dma_plx --no-huge -m 512 --iova-mode=va \
 *       --no-shconf --file-prefix plxtestN --lcores '(0-4)@(0,1)' \
 *       -d .../librte_dma_plx.so [-- [--filter SUBSTRING] [--list] [--times]]
 *
 * (DPDK 22.11 rejects --lcores '0-4@(0,1)': a range needs parentheses.)
 * With IOVA as PA (uio), only copy_data is meant to run: --filter copy.
 *
 * Functions 0000:03:00.1..4 are used as follows: .1 data, errors, input
 * checks; .2 ring and lifecycle tests; .3 devargs; .4 (re-probed with
 * stop_timeout_ms=50) the tests that make a stop time out.
 *
 * Output: one "PASS name", "FAIL name: reason (file:line)" or
 * "SKIP name: reason" line per test, then "N passed, N failed[, N skipped]".
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "plx_dma_hw.h"
#include "plx_sim_host.h"
#include "test_plx_common.h"

#define NB_FUNCS	4
#define PCI_FMT		"0000:03:00.%u"
#define DATA_IDX	0	/* 0000:03:00.1 */
#define RING_IDX	1	/* 0000:03:00.2 */
#define DEVARGS_IDX	2	/* 0000:03:00.3 */
#define FAST_IDX	3	/* 0000:03:00.4, stop_timeout_ms=50 */
#define FAST_ARGS	"stop_timeout_ms=50"
/* Longest wait without progress. */
#define WAIT_US		(2 * 1000 * 1000)
#define MAX_BUFS	64
#define IOVA_BIT48	(UINT64_C(1) << 48)

static struct plx_sim *sim;

/* --- buffers --- */

static const struct rte_memzone *bufs[MAX_BUFS];
static unsigned int nb_bufs;
static unsigned int buf_seq;

/* IOVA of any byte of DPDK memory; never assumes IOVA == VA. */
static rte_iova_t
iova(const void *p)
{
	return rte_mem_virt2iova(p);
}

/* IOVA-contiguous buffer, freed by the runner after the test. */
static uint8_t *
buf_alloc(size_t len)
{
	char name[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;
	const uint8_t *va;

	if (nb_bufs == MAX_BUFS)
		return NULL;
	snprintf(name, sizeof(name), "plx_test_%u", buf_seq++);
	mz = rte_memzone_reserve_aligned(name, len, SOCKET_ID_ANY,
		RTE_MEMZONE_IOVA_CONTIG, RTE_CACHE_LINE_SIZE);
	if (mz == NULL)
		return NULL;
	bufs[nb_bufs++] = mz;
	va = mz->addr;
	if (iova(va) != mz->iova || iova(va + len - 1) != mz->iova + len - 1) {
		printf("# buffer %s: IOVA not contiguous\n", name);
		return NULL;
	}
	return mz->addr;
}

static void
bufs_free(void)
{
	while (nb_bufs > 0)
		rte_memzone_free(bufs[--nb_bufs]);
}

static uint32_t
rnd_next(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void
fill_pattern(uint8_t *p, size_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = rnd_next(&x) >> 24;
}

/*
 * region (region_len bytes) holds len bytes of src at off and GUARD
 * everywhere else; len 0 checks the region is untouched.
 */
static int
verify_copy(const uint8_t *src, const uint8_t *region, size_t off, size_t len,
		size_t region_len)
{
	size_t i;

	for (i = 0; i < region_len; i++) {
		bool in = i >= off && i < off + len;

		/* The data in one go when it is right, else byte by byte. */
		if (i == off && len > 0 && memcmp(region + off, src, len) == 0) {
			i += len - 1;
			continue;
		}
		if (region[i] != (in ? src[i - off] : GUARD))
			FAIL("%zu-byte copy at +%zu: byte %zu is 0x%02x, expected 0x%02x (%s)",
				len, off, i, region[i],
				in ? src[i - off] : GUARD,
				in ? "data" : "guard");
	}
	return 0;
}

/* --- devices --- */

struct tdev {
	int16_t id;
	int fn;			/* simulator function */
	uint16_t nb_desc;
	uint16_t next_id;	/* id the next copy must get */
	uint16_t last_idx;	/* id of the last completion collected */
	char name[RTE_DEV_NAME_MAX_LEN];
};

struct xfer {
	rte_iova_t src;
	rte_iova_t dst;
	uint32_t len;
};

static bool fast_ready;	/* FAST_IDX carries FAST_ARGS */

static void
func_name(unsigned int idx, char *buf, size_t len)
{
	snprintf(buf, len, PCI_FMT, idx + 1);
}

static int
dev_id_of(unsigned int idx)
{
	char name[RTE_DEV_NAME_MAX_LEN];

	func_name(idx, name, sizeof(name));
	return rte_dma_get_dev_id_by_name(name);
}

static int
tdev_get(struct tdev *d, unsigned int idx)
{
	memset(d, 0, sizeof(*d));
	func_name(idx, d->name, sizeof(d->name));
	CHECK_OK(plx_test_dev_id(d->name, &d->id));
	d->fn = plx_sim_func_of_addr(d->name);
	CHECK_MSG(d->fn >= 0, "%s is no simulated function", d->name);
	return 0;
}

static uint64_t
sim_descs(const struct tdev *d)
{
	return plx_sim_desc_count(sim, d->fn);
}

/* Wait until the engine has processed exactly target descriptors. */
static int
wait_descs(const struct tdev *d, uint64_t target)
{
	return plx_test_wait_descs(sim, d->fn, target, WAIT_US);
}

/* Collect all a stopped channel still reports. */
static unsigned int
drain_stopped(int16_t id)
{
	enum rte_dma_status_code st[256];
	unsigned int n = 0, k;
	uint16_t last;

	do {
		k = rte_dma_completed_status(id, 0, RTE_DIM(st), &last, st);
		n += k;
	} while (k > 0 && n < 2 * 65536);
	return n;
}

/* Right after a start: ids restart at 0 and nothing is completed. */
static int
tdev_restarted(struct tdev *d)
{
	uint16_t last = 0;
	bool err = true;

	d->next_id = 0;
	d->last_idx = UINT16_MAX;
	CHECK_EQ(rte_dma_completed(d->id, 0, 1, &last, &err), 0);
	CHECK_EQ(last, UINT16_MAX);
	CHECK(!err);
	return 0;
}

/* Start a configured channel: the ids begin again at 0. */
static int
tdev_restart(struct tdev *d)
{
	CHECK_EQ(rte_dma_start(d->id), 0);
	return tdev_restarted(d);
}

/* Function idx's dmadev, stopped, with nothing left to collect. */
static int
tdev_stopped(struct tdev *d, unsigned int idx)
{
	CHECK_OK(tdev_get(d, idx));
	CHECK_EQ(rte_dma_stop(d->id), 0);
	drain_stopped(d->id);
	return 0;
}

/* Configure function idx with one vchan of nb_desc descriptors. */
static int
tdev_setup(struct tdev *d, unsigned int idx, uint16_t nb_desc)
{
	CHECK_OK(tdev_stopped(d, idx));
	return plx_test_configure(d->id, nb_desc);
}

/* tdev_setup(), then start. */
static int
tdev_start(struct tdev *d, unsigned int idx, uint16_t nb_desc)
{
	CHECK_OK(tdev_stopped(d, idx));
	CHECK_OK(plx_test_start(d->id, nb_desc, &d->nb_desc));
	return tdev_restarted(d);
}

static int
enqueue(struct tdev *d, rte_iova_t src, rte_iova_t dst, uint32_t len,
		uint64_t flags)
{
	int ret = rte_dma_copy(d->id, 0, src, dst, len, flags);

	CHECK_MSG(ret >= 0, "copy of %u bytes on %s: %s", len, d->name,
		strerror(-ret));
	CHECK_EQ(ret, d->next_id);
	d->next_id++;
	return 0;
}

/* A poll collected k ops up to last: last_idx must move on by exactly k. */
static int
collected(struct tdev *d, uint16_t last, uint16_t k, unsigned int *got)
{
	CHECK_EQ(last, (uint16_t)(d->last_idx + k));
	d->last_idx = last;
	*got += k;
	return 0;
}

/* Collect n successful completions, checking each last_idx. */
static int
wait_completed(struct tdev *d, unsigned int n)
{
	struct plx_wait w = plx_wait_begin(WAIT_US);
	unsigned int got = 0;

	while (got < n) {
		uint16_t last = 0, k;
		bool err = false;

		k = rte_dma_completed(d->id, 0, RTE_MIN(n - got, 65535u),
			&last, &err);
		CHECK_MSG(!err, "%s: error after %u of %u completions",
			d->name, got, n);
		CHECK_OK(collected(d, last, k, &got));
		CHECK_MSG(plx_waiting(&w, k),
			"%s: timeout after %u of %u completions", d->name, got,
			n);
	}
	return 0;
}

/* Collect n statuses into st, checking each last_idx. */
static int
wait_status(struct tdev *d, enum rte_dma_status_code *st, unsigned int n)
{
	struct plx_wait w = plx_wait_begin(WAIT_US);
	unsigned int got = 0;

	while (got < n) {
		uint16_t last = 0, k;

		k = rte_dma_completed_status(d->id, 0,
			RTE_MIN(n - got, 65535u), &last, st + got);
		CHECK_OK(collected(d, last, k, &got));
		CHECK_MSG(plx_waiting(&w, k),
			"%s: timeout after %u of %u statuses", d->name, got, n);
	}
	return 0;
}

/* Enqueue n copies (as many at a time as the ring takes) and wait. */
static int
run_copies(struct tdev *d, const struct xfer *x, unsigned int n)
{
	unsigned int i = 0, j, chunk;

	while (i < n) {
		chunk = RTE_MIN(n - i, rte_dma_burst_capacity(d->id, 0));
		CHECK_MSG(chunk > 0, "%s: ring full before copying", d->name);
		for (j = 0; j < chunk; j++)
			CHECK_OK(enqueue(d, x[i + j].src, x[i + j].dst,
				x[i + j].len, 0));
		CHECK_EQ(rte_dma_submit(d->id, 0), 0);
		CHECK_OK(wait_completed(d, chunk));
		i += chunk;
	}
	return 0;
}

/* A few verified copies: the channel works. */
static int
smoke_copy(struct tdev *d)
{
	enum { N = 4, LEN = 300, SLOT = LEN + 16 };
	uint8_t *src = buf_alloc(N * LEN), *dst = buf_alloc(N * SLOT);
	struct xfer x[N];
	unsigned int i;

	CHECK(src != NULL && dst != NULL);
	fill_pattern(src, N * LEN, d->next_id);
	memset(dst, GUARD, N * SLOT);
	for (i = 0; i < N; i++)
		x[i] = (struct xfer){ iova(src + i * LEN),
			iova(dst + i * SLOT + 3), LEN };
	CHECK_OK(run_copies(d, x, N));
	for (i = 0; i < N; i++)
		CHECK_OK(verify_copy(src + i * LEN, dst + i * SLOT, 3, LEN,
			SLOT));
	return 0;
}

/* --- hot-plug --- */

/* FAST_IDX carries args now (NULL: none, or removed). */
static void
note_args(unsigned int idx, const char *args)
{
	if (idx == FAST_IDX)
		fast_ready = args != NULL && strcmp(args, FAST_ARGS) == 0;
}

static int
remove_func(unsigned int idx)
{
	char name[RTE_DEV_NAME_MAX_LEN];

	func_name(idx, name, sizeof(name));
	note_args(idx, NULL);
	CHECK_EQ(plx_test_pci_remove(name, false), 0);
	CHECK_MSG(rte_dma_get_dev_id_by_name(name) < 0,
		"dmadev %s still there after removal", name);
	return 0;
}

/* Probe function idx with devargs args (or none); expect it to work or not. */
static int
probe_func(unsigned int idx, const char *args, bool expect_ok)
{
	char name[RTE_DEV_NAME_MAX_LEN], devstr[128];
	int ret;

	func_name(idx, name, sizeof(name));
	ret = rte_dev_probe(plx_test_devstr(devstr, sizeof(devstr), name,
		args));
	if (!expect_ok) {
		CHECK_MSG(ret < 0, "rte_dev_probe(\"%s\") succeeded", devstr);
		CHECK_MSG(rte_dma_get_dev_id_by_name(name) < 0,
			"dmadev %s exists after a failed probe", name);
		return 0;
	}
	CHECK_MSG(ret == 0, "rte_dev_probe(\"%s\"): %d", devstr, ret);
	CHECK_MSG(rte_dma_get_dev_id_by_name(name) >= 0,
		"no dmadev %s after probe", name);
	note_args(idx, args);
	return 0;
}

/* Remove, power-cycle in the simulator, probe again with args. */
static int
reprobe(unsigned int idx, const char *args)
{
	char name[RTE_DEV_NAME_MAX_LEN];

	func_name(idx, name, sizeof(name));
	note_args(idx, NULL);
	CHECK_OK(plx_test_pci_restore(sim, name, args));
	note_args(idx, args);
	return 0;
}

/* FAST_IDX with a 50 ms stop timeout, started with nb_desc descriptors. */
static int
fast_start(struct tdev *d, uint16_t nb_desc)
{
	if (!fast_ready)
		CHECK_OK(reprobe(FAST_IDX, FAST_ARGS));
	return tdev_start(d, FAST_IDX, nb_desc);
}

/* --- tests --- */

static int
test_probe(void)
{
	struct rte_dma_info info;
	unsigned int idx;
	int id;

	CHECK_EQ(rte_dma_count_avail(), NB_FUNCS);
	for (idx = 0; idx < NB_FUNCS; idx++) {
		char name[RTE_DEV_NAME_MAX_LEN];

		func_name(idx, name, sizeof(name));
		id = rte_dma_get_dev_id_by_name(name);
		CHECK_MSG(id >= 0, "no dmadev %s", name);
		CHECK(rte_dma_is_valid(id));
		CHECK_EQ(rte_dma_info_get(id, &info), 0);
		CHECK_MSG(strcmp(info.dev_name, name) == 0,
			"dmadev %d is named %s, not %s", id, info.dev_name,
			name);
		if (sim != NULL)
			CHECK_EQ(plx_sim_func_of_addr(name), idx);
	}
	return 0;
}

static int
test_info(void)
{
	const uint64_t capa = RTE_DMA_CAPA_MEM_TO_MEM | RTE_DMA_CAPA_OPS_COPY |
		RTE_DMA_CAPA_HANDLES_ERRORS;
	struct rte_dma_info info;
	struct tdev d;

	CHECK_OK(tdev_get(&d, DATA_IDX));
	CHECK_EQ(rte_dma_info_get(d.id, &info), 0);
	CHECK_MSG(info.dev_capa == capa, "capa 0x%" PRIx64 ", expected 0x%" PRIx64,
		info.dev_capa, capa);
	CHECK_EQ(info.dev_capa & (RTE_DMA_CAPA_OPS_FILL | RTE_DMA_CAPA_SILENT |
		RTE_DMA_CAPA_OPS_COPY_SG), 0);
	CHECK_EQ(info.max_vchans, 1);
	CHECK_EQ(info.min_desc, 32);
	CHECK_EQ(info.max_desc, 32768);
	CHECK_MSG(info.numa_node == SOCKET_ID_ANY ||
		(info.numa_node >= 0 && info.numa_node < RTE_MAX_NUMA_NODES),
		"numa_node %d", info.numa_node);
	return 0;
}

static int
test_config_errors(void)
{
	struct rte_dma_conf conf = { .nb_vchans = 1, .enable_silent = true };
	struct rte_dma_vchan_conf qconf = {
		.direction = RTE_DMA_DIR_MEM_TO_MEM,
		.nb_desc = 64,
	};
	/* 65536 does not fit nb_desc (uint16_t): 0 is what it would be. */
	static const uint16_t bad_desc[] = { 0, 1, 16, 31, 32769, 65535 };
	struct rte_dma_info info;
	struct tdev d;
	unsigned int i;

	CHECK_OK(tdev_get(&d, RING_IDX));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	CHECK(rte_dma_configure(d.id, &conf) < 0);
	conf.enable_silent = false;
	conf.nb_vchans = 2;
	CHECK(rte_dma_configure(d.id, &conf) < 0);
	conf.nb_vchans = 0;
	CHECK(rte_dma_configure(d.id, &conf) < 0);
	conf.nb_vchans = 1;
	CHECK_EQ(rte_dma_configure(d.id, &conf), 0);

	qconf.direction = RTE_DMA_DIR_MEM_TO_DEV;
	CHECK_EQ(rte_dma_vchan_setup(d.id, 0, &qconf), -EINVAL);
	qconf.direction = RTE_DMA_DIR_DEV_TO_MEM;
	CHECK_EQ(rte_dma_vchan_setup(d.id, 0, &qconf), -EINVAL);
	qconf.direction = RTE_DMA_DIR_MEM_TO_MEM;
	CHECK_EQ(rte_dma_vchan_setup(d.id, 1, &qconf), -EINVAL);
	for (i = 0; i < RTE_DIM(bad_desc); i++) {
		qconf.nb_desc = bad_desc[i];
		CHECK_MSG(rte_dma_vchan_setup(d.id, 0, &qconf) == -EINVAL,
			"nb_desc %u accepted", bad_desc[i]);
	}
	qconf.nb_desc = 100;
	CHECK_EQ(rte_dma_vchan_setup(d.id, 0, &qconf), 0);
	CHECK_EQ(rte_dma_start(d.id), 0);
	CHECK_EQ(rte_dma_burst_capacity(d.id, 0), 128);
	CHECK_EQ(rte_dma_info_get(d.id, &info), 0);
	CHECK_EQ(info.nb_vchans, 1);
	/* Not while started. */
	CHECK_EQ(rte_dma_configure(d.id, &conf), -EBUSY);
	CHECK_EQ(rte_dma_vchan_setup(d.id, 0, &qconf), -EBUSY);
	CHECK_OK(tdev_restarted(&d));
	CHECK_OK(smoke_copy(&d));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

static int
test_not_started(void)
{
	enum rte_dma_status_code st[8];
	uint8_t *src = buf_alloc(64), *dst = buf_alloc(64);
	rte_iova_t s, t;
	struct tdev d;
	uint64_t base;
	uint16_t last;
	unsigned int i;
	int ret;

	NEED_SIM(sim);
	CHECK(src != NULL && dst != NULL);
	s = iova(src);
	t = iova(dst);
	CHECK_OK(tdev_setup(&d, RING_IDX, 64));
	base = sim_descs(&d);

	/* Configured, never started. */
	CHECK_EQ(rte_dma_copy(d.id, 0, s, t, 64, 0), -EINVAL);
	CHECK_EQ(rte_dma_copy(d.id, 0, s, t, 64, RTE_DMA_OP_FLAG_SUBMIT),
		-EINVAL);
	ret = rte_dma_submit(d.id, 0);
	CHECK_MSG(ret <= 0, "submit returned %d", ret);
	CHECK_EQ(rte_dma_completed_status(d.id, 0, RTE_DIM(st), &last, st), 0);

	/* Started then stopped, three copies left unsubmitted. */
	CHECK_OK(tdev_restart(&d));
	for (i = 0; i < 3; i++)
		CHECK_OK(enqueue(&d, s, t, 64, 0));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	CHECK_EQ(rte_dma_copy(d.id, 0, s, t, 64, 0), -EINVAL);
	CHECK_EQ(rte_dma_copy(d.id, 0, s, t, 64, RTE_DMA_OP_FLAG_SUBMIT),
		-EINVAL);
	ret = rte_dma_submit(d.id, 0);
	CHECK_MSG(ret <= 0, "submit returned %d", ret);
	CHECK_EQ(sim_descs(&d), base);
	CHECK_OK(plx_test_stats_are(d.id, 0, 0, 0));
	/* Submit on a stopped channel did not submit them. */
	CHECK_OK(wait_status(&d, st, 3));
	for (i = 0; i < 3; i++)
		CHECK_STATUS(st[i], RTE_DMA_STATUS_NOT_ATTEMPTED);
	CHECK_EQ(d.last_idx, 2);
	/* All reported: nothing more, and the channel starts again. */
	CHECK_EQ(rte_dma_completed_status(d.id, 0, RTE_DIM(st), &last, st), 0);
	CHECK_EQ(last, 2);
	CHECK_EQ(rte_dma_completed(d.id, 0, RTE_DIM(st), &last, NULL), 0);
	CHECK_EQ(last, 2);
	CHECK_OK(plx_test_stats_are(d.id, 0, 3, 3));
	CHECK_EQ(sim_descs(&d), base);
	CHECK_OK(tdev_restart(&d));
	CHECK_OK(smoke_copy(&d));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

/*
 * completed() polled while the engine writes descriptors back: a copy
 * finishing between two looks must never read as an error.
 */
static int
test_completed_polling(void)
{
	enum { N = 20000, BATCH = 200 };
	uint8_t *buf = buf_alloc(128);
	rte_iova_t s, t;
	struct tdev d;
	struct plx_wait w;
	unsigned int sent = 0, done = 0, i;

	CHECK(buf != NULL);
	s = iova(buf);
	t = iova(buf + 64);
	CHECK_OK(tdev_start(&d, RING_IDX, 256));
	w = plx_wait_begin(WAIT_US);
	while (done < N) {
		uint16_t last = 0, k;
		bool err = false;

		if (sent == done) {
			for (i = 0; i < BATCH; i++)
				CHECK_OK(enqueue(&d, s, t, 64, 0));
			CHECK_EQ(rte_dma_submit(d.id, 0), 0);
			sent += BATCH;
		}
		k = rte_dma_completed(d.id, 0, BATCH, &last, &err);
		CHECK_MSG(!err, "has_error set after %u of %u good copies (%u reported now)",
			done, N, k);
		CHECK_OK(collected(&d, last, k, &done));
		CHECK_MSG(plx_waiting(&w, k), "timeout at %u of %u", done, N);
	}
	CHECK_OK(plx_test_stats_are(d.id, N, N, 0));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

static const uint32_t copy_sizes[] = {
	1, 2, 3, 63, 64, 65, 4095, 4096, 4097, 65536, 1 << 20, 4 << 20,
};
#define COPY_SLACK	16	/* offset up to 7, then at least 8 guard bytes */

static int
test_copy_data(void)
{
	enum { N = RTE_DIM(copy_sizes) };
	uint8_t *src[N], *dst[N];
	unsigned int soff[N], doff[N];
	uint32_t len[N];
	struct xfer x[N];
	struct tdev d;
	unsigned int i, n = 0, round;

	for (i = 0; i < N; i++) {
		src[n] = buf_alloc(copy_sizes[i] + COPY_SLACK);
		dst[n] = buf_alloc(copy_sizes[i] + COPY_SLACK);
		len[n] = copy_sizes[i];
		if (src[n] != NULL && dst[n] != NULL) {
			n++;
			continue;
		}
		/* As PA, hugepages need not be physically adjacent. */
		CHECK_MSG(rte_eal_iova_mode() == RTE_IOVA_PA,
			"no memory for %u-byte buffers", copy_sizes[i]);
		printf("# copy_data: no IOVA-contiguous %u-byte buffer, size not tried\n",
			copy_sizes[i]);
	}
	CHECK_OK(tdev_start(&d, DATA_IDX, 64));
	/* Round 0: one burst; round 1: one copy at a time, flag SUBMIT. */
	for (round = 0; round < 2; round++) {
		for (i = 0; i < n; i++) {
			soff[i] = 1 + (i + round) % 7;
			doff[i] = 1 + (3 * i + 2 * round + 4) % 7;
			fill_pattern(src[i], len[i] + COPY_SLACK, i + 100 * round);
			memset(dst[i], GUARD, len[i] + COPY_SLACK);
			x[i] = (struct xfer){ iova(src[i] + soff[i]),
				iova(dst[i] + doff[i]), len[i] };
		}
		if (round == 0) {
			CHECK_OK(run_copies(&d, x, n));
		} else {
			for (i = 0; i < n; i++) {
				CHECK_OK(enqueue(&d, x[i].src, x[i].dst,
					x[i].len, RTE_DMA_OP_FLAG_SUBMIT));
				CHECK_OK(wait_completed(&d, 1));
			}
		}
		for (i = 0; i < n; i++)
			CHECK_OK(verify_copy(src[i] + soff[i], dst[i], doff[i],
				len[i], len[i] + COPY_SLACK));
	}
	CHECK_OK(plx_test_stats_are(d.id, 2 * n, 2 * n, 0));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

/* Ids and last_idx across more than 65536 + nb_desc ops, pipelined. */
static int
wrap_one(uint16_t nb_desc, rte_iova_t src, rte_iova_t dst)
{
	const unsigned int total = 65536 + nb_desc + 1000;
	unsigned int sent = 0, done = 0;
	uint32_t rnd = nb_desc;
	struct plx_wait w = plx_wait_begin(WAIT_US);
	struct tdev d;

	CHECK_OK(tdev_start(&d, RING_IDX, nb_desc));
	while (done < total) {
		unsigned int n, i;
		uint16_t last = 0, k;
		bool err = false;

		CHECK_EQ(rte_dma_burst_capacity(d.id, 0),
			nb_desc - (sent - done));
		n = RTE_MIN(nb_desc - (sent - done), total - sent);
		n = RTE_MIN(n, 1 + rnd_next(&rnd) % nb_desc);
		for (i = 0; i < n; i++)
			CHECK_OK(enqueue(&d, src + 8 * (i % 64),
				dst + 8 * (i % 64), 8, 0));
		if (n > 0)
			CHECK_EQ(rte_dma_submit(d.id, 0), 0);
		sent += n;
		k = rte_dma_completed(d.id, 0, 1 + rnd_next(&rnd) % nb_desc,
			&last, &err);
		CHECK(!err);
		CHECK_OK(collected(&d, last, k, &done));
		CHECK_MSG(plx_waiting(&w, k), "ring %u: timeout at %u of %u",
			nb_desc, done, total);
	}
	/* Nothing pending: 0, and last_idx is the last completed id. */
	CHECK_EQ(rte_dma_completed(d.id, 0, nb_desc, &d.last_idx, NULL), 0);
	CHECK_EQ(d.last_idx, (uint16_t)(total - 1));
	CHECK_EQ(d.next_id, (uint16_t)total);
	CHECK_EQ(rte_dma_burst_capacity(d.id, 0), nb_desc);
	CHECK_OK(plx_test_stats_are(d.id, total, total, 0));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

static int
test_ring_wrap(void)
{
	uint8_t *src = buf_alloc(512), *dst = buf_alloc(512);
	uint32_t nb;

	CHECK(src != NULL && dst != NULL);
	for (nb = 32; nb <= 32768; nb *= 2)
		CHECK_OK(wrap_one(nb, iova(src), iova(dst)));
	return 0;
}

/* Exactly nb_desc copies fit; capacity moves by one per copy only. */
static int
full_one(uint16_t nb_desc, rte_iova_t src, rte_iova_t dst)
{
	struct tdev d;
	unsigned int round, i;
	uint64_t base;

	CHECK_OK(tdev_start(&d, RING_IDX, nb_desc));
	base = sim_descs(&d);
	/* Three rounds: ids go past 65535 with the largest ring. */
	for (round = 0; round < 3; round++) {
		for (i = 0; i < nb_desc; i++) {
			CHECK_OK(enqueue(&d, src, dst, 8, 0));
			CHECK_EQ(rte_dma_burst_capacity(d.id, 0),
				nb_desc - i - 1);
		}
		CHECK_EQ(rte_dma_copy(d.id, 0, src, dst, 8, 0), -ENOSPC);
		CHECK_EQ(rte_dma_copy(d.id, 0, src, dst, 8,
			RTE_DMA_OP_FLAG_SUBMIT), -ENOSPC);
		CHECK_EQ(rte_dma_burst_capacity(d.id, 0), 0);
		CHECK_EQ(rte_dma_submit(d.id, 0), 0);
		CHECK_EQ(rte_dma_burst_capacity(d.id, 0), 0);
		CHECK_OK(wait_completed(&d, nb_desc));
		CHECK_EQ(rte_dma_burst_capacity(d.id, 0), nb_desc);
	}
	if (sim != NULL)
		CHECK_EQ(sim_descs(&d) - base, 3 * nb_desc);
	CHECK_OK(plx_test_stats_are(d.id, 3 * nb_desc, 3 * nb_desc, 0));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

static int
test_full_ring(void)
{
	static const uint16_t sizes[] = { 32, 128, 32768 };
	uint8_t *src = buf_alloc(8), *dst = buf_alloc(8);
	unsigned int i;

	CHECK(src != NULL && dst != NULL);
	for (i = 0; i < RTE_DIM(sizes); i++)
		CHECK_OK(full_one(sizes[i], iova(src), iova(dst)));
	return 0;
}

/* A 16-copy burst whose copy k the engine fails with fault. */
static int
fail_burst(struct tdev *d, enum plx_sim_fault fault, unsigned int k,
		uint8_t *src, uint8_t *dst)
{
	enum { N = 16, LEN = 256, SLOT = LEN + 16 };
	const enum rte_dma_status_code exp = fault == PLX_SIM_FAULT_READ_FAIL ?
		RTE_DMA_STATUS_BUS_READ_ERROR : RTE_DMA_STATUS_BUS_WRITE_ERROR;
	enum rte_dma_status_code st[N];
	const uint16_t first = d->next_id;
	uint16_t last = 0;
	bool err = false;
	unsigned int i, round;
	uint64_t base;

	fill_pattern(src, N * LEN, fault * 100 + k);
	memset(dst, GUARD, N * SLOT);
	CHECK_EQ(rte_dma_stats_reset(d->id, 0), 0);
	base = sim_descs(d);
	CHECK_EQ(plx_sim_inject(sim, d->fn, fault, k), 0);
	for (i = 0; i < N; i++)
		CHECK_OK(enqueue(d, iova(src + i * LEN),
			iova(dst + i * SLOT + 1), LEN, 0));
	CHECK_EQ(rte_dma_submit(d->id, 0), 0);
	CHECK_OK(wait_descs(d, base + N));

	/* completed() stops before the failure, and stays there. */
	for (round = 0; round < 3; round++) {
		CHECK_EQ(rte_dma_completed(d->id, 0, N, &last, &err),
			round == 0 ? k : 0);
		CHECK_MSG(err, "has_error not set (round %u)", round);
		CHECK_EQ(last, (uint16_t)(first + k - 1));
	}
	d->last_idx = last;
	/* completed_status() reports the failure, then the rest. */
	CHECK_EQ(rte_dma_completed_status(d->id, 0, N, &last, st), N - k);
	CHECK_EQ(last, (uint16_t)(first + N - 1));
	d->last_idx = last;
	CHECK_STATUS(st[0], exp);
	for (i = 1; i < N - k; i++)
		CHECK_STATUS(st[i], RTE_DMA_STATUS_SUCCESSFUL);
	CHECK_EQ(rte_dma_completed_status(d->id, 0, N, &last, st), 0);
	CHECK_EQ(last, d->last_idx);
	CHECK_OK(plx_test_stats_are(d->id, N, N, 1));
	for (i = 0; i < N; i++)
		CHECK_OK(verify_copy(src + i * LEN, dst + i * SLOT, 1,
			i == k ? 0 : LEN, SLOT));
	return 0;
}

static int
test_failures(void)
{
	static const enum plx_sim_fault faults[] = {
		PLX_SIM_FAULT_READ_FAIL, PLX_SIM_FAULT_WRITE_FAIL,
	};
	static const unsigned int ks[] = { 0, 1, 7, 15 };
	uint8_t *src = buf_alloc(16 * 256), *dst = buf_alloc(16 * 272);
	struct tdev d;
	unsigned int f, i;

	NEED_SIM(sim);
	CHECK(src != NULL && dst != NULL);
	CHECK_OK(tdev_start(&d, DATA_IDX, 64));
	for (f = 0; f < RTE_DIM(faults); f++)
		for (i = 0; i < RTE_DIM(ks); i++)
			CHECK_OK(fail_burst(&d, faults[f], ks[i], src, dst));
	CHECK_OK(smoke_copy(&d));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

/* The IOMMU (vfio) refuses what is not mapped for the device. */
static int
test_iommu_errors(void)
{
	enum { LEN = 256, SLOT = LEN + 16 };
	/* Not DPDK memory, so never mapped for DMA. */
	static uint8_t host[SLOT];
	enum rte_dma_status_code st[3];
	uint8_t *src = buf_alloc(LEN), *dst = buf_alloc(2 * SLOT);
	struct tdev d;
	uint64_t base;
	uint16_t last;
	bool err = false;

	NEED_SIM(sim);
	if (rte_eal_iova_mode() != RTE_IOVA_VA)
		SKIP("IOVA as PA: no IOMMU in the way");
	CHECK(src != NULL && dst != NULL);
	fill_pattern(src, LEN, 7);
	memset(dst, GUARD, 2 * SLOT);
	memset(host, GUARD, SLOT);
	CHECK_OK(tdev_start(&d, DATA_IDX, 32));
	base = sim_descs(&d);
	/* Unmapped source (IOVA 0x1000), unmapped destination, good copy. */
	CHECK_OK(enqueue(&d, 0x1000, iova(dst + 1), LEN, 0));
	CHECK_OK(enqueue(&d, iova(src), (uintptr_t)host + 1, LEN, 0));
	CHECK_OK(enqueue(&d, iova(src), iova(dst + SLOT + 1), LEN,
		RTE_DMA_OP_FLAG_SUBMIT));
	CHECK_OK(wait_descs(&d, base + 3));
	CHECK_EQ(rte_dma_completed(d.id, 0, 3, &last, &err), 0);
	CHECK(err);
	CHECK_OK(wait_status(&d, st, 3));
	CHECK_STATUS(st[0], RTE_DMA_STATUS_BUS_READ_ERROR);
	CHECK_STATUS(st[1], RTE_DMA_STATUS_BUS_WRITE_ERROR);
	CHECK_STATUS(st[2], RTE_DMA_STATUS_SUCCESSFUL);
	CHECK_OK(verify_copy(src, dst, 1, 0, SLOT));
	CHECK_OK(verify_copy(src, host, 1, 0, SLOT));
	CHECK_OK(verify_copy(src, dst + SLOT, 1, LEN, SLOT));
	CHECK_OK(plx_test_stats_are(d.id, 3, 3, 2));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

/*
 * Stall the engine before its k-th descriptor (plus fault extra), submit
 * 32 copies, queue 5 more unsubmitted, stop; lost: the engine ignores the
 * stop altogether. Checks every copy is accounted for.
 */
static int
stop_case(struct tdev *d, enum plx_sim_fault extra, unsigned int k, bool lost)
{
	enum { NSUB = 32, NQ = 5, N = NSUB + NQ, LEN = 64, SLOT = LEN + 16 };
	uint8_t *src = buf_alloc(N * LEN), *dst = buf_alloc(N * SLOT);
	enum rte_dma_status_code st[N + 1];
	uint16_t last;
	uint64_t base;
	unsigned int i;

	CHECK(src != NULL && dst != NULL);
	fill_pattern(src, N * LEN, k);
	memset(dst, GUARD, N * SLOT);
	CHECK_EQ(rte_dma_stats_reset(d->id, 0), 0);
	base = sim_descs(d);
	if (extra != PLX_SIM_FAULT_NONE)
		CHECK_EQ(plx_sim_inject(sim, d->fn, extra, 0), 0);
	CHECK_EQ(plx_sim_inject(sim, d->fn, PLX_SIM_FAULT_STALL, k), 0);
	for (i = 0; i < N; i++) {
		CHECK_OK(enqueue(d, iova(src + i * LEN),
			iova(dst + i * SLOT + 2), LEN, 0));
		if (i == NSUB - 1) {
			CHECK_EQ(rte_dma_submit(d->id, 0), 0);
			CHECK_OK(wait_descs(d, base + k));
		}
	}
	CHECK_OK(plx_test_vchan_is(d->id, RTE_DMA_VCHAN_ACTIVE));
	CHECK_EQ(rte_dma_stop(d->id), 0);
	CHECK_OK(plx_test_vchan_is(d->id, lost ? RTE_DMA_VCHAN_HALTED_ERROR :
		RTE_DMA_VCHAN_IDLE));
	CHECK_EQ(sim_descs(d), base + k);

	CHECK_EQ(rte_dma_completed_status(d->id, 0, N + 1, &last, st), N);
	CHECK_EQ(last, (uint16_t)(d->next_id - 1));
	d->last_idx = last;
	for (i = 0; i < N; i++)
		CHECK_STATUS(st[i], i < k ? RTE_DMA_STATUS_SUCCESSFUL :
			i < NSUB ? RTE_DMA_STATUS_USER_ABORT :
			RTE_DMA_STATUS_NOT_ATTEMPTED);
	CHECK_EQ(rte_dma_completed_status(d->id, 0, N, &last, st), 0);
	CHECK_EQ(last, d->last_idx);
	CHECK_OK(plx_test_stats_are(d->id, NSUB, N, N - k));
	for (i = 0; i < N; i++)
		CHECK_OK(verify_copy(src + i * LEN, dst + i * SLOT, 2,
			i < k ? LEN : 0, SLOT));
	return 0;
}

/* A stop_case() the channel comes back from: it restarts and copies. */
static int
stop_recovers(struct tdev *d, enum plx_sim_fault extra, unsigned int k)
{
	CHECK_OK(stop_case(d, extra, k, false));
	plx_sim_clear_faults(sim, d->fn);
	CHECK_OK(tdev_restart(d));
	return smoke_copy(d);
}

/* Stall: the graceful pause is never acknowledged, the PMD aborts. */
static int
test_stop_stall(void)
{
	static const unsigned int ks[] = { 0, 7, 31 };
	struct tdev d;
	unsigned int i;

	NEED_SIM(sim);
	CHECK_OK(fast_start(&d, 64));
	for (i = 0; i < RTE_DIM(ks); i++)
		CHECK_OK(stop_recovers(&d, PLX_SIM_FAULT_NONE, ks[i]));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

static int
test_stop_pause_stuck(void)
{
	struct tdev d;

	NEED_SIM(sim);
	CHECK_OK(fast_start(&d, 64));
	CHECK_OK(stop_recovers(&d, PLX_SIM_FAULT_PAUSE_STUCK, 5));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

/* The engine ignores pause and abort: the PMD gives up on it. */
static int
test_stop_abort_stuck(void)
{
	struct tdev d;

	NEED_SIM(sim);
	CHECK_OK(fast_start(&d, 64));
	CHECK_OK(stop_case(&d, PLX_SIM_FAULT_ABORT_STUCK, 3, true));
	CHECK_EQ(rte_dma_start(d.id), -ENODEV);
	CHECK_OK(plx_test_vchan_is(d.id, RTE_DMA_VCHAN_HALTED_ERROR));
	/* Get the function back: remove, power-cycle, probe. */
	CHECK_OK(reprobe(FAST_IDX, FAST_ARGS));
	CHECK_OK(tdev_start(&d, FAST_IDX, 64));
	CHECK_OK(smoke_copy(&d));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

static int
test_start_stop_cycles(void)
{
	enum { CYCLES = 100, N = 16, LEN = 200, SLOT = LEN + 16 };
	uint8_t *src = buf_alloc(N * LEN), *dst = buf_alloc(N * SLOT);
	struct xfer x[N];
	struct tdev d;
	unsigned int c, i;

	CHECK(src != NULL && dst != NULL);
	CHECK_OK(tdev_start(&d, RING_IDX, 64));
	for (c = 0; c < CYCLES; c++) {
		if (c > 0)
			CHECK_OK(tdev_restart(&d));
		fill_pattern(src, N * LEN, c);
		memset(dst, GUARD, N * SLOT);
		for (i = 0; i < N; i++)
			x[i] = (struct xfer){ iova(src + i * LEN),
				iova(dst + i * SLOT + 1 + (i + c) % 8), LEN };
		/* enqueue() checks the ids run from 0 again. */
		CHECK_OK(run_copies(&d, x, N));
		for (i = 0; i < N; i++)
			CHECK_OK(verify_copy(src + i * LEN, dst + i * SLOT,
				1 + (i + c) % 8, LEN, SLOT));
		CHECK_EQ(rte_dma_stop(d.id), 0);
	}
	CHECK_OK(plx_test_stats_are(d.id, CYCLES * N, CYCLES * N, 0));
	return 0;
}

/* Completions left uncollected across a stop block the next start. */
static int
test_restart_pending(void)
{
	enum { N = 8 };
	enum rte_dma_status_code st[N];
	uint8_t *buf = buf_alloc(128);
	struct tdev d;
	uint64_t base;
	unsigned int i;

	NEED_SIM(sim);
	CHECK(buf != NULL);
	CHECK_OK(tdev_start(&d, RING_IDX, 64));
	base = sim_descs(&d);
	for (i = 0; i < N; i++)
		CHECK_OK(enqueue(&d, iova(buf), iova(buf + 64), 64, 0));
	CHECK_EQ(rte_dma_submit(d.id, 0), 0);
	CHECK_OK(wait_descs(&d, base + N));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	CHECK_EQ(rte_dma_start(d.id), -EBUSY);
	CHECK_OK(wait_status(&d, st, 3));
	CHECK_EQ(rte_dma_start(d.id), -EBUSY);
	CHECK_OK(wait_status(&d, st + 3, N - 3));
	for (i = 0; i < N; i++)
		CHECK_STATUS(st[i], RTE_DMA_STATUS_SUCCESSFUL);
	CHECK_EQ(d.last_idx, N - 1);
	CHECK_OK(tdev_restart(&d));
	CHECK_OK(smoke_copy(&d));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

static int
test_vchan_status(void)
{
	enum rte_dma_status_code st;
	uint8_t *buf = buf_alloc(128);
	struct tdev d;
	unsigned int i;
	uint16_t last;

	NEED_SIM(sim);
	CHECK(buf != NULL);
	CHECK_OK(fast_start(&d, 32));
	CHECK_OK(plx_test_vchan_is(d.id, RTE_DMA_VCHAN_IDLE));
	CHECK_OK(smoke_copy(&d));
	CHECK_OK(plx_test_vchan_is(d.id, RTE_DMA_VCHAN_IDLE));

	/* Pending behind a stall; released, it completes. */
	CHECK_EQ(plx_sim_inject(sim, d.fn, PLX_SIM_FAULT_STALL, 0), 0);
	CHECK_OK(enqueue(&d, iova(buf), iova(buf + 64), 64,
		RTE_DMA_OP_FLAG_SUBMIT));
	for (i = 0; i < 100; i++) {
		CHECK_OK(plx_test_vchan_is(d.id, RTE_DMA_VCHAN_ACTIVE));
		CHECK_EQ(rte_dma_completed(d.id, 0, 1, &last, NULL), 0);
	}
	plx_sim_clear_faults(sim, d.fn);
	CHECK_OK(wait_completed(&d, 1));
	CHECK_OK(plx_test_vchan_is(d.id, RTE_DMA_VCHAN_IDLE));

	/* Pending behind a stall, then stopped. */
	CHECK_EQ(plx_sim_inject(sim, d.fn, PLX_SIM_FAULT_STALL, 0), 0);
	CHECK_OK(enqueue(&d, iova(buf), iova(buf + 64), 64,
		RTE_DMA_OP_FLAG_SUBMIT));
	CHECK_OK(plx_test_vchan_is(d.id, RTE_DMA_VCHAN_ACTIVE));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	CHECK_OK(plx_test_vchan_is(d.id, RTE_DMA_VCHAN_IDLE));
	CHECK_OK(wait_status(&d, &st, 1));
	CHECK_STATUS(st, RTE_DMA_STATUS_USER_ABORT);
	CHECK_OK(plx_test_vchan_is(d.id, RTE_DMA_VCHAN_IDLE));
	return 0;
}

static int
test_stats_dump(void)
{
	enum rte_dma_status_code st[3];
	struct rte_dma_stats s;
	uint8_t *buf = buf_alloc(1024);
	struct xfer x[10];
	struct tdev d;
	uint64_t base;
	unsigned int i;

	NEED_SIM(sim);
	CHECK(buf != NULL);
	CHECK_OK(tdev_start(&d, DATA_IDX, 32));
	CHECK_OK(plx_test_stats_are(d.id, 0, 0, 0));
	for (i = 0; i < RTE_DIM(x); i++)
		x[i] = (struct xfer){ iova(buf), iova(buf + 512), 100 };
	CHECK_OK(run_copies(&d, x, RTE_DIM(x)));
	CHECK_OK(plx_test_stats_are(d.id, 10, 10, 0));

	base = sim_descs(&d);
	CHECK_EQ(plx_sim_inject(sim, d.fn, PLX_SIM_FAULT_READ_FAIL, 1), 0);
	for (i = 0; i < 3; i++)
		CHECK_OK(enqueue(&d, x[i].src, x[i].dst, x[i].len, 0));
	CHECK_OK(plx_test_stats_are(d.id, 10, 10, 0));
	CHECK_EQ(rte_dma_submit(d.id, 0), 0);
	CHECK_OK(plx_test_stats_are(d.id, 13, 10, 0));
	CHECK_OK(wait_descs(&d, base + 3));
	CHECK_OK(wait_status(&d, st, 3));
	CHECK_STATUS(st[1], RTE_DMA_STATUS_BUS_READ_ERROR);
	CHECK_OK(plx_test_stats_are(d.id, 13, 13, 1));
	CHECK_EQ(rte_dma_stats_get(d.id, RTE_DMA_ALL_VCHAN, &s), 0);
	CHECK_EQ(s.submitted, 13);
	CHECK_EQ(s.completed, 13);
	CHECK_EQ(s.errors, 1);
	CHECK_EQ(rte_dma_stats_get(d.id, 1, &s), -EINVAL);
	CHECK_EQ(rte_dma_stats_reset(d.id, RTE_DMA_ALL_VCHAN), 0);
	CHECK_OK(plx_test_stats_are(d.id, 0, 0, 0));

	CHECK_OK(plx_test_dump_has(d.id, d.name, "CTRL"));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

/* --- four functions at once --- */

#define W_OPS		20000u
#define W_BATCH		64u
#define W_SRC_LEN	(64 * 1024)
#define W_MAX_LEN	4096
#define W_SLOT		(W_MAX_LEN + 16)

struct worker {
	struct tdev d;
	uint8_t *src;
	uint8_t *dst;
	int ret;
	char msg[PLX_TEST_MSG_LEN];
};

static int
worker_copies(struct worker *w)
{
	struct xfer x[W_BATCH];
	uint32_t soff[W_BATCH];
	uint32_t rnd = 12345 + w->d.fn;
	unsigned int done, n, i;

	for (done = 0; done < W_OPS; done += n) {
		n = RTE_MIN(W_BATCH, W_OPS - done);
		for (i = 0; i < n; i++) {
			uint8_t *slot = w->dst + i * W_SLOT;
			uint32_t len = 1 + rnd_next(&rnd) % W_MAX_LEN;

			soff[i] = rnd_next(&rnd) % (W_SRC_LEN - len);
			memset(slot, GUARD, len + 16);
			x[i] = (struct xfer){ iova(w->src + soff[i]),
				iova(slot + 1 + i % 8), len };
		}
		CHECK_OK(run_copies(&w->d, x, n));
		for (i = 0; i < n; i++)
			CHECK_OK(verify_copy(w->src + soff[i],
				w->dst + i * W_SLOT, 1 + i % 8, x[i].len,
				x[i].len + 16));
	}
	return 0;
}

static int
worker_main(void *arg)
{
	struct worker *w = arg;

	plx_test_msg[0] = '\0';
	w->ret = plx_test_result(worker_copies(w), w->msg, sizeof(w->msg));
	return 0;
}

static int
test_four_functions(void)
{
	struct worker w[NB_FUNCS];
	unsigned int lcore, i, launched = 0;
	int ret = 0;

	if (rte_lcore_count() < NB_FUNCS + 1)
		SKIP("needs %u lcores", NB_FUNCS + 1);
	memset(w, 0, sizeof(w));
	for (i = 0; i < NB_FUNCS; i++) {
		w[i].src = buf_alloc(W_SRC_LEN);
		w[i].dst = buf_alloc(W_BATCH * W_SLOT);
		CHECK(w[i].src != NULL && w[i].dst != NULL);
		fill_pattern(w[i].src, W_SRC_LEN, i);
		CHECK_OK(tdev_start(&w[i].d, i, 256));
	}
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (launched == NB_FUNCS)
			break;
		ret = rte_eal_remote_launch(worker_main, &w[launched], lcore);
		if (ret != 0)
			break;
		launched++;
	}
	rte_eal_mp_wait_lcore();
	CHECK_EQ(ret, 0);
	CHECK_EQ(launched, NB_FUNCS);
	for (i = 0; i < NB_FUNCS; i++) {
		CHECK_MSG(w[i].ret == 0, "worker: %s", w[i].msg);
		CHECK_OK(plx_test_stats_are(w[i].d.id, W_OPS, W_OPS, 0));
		CHECK_EQ(rte_dma_stop(w[i].d.id), 0);
	}
	return 0;
}

/* --- input checks --- */

static int
max_length_copy(struct tdev *d)
{
	const size_t len = PLX_DESC_MAX_SIZE;
	uint8_t *src = buf_alloc(len), *dst = buf_alloc(len);
	volatile uint8_t *bar;
	size_t i;

	if (src == NULL || dst == NULL) {
		printf("# bad_input: no 2 x 128 MiB, %u-byte copy not tried\n",
			PLX_DESC_MAX_SIZE);
		return 0;
	}
	for (i = 0; i + 8 <= len; i += 8)
		*(uint64_t *)(src + i) = i * 0x9e3779b97f4a7c15ull;
	memset(src + i, 0x5a, len - i);
	memset(dst, 0, len);
	CHECK_OK(enqueue(d, iova(src), iova(dst), len, RTE_DMA_OP_FLAG_SUBMIT));
	CHECK_OK(wait_completed(d, 1));
	CHECK_MSG(memcmp(src, dst, len) == 0, "%zu-byte copy differs", len);
	bar = plx_sim_bar0(sim, d->fn);
	CHECK(bar != NULL);
	CHECK_EQ(*(volatile uint32_t *)(bar + PLX_REG_DESC_RING_LAST_SIZE),
		PLX_DESC_MAX_SIZE);
	return 0;
}

static int
test_bad_input(void)
{
	static const struct {
		uint64_t src_or;
		uint64_t dst_or;
		uint32_t len;
	} bad[] = {
		{ 0, 0, 0 },
		{ 0, 0, PLX_DESC_MAX_SIZE + 1 },
		{ 0, 0, UINT32_MAX },
		{ IOVA_BIT48, 0, 64 },
		{ 0, IOVA_BIT48, 64 },
		{ UINT64_C(1) << 63, 0, 64 },
		{ 0, UINT64_C(1) << 63, 64 },
	};
	uint8_t *src = buf_alloc(64), *dst = buf_alloc(64 + 16);
	rte_iova_t s, t;
	struct tdev d;
	uint16_t cap;
	uint64_t base;
	unsigned int i;

	NEED_SIM(sim);
	CHECK(src != NULL && dst != NULL);
	s = iova(src);
	t = iova(dst + 8);
	CHECK_OK(tdev_start(&d, DATA_IDX, 64));
	CHECK_OK(smoke_copy(&d));
	/* One left pending-unsubmitted too: the ring is mid-batch. */
	fill_pattern(src, 64, 3);
	memset(dst, GUARD, 64 + 16);
	CHECK_OK(enqueue(&d, s, t, 64, 0));
	cap = rte_dma_burst_capacity(d.id, 0);
	base = sim_descs(&d);
	for (i = 0; i < RTE_DIM(bad); i++) {
		int ret = rte_dma_copy(d.id, 0, s | bad[i].src_or,
			t | bad[i].dst_or, bad[i].len, RTE_DMA_OP_FLAG_SUBMIT);

		CHECK_MSG(ret == -EINVAL, "bad copy %u (len 0x%x): %d", i,
			bad[i].len, ret);
		CHECK_EQ(rte_dma_burst_capacity(d.id, 0), cap);
	}
	CHECK_EQ(sim_descs(&d), base);
	CHECK_OK(enqueue(&d, s, t, 64, RTE_DMA_OP_FLAG_SUBMIT));
	CHECK_OK(wait_completed(&d, 2));
	CHECK_EQ(sim_descs(&d), base + 2);
	CHECK_OK(verify_copy(src, dst, 8, 64, 64 + 16));
	CHECK_OK(max_length_copy(&d));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

static int
test_devargs(void)
{
	static const char *const bad[] = {
		"bogus=1", "max_txfr=100", "pref_limit=9", "max_txfr=abc",
		"stop_timeout_ms=0", "max_txfr=-64",
	};
	volatile uint8_t *bar;
	struct tdev d;
	unsigned int i;

	NEED_SIM(sim);
	CHECK_OK(tdev_get(&d, DEVARGS_IDX));
	bar = plx_sim_bar0(sim, d.fn);
	CHECK(bar != NULL);
	CHECK_EQ(rte_dma_stop(d.id), 0);
	CHECK_OK(remove_func(DEVARGS_IDX));
	for (i = 0; i < RTE_DIM(bad); i++)
		CHECK_OK(probe_func(DEVARGS_IDX, bad[i], false));
	CHECK_OK(probe_func(DEVARGS_IDX, "max_txfr=512,pref_limit=4", true));
	CHECK_OK(tdev_start(&d, DEVARGS_IDX, 32));
	CHECK_EQ(*(volatile uint16_t *)(bar + PLX_REG_CTRL2) &
		PLX_CTRL2_MAX_TXFR_MASK, PLX_CTRL2_MAX_TXFR_512B);
	CHECK_EQ(*(volatile uint32_t *)(bar + PLX_REG_PREF_LIMIT), 4);
	CHECK_OK(smoke_copy(&d));
	CHECK_EQ(rte_dma_stop(d.id), 0);

	/* Back to the defaults. */
	CHECK_OK(remove_func(DEVARGS_IDX));
	CHECK_OK(probe_func(DEVARGS_IDX, NULL, true));
	CHECK_OK(tdev_start(&d, DEVARGS_IDX, 32));
	CHECK_EQ(*(volatile uint16_t *)(bar + PLX_REG_CTRL2) &
		PLX_CTRL2_MAX_TXFR_MASK, PLX_CTRL2_MAX_TXFR_64B);
	CHECK_EQ(*(volatile uint32_t *)(bar + PLX_REG_PREF_LIMIT),
		PLX_PREF_LIMIT_4_DESC);
	CHECK_OK(smoke_copy(&d));
	CHECK_EQ(rte_dma_stop(d.id), 0);
	return 0;
}

/* --- runner --- */

static const struct plx_test tests[] = {
	{ "probe", test_probe },
	{ "info", test_info },
	{ "config_errors", test_config_errors },
	{ "not_started", test_not_started },
	{ "copy_data", test_copy_data },
	{ "completed_polling", test_completed_polling },
	{ "ring_wrap", test_ring_wrap },
	{ "full_ring", test_full_ring },
	{ "failures", test_failures },
	{ "iommu_errors", test_iommu_errors },
	{ "stop_stall", test_stop_stall },
	{ "stop_pause_stuck", test_stop_pause_stuck },
	{ "stop_abort_stuck", test_stop_abort_stuck },
	{ "start_stop_cycles", test_start_stop_cycles },
	{ "restart_pending", test_restart_pending },
	{ "vchan_status", test_vchan_status },
	{ "stats_dump", test_stats_dump },
	{ "four_functions", test_four_functions },
	{ "bad_input", test_bad_input },
	{ "devargs", test_devargs },
};

/*
 * After each test, whatever happened: faults off, every function present,
 * stopped, drained and usable, buffers freed.
 */
static void
cleanup(void)
{
	char name[RTE_DEV_NAME_MAX_LEN];
	enum rte_dma_vchan_status vs;
	struct rte_dma_info info;
	unsigned int idx;
	int id, fn;

	for (idx = 0; idx < NB_FUNCS; idx++) {
		func_name(idx, name, sizeof(name));
		fn = plx_sim_func_of_addr(name);
		if (sim != NULL)
			plx_sim_clear_faults(sim, fn);
		id = dev_id_of(idx);
		if (id >= 0) {
			rte_dma_stop(id);
			drain_stopped(id);
			if (rte_dma_info_get(id, &info) != 0 ||
					info.nb_vchans == 0)
				continue;
			/* Usable again? Else start afresh. */
			if (rte_dma_vchan_status(id, 0, &vs) == 0 &&
					vs != RTE_DMA_VCHAN_HALTED_ERROR &&
					rte_dma_start(id) == 0) {
				rte_dma_stop(id);
				continue;
			}
			printf("# %s left unusable, probing it again\n", name);
		}
		plx_test_msg[0] = '\0';
		if (sim != NULL && reprobe(idx, NULL) != 0)
			printf("# cannot restore %s: %s\n", name,
				plx_test_msg);
	}
	plx_test_msg[0] = '\0';
	bufs_free();
}

static void
usage(const char *prog)
{
	printf("usage: %s <EAL args> [-- [--filter SUBSTRING] [--list] [--times]]\n",
		prog);
}

int
main(int argc, char **argv)
{
	struct plx_test_run run = { .filter = NULL };
	unsigned int i;
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
	if (run.list) {
		plx_test_list(tests, RTE_DIM(tests));
		rte_eal_cleanup();
		return 0;
	}
	sim = plx_sim_self();
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (i = 0; i < RTE_DIM(tests); i++) {
		if (!plx_test_selected(&run, &tests[i]))
			continue;
		plx_test_run(&run, &tests[i]);
		cleanup();
	}
	plx_test_summary(&run);
	rte_eal_cleanup();
	return run.failed > 0 ? 1 : 0;
}
