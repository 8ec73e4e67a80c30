/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The DMA channel of a lane and its life: started, lost (device removal,
 * a vanished device, a refused submit), drained, released, and perhaps
 * probed again.
 *
 * A removal is never done from the device event callback (DPDK forbids
 * it): the callback asks for it, an EAL alarm performs it. Until every
 * copy the channel accepted is reported by rte_dma_completed_status(), the
 * lane keeps collecting; copies not reported successful are redone on the
 * CPU. The dmadev is stopped and closed only after the removal has run,
 * under ctl_lock, which the removal also holds: so the PMD never sees a
 * stopped dmadev removed under the lane's feet.
 */

#include <inttypes.h>
#include <string.h>

#include <rte_alarm.h>
#include <rte_cycles.h>
#include <rte_dev.h>

#include "plx_fwd.h"

void
fwd_chan_init(struct fwd_chan *c)
{
	memset(c, 0, sizeof(*c));
	c->dev_id = -1;
	c->new_dev_id = -1;
	c->state = FWD_CHAN_NONE;
	pthread_mutex_init(&c->ctl_lock, NULL);
}

int
fwd_chan_start(struct fwd_lane *l, int16_t dev_id)
{
	const struct rte_dma_conf conf = { .nb_vchans = 1 };
	const struct rte_dma_vchan_conf qconf = {
		.direction = RTE_DMA_DIR_MEM_TO_MEM,
		.nb_desc = fwd_opts.ring_size,
	};
	struct fwd_chan *c = &l->chan;
	struct rte_dma_info info;

	if (rte_dma_info_get(dev_id, &info) != 0 ||
			rte_dma_configure(dev_id, &conf) != 0 ||
			rte_dma_vchan_setup(dev_id, 0, &qconf) != 0 ||
			rte_dma_start(dev_id) != 0) {
		FWD_LOG(ERR, "lane %u: cannot start dmadev %d with %u descriptors",
			l->idx, dev_id, fwd_opts.ring_size);
		return -1;
	}
	snprintf(c->name, sizeof(c->name), "%s", info.dev_name);
	c->dev_id = dev_id;
	c->max_sges = (info.dev_capa & RTE_DMA_CAPA_OPS_COPY_SG) ?
		RTE_MIN(info.max_sges, FWD_MAX_SGES) : 0;
	c->inflight = 0;
	c->unsubmitted = 0;
	c->state = FWD_CHAN_ACTIVE;
	return 0;
}


/* --- removal, from the interrupt thread --- */

static void
remove_alarm(void *arg)
{
	struct fwd_lane *l = arg;
	struct fwd_chan *c = &l->chan;

	pthread_mutex_lock(&c->ctl_lock);
	FWD_LOG(INFO, "lane %u: removing DMA device %s", l->idx, c->name);
	if (rte_eal_hotplug_remove("pci", c->name) != 0)
		FWD_LOG(ERR, "lane %u: removing %s failed", l->idx, c->name);
	rte_atomic_store_explicit(&c->removed, true, rte_memory_order_release);
	pthread_mutex_unlock(&c->ctl_lock);
}

static void
request_removal(struct fwd_lane *l)
{
	struct fwd_chan *c = &l->chan;

	if (rte_atomic_exchange_explicit(&c->remove_req, true, rte_memory_order_acq_rel))
		return;
	if (rte_eal_alarm_set(1, remove_alarm, l) != 0) {
		FWD_LOG(ERR, "lane %u: cannot schedule the removal of %s",
			l->idx, c->name);
		rte_atomic_store_explicit(&c->removed, true, rte_memory_order_release);
	}
}

static struct fwd_lane *
lane_of_device(const char *name)
{
	uint16_t i;

	for (i = 0; i < fwd_nb_lanes; i++)
		if (strcmp(fwd_lanes[i].chan.name, name) == 0)
			return &fwd_lanes[i];
	return NULL;
}

