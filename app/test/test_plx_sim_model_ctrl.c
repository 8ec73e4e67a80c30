/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Model tests: the control registers (W1C, CTRL2, interrupt status),
 * graceful pause and abort, and every fault the simulator injects.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "test_plx_sim_model.h"

static int
test_fault_rw(struct env *e)
{
	CHECK_EQ(plx_sim_inject(e->sim, 1, PLX_SIM_FAULT_READ_FAIL, 0),
		(uint64_t)-EINVAL);
	CHECK_EQ(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_NONE, 0),
		(uint64_t)-EINVAL);
	desc_fill(e, 0, 5, 50);
	CHECK_EQ(ring_run(e, 0, 1), 1);
	/* Counted from now: write-fail hits the next one, read-fail the 3rd. */
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_WRITE_FAIL, 0) == 0);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_READ_FAIL, 2) == 0);
	CHECK_EQ(step(e, 100), 4);
	CHECK_EQ(flags(e, 0), PLX_DESC_WB_SUCCESS | 50);
	CHECK_EQ(flags(e, 1), PLX_DESC_WB_WRITE_FAIL);
	CHECK_EQ(flags(e, 2), PLX_DESC_WB_SUCCESS | 50);
	CHECK_EQ(flags(e, 3), PLX_DESC_WB_READ_FAIL);
	CHECK_EQ(flags(e, 4), PLX_DESC_WB_SUCCESS | 50);
	CHECK(mem_is(e->dst + 100, 0, 50));
	CHECK(mem_is(e->dst + 300, 0, 50));
	CHECK(memcmp(e->dst + 400, e->src + 400, 50) == 0);
	/* One-shot: the next lap is clean. */
	desc_fill(e, 5, 10, 50);
	CHECK_EQ(kick(e, 100), 5);
	for (uint32_t i = 5; i < 10; i++)
		CHECK_EQ(flags(e, i), PLX_DESC_WB_SUCCESS | 50);
	/* clear_faults disarms a pending one. */
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_READ_FAIL, 0) == 0);
	plx_sim_clear_faults(e->sim, 0);
	desc_set(e, 10, 0, 1000, 50);
	CHECK_EQ(kick(e, 100), 1);
	CHECK_EQ(flags(e, 10), PLX_DESC_WB_SUCCESS | 50);
	return 0;
}

/* W1C: status bits written 1 clear, written 0 stay. */
static int
test_ctrl_w1c(struct env *e)
{
	const uint32_t cfg = PLX_CTRL_WRITE_BACK_EN | PLX_CTRL_DESC_MODE_OFF_CHIP;

	CHECK_EQ(ring_run(e, 0, 10), 0);
	CHECK_EQ(r16(e, PLX_REG_CTRL), cfg | PLX_CTRL_DESC_INVALID);
	/* Abort while idle, status bits written 0: DESC_INVALID stays. */
	w16(e, PLX_REG_CTRL, cfg | PLX_CTRL_ABORT);
	CHECK_EQ(step(e, 10), 0);
	CHECK_EQ(r16(e, PLX_REG_CTRL), cfg | PLX_CTRL_ABORT |
		PLX_CTRL_DESC_INVALID | PLX_CTRL_ABORT_DONE);
	/* Clear one status bit only. */
	w16(e, PLX_REG_CTRL, cfg | PLX_CTRL_DESC_INVALID |
		PLX_CTRL_IMM_PAUSE_DONE);
	CHECK_EQ(step(e, 10), 0);
	CHECK_EQ(r16(e, PLX_REG_CTRL), cfg | PLX_CTRL_ABORT_DONE);
	/* A plain config write keeps it, RESET_VAL clears everything. */
	w16(e, PLX_REG_CTRL, 0);
	CHECK_EQ(step(e, 10), 0);
	CHECK_EQ(r16(e, PLX_REG_CTRL), PLX_CTRL_ABORT_DONE);
	w16(e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL);
	CHECK_EQ(step(e, 10), 0);
	CHECK_EQ(ctrl32(e), 0);
	/* IMM_PAUSE_DONE is never set by the model. */
	CHECK(!(r16(e, PLX_REG_CTRL) & PLX_CTRL_IMM_PAUSE_DONE));
	return 0;
}

