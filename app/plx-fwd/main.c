/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * dpdk-plx-fwd: a forwarding application that copies every packet with
 * the dma_plx DMA engine (or the CPU) and sends the copy back out of the
 * port and queue it came in on. See doc/guides/tools/plx_fwd.rst.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include "plx_fwd.h"

#define POOL_CACHE		256
#define POOL_MIN		8192

struct fwd_lcore {
	struct fwd_lane *lanes[FWD_MAX_LANES];
	uint16_t nb_lanes;
	bool is_main;
};

struct rte_mempool *fwd_pool;
volatile bool fwd_quit;
struct fwd_lane fwd_lanes[FWD_MAX_LANES];
uint16_t fwd_nb_lanes;

static struct fwd_lcore fwd_lcores[RTE_MAX_LCORE];
static volatile sig_atomic_t quit_signal;

static void
signal_handler(int sig)
{
	quit_signal = sig;
	fwd_quit = true;
}

/* --- set-up --- */

static uint16_t
nb_ports_used(void)
{
	uint16_t port, n = 0;

	RTE_ETH_FOREACH_DEV(port)
		n += port < 64 && (fwd_opts.portmask >> port & 1);
	return n;
}

static int
pool_create(uint16_t nb_lanes)
{
	uint32_t queue = rte_align32pow2(2u * fwd_opts.ring_size +
		2u * fwd_opts.burst);
	uint32_t per_lane = fwd_opts.nb_rxd + fwd_opts.nb_txd + 4 * queue +
		4u * fwd_opts.burst * FWD_RX_SEGS;
	uint32_t n = RTE_MAX((uint32_t)POOL_MIN, nb_lanes * per_lane +
		rte_lcore_count() * POOL_CACHE);

	fwd_pool = rte_pktmbuf_pool_create("plx_fwd_pool", n, POOL_CACHE, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (fwd_pool == NULL) {
		FWD_LOG(ERR, "cannot create a pool of %u mbufs: %s", n,
			rte_strerror(rte_errno));
		return -ENOMEM;
	}
	return 0;
}

static uint32_t
overhead_len(const struct rte_eth_dev_info *info)
{
	if (info->max_mtu != UINT16_MAX && info->max_rx_pktlen > info->max_mtu)
		return info->max_rx_pktlen - info->max_mtu;
	return RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;
}

/* -q, or fewer when the port has fewer. */
static uint16_t
port_queues(const struct rte_eth_dev_info *info)
{
	uint16_t max = RTE_MIN(info->max_rx_queues, info->max_tx_queues);

	return RTE_MIN(fwd_opts.nb_queues, max);
}

static void
port_conf(const struct rte_eth_dev_info *info, struct rte_eth_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	if (port_queues(info) > 1) {
		conf->rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP &
			info->flow_type_rss_offloads;
		if (conf->rx_adv_conf.rss_conf.rss_hf != 0)
			conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	}
	/* Jumbo frames arrive and leave as mbuf chains. */
	conf->rxmode.offloads = info->rx_offload_capa &
		RTE_ETH_RX_OFFLOAD_SCATTER;
	conf->txmode.offloads = info->tx_offload_capa &
		RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if (fwd_opts.max_frame != 0)
		conf->rxmode.mtu = fwd_opts.max_frame - overhead_len(info);
}

static int
queues_setup(uint16_t port, const struct rte_eth_dev_info *info,
		const struct rte_eth_conf *conf)
{
	struct rte_eth_rxconf rxconf = info->default_rxconf;
	struct rte_eth_txconf txconf = info->default_txconf;
	uint16_t nb_rxd = fwd_opts.nb_rxd, nb_txd = fwd_opts.nb_txd, q;
	int socket = rte_eth_dev_socket_id(port);
	int ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);

	rxconf.offloads = conf->rxmode.offloads;
	txconf.offloads = conf->txmode.offloads;
	for (q = 0; ret == 0 && q < port_queues(info); q++) {
		ret = rte_eth_rx_queue_setup(port, q, nb_rxd, socket, &rxconf,
			fwd_pool);
		if (ret == 0)
			ret = rte_eth_tx_queue_setup(port, q, nb_txd, socket,
				&txconf);
	}
	return ret;
}