/* A DMA device no lane uses: remove it, its driver lets it go. */
static void
remove_unused_alarm(void *arg)
{
	struct rte_dma_info info;
	int16_t id = (intptr_t)arg;

	if (rte_dma_info_get(id, &info) != 0 ||
			rte_eal_hotplug_remove("pci", info.dev_name) != 0)
		FWD_LOG(ERR, "removing unused dmadev %d failed", id);
}

static void
dev_event(const char *name, enum rte_dev_event_type type, void *arg)
{
	struct fwd_lane *l;
	int id;

	RTE_SET_USED(arg);
	if (type != RTE_DEV_EVENT_REMOVE)
		return;
	l = lane_of_device(name);
	if (l != NULL) {
		FWD_LOG(WARNING, "lane %u: DMA device %s is going away",
			l->idx, name);
		request_removal(l);
		return;
	}
	id = rte_dma_get_dev_id_by_name(name);
	if (id < 0)
		FWD_LOG(WARNING, "device %s is going away: not a DMA device, not handled",
			name);
	else if (rte_eal_alarm_set(1, remove_unused_alarm,
			(void *)(intptr_t)id) != 0)
		FWD_LOG(ERR, "cannot schedule the removal of %s", name);
}

int
fwd_chan_events_register(void)
{
	return rte_dev_event_callback_register(NULL, dev_event, NULL);
}

void
fwd_chan_events_unregister(void)
{
	while (rte_dev_event_callback_unregister(NULL, dev_event, NULL) ==
			-EAGAIN)
		rte_delay_us_sleep(1000);
	rte_eal_alarm_cancel(remove_alarm, (void *)-1);
	rte_eal_alarm_cancel(remove_unused_alarm, (void *)-1);
}

/* Probe the removed device again (from the interrupt thread). */
void
fwd_chan_reprobe(struct fwd_lane *l)
{
	struct fwd_chan *c = &l->chan;
	int16_t id = -1;

	pthread_mutex_lock(&c->ctl_lock);
	if (!rte_atomic_load_explicit(&c->removed, rte_memory_order_acquire))
		FWD_LOG(ERR, "lane %u: %s was not removed", l->idx, c->name);
	else if (rte_eal_hotplug_add("pci", c->name, "") != 0)
		FWD_LOG(ERR, "lane %u: probing %s again failed", l->idx,
			c->name);
	else
		id = rte_dma_get_dev_id_by_name(c->name);
	if (id >= 0) {
		FWD_LOG(INFO, "lane %u: %s is back as dmadev %d", l->idx,
			c->name, id);
		rte_atomic_store_explicit(&c->remove_req, false, rte_memory_order_relaxed);
		rte_atomic_store_explicit(&c->removed, false, rte_memory_order_relaxed);
		rte_atomic_store_explicit(&c->new_dev_id, id, rte_memory_order_release);
	}
	pthread_mutex_unlock(&c->ctl_lock);
}

/* --- the lane's side --- */

/* Collect reported copies; returns how many. */
static uint16_t
collect(struct fwd_lane *l)
{
	enum rte_dma_status_code status[FWD_MAX_BURST];
	struct fwd_chan *c = &l->chan;
	uint16_t n, total = 0, last;

	do {
		n = rte_dma_completed_status(c->dev_id, 0, RTE_DIM(status),
			&last, status);
		fwd_lane_account(l, status, n);
		c->inflight -= RTE_MIN((uint64_t)n, c->inflight);
		total += n;
	} while (n == RTE_DIM(status));
	return total;
}

/* Close the dmadev (stopped first if stop); the caller holds ctl_lock. */
static void
close_dev(struct fwd_lane *l, bool stop)
{
	struct fwd_chan *c = &l->chan;
	struct rte_dma_stats s;

	if (rte_dma_stats_get(c->dev_id, 0, &s) == 0) {
		c->closed.submitted += s.submitted;
		c->closed.completed += s.completed;
		c->closed.errors += s.errors;
	}
	if ((stop && rte_dma_stop(c->dev_id) != 0) ||
			rte_dma_close(c->dev_id) != 0)
		FWD_LOG(ERR, "lane %u: closing dmadev %d failed", l->idx,
			c->dev_id);
	c->dev_id = -1;
	c->state = FWD_CHAN_NONE;
}

