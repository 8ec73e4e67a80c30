/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Test-only: events injected into the simulated switch (dpdk-plx-sim)
 * after a lane has received a given number of packets: a fault of the
 * lane's DMA function, its unbinding (VFIO request, hence
 * RTE_DEV_EVENT_REMOVE), or, once the lane has let go of a removed
 * function, its re-plugging and probing again (the lane receives nothing
 * until the probe is done, so that DMA copies resume before the input
 * runs out).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_alarm.h>

#include "plx_fwd.h"
#include "plx_parse.h"
#include "plx_sim_host.h"

#define SIM_MAX_EVENTS	16
#define SIM_REPLUG	PLX_SIM_FAULT_MAX

struct sim_event {
	uint16_t lane;
	int kind;		/* enum plx_sim_fault or SIM_REPLUG */
	uint64_t at;		/* packets received by the lane */
	bool done;
};

static struct sim_event sim_events[SIM_MAX_EVENTS];
static unsigned int sim_nb_events;
static struct plx_sim *sim;

static const char *
kind_name(int kind)
{
	return kind == SIM_REPLUG ? "replug" :
		plx_sim_fault_name((enum plx_sim_fault)kind);
}

/* "[LANE:]REST": the lane number, REST left in *rest. */
static int
parse_lane(const char *arg, uint16_t *lane, const char **rest)
{
	const char *colon = strchr(arg, ':');
	char *end;
	unsigned long v;

	*lane = 0;
	*rest = arg;
	if (colon == NULL)
		return 0;
	v = strtoul(arg, &end, 10);
	if (end != colon || v >= FWD_MAX_LANES)
		return -EINVAL;
	*lane = v;
	*rest = colon + 1;
	return 0;
}

static int
parse_fault(const char *s, int *kind, const char **count)
{
	char name[32];
	const char *at = strchr(s, '@');
	enum plx_sim_fault f;

	if (at == NULL || (size_t)(at - s) >= sizeof(name))
		return -EINVAL;
	memcpy(name, s, at - s);
	name[at - s] = '\0';
	if (plx_sim_fault_parse(name, &f) != 0 || f == PLX_SIM_FAULT_NONE)
		return -EINVAL;
	*kind = f;
	*count = at + 1;
	return 0;
}

int
fwd_sim_parse(enum fwd_sim_opt opt, const char *arg)
{
	struct sim_event *ev = &sim_events[sim_nb_events];
	const char *rest;

	if (sim_nb_events == SIM_MAX_EVENTS ||
			parse_lane(arg, &ev->lane, &rest) != 0)
		return -EINVAL;
	if (opt == FWD_SIM_OPT_FAULT) {
		if (parse_fault(rest, &ev->kind, &rest) != 0)
			return -EINVAL;
	} else {
		ev->kind = opt == FWD_SIM_OPT_UNPLUG ?
			PLX_SIM_FAULT_UNBIND_REQUEST : SIM_REPLUG;
	}
	if (plx_parse_u64(rest, 0, 0, UINT64_MAX, &ev->at) != 0)
		return -EINVAL;
	sim_nb_events++;
	return 0;
}

static void
schedule(struct fwd_lane *l)
{
	uint64_t next = UINT64_MAX;
	unsigned int i;

	for (i = 0; i < sim_nb_events; i++)
		if (sim_events[i].lane == l->idx && !sim_events[i].done)
			next = RTE_MIN(next, sim_events[i].at);
	l->sim_next = next;
}

int
fwd_sim_init(void)
{
	unsigned int i;

	if (sim_nb_events == 0)
		return 0;
	sim = plx_sim_self();
	if (sim == NULL) {
		FWD_LOG(ERR, "--sim-* options need dpdk-plx-sim");
		return -ENODEV;
	}
	for (i = 0; i < sim_nb_events; i++) {
		if (sim_events[i].lane >= fwd_nb_lanes) {
			FWD_LOG(ERR, "simulator event for lane %u: only %u lanes",
				sim_events[i].lane, fwd_nb_lanes);
			return -EINVAL;
		}
	}
	for (i = 0; i < fwd_nb_lanes; i++)
		schedule(&fwd_lanes[i]);
	return 0;
}

static int
lane_func(const struct fwd_lane *l)
{
	return l->chan.name[0] == '\0' ? -1 :
		plx_sim_func_of_addr(l->chan.name);
}

static void
replug_alarm(void *arg)
{
	struct fwd_lane *l = arg;
	int fn = lane_func(l);

	plx_sim_clear_faults(sim, fn);
	plx_sim_replug(sim, fn);
	fwd_chan_reprobe(l);
	rte_atomic_store_explicit(&l->rx_blocked, false, rte_memory_order_release);
}

/* Whether the event could happen now (a replug waits for the release). */
static bool
fire(struct fwd_lane *l, const struct sim_event *ev)
{
	int fn = lane_func(l);

	if (fn < 0) {
		FWD_LOG(ERR, "lane %u: no simulated DMA function for %s",
			l->idx, kind_name(ev->kind));
		return true;
	}
	if (ev->kind == SIM_REPLUG &&
			(l->chan.state != FWD_CHAN_NONE ||
			 !rte_atomic_load_explicit(&l->chan.removed, rte_memory_order_acquire)))
		return false;
	FWD_LOG(NOTICE, "lane %u: simulator: %s on %s after %" PRIu64 " packets",
		l->idx, kind_name(ev->kind), l->chan.name, l->st.rx);
	if (ev->kind == SIM_REPLUG) {
		/* Traffic waits for the probe: the test sees DMA resume. */
		rte_atomic_store_explicit(&l->rx_blocked, true, rte_memory_order_relaxed);
		if (rte_eal_alarm_set(1, replug_alarm, l) != 0) {
			FWD_LOG(ERR, "lane %u: cannot schedule the replug",
				l->idx);
			l->rx_blocked = false;
		}
	} else if (plx_sim_inject(sim, fn, ev->kind, 0) != 0) {
		FWD_LOG(ERR, "lane %u: plx_sim_inject failed", l->idx);
	}
	return true;
}

void
fwd_sim_fire(struct fwd_lane *l)
{
	unsigned int i;

	for (i = 0; i < sim_nb_events; i++) {
		struct sim_event *ev = &sim_events[i];

		if (ev->lane == l->idx && !ev->done && ev->at <= l->st.rx)
			ev->done = fire(l, ev);
	}
	schedule(l);
}

void
fwd_sim_stop(void)
{
	rte_eal_alarm_cancel(replug_alarm, (void *)-1);
}