/* A 32-bit write at CTRL also writes CTRL2; IN_PROGRESS is read-only. */
static int
test_ctrl2(struct env *e)
{
	CHECK_EQ(ctrl_write(e, PLX_CTRL32_OF_CTRL2(PLX_CTRL2_MAX_TXFR_1KB), 0), 0);
	CHECK_EQ(r16(e, PLX_REG_CTRL2), PLX_CTRL2_MAX_TXFR_1KB);
	CHECK_EQ(r16(e, PLX_REG_CTRL), 0);
	CHECK_EQ(ctrl_write(e, PLX_CTRL_IN_PROGRESS |
		PLX_CTRL32_OF_CTRL2(PLX_CTRL2_MAX_TXFR_2KB), 0), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL32_OF_CTRL2(PLX_CTRL2_MAX_TXFR_2KB));
	/* A 16-bit write leaves CTRL2 as it was. */
	desc_set(e, 0, 0, 0, 8);
	desc_set(e, 1, 0, 8, 8);
	ring_program(e, 0, PLX_PREF_LIMIT_4_DESC);
	w32(e, PLX_REG_CTRL, PLX_CTRL32_OF_CTRL2(PLX_CTRL2_MAX_TXFR_512B) |
		PLX_CTRL_RESET_VAL);
	CHECK_EQ(kick(e, 1), 1);
	CHECK_EQ(ctrl32(e), PLX_CTRL_IN_PROGRESS |
		PLX_CTRL32_OF_CTRL2(PLX_CTRL2_MAX_TXFR_512B) |
		PLX_CTRL_WRITE_BACK_EN | PLX_CTRL_DESC_MODE_OFF_CHIP);
	CHECK_EQ(r16(e, PLX_REG_CTRL2), PLX_CTRL32_CTRL2(PLX_CTRL_IN_PROGRESS) |
		PLX_CTRL2_MAX_TXFR_512B);
	/* The Linux pause: 32-bit, CTRL2 = 0. */
	CHECK_EQ(ctrl_write(e, PLX_CTRL_GRACEFUL_PAUSE, 10), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_GRACEFUL_PAUSE |
		PLX_CTRL_GRACEFUL_PAUSE_DONE);
	return 0;
}

/* A 16-bit write of CTRL2 alone leaves CTRL, its DONE bits included. */
static int
test_ctrl2_alone(struct env *e)
{
	const uint32_t cfg = PLX_CTRL_WRITE_BACK_EN | PLX_CTRL_DESC_MODE_OFF_CHIP;

	CHECK_EQ(ring_run(e, 0, 10), 0);
	CHECK_EQ(ctrl32(e), cfg | PLX_CTRL_DESC_INVALID);
	w16(e, PLX_REG_CTRL2, PLX_CTRL2_MAX_TXFR_2KB);
	CHECK_EQ(step(e, 10), 0);
	CHECK_EQ(ctrl32(e), cfg | PLX_CTRL_DESC_INVALID |
		((uint32_t)PLX_CTRL2_MAX_TXFR_2KB << 16));
	/* And after a pause: GRACEFUL_PAUSE_DONE stays too. */
	CHECK_EQ(ctrl_write(e, PLX_CTRL_GRACEFUL_PAUSE, 10), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_GRACEFUL_PAUSE |
		PLX_CTRL_GRACEFUL_PAUSE_DONE);
	w16(e, PLX_REG_CTRL2, PLX_CTRL2_MAX_TXFR_128B);
	CHECK_EQ(step(e, 10), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_GRACEFUL_PAUSE |
		PLX_CTRL_GRACEFUL_PAUSE_DONE |
		((uint32_t)PLX_CTRL2_MAX_TXFR_128B << 16));
	/* A CTRL write after it is still taken, CTRL2 kept. */
	w16(e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL);
	CHECK_EQ(step(e, 10), 0);
	CHECK_EQ(ctrl32(e), (uint32_t)PLX_CTRL2_MAX_TXFR_128B << 16);
	return 0;
}

