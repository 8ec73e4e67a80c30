/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * dpdk-plx-copy: copy memory through every DMA device present (on the
 * simulated switch or on real PEX 87xx functions), verify every byte and
 * account for every operation. With --unplug it removes one device in the
 * middle of the run and shows that no operation is lost.
 *
 * The run goes in windows of one ring's worth of copies per device, so that
 * no buffer slot is reused inside a window: the sources are filled before
 * the window and every destination byte is checked after it, and only the
 * window itself (enqueue to last completion) is timed. The figures are
 * then the DMA's, not the CPU's filling and checking.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_malloc.h>

#include "plx_parse.h"

struct copy_dev {
	int16_t dev_id;
	char name[RTE_DEV_NAME_MAX_LEN];
	uint16_t ring;
	uint8_t *src;
	uint8_t *dst;
	uint64_t *slot_seq;	/* which op a slot last carried */
	enum rte_dma_status_code *slot_status;
	uint64_t window_end;	/* ops to issue before the window closes */
	uint64_t filled;	/* ops whose source has been written */
	uint64_t issued;	/* ops accepted by rte_dma_copy */
	uint64_t busy_cycles;	/* timed windows, up to its last completion */
	uint64_t reported;	/* ops reported back */
	uint64_t ok;
	uint64_t bad_data;
	uint64_t status_count[RTE_DMA_STATUS_ERROR_UNKNOWN + 1];
	int last_error;		/* errno that ended issuing, 0 if none */
	bool removed;
};

static struct {
	uint32_t size;
	uint64_t ops;
	uint16_t burst;
	uint16_t ring;
	const char *unplug;	/* PCI address to remove mid-run */
	uint64_t unplug_after;
} opt = {
	.size = 4096, .ops = 100000, .burst = 32, .ring = 512,
	.unplug_after = 1000,
};

static void
usage(const char *prog)
{
	printf("usage: %s [EAL options] -- [-s SIZE] [-n OPS] [-b BURST] "
		"[-r RING] [--unplug PCI_ADDR[@OPS]]\n"
		"  -s SIZE   bytes per copy (default 4096)\n"
		"  -n OPS    copies per device (default 100000)\n"
		"  -b BURST  copies per submit (default 32)\n"
		"  -r RING   descriptors per ring (default 512)\n"
		"  --unplug  remove that device after OPS copies (default 1000)\n",
		prog);
}

static int
parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "unplug", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	char *at;
	int c;

	while ((c = getopt_long(argc, argv, "s:n:b:r:h", longopts, NULL)) != -1) {
		int ret = 0;

		switch (c) {
		case 's':
			ret = plx_parse_u64(optarg, 0, 1, 1 << 24, &v);
			opt.size = v;
			break;
		case 'n':
			ret = plx_parse_u64(optarg, 0, 1, UINT64_MAX, &opt.ops);
			break;
		case 'b':
			ret = plx_parse_u64(optarg, 0, 1, 1024, &v);
			opt.burst = v;
			break;
		case 'r':
			ret = plx_parse_u64(optarg, 0, 32, 32768, &v);
			opt.ring = v;
			break;
		case 'u':
			opt.unplug = optarg;
			at = strchr(optarg, '@');
			if (at != NULL) {
				*at = '\0';
				ret = plx_parse_u64(at + 1, 0, 0, UINT64_MAX,
					&opt.unplug_after);
			}
			break;
		default:
			usage(argv[0]);
			return -EINVAL;
		}
		if (ret != 0) {
			fprintf(stderr, "bad value for -%c: %s\n", c, optarg);
			return -EINVAL;
		}
	}
	if ((opt.ring & (opt.ring - 1)) != 0 || opt.burst > opt.ring) {
		fprintf(stderr, "ring must be a power of two >= burst\n");
		return -EINVAL;
	}
	return 0;
}

static int
setup_dev(struct copy_dev *d, int16_t dev_id)
{
	const struct rte_dma_conf conf = { .nb_vchans = 1 };
	const struct rte_dma_vchan_conf qconf = {
		.direction = RTE_DMA_DIR_MEM_TO_MEM,
		.nb_desc = opt.ring,
	};
	struct rte_dma_info info;
	size_t len = (size_t)opt.ring * opt.size;

	d->dev_id = dev_id;
	d->ring = opt.ring;
	if (rte_dma_info_get(dev_id, &info) != 0 ||
			rte_dma_configure(dev_id, &conf) != 0 ||
			rte_dma_vchan_setup(dev_id, 0, &qconf) != 0 ||
			rte_dma_start(dev_id) != 0) {
		fprintf(stderr, "dmadev %d: cannot configure and start\n",
			dev_id);
		return -1;
	}
	snprintf(d->name, sizeof(d->name), "%s", info.dev_name);
	d->src = rte_malloc(NULL, len, 64);
	d->dst = rte_malloc(NULL, len, 64);
	d->slot_seq = calloc(opt.ring, sizeof(*d->slot_seq));
	d->slot_status = calloc(opt.ring, sizeof(*d->slot_status));
	if (d->src == NULL || d->dst == NULL || d->slot_seq == NULL ||
			d->slot_status == NULL) {
		fprintf(stderr, "%s: out of memory\n", d->name);
		return -1;
	}
	return 0;
}

