/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The fuzzer's ops: each step draws its details (lengths, addresses,
 * nb_desc, nb_cpls, fault points...) from its own random word, calls the
 * API and hands what came back to the model (test_dma_plx_fuzz_model.c)
 * together with what the contract allows. Expected return codes are sets:
 * where the contract names several reasons that apply at once, any of
 * their codes is right. Here: those sets, the advance op and dispatch;
 * the ops themselves are in test_dma_plx_fuzz_ctrl.c (control path),
 * _fast.c (fast path) and _pci.c (removal, probe, faults).
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

uint32_t
fz_rc_bit(int rc)
{
	switch (rc) {
	case -EINVAL: return R_EINVAL;
	case -EBUSY: return R_EBUSY;
	case -ENODEV: return R_ENODEV;
	case -ENOSPC: return R_ENOSPC;
	case -ENOTSUP: return R_ENOTSUP;
	default: return rc >= 0 ? R_OK : R_OTHER;
	}
}

const char *
fz_rc_names(uint32_t m, char *buf, size_t len)
{
	static const char *const names[] = {
		"0", "-EINVAL", "-EBUSY", "-ENODEV", "-ENOSPC", "-ENOTSUP",
		"other"
	};
	size_t n = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < RTE_DIM(names) && n < len; i++)
		if (m & FZ_BIT(i))
			n += snprintf(buf + n, len - n, "%s%s", n ? " or " : "",
				names[i]);
	return buf;
}

/* rc is one of exp; a control-path error comes with a log line. */
int
fz_rc_check(const struct fz_chan *ch, const char *call, int rc, uint32_t exp,
		uint64_t lines)
{
	char want[64];

	FZ_CHECK(FZ_C_RC, fz_rc_bit(rc) & exp, "%s: %s returned %d, expected %s",
		ch->name, call, rc, fz_rc_names(exp, want, sizeof(want)));
	FZ_CHECK(FZ_C_LOG, rc >= 0 || lines > 0,
		"%s: %s returned %d and logged nothing", ch->name, call, rc);
	return 0;
}

/* Allowed codes: the errors that apply, or success if none. */
uint32_t
fz_or_ok(uint32_t errs)
{
	return errs != 0 ? errs : R_OK;
}

bool
fz_started(const struct fz_chan *ch)
{
	return ch->st == FZ_STARTED;
}

/* A channel whose device cannot run a start. */
bool
fz_dead(const struct fz_chan *ch)
{
	return fz_vanished(ch) || ch->halt == FZ_HALT_LOST;
}



/* --- advance: one step of the life cycle towards a running channel --- */

static int
advance_chan(struct fz_chan *ch, struct fz_rng *r)
{
	switch (ch->st) {
	case FZ_PROBED:
		return fz_op_configure(ch, r);
	case FZ_CONFIGURED:
		if (fz_dead(ch))
			return fz_op_remove(ch->f, r);
		if (fz_uncollected(ch))
			return fz_op_drain(ch, r);
		if (ch->ring == 0)
			return fz_vchan_setup(ch, FZ_MIN_DESC + fz_below(r, 480), 0,
				RTE_DMA_DIR_MEM_TO_MEM);
		return fz_op_start(ch);
	case FZ_STARTED:
		if (fz_vanished(ch))
			return fz_pct(r, 50) ? fz_op_drain(ch, r) : fz_op_stop(ch, r);
		return fz_op_burst(ch, r);
	default:
		return fz_op_drain(ch, r);
	}
}

static int
op_advance(struct fz_func *f, struct fz_rng *r)
{
	struct fz_chan *h = f->nb_held > 0 ? f->held[0] : NULL;

	if (h != NULL && fz_pct(r, 50))
		return fz_uncollected(h) && fz_pct(r, 50) ? fz_op_drain(h, r) :
			fz_finish(h);
	/* A probe would only time out under an engine deaf to every stop. */
	if (!f->probed && !f->off_bus && fz_maybe_unstoppable(f))
		return fz_op_clear(f);
	if (!f->probed)
		return f->off_bus ? fz_op_replug(f) : fz_op_probe(f);
	if (f->cur == NULL)
		return fz_op_remove(f, r);
	return advance_chan(f->cur, r);
}

/* --- dispatch --- */

