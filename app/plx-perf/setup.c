/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/* dpdk-test-plx-perf: the channels, their worker lcores and buffers, and
 * the devices of each engine. */

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dmadev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_memzone.h>

#include "plx_perf.h"

/* The skeleton devices, one per channel, their copy threads on the main
 * lcore's CPUs (where dpdk-plx-sim --cpu should put the simulated engine). */
void
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

void
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

uint32_t
buf_count(uint32_t size)
{
	uint64_t n = RTE_MAX(opt.mem / size, UINT64_C(1));

	if (opt.ops != 0)
		n = RTE_MIN(n, opt.ops);
	return RTE_MIN(n, UINT32_MAX);
}

/*
 * dpdk-test-dma-perf copies between the data of mbufs taken in order from
 * a fresh pool whose data room is the copy size plus the headroom. DPDK
 * itself says how large a pool's element is (object header, mbuf, data
 * room, rounded to cache lines and padded to spread the objects over the
 * memory channels); the data starts after the header, the mbuf and the
 * headroom. Consecutive buffers are thus an element apart, not size bytes:
 * at 64 B, 448 bytes. (A pool also leaves no object straddling a page; on
 * 4 KiB pages that is a gap of less than an element per page, not made
 * here.)
 */
void
buf_layout(uint32_t size, uint64_t *first, uint64_t *stride)
{
	struct rte_mempool_objsz sz;

	if (opt.dense) {
		*first = 0;
		*stride = size;
		return;
	}
	rte_mempool_calc_obj_size(sizeof(struct rte_mbuf) +
		RTE_PKTMBUF_HEADROOM + size, 0, &sz);
	*first = sz.header_size + sizeof(struct rte_mbuf) +
		RTE_PKTMBUF_HEADROOM;
	*stride = sz.total_size;
}

/* Bytes a side needs for the buffers of size bytes. */
static uint64_t
buf_span(uint32_t size)
{
	uint64_t first, stride;

	buf_layout(size, &first, &stride);
	return first + (buf_count(size) - 1) * stride + size;
}

/* The largest span of the copy sizes of the run. */
static uint64_t
zone_len(void)
{
	uint64_t len = buf_span(opt.size);
	unsigned int i;

	for (i = 0; i < opt.sizes.n; i++)
		len = RTE_MAX(len, buf_span(opt.sizes.v[i]));
	return RTE_ALIGN_CEIL(len, 4096);
}

int
chans_init(void)
{
	uint64_t len = zone_len();
	unsigned int lcore;
	char name[RTE_MEMZONE_NAMESIZE];

	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct chan *ch = &chans[nb_chans];

		if (nb_chans == MAX_CHANNELS)
			break;
		ch->lcore = lcore;
		snprintf(name, sizeof(name), "perf_src%u", nb_chans);
		ch->src_mz = rte_memzone_reserve_aligned(name, len,
			rte_lcore_to_socket_id(lcore), RTE_MEMZONE_IOVA_CONTIG,
			4096);
		snprintf(name, sizeof(name), "perf_dst%u", nb_chans);
		ch->dst_mz = rte_memzone_reserve_aligned(name, len,
			rte_lcore_to_socket_id(lcore), RTE_MEMZONE_IOVA_CONTIG,
			4096);
		ch->lat = calloc(opt.lat_samples + 1, sizeof(*ch->lat));
		if (ch->src_mz == NULL || ch->dst_mz == NULL || ch->lat == NULL) {
			fprintf(stderr, "cannot allocate %" PRIu64 " bytes "
				"twice for channel %u (EAL -m too small?)\n",
				len, nb_chans);
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

void
dev_stop(int16_t dev)
{
	if (dev >= 0 && dev < RTE_DMADEV_DEFAULT_MAX && dev_started[dev]) {
		rte_dma_stop(dev);
		dev_started[dev] = false;
	}
}

int
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

int engine_tid = -1;

/* The second figure of schedstat: time runnable but not running. */
uint64_t
thread_wait_ns(int tid)
{
	char path[64];
	unsigned long long run, wait;
	FILE *f;
	int n;

	if (tid == 0)
		snprintf(path, sizeof(path), "/proc/thread-self/schedstat");
	else
		snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat",
			tid);
	f = fopen(path, "r");
	if (f == NULL)
		return UINT64_MAX;
	n = fscanf(f, "%llu %llu", &run, &wait);
	fclose(f);
	return n == 2 ? wait : UINT64_MAX;
}

/* dpdk-plx-sim names its engine thread. */
void
engine_thread_find(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	char path[300], comm[32];

	while (d != NULL && (e = readdir(d)) != NULL) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
			e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fgets(comm, sizeof(comm), f) != NULL &&
				strcmp(comm, "plx-sim\n") == 0)
			engine_tid = atoi(e->d_name);
		fclose(f);
	}
	if (d != NULL)
		closedir(d);
}
