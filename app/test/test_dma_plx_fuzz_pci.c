/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The fuzzer's ops on a function: PCI removal and probe, simulator
 * replug, faults, the administrator's unbind; and what is checked
 * between steps.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_alarm.h>
#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dmadev.h>

#include "plx_sim_host.h"
#include "test_plx_common.h"
#include "test_dma_plx_fuzz.h"
#include "test_dma_plx_fuzz_ops.h"

/* --- PCI, removal, simulator --- */

static const char *
func_args(void)
{
	return fz_w.devargs;
}

/* Close the oldest held channel when no room is left for another. */
int
fz_make_room(struct fz_func *f)
{
	if (f->nb_held < FZ_MAX_HELD)
		return 0;
	return fz_finish(f->held[0]);
}

/* A removal of f's PCI device returned 0; begun: descriptors before. */
int
fz_removed(struct fz_func *f, uint64_t begun)
{
	char prefix[RTE_DEV_NAME_MAX_LEN + 16];
	struct fz_chan *ch = f->cur;
	struct rte_dma_info info;

	f->probed = false;
	fz_counts[FZ_N_REMOVES]++;
	FZ_CHECK(FZ_C_DEVICE, rte_dma_get_dev_id_by_name(f->addr) < 0,
		"%s: a dmadev still has the address of the removed device",
		f->addr);
	if (ch == NULL)
		return 0;
	if (ch->st == FZ_PROBED)
		return fz_released(ch, "removal before configure");
	if (ch->st == FZ_STARTED)
		FZ_OK(fz_run_halt(ch, true, begun));
	ch->st = FZ_REMOVED;
	if (!rte_dma_is_valid(ch->id)) {
		FZ_OK(fz_fail(FZ_C_DEVICE,
			"%s: dmadev %d released by the removal; the application holds it from configure to close (%" PRIu64 " ops not reported)",
			ch->name, ch->id, ch->handed - ch->rep));
		ch->id = -1;
		fz_chan_detach(ch);
		fz_chan_free(ch);
		return 0;
	}
	snprintf(prefix, sizeof(prefix), "%s-removed", f->addr);
	FZ_CHECK(FZ_C_DEVICE, rte_dma_info_get(ch->id, &info) == 0 &&
			strncmp(info.dev_name, prefix, strlen(prefix)) == 0,
		"%s: held dmadev %d not renamed %sN", ch->name, ch->id, prefix);
	snprintf(ch->name, sizeof(ch->name), "%s", info.dev_name);
	f->cur = NULL;
	f->held[f->nb_held++] = ch;
	return 0;
}

int
fz_op_remove(struct fz_func *f, struct fz_rng *r)
{
	bool by_name = fz_pct(r, 50);
	uint64_t begun;
	int rc;

	if (!f->probed)
		return 0;
	FZ_OK(fz_make_room(f));
	if (fz_pct(r, 50))
		FZ_OK(fz_quiesce(f));
	begun = fz_descs(f);
	rc = plx_test_pci_remove(f->addr, by_name);
	fz_trace("remove %s%s -> %d", f->addr, by_name ? " by name" : "", rc);
	FZ_CHECK(FZ_C_DEVICE, rc == 0, "%s: removal: %d", f->addr, rc);
	return fz_removed(f, begun);
}

/* The engine is reset (probe, replug): lost runs are over. */
static void
engine_reset(struct fz_func *f)
{
	struct fz_chan *r = f->runner;

	f->frozen = fz_descs(f);
	f->may_run = false;
	f->lost_end = 0;
	if (r != NULL && r->d_end == FZ_NEVER)
		r->d_end = f->frozen;
	fz_quarantine_free(f);
	/* The probe's stop may have aborted (a pause that timed out) or
	 * reset the engine, which kills a stall armed for later too. */
	if (f->stall_at != FZ_NEVER) {
		fz_clear_faults(f);
	}
}