static const char *const op_names[FZ_OP_MAX] = {
	[FZ_OP_COPY] = "copy",
	[FZ_OP_COPY_SG] = "copy_sg",
	[FZ_OP_BURST] = "burst",
	[FZ_OP_SUBMIT] = "submit",
	[FZ_OP_COMPLETED] = "completed",
	[FZ_OP_COMPLETED_STATUS] = "completed_status",
	[FZ_OP_CAPACITY] = "burst_capacity",
	[FZ_OP_DRAIN] = "drain",
	[FZ_OP_INFO] = "info",
	[FZ_OP_ADVANCE] = "advance",
	[FZ_OP_CONFIGURE] = "configure",
	[FZ_OP_VCHAN_SETUP] = "vchan_setup",
	[FZ_OP_START] = "start",
	[FZ_OP_STOP] = "stop",
	[FZ_OP_CLOSE] = "close",
	[FZ_OP_STATS_RESET] = "stats_reset",
	[FZ_OP_FAULT] = "fault",
	[FZ_OP_CLEAR] = "clear_faults",
	[FZ_OP_REMOVE] = "remove",
	[FZ_OP_UNBIND] = "unbind",
	[FZ_OP_PROBE] = "probe",
	[FZ_OP_REPLUG] = "replug",
	[FZ_OP_VERIFY] = "verify",
	[FZ_OP_UNSUPPORTED] = "fill",
};

const char *
fz_op_name(enum fz_op_kind k)
{
	return k < FZ_OP_MAX ? op_names[k] : "?";
}

/* Ops on a function as a whole. */
static int
exec_func(struct fz_func *f, const struct fz_step *s, struct fz_rng *r)
{
	switch (s->kind) {
	case FZ_OP_ADVANCE:
		return op_advance(f, r);
	case FZ_OP_FAULT:
		return fz_op_fault(f, r);
	case FZ_OP_CLEAR:
		return fz_op_clear(f);
	case FZ_OP_REMOVE:
		return fz_op_remove(f, r);
	case FZ_OP_UNBIND:
		return fz_op_unbind(f, r);
	case FZ_OP_PROBE:
		return fz_op_probe(f);
	case FZ_OP_REPLUG:
		return fz_op_replug(f);
	default:
		return 1;
	}
}

static int
exec_chan(struct fz_chan *ch, const struct fz_step *s, struct fz_rng *r)
{
	switch (s->kind) {
	case FZ_OP_COPY: return fz_op_copy(ch, r, false);
	case FZ_OP_COPY_SG: return fz_op_copy(ch, r, true);
	case FZ_OP_BURST: return fz_op_burst(ch, r);
	case FZ_OP_SUBMIT: return fz_op_submit(ch);
	case FZ_OP_COMPLETED: return fz_op_completed(ch, r, false);
	case FZ_OP_COMPLETED_STATUS: return fz_op_completed(ch, r, true);
	case FZ_OP_CAPACITY: return fz_op_capacity(ch);
	case FZ_OP_DRAIN: return fz_op_drain(ch, r);
	case FZ_OP_INFO: return fz_op_info(ch);
	case FZ_OP_CONFIGURE: return fz_op_configure(ch, r);
	case FZ_OP_VCHAN_SETUP: return fz_op_vchan_setup(ch, r);
	case FZ_OP_START: return fz_op_start(ch);
	case FZ_OP_STOP: return fz_op_stop(ch, r);
	case FZ_OP_CLOSE: return fz_op_close(ch);
	case FZ_OP_STATS_RESET: return fz_op_stats_reset(ch);
	case FZ_OP_VERIFY: return fz_slots_verify(ch);
	case FZ_OP_UNSUPPORTED: return fz_op_fill(ch, r);
	default: return 0;
	}
}

static int
exec_step(const struct fz_step *s)
{
	struct fz_func *f = &fz_w.funcs[s->fn % fz_w.nb_funcs];
	struct fz_rng r = { s->r };
	struct fz_chan *ch;
	int ret;

	ret = exec_func(f, s, &r);
	if (ret <= 0)
		return ret;
	ch = fz_chan_pick(f, fz_rand(&r));
	if (ch == NULL) {
		fz_trace("(no dmadev)");
		return 0;
	}
	return exec_chan(ch, s, &r);
}

uint64_t fz_op_us[FZ_OP_MAX];

int
fz_exec(const struct fz_step *s)
{
	uint64_t t0 = plx_test_now_us();
	int ret;

	fz_counts[FZ_N_STEPS]++;
	ret = exec_step(s);
	fz_op_us[s->kind] += plx_test_now_us() - t0;
	return ret;
}