/* Stop the channel now, take every copy back, close it. */
void
fwd_chan_halt(struct fwd_lane *l)
{
	struct fwd_chan *c = &l->chan;

	pthread_mutex_lock(&c->ctl_lock);
	if (c->dev_id >= 0) {
		rte_dma_stop(c->dev_id);
		/* A stopped channel reports everything at once. */
		while (c->inflight != 0 && collect(l) != 0)
			;
		if (c->inflight != 0)
			FWD_LOG(ERR, "lane %u: %" PRIu64 " copies never reported",
				l->idx, c->inflight);
		close_dev(l, false);
	}
	pthread_mutex_unlock(&c->ctl_lock);
}

/* From now on the CPU copies; what the channel has is collected. */
static void
lose(struct fwd_lane *l, const char *why, bool remove)
{
	struct fwd_chan *c = &l->chan;

	FWD_LOG(WARNING, "lane %u: DMA channel %s %s; %" PRIu64
		" copies in flight, CPU copies from now on",
		l->idx, c->name, why, c->inflight);
	c->state = FWD_CHAN_DRAINING;
	l->st.removals++;
	if (c->unsubmitted != 0) {
		/* Submitted or not, each is reported. */
		rte_dma_submit(c->dev_id, 0);
		c->unsubmitted = 0;
	}
	if (remove)
		request_removal(l);
}

/*
 * Whether the ring has room for n more copies. A channel that refuses
 * work (halted: removed, vanished) has no room at all, even with none of
 * our copies in it; then it is lost.
 */
bool
fwd_chan_room(struct fwd_lane *l, uint16_t n)
{
	struct fwd_chan *c = &l->chan;
	enum rte_dma_vchan_status vs;

	if (likely(rte_dma_burst_capacity(c->dev_id, 0) >= n))
		return true;
	if (c->inflight + n <= fwd_opts.ring_size &&
			rte_dma_vchan_status(c->dev_id, 0, &vs) == 0 &&
			vs == RTE_DMA_VCHAN_HALTED_ERROR)
		lose(l, "has halted", true);
	return false;
}

static void
rejected(struct fwd_lane *l, struct fwd_entry *e, int ret)
{
	l->st.dma_rejected++;
	if (e != NULL)
		e->redo = true;
	if (ret == -ENODEV)
		lose(l, "has no device", true);
	else if (e == NULL)
		lose(l, "refused a submit", false);
}

static void
accepted(struct fwd_lane *l, struct fwd_entry *e, uint16_t segs)
{
	struct fwd_chan *c = &l->chan;

	e->dma_left++;
	c->inflight++;
	c->unsubmitted++;
	l->st.dma_ops += segs;
}

/*
 * The packet's segments (its empty ones left out) as scatter-gather
 * lists, when the channel takes them: their number, else 0.
 */
static uint16_t
sg_lists(const struct fwd_chan *c, const struct fwd_entry *e,
		struct rte_dma_sge *src, struct rte_dma_sge *dst)
{
	const struct rte_mbuf *s = e->src;
	const struct rte_mbuf *d = e->dst;
	uint16_t n = 0;

	if (e->src->nb_segs < 2 || e->src->nb_segs > c->max_sges)
		return 0;
	for (; s != NULL; s = s->next, d = d->next) {
		if (s->data_len == 0)
			continue;
		src[n] = (struct rte_dma_sge){ rte_pktmbuf_iova(s), s->data_len };
		dst[n] = (struct rte_dma_sge){ rte_pktmbuf_iova(d), s->data_len };
		n++;
	}
	return n >= 2 ? n : 0;
}

/*
 * A packet of several segments goes as one scatter-gather op when the
 * device has them (one completion to wait for), else as a copy a segment.
 */