int
fz_op_probe(struct fz_func *f)
{
	struct fz_chan *ch;
	unsigned int i;
	int rc;

	if (f->probed)
		return 0;
	FZ_OK(fz_make_room(f));
	rc = plx_test_pci_probe(f->addr, func_args());
	fz_trace("probe %s%s -> %d", f->addr, f->off_bus ? " (off the bus)" :
		"", rc);
	fz_counts[FZ_N_PROBES]++;
	if (f->off_bus) {
		FZ_CHECK(FZ_C_DEVICE, rc < 0 &&
				rte_dma_get_dev_id_by_name(f->addr) < 0,
			"%s: probe of a function off the bus: %d", f->addr, rc);
		return 0;
	}
	/* An engine that ignores pause, abort and reset cannot be brought
	 * to a known state: the probe may fail. */
	if (rc == -ETIMEDOUT && fz_maybe_unstoppable(f))
		return 0;
	FZ_CHECK(FZ_C_DEVICE, rc == 0, "%s: probe: %d", f->addr, rc);
	f->probed = true;
	engine_reset(f);
	rc = fz_chan_new(f, &ch);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	for (i = 0; i < f->nb_held; i++)
		FZ_CHECK(FZ_C_DEVICE, f->held[i]->id != ch->id,
			"%s: re-probed as dmadev %d, the id of held %s", f->addr,
			ch->id, f->held[i]->name);
	f->cur = ch;
	return 0;
}

int
fz_op_replug(struct fz_func *f)
{
	uint64_t now;
	int rc;

	if (f->probed)
		return 0;
	FZ_OK(fz_func_check(f));
	now = fz_descs(f);
	rc = plx_sim_replug(fz_sim, f->fn);
	fz_trace("replug %s -> %d", f->addr, rc);
	FZ_CHECK(FZ_C_SETUP, rc == 0, "%s: replug: %d", f->addr, rc);
	fz_faults_cleared(f, now);
	f->off_bus = false;
	engine_reset(f);
	return 0;
}

/* Until the engine has run what it will run of f's live run. */
int
fz_quiesce(struct fz_func *f)
{
	struct fz_chan *r = f->runner;
	struct plx_wait w = plx_wait_begin(FZ_WAIT_US);

	/* Settled if it stopped; else no end to wait for: the faults that
	 * count from it skip. */
	if (r != NULL)
		fz_lost_settled(r);
	else
		fz_lost_busy(f);
	if (fz_lost_looping(f))
		return 0;
	while (r == NULL && fz_lost_busy(f))
		if (!plx_waiting(&w, 0))
			return fz_fail(FZ_C_LIVENESS,
				"%s: a lost engine stopped neither at %" PRIu64 " nor idle",
				f->addr, f->lost_end);
	if (r == NULL || (r->halt != FZ_RUN && r->halt != FZ_HALT_LOST))
		return 0;
	while (fz_run_done(r, fz_descs(f)) < fz_run_target(r)) {
		FZ_OK(fz_func_check(f));
		if ((r->halt != FZ_RUN && r->halt != FZ_HALT_LOST) ||
				fz_lost_settled(r))
			break;
		fz_unstrand(r);
		if (!plx_waiting(&w, 0))
			return fz_fail(FZ_C_LIVENESS,
				"%s: the engine stopped at descriptor %" PRIu64 " of %" PRIu64 " submitted (run %s, CTRL 0x%08x)",
				r->name, fz_run_done(r, fz_descs(f)),
				fz_run_target(r), fz_halt_name(r->halt),
				fz_engine_ctrl(f));
	}
	return 0;
}

static int
inject(struct fz_func *f, enum plx_sim_fault k, uint64_t after)
{
	/* Counted before: a new stall releases one in effect, and the
	 * engine runs on at once. */
	uint64_t now = fz_descs(f);
	int rc = plx_sim_inject(fz_sim, f->fn, k, after);

	FZ_CHECK(FZ_C_SETUP, rc == 0, "%s: inject %s: %d", f->addr,
		plx_sim_fault_name(k), rc);
	fz_fault_armed(f, k, now + after);
	return 0;
}

/*
 * A fault, to strike after a random number of descriptors. The engine
 * is let finish first, so that "after" counts from a known descriptor.
 */
static const char *
fault_name(enum plx_sim_fault k)
{
	if (k == PLX_SIM_FAULT_ABORT_STUCK)
		return "pause-stuck+abort-stuck";
	if (k == PLX_SIM_FAULT_RESET_STUCK)
		return "pause-stuck+abort-stuck+reset-stuck";
	return plx_sim_fault_name(k);
}