/* Distinct for every op and every word of it, so a misplaced copy shows. */
static uint64_t
pattern(uint64_t seq, uint64_t word)
{
	return ((seq << 24) ^ word) * UINT64_C(0x9e3779b97f4a7c15);
}

static void
fill_slot(struct copy_dev *d, uint16_t slot, uint64_t seq)
{
	uint8_t *s = d->src + (size_t)slot * opt.size;
	uint32_t off;

	for (off = 0; off < opt.size; off += sizeof(uint64_t)) {
		uint64_t v = pattern(seq, off / sizeof(uint64_t));

		memcpy(s + off, &v, RTE_MIN(sizeof(v), (size_t)(opt.size - off)));
	}
	memset(d->dst + (size_t)slot * opt.size, 0, opt.size);
	d->slot_seq[slot] = seq;
}

static bool
slot_ok(const struct copy_dev *d, uint16_t slot)
{
	const uint8_t *s = d->dst + (size_t)slot * opt.size;
	uint64_t seq = d->slot_seq[slot];
	uint32_t off;

	for (off = 0; off < opt.size; off += sizeof(uint64_t)) {
		uint64_t v = pattern(seq, off / sizeof(uint64_t));

		if (memcmp(s + off, &v,
				RTE_MIN(sizeof(v), (size_t)(opt.size - off))) != 0)
			return false;
	}
	return true;
}

/* Enqueue up to one burst of the window's copies. */
static void
issue_burst(struct copy_dev *d)
{
	uint16_t n;

	for (n = 0; n < opt.burst && d->issued < d->window_end; n++) {
		uint16_t slot = d->issued & (d->ring - 1);
		size_t off = (size_t)slot * opt.size;
		int id;

		id = rte_dma_copy(d->dev_id, 0, rte_malloc_virt2iova(d->src) + off,
			rte_malloc_virt2iova(d->dst) + off, opt.size, 0);
		if (id == -ENOSPC)
			break;
		if (id < 0) {
			d->last_error = -id;
			break;
		}
		d->issued++;
	}
	if (n > 0 && d->last_error == 0) {
		int ret = rte_dma_submit(d->dev_id, 0);

		if (ret < 0)
			d->last_error = -ret;
	}
}

static void
collect(struct copy_dev *d)
{
	enum rte_dma_status_code st[64];
	uint16_t n, i;

	n = rte_dma_completed_status(d->dev_id, 0, RTE_DIM(st), NULL, st);
	for (i = 0; i < n; i++) {
		uint16_t slot = (d->reported + i) & (d->ring - 1);
		unsigned int code = RTE_MIN((unsigned int)st[i],
			(unsigned int)RTE_DMA_STATUS_ERROR_UNKNOWN);

		d->status_count[code]++;
		d->slot_status[slot] = st[i];
	}
	d->reported += n;
}

/* Every copy of the window reported, or no more will be issued. */
static bool
window_done(const struct copy_dev *d)
{
	return d->reported == d->issued &&
		(d->issued == d->window_end || d->last_error != 0);
}

static bool
dev_done(const struct copy_dev *d)
{
	return d->reported == d->issued &&
		(d->issued == opt.ops || d->last_error != 0);
}

/* Fill the sources of the device's next window (untimed). */
static void
open_window(struct copy_dev *d)
{
	d->window_end = RTE_MIN(d->issued + d->ring, opt.ops);
	for (; d->filled < d->window_end; d->filled++)
		fill_slot(d, d->filled & (d->ring - 1), d->filled);
}

/* Check every byte of the window's successful copies (untimed). */
static void
check_window(struct copy_dev *d, uint64_t from)
{
	uint64_t seq;

	for (seq = from; seq < d->reported; seq++) {
		uint16_t slot = seq & (d->ring - 1);

		if (d->slot_status[slot] != RTE_DMA_STATUS_SUCCESSFUL)
			continue;
		if (slot_ok(d, slot))
			d->ok++;
		else
			d->bad_data++;
	}
}

static void
maybe_unplug(struct copy_dev *devs, int nb)
{
	int i;

	for (i = 0; i < nb && opt.unplug != NULL; i++) {
		struct copy_dev *d = &devs[i];

		if (d->removed || strcmp(d->name, opt.unplug) != 0 ||
				d->issued < opt.unplug_after)
			continue;
		printf("%s: removing the device after %" PRIu64
			" copies issued, %" PRIu64 " reported\n",
			d->name, d->issued, d->reported);
		if (rte_eal_hotplug_remove("pci", d->name) != 0)
			printf("%s: rte_eal_hotplug_remove failed\n", d->name);
		d->removed = true;
	}
}