void
fwd_chan_enqueue(struct fwd_lane *l, struct fwd_entry *e)
{
	struct fwd_chan *c = &l->chan;
	struct rte_dma_sge sg_src[FWD_MAX_SGES], sg_dst[FWD_MAX_SGES];
	const struct rte_mbuf *s = e->src;
	struct rte_mbuf *d = e->dst;
	uint16_t n = sg_lists(c, e, sg_src, sg_dst);
	int ret;

	if (c->inflight == 0)
		c->last_progress = rte_get_tsc_cycles();
	if (n != 0) {
		ret = rte_dma_copy_sg(c->dev_id, 0, sg_src, sg_dst, n, n, 0);
		if (unlikely(ret < 0)) {
			rejected(l, e, ret);
			return;
		}
		accepted(l, e, n);
		l->st.dma_sg_ops++;
		return;
	}
	for (; s != NULL; s = s->next, d = d->next) {
		if (s->data_len == 0)
			continue;
		ret = rte_dma_copy(c->dev_id, 0, rte_pktmbuf_iova(s),
			rte_pktmbuf_iova(d), s->data_len, 0);
		if (unlikely(ret < 0)) {
			rejected(l, e, ret);
			return;
		}
		accepted(l, e, 1);
	}
}

void
fwd_chan_submit(struct fwd_lane *l)
{
	struct fwd_chan *c = &l->chan;
	int ret;

	if (c->unsubmitted == 0)
		return;
	ret = rte_dma_submit(c->dev_id, 0);
	c->unsubmitted = 0;
	if (unlikely(ret < 0))
		rejected(l, NULL, ret);
}

/* All collected: close the dmadev once its device removal has run. */
static void
release(struct fwd_lane *l)
{
	struct fwd_chan *c = &l->chan;

	if (rte_atomic_load_explicit(&c->remove_req, rte_memory_order_acquire) &&
			!rte_atomic_load_explicit(&c->removed, rte_memory_order_acquire))
		return;
	pthread_mutex_lock(&c->ctl_lock);
	close_dev(l, true);
	pthread_mutex_unlock(&c->ctl_lock);
	FWD_LOG(INFO, "lane %u: DMA channel %s released", l->idx, c->name);
}

static void
try_resume(struct fwd_lane *l)
{
	int16_t id = rte_atomic_load_explicit(&l->chan.new_dev_id, rte_memory_order_acquire);

	if (likely(id < 0))
		return;
	rte_atomic_store_explicit(&l->chan.new_dev_id, -1, rte_memory_order_relaxed);
	if (fwd_chan_start(l, id) == 0) {
		l->st.reprobes++;
		FWD_LOG(INFO, "lane %u: DMA copies again, on dmadev %d",
			l->idx, id);
	}
}

static bool
stalled(const struct fwd_lane *l, uint64_t now)
{
	return fwd_opts.dma_timeout_ms != 0 &&
		now - l->chan.last_progress >
		rte_get_tsc_hz() / 1000 * fwd_opts.dma_timeout_ms;
}

void
fwd_chan_poll(struct fwd_lane *l)
{
	struct fwd_chan *c = &l->chan;
	uint64_t now;

	if (c->state == FWD_CHAN_NONE) {
		try_resume(l);
		return;
	}
	if (c->state == FWD_CHAN_ACTIVE &&
			rte_atomic_load_explicit(&c->remove_req, rte_memory_order_acquire))
		lose(l, "is being removed", false);
	if (c->inflight != 0) {
		now = rte_get_tsc_cycles();
		if (collect(l) != 0) {
			c->last_progress = now;
		} else if (unlikely(stalled(l, now))) {
			FWD_LOG(WARNING, "lane %u: DMA channel %s made no progress for %u ms; stopping it",
				l->idx, c->name, fwd_opts.dma_timeout_ms);
			l->st.stalls++;
			fwd_chan_halt(l);
			return;
		}
	}
	if (c->state == FWD_CHAN_DRAINING && c->inflight == 0)
		release(l);
}

/*
 * At exit, with the lcores done and the event callback and alarms gone:
 * run a removal still pending, then close the dmadev (taking back any
 * copy left, when the drain timed out).
 */
void
fwd_chan_finish(struct fwd_lane *l)
{
	struct fwd_chan *c = &l->chan;

	if (c->remove_req && !c->removed)
		remove_alarm(l);
	fwd_chan_halt(l);
}
