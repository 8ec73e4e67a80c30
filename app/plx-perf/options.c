/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/* dpdk-test-plx-perf: the command line. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "plx_perf.h"

const char * const engine_names[ENG_MAX] = {
	[ENG_PLX] = "plx",
	[ENG_PLX_NULL] = "plx-null",
	[ENG_SKELETON] = "skeleton",
	[ENG_CPU] = "cpu",
};

const char * const sweep_names[SWEEP_MAX] = {
	[SWEEP_SIZE] = "size",
	[SWEEP_BATCH] = "batch",
	[SWEEP_RING] = "ring",
	[SWEEP_CHANNELS] = "channels",
};

struct perf_opts opt = {
	.engines = (1u << ENG_MAX) - 1,
	.sweeps = (1u << SWEEP_MAX) - 1,
	.sizes = { 11, { 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384,
		32768, 65536 } },
	.batches = { 7, { 1, 2, 4, 8, 16, 32, 64 } },
	.rings = { 8, { 32, 64, 128, 256, 512, 1024, 2048, 4096 } },
	.channels = { 4, { 1, 2, 3, 4 } },
	.size = 64,
	.sges = 1,
	.batch = 32,
	.ring = 1024,
	.time_ms = 200,
	.mem = 8u << 20,
	.lat_samples = 2000,
	.repeat = 1,
};

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
"  -m, --mem SIZE       buffer bytes per side and channel: SIZE / size\n"
"                       buffers (default 8M)\n"
"  -l, --lat-samples N  latency samples per engine and size (default 2000,\n"
"                       0: none)\n"
"      --csv FILE       write the results as CSV\n"
"      --repeat N       rounds of the sweeps; per case the fastest round is\n"
"                       reported (default 1)\n"
"      --dense          buffers back to back (default: spread as the mbufs\n"
"                       of a pool, as dpdk-test-dma-perf)\n"
"      --paced          pause between the polls of a wait for ring room\n"
"                       (default: re-poll at once, as dpdk-test-dma-perf)\n"
"      --tight          re-poll at once (the default)\n"
"      --sg N           DMA ops as scatter-gather copies of N equal segments\n"
"                       on each side (1-%u; default 1: plain copies)\n"
"      --sync           instruction-count mode: poll only once the\n"
"                       simulated engine has finished what was submitted\n"
"      --check          sanity mode: fail on insane numbers, end with\n"
"                       \"N passed, N failed\"\n", prog, PERF_MAX_SGES);
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

static uint64_t
smallest(const struct u64_list *l)
{
	uint64_t m = UINT64_MAX;
	unsigned int i;

	for (i = 0; i < l->n; i++)
		m = RTE_MIN(m, l->v[i]);
	return m;
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
	OPT_PACED,
	OPT_DENSE,
	OPT_REPEAT,
	OPT_SG,
};

int
perf_parse_args(int argc, char **argv)
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
		{ "paced", no_argument, NULL, OPT_PACED },
		{ "dense", no_argument, NULL, OPT_DENSE },
		{ "repeat", required_argument, NULL, OPT_REPEAT },
		{ "sg", required_argument, NULL, OPT_SG },
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
		case OPT_PACED:
			opt.paced = true;
			break;
		case OPT_DENSE:
			opt.dense = true;
			break;
		case OPT_REPEAT:
			ret = parse_u64(optarg, 1, 100, &v);
			opt.repeat = v;
			break;
		case OPT_SG:
			ret = parse_u64(optarg, 1, PERF_MAX_SGES, &v);
			opt.sges = v;
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
	if (opt.sges > 1 && RTE_MIN(smallest(&opt.sizes), opt.size) <
			opt.sges) {
		fprintf(stderr, "--sg %u: every copy size must be at least %u "
			"bytes\n", opt.sges, opt.sges);
		return -EINVAL;
	}
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