/* Returns the number of queue pairs, or a negative errno. */
static int
port_init(uint16_t port)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	struct rte_ether_addr mac;
	int ret;

	ret = rte_eth_dev_info_get(port, &info);
	if (ret == 0) {
		port_conf(&info, &conf);
		ret = rte_eth_dev_configure(port, port_queues(&info),
			port_queues(&info), &conf);
	}
	if (ret == 0)
		ret = queues_setup(port, &info, &conf);
	if (ret == 0)
		ret = rte_eth_dev_start(port);
	if (ret != 0) {
		FWD_LOG(ERR, "port %u: cannot set it up: %s", port,
			rte_strerror(-ret));
		return ret;
	}
	rte_eth_promiscuous_enable(port);
	rte_eth_macaddr_get(port, &mac);
	printf("Port %u (%s): MAC " RTE_ETHER_ADDR_PRT_FMT ", %u queue pair(s)\n",
		port, info.driver_name, RTE_ETHER_ADDR_BYTES(&mac),
		port_queues(&info));
	return port_queues(&info);
}

static int
ports_init(void)
{
	uint16_t port;
	int ret, q, nb_queues;

	RTE_ETH_FOREACH_DEV(port) {
		if (port >= 64 || !(fwd_opts.portmask >> port & 1))
			continue;
		nb_queues = port_init(port);
		if (nb_queues < 0)
			return nb_queues;
		for (q = 0; q < nb_queues; q++) {
			if (fwd_nb_lanes == FWD_MAX_LANES) {
				FWD_LOG(ERR, "more than %u lanes", FWD_MAX_LANES);
				return -E2BIG;
			}
			ret = fwd_lane_init(&fwd_lanes[fwd_nb_lanes],
				fwd_nb_lanes, port, q);
			if (ret != 0)
				return ret;
			fwd_nb_lanes++;
		}
	}
	return 0;
}

/* One DMA channel per lane, as far as there are any. */
static void
assign_channels(void)
{
	int16_t dev = -1;
	uint16_t i;

	if (fwd_opts.mode == FWD_COPY_CPU)
		return;
	for (i = 0; i < fwd_nb_lanes; i++) {
		dev = rte_dma_next_dev(dev + 1);
		if (dev < 0) {
			FWD_LOG(WARNING, "%u DMA channel(s) for %u lanes: the CPU copies for the others",
				i, fwd_nb_lanes);
			return;
		}
		fwd_chan_start(&fwd_lanes[i], dev);
	}
}

static void
print_setup(void)
{
	static const char *const modes[] = {
		[FWD_COPY_DMA] = "dma", [FWD_COPY_CPU] = "cpu",
		[FWD_COPY_AUTO] = "auto",
	};
	uint16_t i;

	printf("Copy mode %s", modes[fwd_opts.mode]);
	if (fwd_opts.mode == FWD_COPY_AUTO)
		printf(" (CPU below %u bytes)", fwd_opts.cpu_threshold);
	printf(", burst %u, DMA ring %u, MAC updating %s\n", fwd_opts.burst,
		fwd_opts.ring_size, fwd_opts.mac_updating ? "on" : "off");
	for (i = 0; i < fwd_nb_lanes; i++)
		printf("Channel %u: port %u queue %u, DMA device %s\n", i,
			fwd_lanes[i].port, fwd_lanes[i].queue,
			fwd_lanes[i].chan.dev_id >= 0 ?
			fwd_lanes[i].chan.name : "none (CPU copies)");
}

/* --- running --- */

static void
check_idle(uint64_t now)
{
	static uint64_t start;
	uint64_t last;
	uint16_t i;

	if (fwd_opts.exit_on_idle_ms == 0)
		return;
	if (start == 0)
		start = now;
	last = start;
	for (i = 0; i < fwd_nb_lanes; i++)
		last = RTE_MAX(last, rte_atomic_load_explicit(&fwd_lanes[i].last_busy,
			rte_memory_order_relaxed));
	if (last < now && now - last >
			rte_get_tsc_hz() / 1000 * fwd_opts.exit_on_idle_ms) {
		printf("Idle for %u ms: exiting\n", fwd_opts.exit_on_idle_ms);
		fwd_quit = true;
	}
}

static void
main_tick(void)
{
	uint64_t now = rte_get_tsc_cycles();

	fwd_stats_tick(now);
	check_idle(now);
}

