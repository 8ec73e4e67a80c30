/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "plx_fwd.h"
#include "plx_parse.h"

struct fwd_opts fwd_opts = {
	.portmask = UINT64_MAX,
	.nb_queues = 1,
	.burst = 32,
	.ring_size = 1024,
	.nb_rxd = 1024,
	.nb_txd = 1024,
	.mode = FWD_COPY_DMA,
	.cpu_threshold = 256,
	.mac_updating = 0,
	.stats_interval = 1,
	.dma_timeout_ms = 1000,
	.drain_timeout_ms = 5000,
};

enum {
	OPT_RXD = 256,
	OPT_TXD,
	OPT_CPU_THRESHOLD,
	OPT_EXIT_ON_IDLE,
	OPT_DMA_TIMEOUT,
	OPT_DRAIN_TIMEOUT,
	OPT_SIM_FAULT,
	OPT_SIM_UNPLUG,
	OPT_SIM_REPLUG,
};

static void
usage(const char *prog)
{
	printf("usage: %s [EAL options] -- [options]\n"
"  -p, --portmask MASK      hexadecimal mask of the ports to use (default all)\n"
"  -q, --nb-queue N         rx/tx queue pairs per port, each with its own\n"
"                           DMA channel (default 1)\n"
"  -b, --burst N            packets per rx burst and per DMA submit (default 32,\n"
"                           at most %u)\n"
"  -s, --ring-size N        DMA descriptors per channel (default 1024)\n"
"      --rxd N, --txd N     port descriptors per queue (default 1024)\n"
"  -f, --max-frame-size N   largest frame the ports receive (default: theirs)\n"
"  -c, --copy-mode MODE     dma (default), cpu, or auto: the CPU copies\n"
"                           packets shorter than --cpu-threshold\n"
"      --cpu-threshold B    for auto (default 256 bytes)\n"
"      --mac-updating       rewrite the MAC addresses as examples/dma does\n"
"      --no-mac-updating    send the copies unchanged (default)\n"
"  -i, --stats-interval S   seconds between progress lines, 0: none (default 1)\n"
"      --exit-on-idle MS    exit when no packet came for MS ms and all is sent\n"
"      --dma-timeout MS     stop a DMA channel that completes nothing for MS ms\n"
"                           (default 1000, 0: never)\n"
"      --drain-timeout MS   at exit, give up on packets after MS ms (default 5000)\n"
"Test options, under dpdk-plx-sim (LANE: 0 unless given):\n"
"      --sim-fault [LANE:]KIND@PACKETS  after the lane received PACKETS, make\n"
"                           its DMA function suffer KIND: read-fail, write-fail,\n"
"                           stall, surprise-removal, unbind-request, ...\n"
"      --sim-unplug [LANE:]PACKETS      unbind the lane's DMA function then\n"
"      --sim-replug [LANE:]PACKETS      put it back then (once released) and\n"
"                           probe it again\n",
		prog, FWD_MAX_BURST);
}

static int
parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *v)
{
	uint64_t x;
	int ret = plx_parse_u64(s, 0, min, max, &x);

	*v = x;
	return ret;
}

static int
parse_u16(const char *s, uint16_t min, uint16_t max, uint16_t *v)
{
	uint64_t x;
	int ret = plx_parse_u64(s, 0, min, max, &x);

	*v = x;
	return ret;
}

static int
parse_mode(const char *s, enum fwd_copy_mode *mode)
{
	if (strcmp(s, "dma") == 0 || strcmp(s, "hw") == 0)
		*mode = FWD_COPY_DMA;
	else if (strcmp(s, "cpu") == 0 || strcmp(s, "sw") == 0)
		*mode = FWD_COPY_CPU;
	else if (strcmp(s, "auto") == 0)
		*mode = FWD_COPY_AUTO;
	else
		return -EINVAL;
	return 0;
}

static int
parse_seconds(const char *s, double *v)
{
	char *end;

	*v = strtod(s, &end);
	return end != s && *end == '\0' && *v >= 0 && *v <= 3600 ? 0 : -EINVAL;
}

static int
parse_sim(enum fwd_sim_opt opt, const char *arg)
{
#ifdef PLX_FWD_SIM
	return fwd_sim_parse(opt, arg);
#else
	RTE_SET_USED(opt);
	RTE_SET_USED(arg);
	fprintf(stderr, "built without the simulator (-Dfwd_sim=false)\n");
	return -ENOTSUP;
#endif
}