static bool
stuck_kind(enum plx_sim_fault k)
{
	return k == PLX_SIM_FAULT_PAUSE_STUCK || k == PLX_SIM_FAULT_ABORT_STUCK ||
		k == PLX_SIM_FAULT_RESET_STUCK;
}

int
fz_op_fault(struct fz_func *f, struct fz_rng *r)
{
	static const enum plx_sim_fault kinds[] = {
		PLX_SIM_FAULT_READ_FAIL, PLX_SIM_FAULT_READ_FAIL,
		PLX_SIM_FAULT_READ_FAIL, PLX_SIM_FAULT_WRITE_FAIL,
		PLX_SIM_FAULT_WRITE_FAIL, PLX_SIM_FAULT_WRITE_FAIL,
		PLX_SIM_FAULT_STALL, PLX_SIM_FAULT_SURPRISE_REMOVAL,
		PLX_SIM_FAULT_PAUSE_STUCK, PLX_SIM_FAULT_ABORT_STUCK,
		PLX_SIM_FAULT_RESET_STUCK, PLX_SIM_FAULT_WB_NO_STATUS,
		PLX_SIM_FAULT_WB_BOTH_FAIL, PLX_SIM_FAULT_WB_SHORT,
		PLX_SIM_FAULT_LOST_START, PLX_SIM_FAULT_GLITCH,
	};
	enum plx_sim_fault k = kinds[fz_below(r, RTE_DIM(kinds))];
	struct fz_chan *ch = f->runner;
	uint32_t span = ch != NULL && ch->ring != 0 ? ch->ring : 32;
	uint64_t after = fz_below(r, fz_pct(r, 70) ? 8 : 2 * span);

	if (!(fz_w.faults & FZ_BIT(k)))
		return 0;
	/* A lost engine keeps its ring for good (the guide): lose few, or
	 * a long run runs out of memzones. */
	if (k == PLX_SIM_FAULT_RESET_STUCK && !fz_pct(r, 10))
		return 0;
	/*
	 * Stuck faults only as a set struck at one descriptor, pause-stuck
	 * in each: an abort or reset ignored while the pause works would
	 * lose the engine whenever a pause merely timed out on a busy CPU.
	 */
	if (stuck_kind(k) && (f->pstuck_at != FZ_NEVER ||
			f->astuck_at != FZ_NEVER || f->rstuck_at != FZ_NEVER))
		return 0;
	FZ_OK(fz_quiesce(f));
	if (fz_lost_looping(f)) {
		fz_trace("fault: none while a lost engine loops");
		return 0;
	}
	fz_trace("fault %s after %" PRIu64 " (at descriptor %" PRIu64 ")",
		fault_name(k), after, fz_descs(f) + after);
	fz_counts[FZ_N_FAULTS]++;
	/* Abort-stuck only with pause-stuck, reset-stuck only with both:
	 * the next stop then resets the function, or with reset-stuck too
	 * loses the engine, for sure (see fz_run_halt()). */
	if (k == PLX_SIM_FAULT_ABORT_STUCK || k == PLX_SIM_FAULT_RESET_STUCK)
		FZ_OK(inject(f, PLX_SIM_FAULT_PAUSE_STUCK, after));
	if (k == PLX_SIM_FAULT_RESET_STUCK)
		FZ_OK(inject(f, PLX_SIM_FAULT_ABORT_STUCK, after));
	FZ_OK(inject(f, k, after));
	return fz_func_check(f);
}

int
fz_op_clear(struct fz_func *f)
{
	struct fz_chan *r = f->runner;

	/* A removal due now strikes first, or the count says nothing. */
	FZ_OK(fz_quiesce(f));
	FZ_OK(fz_func_check(f));
	/* A lost engine released from a stall would take the pause it
	 * ignored at a descriptor of its own choosing. */
	if (r != NULL && r->halt == FZ_HALT_LOST &&
			fz_run_target(r) < r->sd) {
		fz_trace("clear faults: not under a stalled lost engine");
		return 0;
	}
	fz_clear_faults(f);
	fz_trace("clear faults");
	return 0;
}

/* --- administrator unbind: VFIO request, REMOVE event, alarm --- */