/* At exit: send what was received; give up after the drain timeout. */
static void
drain(struct fwd_lcore *lc)
{
	uint64_t end = rte_get_tsc_cycles() +
		rte_get_tsc_hz() / 1000 * fwd_opts.drain_timeout_ms;
	bool busy = true;
	uint16_t i;

	while (busy && rte_get_tsc_cycles() < end) {
		busy = false;
		for (i = 0; i < lc->nb_lanes; i++) {
			fwd_lane_poll(lc->lanes[i], false);
			busy |= !fwd_lane_empty(lc->lanes[i]);
		}
	}
	for (i = 0; i < lc->nb_lanes; i++) {
		struct fwd_lane *l = lc->lanes[i];

		if (fwd_lane_empty(l))
			continue;
		FWD_LOG(WARNING, "lane %u: not drained after %u ms, dropping the rest",
			l->idx, fwd_opts.drain_timeout_ms);
		fwd_chan_halt(l);
		fwd_lane_poll(l, false);
		fwd_lane_drop_all(l);
	}
}

static int
lcore_loop(void *arg)
{
	struct fwd_lcore *lc = arg;
	uint16_t i;

	while (!fwd_quit) {
		for (i = 0; i < lc->nb_lanes; i++)
			fwd_lane_poll(lc->lanes[i], true);
		if (lc->is_main)
			main_tick();
	}
	drain(lc);
	return 0;
}

/* Lanes go round-robin to the workers, or all to the main lcore. */
static void
run(void)
{
	struct fwd_lcore *main_lc = &fwd_lcores[rte_get_main_lcore()];
	unsigned int lcore, nb_workers = rte_lcore_count() - 1;
	uint16_t i;

	lcore = rte_get_next_lcore(-1, 1, 0);
	for (i = 0; i < fwd_nb_lanes; i++) {
		struct fwd_lcore *lc = nb_workers == 0 ? main_lc :
			&fwd_lcores[lcore];

		lc->lanes[lc->nb_lanes++] = &fwd_lanes[i];
		if (nb_workers != 0)
			lcore = rte_get_next_lcore(lcore, 1, 1);
	}
	RTE_LCORE_FOREACH_WORKER(lcore)
		if (fwd_lcores[lcore].nb_lanes != 0)
			rte_eal_remote_launch(lcore_loop, &fwd_lcores[lcore],
				lcore);
	main_lc->is_main = true;
	if (nb_workers == 0) {
		lcore_loop(main_lc);
	} else {
		while (!fwd_quit) {
			rte_delay_us_sleep(10000);
			main_tick();
		}
	}
	if (quit_signal != 0)
		printf("Signal %d received: finishing the copies in flight\n",
			(int)quit_signal);
	rte_eal_mp_wait_lcore();
}

/* --- shutting down --- */

static void
finish(bool ran)
{
	uint16_t i, port = UINT16_MAX;

	fwd_chan_events_unregister();
	fwd_sim_stop();
	for (i = 0; i < fwd_nb_lanes; i++)
		fwd_chan_finish(&fwd_lanes[i]);
	if (ran)
		fwd_stats_final();
	for (i = 0; i < fwd_nb_lanes; i++) {
		if (fwd_lanes[i].port != port) {
			port = fwd_lanes[i].port;
			if (rte_eth_dev_stop(port) != 0)
				FWD_LOG(ERR, "port %u: stop failed", port);
			rte_eth_dev_close(port);
		}
		fwd_lane_free(&fwd_lanes[i]);
	}
	rte_mempool_free(fwd_pool);
}

static int
setup(void)
{
	uint16_t nb_ports = nb_ports_used();

	if (nb_ports == 0) {
		FWD_LOG(ERR, "no port to use (give some with --vdev or -a, and -p)");
		return -ENODEV;
	}
	if (pool_create(nb_ports * fwd_opts.nb_queues) != 0 ||
			ports_init() != 0)
		return -1;
	assign_channels();
	if (fwd_chan_events_register() != 0)
		FWD_LOG(WARNING, "no device event callback: removals not handled");
	return fwd_sim_init();
}

int
main(int argc, char **argv)
{
	int ret;

	setlinebuf(stdout);
	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "invalid EAL arguments\n");
	argc -= ret;
	argv += ret;
	signal(SIGINT, signal_handler);
	signal(SIGTERM, signal_handler);

	ret = fwd_parse_args(argc, argv);
	if (ret != 0) {
		rte_eal_cleanup();
		return ret > 0 ? 0 : 2;
	}
	ret = setup();
	if (ret == 0) {
		print_setup();
		run();
	}
	finish(ret == 0);
	rte_eal_cleanup();
	return ret == 0 ? 0 : 1;
}
