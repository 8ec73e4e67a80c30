/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Fault injection: faults armed on a function for a descriptor number
 * (the engine strikes them, see func_service()), faults of state applied
 * at once, and the faults' names.
 */

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>

#include "plx_sim_priv.h"

static int
fault_unbind(struct plx_func *f)
{
	int fd = plx_sim_load(&f->req_fd, memory_order_acquire);

	if (fd < 0)
		return -ENOTCONN;
	if (eventfd_write(fd, 1) < 0)
		return -errno;
	return 0;
}

bool
late_wb_hold(struct plx_func *f, uint64_t iova, uint32_t wb)
{
	uint32_t us = f->sim->conf.late_writeback_us;

	if (us == 0 || f->event_at[PLX_SIM_FAULT_SURPRISE_REMOVAL] !=
			f->desc_count + 1)
		return false;
	f->late_iova = iova;
	f->late_wb = wb;
	f->late_due = now_ns() + (uint64_t)us * 1000;
	return true;
}

/* Through the IOMMU as it is now: an unmapped slot takes nothing. */
void
late_wb_deliver(struct plx_func *f)
{
	struct plx_sim *sim = f->sim;
	struct plx_iommu_ent e;
	uint32_t *p = NULL;

	if (f->late_iova == 0 || (!sim->conf.manual && now_ns() < f->late_due))
		return;
	pthread_rwlock_rdlock(&sim->iommu_lock);
	if (sim->xlate != NULL)
		p = sim->xlate(f->late_iova, sizeof(struct plx_dma_hw_desc));
	else if (iommu_find(sim, f->late_iova, sizeof(struct plx_dma_hw_desc),
			&e))
		p = (uint32_t *)(void *)(e.va + (f->late_iova - e.iova));
	if (p != NULL)
		plx_sim_store(p, f->late_wb, memory_order_release);
	pthread_rwlock_unlock(&sim->iommu_lock);
	plx_sim_fetch_add(&f->late_wbs, 1, memory_order_release);
	plx_log_print(f, "late write-back %08x to %#llx after the removal%s",
		f->late_wb, (unsigned long long)f->late_iova,
		p != NULL ? "" : ": not mapped, dropped");
	f->late_iova = 0;
}

uint64_t
plx_sim_late_writebacks(struct plx_sim *sim, unsigned int fn)
{
	if (sim == NULL || fn >= sim->nb_funcs)
		return 0;
	return plx_sim_load(&sim->funcs[fn].late_wbs, memory_order_acquire);
}

/* A fault that is a change of state: now. Caller holds f->lock. */
int
fault_apply(struct plx_func *f, enum plx_sim_fault fault)
{
	switch (fault) {
	case PLX_SIM_FAULT_PAUSE_STUCK:
		f->pause_stuck = true;
		break;
	case PLX_SIM_FAULT_ABORT_STUCK:
		f->abort_stuck = true;
		break;
	case PLX_SIM_FAULT_RESET_STUCK:
		f->reset_stuck = true;
		break;
	case PLX_SIM_FAULT_SURPRISE_REMOVAL:
		plx_sim_store(&f->removed, true, memory_order_release);
		f->running = false;
		pf_drop(f);
		/* Views read-only first: a write racing it is stamped over. */
		views_set_gone(f, true);
		memset(f->bar, 0xff, f->sim->bar_len);
		break;
	case PLX_SIM_FAULT_UNBIND_REQUEST:
		return fault_unbind(f);
	case PLX_SIM_FAULT_LOST_START:
		f->lost_starts++;
		break;
	case PLX_SIM_FAULT_GLITCH:
		if (!f->glitch)
			glitch_begin(f, PLX_SIM_GLITCH_US);
		break;
	case PLX_SIM_FAULT_HALT_ON_FAIL:
		f->halt_on_fail = true;
		faults_rearm(f);
		break;
	default:
		return -EINVAL;
	}
	plx_log(f, 1, "fault %s", plx_sim_fault_name(fault));
	return 0;
}

/* The one-shot descriptor fault of a kind, or PLX_DF_MAX. */
static enum plx_desc_fault
desc_fault_of(enum plx_sim_fault fault)
{
	switch (fault) {
	case PLX_SIM_FAULT_READ_FAIL: return PLX_DF_READ_FAIL;
	case PLX_SIM_FAULT_WRITE_FAIL: return PLX_DF_WRITE_FAIL;
	case PLX_SIM_FAULT_WB_BOTH_FAIL: return PLX_DF_BOTH_FAIL;
	case PLX_SIM_FAULT_WB_NO_STATUS: return PLX_DF_NO_STATUS;
	case PLX_SIM_FAULT_WB_SHORT: return PLX_DF_SHORT;
	default: return PLX_DF_MAX;
	}
}