static int
parse_one(int c, const char *arg)
{
	struct fwd_opts *o = &fwd_opts;

	switch (c) {
	case 'p':
		return plx_parse_u64(arg, 16, 1, UINT64_MAX, &o->portmask);
	case 'q':
		return parse_u16(arg, 1, FWD_MAX_LANES, &o->nb_queues);
	case 'b':
		return parse_u16(arg, 1, FWD_MAX_BURST, &o->burst);
	case 's':
		return parse_u16(arg, 32, 32768, &o->ring_size);
	case OPT_RXD:
		return parse_u16(arg, 1, UINT16_MAX, &o->nb_rxd);
	case OPT_TXD:
		return parse_u16(arg, 1, UINT16_MAX, &o->nb_txd);
	case 'f':
		return parse_u32(arg, RTE_ETHER_MIN_LEN, UINT16_MAX,
			&o->max_frame);
	case 'c':
		return parse_mode(arg, &o->mode);
	case OPT_CPU_THRESHOLD:
		return parse_u32(arg, 0, UINT32_MAX, &o->cpu_threshold);
	case 'i':
		return parse_seconds(arg, &o->stats_interval);
	case OPT_EXIT_ON_IDLE:
		return parse_u32(arg, 1, UINT32_MAX, &o->exit_on_idle_ms);
	case OPT_DMA_TIMEOUT:
		return parse_u32(arg, 0, UINT32_MAX, &o->dma_timeout_ms);
	case OPT_DRAIN_TIMEOUT:
		return parse_u32(arg, 1, UINT32_MAX, &o->drain_timeout_ms);
	case OPT_SIM_FAULT:
		return parse_sim(FWD_SIM_OPT_FAULT, arg);
	case OPT_SIM_UNPLUG:
		return parse_sim(FWD_SIM_OPT_UNPLUG, arg);
	case OPT_SIM_REPLUG:
		return parse_sim(FWD_SIM_OPT_REPLUG, arg);
	case 0:		/* a flag getopt_long has set */
		return 0;
	default:
		return -EINVAL;
	}
}

int
fwd_parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "portmask", required_argument, NULL, 'p' },
		{ "nb-queue", required_argument, NULL, 'q' },
		{ "burst", required_argument, NULL, 'b' },
		{ "ring-size", required_argument, NULL, 's' },
		{ "rxd", required_argument, NULL, OPT_RXD },
		{ "txd", required_argument, NULL, OPT_TXD },
		{ "max-frame-size", required_argument, NULL, 'f' },
		{ "copy-mode", required_argument, NULL, 'c' },
		{ "cpu-threshold", required_argument, NULL, OPT_CPU_THRESHOLD },
		{ "mac-updating", no_argument, &fwd_opts.mac_updating, 1 },
		{ "no-mac-updating", no_argument, &fwd_opts.mac_updating, 0 },
		{ "stats-interval", required_argument, NULL, 'i' },
		{ "exit-on-idle", required_argument, NULL, OPT_EXIT_ON_IDLE },
		{ "dma-timeout", required_argument, NULL, OPT_DMA_TIMEOUT },
		{ "drain-timeout", required_argument, NULL, OPT_DRAIN_TIMEOUT },
		{ "sim-fault", required_argument, NULL, OPT_SIM_FAULT },
		{ "sim-unplug", required_argument, NULL, OPT_SIM_UNPLUG },
		{ "sim-replug", required_argument, NULL, OPT_SIM_REPLUG },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, idx = -1;

	while ((c = getopt_long(argc, argv, "p:q:b:s:f:c:i:h", longopts,
			&idx)) != -1) {
		if (c == 'h' || c == '?') {
			usage(argv[0]);
			return c == 'h' ? 1 : -EINVAL;
		}
		if (parse_one(c, optarg) != 0) {
			if (idx >= 0)
				fprintf(stderr, "bad value '%s' for --%s\n",
					optarg, longopts[idx].name);
			else
				fprintf(stderr, "bad value '%s' for -%c\n",
					optarg, c);
			return -EINVAL;
		}
		idx = -1;
	}
	if (optind != argc) {
		fprintf(stderr, "unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}
