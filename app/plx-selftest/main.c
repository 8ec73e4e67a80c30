/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * dpdk-plx-selftest [EAL options] -- [--json FILE] [--only LIST]
 *     [--timeout-ms N] [--strict] [--expect CLAUSE=RESULT]...
 *
 * The program is the PCI driver of every PEX 87xx DMA function (10b5:87d0)
 * for its run: its driver is registered before EAL loads any plugin, so
 * the bus hands each function to it first and dma_plx, even when loaded,
 * finds them taken. Pick functions with -a. Exit status: 0 when nothing
 * differs (or, with --expect or --strict, when every result is as
 * expected), 1 when something differs (is not as expected), 2 on an
 * error, 77 (a test's skip) when --strict finds no memory for the run.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bus_pci_driver.h>
#include <rte_bus_pci.h>
#include <rte_common.h>
#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "plx_selftest.h"

#define ST_EXIT_DIFFERS	1
#define ST_EXIT_ERROR	2
#define ST_EXIT_SKIP	77
#define ST_TIMEOUT_MS	2000

static struct st_dev devs[ST_MAX_FUNCS];
static unsigned int nb_devs;
static unsigned int nb_extra;

struct st_opts {
	const char *json;
	uint64_t timeout_ms;
	bool only[ST_MAX_CLAUSES];	/* per clause; all when none given */
	bool only_given;
	enum st_result expect[ST_MAX_CLAUSES];
	bool expect_given;
};

static const char *
kdrv_name(enum rte_pci_kernel_driver k)
{
	switch (k) {
	case RTE_PCI_KDRV_VFIO:
		return "vfio-pci";
	case RTE_PCI_KDRV_UIO_GENERIC:
		return "uio_pci_generic";
	case RTE_PCI_KDRV_IGB_UIO:
		return "igb_uio";
	default:
		return "other";
	}
}

static int
st_probe(struct rte_pci_driver *drv, struct rte_pci_device *pci)
{
	struct st_dev *d;

	RTE_SET_USED(drv);
	if (nb_devs == ST_MAX_FUNCS) {
		nb_extra++;
		return -ENOSPC;
	}
	d = &devs[nb_devs++];
	d->pci = pci;
	rte_pci_device_name(&pci->addr, d->name, sizeof(d->name));
	d->bar = pci->mem_resource[0].addr;
	d->bar_len = pci->mem_resource[0].len;
	d->kdrv = kdrv_name(pci->kdrv);
	d->numa = pci->device.numa_node;
	if (rte_pci_read_config(pci, &d->revision, 1, PLX_PCI_CFG_CLASS_REV)
			!= 1)
		d->revision = 0xff;
	return 0;
}

static int
st_remove(struct rte_pci_device *pci)
{
	RTE_SET_USED(pci);
	return 0;
}

static const struct rte_pci_id st_ids[] = {
	{ RTE_PCI_DEVICE(PLX_PCI_VENDOR_ID, PLX_PCI_DEVICE_ID_DMA) },
	{ .vendor_id = 0 },
};

static struct rte_pci_driver st_driver = {
	.id_table = st_ids,
	.drv_flags = RTE_PCI_DRV_NEED_MAPPING,
	.probe = st_probe,
	.remove = st_remove,
};

RTE_PMD_REGISTER_PCI(plx_selftest, st_driver);

static void
usage(const char *prog)
{
	unsigned int c;

	printf("Usage: %s [EAL options] -- [options]\n"
		"Check a PEX 87xx DMA engine against the assumed clauses of "
		"dma_plx's\nhardware contract, at register level.\n\n"
		"  --json FILE          the report as JSON (default "
		"plx-selftest.json)\n"
		"  --only LIST          only these clauses (comma-separated)\n"
		"  --timeout-ms N       the longest wait for the engine "
		"(default %u)\n"
		"  --expect C=RESULT    expect RESULT (PASS DIFFERS SKIPPED) "
		"for clause C,\n"
		"                       PASS for the others; exit 0 only if "
		"so (for tests)\n"
		"  --strict             expect PASS for every clause\n"
		"\nClauses:", prog, ST_TIMEOUT_MS);
	for (c = 0; c < st_nb_clauses; c++)
		printf(" %s", st_clauses[c].id);
	printf("\n");
}

static int
clause_index(const char *id, size_t len)
{
	unsigned int c;

	for (c = 0; c < st_nb_clauses; c++)
		if (strlen(st_clauses[c].id) == len &&
				strncmp(st_clauses[c].id, id, len) == 0)
			return (int)c;
	return -1;
}

static int
parse_only(struct st_opts *o, const char *list)
{
	const char *p = list;

	o->only_given = true;
	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		int c = clause_index(p, len);

		if (c < 0) {
			fprintf(stderr, "unknown clause '%.*s'\n", (int)len, p);
			return -EINVAL;
		}
		o->only[c] = true;
		p += len + (p[len] == ',');
	}
	return 0;
}

static int
parse_expect(struct st_opts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	int c = eq != NULL ? clause_index(arg, eq - arg) : -1;
	enum st_result r;

	if (c < 0) {
		fprintf(stderr, "bad --expect '%s' (CLAUSE=RESULT)\n", arg);
		return -EINVAL;
	}
	for (r = ST_PASS; r <= ST_SKIPPED; r++)
		if (strcmp(eq + 1, st_result_name(r)) == 0)
			break;
	if (r > ST_SKIPPED) {
		fprintf(stderr, "bad result in --expect '%s'\n", arg);
		return -EINVAL;
	}
	o->expect_given = true;
	o->expect[c] = r;
	return 0;
}