static const char *
status_name(unsigned int code)
{
	static const char *const names[] = {
		[RTE_DMA_STATUS_USER_ABORT] = "aborted (USER_ABORT)",
		[RTE_DMA_STATUS_NOT_ATTEMPTED] = "not attempted",
		[RTE_DMA_STATUS_BUS_READ_ERROR] = "bus read error",
		[RTE_DMA_STATUS_BUS_WRITE_ERROR] = "bus write error",
		[RTE_DMA_STATUS_DEV_LINK_ERROR] = "device gone (DEV_LINK_ERROR)",
	};

	return code < RTE_DIM(names) && names[code] != NULL ?
		names[code] : "other error";
}

static void
print_rate(uint64_t copies, uint64_t cycles)
{
	double secs = (double)cycles / rte_get_timer_hz();

	if (cycles == 0)
		secs = 1.0 / rte_get_timer_hz();
	printf("DMA %.3f Mops, %.2f GB/s (%" PRIu64 " copies in %.3f s)\n",
		copies / secs / 1e6, copies * (double)opt.size / secs / 1e9,
		copies, secs);
}

static void
report(const struct copy_dev *d)
{
	unsigned int c;

	printf("%s (dmadev %d): %" PRIu64 " copies of %u B issued, "
		"%" PRIu64 " reported, %" PRIu64 " verified, %" PRIu64
		" corrupt; ", d->name, d->dev_id, d->issued, opt.size,
		d->reported, d->ok, d->bad_data);
	print_rate(d->status_count[RTE_DMA_STATUS_SUCCESSFUL], d->busy_cycles);
	for (c = 1; c <= RTE_DMA_STATUS_ERROR_UNKNOWN; c++)
		if (d->status_count[c] != 0)
			printf("    %" PRIu64 " reported %s (status %u)\n",
				d->status_count[c], status_name(c), c);
	if (d->last_error != 0)
		printf("    stopped issuing: %s\n", strerror(d->last_error));
}

/*
 * One window on every device, timed from the first enqueue to the last
 * completion; each device's own share ends at its own last completion.
 */
static uint64_t
run_window(struct copy_dev *devs, int nb)
{
	uint64_t start;
	bool all_done;
	int i;

	start = rte_get_timer_cycles();
	do {
		all_done = true;
		for (i = 0; i < nb; i++) {
			struct copy_dev *d = &devs[i];

			if (window_done(d))
				continue;
			if (d->last_error == 0)
				issue_burst(d);
			collect(d);
			if (window_done(d))
				d->busy_cycles += rte_get_timer_cycles() - start;
			else
				all_done = false;
		}
		maybe_unplug(devs, nb);
	} while (!all_done);
	return rte_get_timer_cycles() - start;
}

static int
run(struct copy_dev *devs, int nb)
{
	uint64_t cycles = 0, copies = 0;
	bool all_done;
	int i, bad = 0;

	do {
		uint64_t from[RTE_DMADEV_DEFAULT_MAX];

		for (i = 0; i < nb; i++) {
			from[i] = devs[i].reported;
			open_window(&devs[i]);
		}
		cycles += run_window(devs, nb);
		all_done = true;
		for (i = 0; i < nb; i++) {
			check_window(&devs[i], from[i]);
			all_done &= dev_done(&devs[i]);
		}
	} while (!all_done);

	for (i = 0; i < nb; i++) {
		report(&devs[i]);
		copies += devs[i].status_count[RTE_DMA_STATUS_SUCCESSFUL];
		/* Every op is accounted for; only a removal may stop early. */
		bad |= devs[i].bad_data != 0 || devs[i].reported != devs[i].issued ||
			(!devs[i].removed && devs[i].ok != opt.ops);
	}
	printf("total over %d device(s): ", nb);
	print_rate(copies, cycles);
	return bad ? -1 : 0;
}

int
main(int argc, char **argv)
{
	struct copy_dev *devs;
	int16_t id;
	int nb = 0, ret;

	setlinebuf(stdout);
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	if (parse_args(argc - ret, argv + ret) != 0)
		return 2;
	devs = calloc(RTE_DMADEV_DEFAULT_MAX, sizeof(*devs));
	RTE_DMA_FOREACH_DEV(id) {
		if (setup_dev(&devs[nb], id) != 0)
			return 1;
		nb++;
	}
	if (nb == 0) {
		fprintf(stderr, "no DMA device found\n");
		return 1;
	}
	printf("copying %" PRIu64 " x %u B through %d DMA device(s), "
		"burst %u, ring %u\n", opt.ops, opt.size, nb, opt.burst,
		opt.ring);
	ret = run(devs, nb);
	for (id = 0; id < nb; id++) {
		rte_dma_stop(devs[id].dev_id);
		rte_dma_close(devs[id].dev_id);
		rte_free(devs[id].src);
		rte_free(devs[id].dst);
		free(devs[id].slot_seq);
		free(devs[id].slot_status);
	}
	free(devs);
	rte_eal_cleanup();
	printf("%s\n", ret == 0 ? "all copies verified" : "FAILED");
	return ret == 0 ? 0 : 1;
}
