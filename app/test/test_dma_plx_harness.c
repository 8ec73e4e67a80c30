/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The functional tests' harness (test_dma_plx.h): buffers, the channel
 * of a function, hot-plug, and the clean-up after each test.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dmadev.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "test_dma_plx.h"

#define MAX_BUFS	64

struct plx_sim *sim;

/* --- buffers --- */

static const struct rte_memzone *bufs[MAX_BUFS];
static unsigned int nb_bufs;
static unsigned int buf_seq;

/* IOVA of any byte of DPDK memory; never assumes IOVA == VA. */
rte_iova_t
iova(const void *p)
{
	return rte_mem_virt2iova(p);
}

/* IOVA-contiguous buffer, freed by cleanup() after the test. */
uint8_t *
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

uint32_t
rnd_next(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

void
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
int
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

/* --- the channel of a function --- */

static bool fast_ready;	/* FAST_IDX carries FAST_ARGS */

void
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

int
chan_get(struct plx_test_chan *d, unsigned int idx)
{
	char name[RTE_DEV_NAME_MAX_LEN];

	func_name(idx, name, sizeof(name));
	CHECK_OK(plx_test_chan_init(d, sim, name, WAIT_US));
	return plx_test_chan_attach(d);
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

int
chan_restart(struct plx_test_chan *d)
{
	CHECK_EQ(rte_dma_start(d->id), 0);
	return plx_test_chan_fresh(d);
}

int
chan_stopped(struct plx_test_chan *d, unsigned int idx)
{
	CHECK_OK(chan_get(d, idx));
	CHECK_EQ(rte_dma_stop(d->id), 0);
	drain_stopped(d->id);
	return 0;
}

int
chan_setup(struct plx_test_chan *d, unsigned int idx, uint16_t nb_desc)
{
	CHECK_OK(chan_stopped(d, idx));
	return plx_test_configure(d->id, nb_desc);
}

int
chan_start(struct plx_test_chan *d, unsigned int idx, uint16_t nb_desc)
{
	CHECK_OK(chan_stopped(d, idx));
	CHECK_OK(plx_test_chan_start(d, nb_desc));
	return plx_test_chan_fresh(d);
}

int
enqueue(struct plx_test_chan *d, rte_iova_t src, rte_iova_t dst,
		uint32_t len, uint64_t flags)
{
	int ret;

	CHECK_OK(plx_test_chan_copy(d, src, dst, len, flags, &ret));
	CHECK_MSG(ret >= 0, "copy of %u bytes on %s: %s", len, d->addr,
		strerror(-ret));
	return 0;
}

int
run_copies(struct plx_test_chan *d, const struct xfer *x, unsigned int n)
{
	unsigned int i = 0, j, chunk;

	while (i < n) {
		chunk = RTE_MIN(n - i, rte_dma_burst_capacity(d->id, 0));
		CHECK_MSG(chunk > 0, "%s: ring full before copying", d->addr);
		for (j = 0; j < chunk; j++)
			CHECK_OK(enqueue(d, x[i + j].src, x[i + j].dst,
				x[i + j].len, 0));
		CHECK_EQ(plx_test_chan_submit(d), 0);
		CHECK_OK(plx_test_chan_wait_completed(d, chunk));
		i += chunk;
	}
	return 0;
}

int
smoke_copy(struct plx_test_chan *d)
{
	enum { N = 4, LEN = 300, SLOT = LEN + 16 };
	uint8_t *src = buf_alloc(N * LEN), *dst = buf_alloc(N * SLOT);
	struct xfer x[N];
	unsigned int i;

	CHECK(src != NULL && dst != NULL);
	fill_pattern(src, N * LEN, (uint16_t)d->handed);
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

int
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
int
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
int
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
int
fast_start(struct plx_test_chan *d, uint16_t nb_desc)
{
	if (!fast_ready)
		CHECK_OK(reprobe(FAST_IDX, FAST_ARGS));
	return chan_start(d, FAST_IDX, nb_desc);
}

/* --- after each test --- */

void
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