/* Arm fault on f for descriptor number at; caller holds f->lock. */
static int
fault_arm(struct plx_func *f, enum plx_sim_fault fault, uint64_t at)
{
	enum plx_desc_fault df = desc_fault_of(fault);

	if (df != PLX_DF_MAX) {
		f->desc_fault_at[df] = at;
		faults_rearm(f);
		return 0;
	}
	switch (fault) {
	case PLX_SIM_FAULT_STALL:
		/* Moving a stall releases one in effect. */
		f->stall_at = at;
		f->stalled = false;
		break;
	default:
		if (fault <= PLX_SIM_FAULT_NONE || fault >= PLX_SIM_FAULT_MAX)
			return -EINVAL;
		if (at == f->desc_count)
			return fault_apply(f, fault);
		f->event_at[fault] = at;
		break;
	}
	faults_rearm(f);
	return 0;
}

int
plx_sim_inject(struct plx_sim *sim, unsigned int fn,
		enum plx_sim_fault fault, uint64_t after)
{
	struct plx_func *f;
	uint64_t at;
	int ret;

	if (sim == NULL || fn >= sim->nb_funcs)
		return -EINVAL;
	f = &sim->funcs[fn];
	pthread_mutex_lock(&f->lock);
	at = f->desc_count + after;
	if (at < after)
		at = PLX_NEVER - 1;
	ret = fault_arm(f, fault, at);
	pthread_mutex_unlock(&f->lock);
	if (ret == 0)
		plx_log(f, 1, "fault %s armed (descriptor #%llu)",
			plx_sim_fault_name(fault), (unsigned long long)at);
	return ret;
}

int
plx_sim_glitch(struct plx_sim *sim, unsigned int fn, uint64_t us)
{
	struct plx_func *f;
	int ret = 0;

	if (sim == NULL || fn >= sim->nb_funcs)
		return -EINVAL;
	f = &sim->funcs[fn];
	pthread_mutex_lock(&f->lock);
	if (f->removed)
		ret = -ENODEV;
	else if (!f->glitch)
		glitch_begin(f, us);
	pthread_mutex_unlock(&f->lock);
	plx_log(f, 1, "all-ones glitch for %llu us", (unsigned long long)us);
	return ret;
}

void
plx_sim_clear_faults(struct plx_sim *sim, unsigned int fn)
{
	struct plx_func *f;

	if (sim == NULL || fn >= sim->nb_funcs)
		return;
	f = &sim->funcs[fn];
	pthread_mutex_lock(&f->lock);
	faults_disarm(f);
	pthread_mutex_unlock(&f->lock);
	plx_log(f, 1, "faults cleared");
}

void
plx_sim_set_req_eventfd(struct plx_sim *sim, unsigned int fn, int fd)
{
	if (sim == NULL || fn >= sim->nb_funcs)
		return;
	plx_sim_store(&sim->funcs[fn].req_fd, fd, memory_order_release);
}

static const char * const fault_names[PLX_SIM_FAULT_MAX] = {
	[PLX_SIM_FAULT_NONE] = "none",
	[PLX_SIM_FAULT_READ_FAIL] = "read-fail",
	[PLX_SIM_FAULT_WRITE_FAIL] = "write-fail",
	[PLX_SIM_FAULT_STALL] = "stall",
	[PLX_SIM_FAULT_PAUSE_STUCK] = "pause-stuck",
	[PLX_SIM_FAULT_ABORT_STUCK] = "abort-stuck",
	[PLX_SIM_FAULT_SURPRISE_REMOVAL] = "surprise-removal",
	[PLX_SIM_FAULT_UNBIND_REQUEST] = "unbind-request",
	[PLX_SIM_FAULT_RESET_STUCK] = "reset-stuck",
	[PLX_SIM_FAULT_LOST_START] = "lost-start",
	[PLX_SIM_FAULT_WB_NO_STATUS] = "wb-no-status",
	[PLX_SIM_FAULT_WB_BOTH_FAIL] = "wb-both-fail",
	[PLX_SIM_FAULT_WB_SHORT] = "wb-short",
	[PLX_SIM_FAULT_GLITCH] = "all-ones-glitch",
	[PLX_SIM_FAULT_HALT_ON_FAIL] = "halt-on-fail",
};

const char *
plx_sim_fault_name(enum plx_sim_fault fault)
{
	if ((unsigned int)fault >= PLX_SIM_FAULT_MAX)
		return "unknown";
	return fault_names[fault];
}

int
plx_sim_fault_parse(const char *name, enum plx_sim_fault *fault)
{
	unsigned int i;

	if (name == NULL)
		return -EINVAL;
	for (i = 0; i < PLX_SIM_FAULT_MAX; i++) {
		if (strcmp(name, fault_names[i]) == 0) {
			if (fault != NULL)
				*fault = (enum plx_sim_fault)i;
			return 0;
		}
	}
	return -EINVAL;
}