static int
test_intr_status(struct env *e)
{
	desc_set(e, 0, 0, 0, 0);
	desc_set(e, 1, 0, 0, 8);
	ring_program(e, 0, PLX_PREF_LIMIT_4_DESC);
	w16(e, PLX_REG_INTR_CTRL, PLX_INTR_ERROR | PLX_INTR_INV_DESC);
	CHECK_EQ(kick(e, 1), 1);
	CHECK_EQ(r16(e, PLX_REG_INTR_STATUS),
		PLX_INTR_ERROR | PLX_INTR_DESC_DONE);
	CHECK_EQ(r16(e, PLX_REG_INTR_CTRL), PLX_INTR_ERROR | PLX_INTR_INV_DESC);
	/* Written 0: nothing cleared. */
	w16(e, PLX_REG_INTR_STATUS, 0);
	CHECK_EQ(step(e, 1), 1);
	CHECK_EQ(r16(e, PLX_REG_INTR_STATUS),
		PLX_INTR_ERROR | PLX_INTR_DESC_DONE);
	w16(e, PLX_REG_INTR_STATUS, PLX_INTR_ERROR);
	CHECK_EQ(step(e, 10), 0);	/* stops at 2: invalid */
	CHECK_EQ(r16(e, PLX_REG_INTR_STATUS),
		PLX_INTR_DESC_DONE | PLX_INTR_INV_DESC);
	/* Taken even when the engine has nothing to raise. */
	w16(e, PLX_REG_INTR_STATUS, UINT16_MAX);
	CHECK_EQ(step(e, 0), 0);
	CHECK_EQ(r16(e, PLX_REG_INTR_STATUS), 0);
	w16(e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | PLX_CTRL_ABORT);
	CHECK_EQ(step(e, 10), 0);
	CHECK_EQ(r16(e, PLX_REG_INTR_STATUS), PLX_INTR_ABORT_DONE);
	CHECK_EQ(r16(e, PLX_REG_INTR_CTRL), PLX_INTR_ERROR | PLX_INTR_INV_DESC);
	return 0;
}

/* The contract's graceful pause, then a restart from NEXT_ADDR. */
static int
test_pause(struct env *e)
{
	uint32_t next;

	desc_fill(e, 0, 8, 64);
	CHECK_EQ(ring_run(e, 0, 2), 2);
	CHECK_EQ(ctrl_write(e, PLX_CTRL_GRACEFUL_PAUSE, 100), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_GRACEFUL_PAUSE |
		PLX_CTRL_GRACEFUL_PAUSE_DONE);
	for (uint32_t i = 2; i < 8; i++)
		CHECK_EQ(flags(e, i), PLX_DESC_VALID | 64);
	CHECK(mem_is(e->dst + 200, 0, 600));
	next = r32(e, PLX_REG_DESC_RING_NEXT_ADDR);
	CHECK_EQ(next, (uint32_t)desc_iova(e, 2));
	/* Rest of the Linux sequence: write again, zero the ring registers. */
	w32(e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | PLX_CTRL_GRACEFUL_PAUSE);
	w32(e, PLX_REG_DESC_RING_COUNT, 0);
	w32(e, PLX_REG_DESC_RING_ADDR, 0);
	w32(e, PLX_REG_DESC_RING_ADDR_HI, 0);
	w32(e, PLX_REG_DESC_RING_NEXT_ADDR, 0);
	CHECK_EQ(step(e, 100), 0);
	CHECK(!(ctrl32(e) & PLX_CTRL_IN_PROGRESS));
	CHECK_EQ(plx_sim_desc_count(e->sim, 0), 2);
	/* Restart where it stopped. */
	ring_program(e, 2, PLX_PREF_LIMIT_4_DESC);
	CHECK_EQ(step(e, 0), 0);
	CHECK_EQ(ctrl32(e), 0);
	CHECK_EQ(kick(e, 100), 6);
	for (uint32_t i = 0; i < 8; i++) {
		CHECK_EQ(flags(e, i), PLX_DESC_WB_SUCCESS | 64);
		CHECK(memcmp(e->dst + i * 100, e->src + i * 100, 64) == 0);
	}
	return 0;
}