static int
parse_args(int argc, char **argv, struct st_opts *o)
{
	static const struct option opts[] = {
		{ "json", required_argument, NULL, 'j' },
		{ "only", required_argument, NULL, 'o' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "expect", required_argument, NULL, 'e' },
		{ "strict", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int opt;

	o->json = "plx-selftest.json";
	o->timeout_ms = ST_TIMEOUT_MS;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			o->json = optarg;
			break;
		case 'o':
			if (parse_only(o, optarg) != 0)
				return -EINVAL;
			break;
		case 't':
			o->timeout_ms = strtoull(optarg, &end, 10);
			if (*end != '\0' || o->timeout_ms == 0 ||
					o->timeout_ms > 600000) {
				fprintf(stderr, "bad --timeout-ms '%s'\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'e':
			if (parse_expect(o, optarg) != 0)
				return -EINVAL;
			break;
		case 's':
			o->expect_given = true;
			break;
		case 'h':
			usage(argv[0]);
			exit(0);
		default:
			usage(argv[0]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static void
skip_all(struct st_dev *d, unsigned int from, const char *why)
{
	unsigned int c;

	for (c = from; c < st_nb_clauses; c++)
		if (st_clauses[c].needs_dma)
			st_set(&d->out[c], ST_SKIPPED, "%s", why);
}

static void
run_dev(struct st_dev *d, const struct st_opts *o)
{
	static struct st_outcome outs[ST_MAX_FUNCS][ST_MAX_CLAUSES];
	unsigned int c;
	int ret;

	d->out = outs[d - devs];
	d->timeout_us = o->timeout_ms * 1000;
	for (c = 0; c < st_nb_clauses; c++)
		st_set(&d->out[c], ST_SKIPPED, "not selected (--only)");
	ret = st_dev_open(d);
	d->open_ret = ret;
	for (c = 0; c < st_nb_clauses; c++) {
		if (o->only_given && !o->only[c])
			continue;
		if (!st_clauses[c].needs_dma || ret == 0)
			st_clauses[c].run(d, &d->out[c]);
		else
			st_set(&d->out[c], ST_SKIPPED, "%s", ret == -ENXIO ?
				"BAR0 absent or too small for the registers" :
				ret == -EBUSY ? "the engine was running" :
				"the function could not be set up");
		if (d->stuck) {
			skip_all(d, c + 1, "the engine did not stop");
			break;
		}
	}
	st_dev_close(d);
}

/* 0 when every result is the expected one, else 1 with the reasons. */
static int
verdict(const struct st_opts *o)
{
	bool bad = false;
	unsigned int i, c;

	for (i = 0; i < nb_devs && devs[i].open_ret == -ENOMEM; i++)
		;
	if (o->expect_given && i == nb_devs) {
		printf("SKIP: no memory for the run on any function "
			"(hugepages?)\n");
		return ST_EXIT_SKIP;
	}

	for (i = 0; i < nb_devs; i++) {
		for (c = 0; c < st_nb_clauses; c++) {
			enum st_result got = devs[i].out[c].res;
			enum st_result want = o->expect[c];

			if (o->only_given && !o->only[c])
				want = ST_SKIPPED;
			if (!o->expect_given) {
				bad |= got == ST_DIFFERS;
				continue;
			}
			if (got == want)
				continue;
			printf("%s: %s is %s, expected %s\n", devs[i].name,
				st_clauses[c].id, st_result_name(got),
				st_result_name(want));
			bad = true;
		}
	}
	if (o->expect_given)
		printf("%s\n", bad ? "Expectations not met." :
			"Every result as expected.");
	return bad ? ST_EXIT_DIFFERS : 0;
}

int
main(int argc, char **argv)
{
	struct st_opts opts = { .json = NULL };
	unsigned int i;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return ST_EXIT_ERROR;
	}
	argc -= ret;
	argv += ret;
	argv[0] = (char *)(uintptr_t)"dpdk-plx-selftest";
	if (parse_args(argc, argv, &opts) != 0) {
		rte_eal_cleanup();
		return ST_EXIT_ERROR;
	}
	if (nb_devs == 0) {
		fprintf(stderr, "no PEX 87xx DMA function (%04x:%04x) found: "
			"bound to vfio-pci, and allowed with -a?\n",
			PLX_PCI_VENDOR_ID, PLX_PCI_DEVICE_ID_DMA);
		rte_eal_cleanup();
		return ST_EXIT_ERROR;
	}
	if (nb_extra > 0)
		printf("%u more function(s) left out (at most %u)\n",
			nb_extra, ST_MAX_FUNCS);
	if (rte_dma_count_avail() > 0)
		printf("note: %u dmadev(s) exist; none is on the functions "
			"under test\n", rte_dma_count_avail());
	for (i = 0; i < nb_devs; i++)
		run_dev(&devs[i], &opts);
	st_report_table(devs, nb_devs);
	ret = verdict(&opts);
	if (st_report_json(opts.json, devs, nb_devs) != 0)
		ret = ST_EXIT_ERROR;
	rte_eal_cleanup();
	return ret;
}