static RTE_ATOMIC(uint32_t) unbind_events[FZ_MAX_FUNCS];
static bool unbind_registered;

struct unbind_job {
	const char *addr;
	bool by_name;
	int result;
	RTE_ATOMIC(uint32_t) done;
};

static void
unbind_event(const char *name, enum rte_dev_event_type type, void *arg)
{
	int fn = plx_sim_func_of_addr(name);

	RTE_SET_USED(arg);
	if (type == RTE_DEV_EVENT_REMOVE && fn >= 0 && fn < FZ_MAX_FUNCS)
		rte_atomic_fetch_add_explicit(&unbind_events[fn], 1, rte_memory_order_release);
}

/* Where DPDK lets an application remove a device (not the event). */
static void
unbind_alarm(void *arg)
{
	struct unbind_job *j = arg;

	j->result = plx_test_pci_remove(j->addr, j->by_name);
	rte_atomic_store_explicit(&j->done, 1, rte_memory_order_release);
}

int
fz_unbind_init(void)
{
	unsigned int i;

	if (!unbind_registered && rte_dev_event_callback_register(NULL,
			unbind_event, NULL) != 0)
		return fz_fail(FZ_C_SETUP, "cannot register a device event callback");
	unbind_registered = true;
	for (i = 0; i < fz_w.nb_funcs; i++)
		fz_w.funcs[i].unbind_seen = rte_atomic_load_explicit(&unbind_events[i],
			rte_memory_order_acquire);
	return 0;
}

void
fz_unbind_fini(void)
{
	if (unbind_registered)
		rte_dev_event_callback_unregister(NULL, unbind_event, NULL);
	unbind_registered = false;
}

static int
wait_flag(const RTE_ATOMIC(uint32_t) *flag, uint32_t past, const char *what,
		const struct fz_func *f)
{
	struct plx_wait w = plx_wait_begin(FZ_WAIT_US);

	while (rte_atomic_load_explicit(flag, rte_memory_order_acquire) == past)
		if (!plx_waiting(&w, 0))
			return fz_fail(FZ_C_SETUP, "%s: no %s in %u s", f->addr,
				what, FZ_WAIT_US / 1000000);
	return 0;
}

int
fz_op_unbind(struct fz_func *f, struct fz_rng *r)
{
	struct unbind_job job = { f->addr, fz_pct(r, 50), -EINPROGRESS, 0 };
	uint32_t seen = f->unbind_seen;
	uint64_t begun;
	int rc;

	if (!f->probed)
		return 0;
	FZ_OK(fz_make_room(f));
	begun = fz_descs(f);
	rc = plx_sim_inject(fz_sim, f->fn, PLX_SIM_FAULT_UNBIND_REQUEST, 0);
	FZ_CHECK(FZ_C_SETUP, rc == 0, "%s: unbind request: %d", f->addr, rc);
	FZ_OK(wait_flag(&unbind_events[f->fn], seen, "REMOVE event", f));
	f->unbind_seen = rte_atomic_load_explicit(&unbind_events[f->fn],
		rte_memory_order_acquire);
	FZ_CHECK(FZ_C_SETUP, rte_eal_alarm_set(1, unbind_alarm, &job) == 0,
		"%s: cannot set an alarm", f->addr);
	FZ_OK(wait_flag(&job.done, 0, "removal from the alarm", f));
	fz_trace("unbind request %s: REMOVE event, removal -> %d", f->addr,
		job.result);
	fz_counts[FZ_N_UNBINDS]++;
	FZ_CHECK(FZ_C_DEVICE, job.result == 0, "%s: removal from the alarm: %d",
		f->addr, job.result);
	return fz_removed(f, begun);
}


/* Between steps: the engines did nothing they must not, no stray event. */
int
fz_between_steps(void)
{
	unsigned int i;

	for (i = 0; i < fz_w.nb_funcs; i++) {
		struct fz_func *f = &fz_w.funcs[i];
		uint32_t ev = rte_atomic_load_explicit(&unbind_events[i],
			rte_memory_order_acquire);

		FZ_OK(fz_func_check(f));
		FZ_CHECK(FZ_C_DEVICE, ev == f->unbind_seen,
			"%s: a REMOVE event nobody asked for", f->addr);
	}
	return 0;
}