static int
test_pause_idle(struct env *e)
{
	CHECK_EQ(ctrl_write(e, PLX_CTRL_GRACEFUL_PAUSE, 0), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_GRACEFUL_PAUSE |
		PLX_CTRL_GRACEFUL_PAUSE_DONE);
	/* Withdrawn before it was served: no acknowledgement. */
	CHECK_EQ(ctrl_write(e, 0, 0), 0);
	CHECK_EQ(ctrl32(e), 0);
	return 0;
}

static int
test_abort(struct env *e)
{
	desc_fill(e, 0, 8, 64);
	CHECK_EQ(ring_run(e, 0, 3), 3);
	CHECK_EQ(ctrl_write(e, PLX_CTRL_ABORT, 100), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_ABORT | PLX_CTRL_ABORT_DONE);
	CHECK_EQ(r16(e, PLX_REG_INTR_STATUS) & PLX_INTR_ABORT_DONE,
		PLX_INTR_ABORT_DONE);
	for (uint32_t i = 3; i < 8; i++)
		CHECK_EQ(flags(e, i), PLX_DESC_VALID | 64);
	CHECK(mem_is(e->dst + 300, 0, 500));
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_NEXT_ADDR),
		(uint32_t)desc_iova(e, 3));
	/* Nothing more happens until START; then it resumes at NEXT_ADDR. */
	CHECK_EQ(step(e, 100), 0);
	CHECK_EQ(kick(e, 100), 5);
	CHECK_EQ(flags(e, 7), PLX_DESC_WB_SUCCESS | 64);
	/* Abort while idle: acknowledged at once. */
	CHECK_EQ(ctrl_write(e, PLX_CTRL_ABORT, 0), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_ABORT | PLX_CTRL_ABORT_DONE);
	return 0;
}

/*
 * n descriptors, fault armed, the first k done; then the stop command cmd
 * and ten polls of the engine, long past when it would have answered.
 */
static int
stop_stuck(struct env *e, enum plx_sim_fault fault, uint32_t n,
		unsigned int k, uint32_t cmd)
{
	desc_fill(e, 0, n, 64);
	CHECK(plx_sim_inject(e->sim, 0, fault, 0) == 0);
	CHECK_EQ(ring_run(e, 0, k), k);
	w32(e, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | cmd);
	for (int i = 0; i < 10; i++)
		step(e, 0);
	return 0;
}

static int
test_pause_stuck(struct env *e)
{
	CHECK(stop_stuck(e, PLX_SIM_FAULT_PAUSE_STUCK, 6, 2,
		PLX_CTRL_GRACEFUL_PAUSE) == 0);
	CHECK(!(ctrl32(e) & PLX_CTRL_GRACEFUL_PAUSE_DONE));
	CHECK(ctrl32(e) & PLX_CTRL_IN_PROGRESS);
	/* The engine carries on; the abort still works. */
	CHECK_EQ(step(e, 2), 2);
	CHECK_EQ(ctrl_write(e, PLX_CTRL_ABORT, 100), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_ABORT | PLX_CTRL_ABORT_DONE);
	CHECK_EQ(flags(e, 4), PLX_DESC_VALID | 64);
	/* Still stuck while idle, until cleared. */
	CHECK_EQ(ctrl_write(e, PLX_CTRL_GRACEFUL_PAUSE, 0), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_GRACEFUL_PAUSE);
	plx_sim_clear_faults(e->sim, 0);
	CHECK_EQ(step(e, 0), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_GRACEFUL_PAUSE |
		PLX_CTRL_GRACEFUL_PAUSE_DONE);
	return 0;
}

static int
test_abort_stuck(struct env *e)
{
	CHECK(stop_stuck(e, PLX_SIM_FAULT_ABORT_STUCK, 3, 1,
		PLX_CTRL_ABORT) == 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_ABORT | PLX_CTRL_IN_PROGRESS);
	plx_sim_clear_faults(e->sim, 0);
	CHECK_EQ(step(e, 100), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_ABORT | PLX_CTRL_ABORT_DONE);
	CHECK_EQ(flags(e, 1), PLX_DESC_VALID | 64);
	return 0;
}

static int
test_stall(struct env *e)
{
	desc_fill(e, 0, 6, 64);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_STALL, 2) == 0);
	CHECK_EQ(ring_run(e, 0, 100), 2);
	CHECK_EQ(step(e, 100), 0);
	CHECK(ctrl32(e) & PLX_CTRL_IN_PROGRESS);
	CHECK_EQ(flags(e, 2), PLX_DESC_VALID | 64);
	/* A pause is not acknowledged while stalled... */
	CHECK_EQ(ctrl_write(e, PLX_CTRL_GRACEFUL_PAUSE, 100), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_GRACEFUL_PAUSE | PLX_CTRL_IN_PROGRESS);
	/* ...an abort is, and kills the stalled transfer. */
	CHECK_EQ(ctrl_write(e, PLX_CTRL_ABORT, 100), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_ABORT | PLX_CTRL_ABORT_DONE);
	CHECK_EQ(flags(e, 2), PLX_DESC_VALID | 64);
	CHECK(mem_is(e->dst + 200, 0, 64));
	CHECK_EQ(kick(e, 100), 4);
	CHECK_EQ(flags(e, 5), PLX_DESC_WB_SUCCESS | 64);
	/* A stall released by clear_faults goes on where it stood. */
	desc_fill(e, 6, 9, 64);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_STALL, 1) == 0);
	CHECK_EQ(kick(e, 100), 1);
	CHECK_EQ(step(e, 100), 0);
	plx_sim_clear_faults(e->sim, 0);
	CHECK_EQ(step(e, 100), 2);
	CHECK_EQ(flags(e, 8), PLX_DESC_WB_SUCCESS | 64);
	CHECK_EQ(run_bits(e), PLX_CTRL_DESC_INVALID);
	return 0;
}

/* Every 32-bit register reads v: 0 after a replug, all ones when gone. */
static bool
bar_is(const struct env *e, uint32_t v)
{
	for (uint32_t off = 0; off < PLX_BAR0_SIM_LEN; off += 4)
		if (r32(e, off) != v)
			return false;
	return true;
}

static int
test_surprise_removal(struct env *e)
{
	desc_fill(e, 0, 6, 64);
	CHECK_EQ(ring_run(e, 0, 2), 2);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_SURPRISE_REMOVAL,
		0) == 0);
	CHECK(bar_is(e, PLX_GONE_U32));
	CHECK_EQ(r16(e, PLX_REG_CTRL), PLX_GONE_U16);
	CHECK_EQ(r16(e, PLX_REG_CTRL2), PLX_GONE_U16);
	CHECK_EQ(r16(e, PLX_REG_INTR_STATUS), PLX_GONE_U16);
	CHECK_EQ(r32(e, PLX_REG_DESC_RING_NEXT_ADDR), PLX_GONE_U32);
	/* Writes are dropped, nothing is written back any more. */
	w32(e, PLX_REG_DESC_RING_NEXT_ADDR, (uint32_t)e->ring_iova);
	CHECK_EQ(kick(e, 100), 0);
	CHECK(bar_is(e, PLX_GONE_U32));
	for (uint32_t i = 2; i < 6; i++)
		CHECK_EQ(flags(e, i), PLX_DESC_VALID | 64);
	CHECK(mem_is(e->dst + 200, 0, 400));
	CHECK_EQ(plx_sim_desc_count(e->sim, 0), 2);
	/* clear_faults does not bring it back, replug does. */
	plx_sim_clear_faults(e->sim, 0);
	CHECK_EQ(step(e, 100), 0);
	CHECK(bar_is(e, PLX_GONE_U32));
	CHECK(plx_sim_replug(e->sim, 0) == 0);
	CHECK(bar_is(e, 0));
	CHECK_EQ(ring_run(e, 2, 100), 4);
	CHECK(memcmp(e->dst + 200, e->src + 200, 64) == 0);
	return 0;
}

static int
unbind_request_checks(struct env *e, int fd)
{
	eventfd_t v = 0;

	CHECK(fd >= 0);
	CHECK_EQ(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_UNBIND_REQUEST, 0),
		(uint64_t)-ENOTCONN);
	plx_sim_set_req_eventfd(e->sim, 0, fd);
	CHECK(eventfd_read(fd, &v) < 0 && errno == EAGAIN);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_UNBIND_REQUEST, 0) == 0);
	CHECK(eventfd_read(fd, &v) == 0);
	CHECK_EQ(v, 1);
	/* The function itself carries on. */
	desc_set(e, 0, 0, 0, 8);
	CHECK_EQ(ring_run(e, 0, 10), 1);
	plx_sim_set_req_eventfd(e->sim, 0, -1);
	CHECK_EQ(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_UNBIND_REQUEST, 0),
		(uint64_t)-ENOTCONN);
	return 0;
}

static int
test_unbind_request(struct env *e)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int rc = unbind_request_checks(e, fd);

	if (fd >= 0)
		close(fd);
	return rc;
}

/* Faults of state strike once their descriptor count has come. */
static int
deferred_faults_checks(struct env *e, int fd)
{
	eventfd_t v = 0;

	CHECK(fd >= 0);
	plx_sim_set_req_eventfd(e->sim, 0, fd);
	desc_fill(e, 0, 8, 64);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_UNBIND_REQUEST, 2) == 0);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_SURPRISE_REMOVAL,
		3) == 0);
	/* Armed only: the registers still answer, nothing signalled. */
	CHECK(r16(e, PLX_REG_CTRL) != PLX_GONE_U16);
	CHECK(eventfd_read(fd, &v) < 0 && errno == EAGAIN);
	CHECK_EQ(ring_run(e, 0, 2), 2);
	CHECK(eventfd_read(fd, &v) == 0);
	CHECK_EQ(v, 1);
	CHECK(r16(e, PLX_REG_CTRL) != PLX_GONE_U16);
	/* The third descriptor is written back, then the function leaves. */
	CHECK_EQ(step(e, 100), 1);
	CHECK_EQ(flags(e, 2), PLX_DESC_WB_SUCCESS | 64);
	CHECK(bar_is(e, PLX_GONE_U32));
	for (uint32_t i = 3; i < 8; i++)
		CHECK_EQ(flags(e, i), PLX_DESC_VALID | 64);
	CHECK_EQ(plx_sim_desc_count(e->sim, 0), 3);
	return 0;
}

static int
test_deferred_faults(struct env *e)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int rc = deferred_faults_checks(e, fd);

	plx_sim_set_req_eventfd(e->sim, 0, -1);
	if (fd >= 0)
		close(fd);
	return rc;
}

static int
test_replug(struct env *e)
{
	desc_fill(e, 0, 4, 64);
	ring_program(e, 0, PLX_PREF_LIMIT_4_DESC);
	w32(e, PLX_REG_CTRL, PLX_CTRL32_OF_CTRL2(PLX_CTRL2_MAX_TXFR_1KB));
	w16(e, PLX_REG_INTR_CTRL, 3);
	CHECK_EQ(kick(e, 2), 2);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_READ_FAIL, 0) == 0);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_PAUSE_STUCK, 0) == 0);
	CHECK(plx_sim_replug(e->sim, 0) == 0);
	CHECK(bar_is(e, 0));
	/* Not running any more: nothing happens without a START. */
	CHECK_EQ(step(e, 100), 0);
	CHECK_EQ(flags(e, 2), PLX_DESC_VALID | 64);
	CHECK_EQ(ctrl32(e), 0);
	/* Faults are gone. */
	CHECK_EQ(ctrl_write(e, PLX_CTRL_GRACEFUL_PAUSE, 0), 0);
	CHECK(ctrl32(e) & PLX_CTRL_GRACEFUL_PAUSE_DONE);
	CHECK_EQ(ring_run(e, 2, 100), 2);
	CHECK_EQ(flags(e, 2), PLX_DESC_WB_SUCCESS | 64);
	CHECK_EQ(plx_sim_replug(e->sim, 3), (uint64_t)-EINVAL);
	return 0;
}

static int
test_start_needs_ring_mode(struct env *e)
{
	desc_set(e, 0, 0, 0, 8);
	ring_program(e, 0, PLX_PREF_LIMIT_4_DESC);
	/* Block mode (DESC_MODE 0) is not modelled: START does nothing. */
	w16(e, PLX_REG_CTRL, PLX_CTRL_START | PLX_CTRL_WRITE_BACK_EN);
	CHECK_EQ(step(e, 10), 0);
	CHECK_EQ(ctrl32(e), PLX_CTRL_WRITE_BACK_EN);
	CHECK_EQ(flags(e, 0), PLX_DESC_VALID | 8);
	CHECK_EQ(kick(e, 10), 1);
	return 0;
}

static int
test_fault_names(void)
{
	enum plx_sim_fault f;

	for (int i = PLX_SIM_FAULT_READ_FAIL; i < PLX_SIM_FAULT_MAX; i++) {
		const char *n = plx_sim_fault_name((enum plx_sim_fault)i);

		CHECK(n != NULL);
		CHECK(plx_sim_fault_parse(n, &f) == 0);
		CHECK_EQ(f, i);
	}
	CHECK(strcmp(plx_sim_fault_name(PLX_SIM_FAULT_SURPRISE_REMOVAL),
		"surprise-removal") == 0);
	CHECK(strcmp(plx_sim_fault_name(PLX_SIM_FAULT_UNBIND_REQUEST),
		"unbind-request") == 0);
	CHECK(strcmp(plx_sim_fault_name(PLX_SIM_FAULT_PAUSE_STUCK),
		"pause-stuck") == 0);
	CHECK(plx_sim_fault_parse("read-fail", &f) == 0 &&
		f == PLX_SIM_FAULT_READ_FAIL);
	CHECK(plx_sim_fault_parse("bogus", &f) == -EINVAL);
	CHECK(plx_sim_fault_parse(NULL, &f) == -EINVAL);
	CHECK(plx_sim_fault_name(PLX_SIM_FAULT_MAX) != NULL);
	return 0;
}

static const struct plx_sim_conf verbose_conf = {
	.nb_funcs = 1, .cpu = -1, .manual = true, .verbose = 2,
};

static int
test_verbose(struct env *e)
{
	desc_set(e, 0, 0, 0, 8);
	CHECK_EQ(ring_run(e, 0, 10), 1);
	CHECK(plx_sim_inject(e->sim, 0, PLX_SIM_FAULT_STALL, 5) == 0);
	plx_sim_clear_faults(e->sim, 0);
	return 0;
}

const struct model_test model_ctrl_tests[] = {
	MANUAL(fault_rw, 16, 64 * 1024),
	MANUAL(ctrl_w1c, 4, 4096),
	MANUAL(ctrl2, 8, 4096),
	MANUAL(ctrl2_alone, 4, 4096),
	MANUAL(intr_status, 8, 4096),
	MANUAL(pause, 16, 64 * 1024),
	MANUAL(pause_idle, 4, 4096),
	MANUAL(abort, 16, 64 * 1024),
	MANUAL(pause_stuck, 16, 64 * 1024),
	MANUAL(abort_stuck, 16, 64 * 1024),
	MANUAL(stall, 16, 64 * 1024),
	MANUAL(surprise_removal, 16, 64 * 1024),
	MANUAL(deferred_faults, 16, 64 * 1024),
	MANUAL(unbind_request, 4, 4096),
	MANUAL(replug, 16, 64 * 1024),
	MANUAL(start_needs_ring_mode, 4, 4096),
	TEST(fault_names),
	ENV_TEST(verbose, &verbose_conf, 4, 4096),
	MODEL_TEST_END
};
