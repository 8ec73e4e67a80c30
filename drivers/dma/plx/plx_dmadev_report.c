/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Reports off the fast path: whenever the next op is not a single slot
 * written back as a success (an SG op is outstanding, an op failed or is
 * not done yet, the channel is halted), completed() and
 * completed_status() come here, which walks op by op. Every op is
 * reported once, in order, and only once the engine can no longer touch
 * its buffers (plx.rst, :ref:`plx_lifecycle`).
 */

#include <rte_cycles.h>

#include "plx_dmadev.h"

/* What can be said of the op at the head, now. */
enum plx_dma_op_state {
	PLX_DMA_OP_REPORT,	/* done, or never to be: its status is known */
	PLX_DMA_OP_WAIT,	/* the engine may still finish it */
	PLX_DMA_OP_NEVER,	/* a lost engine may still write it */
};

/* The status of a write-back, against the size slot was given. */
static enum rte_dma_status_code
plx_dma_wb_status(const struct plx_dma_chan *ch, uint16_t slot,
		uint32_t flags)
{
	uint32_t fail = PLX_DESC_WB_READ_FAIL | PLX_DESC_WB_WRITE_FAIL;
	uint32_t size = rte_le_to_cpu_32(*plx_dma_slot_expect(ch,
		&ch->ring[slot])) & PLX_DESC_SIZE_MASK;

	/* A success that moved fewer bytes than asked is no success. */
	if ((flags & (PLX_DESC_WB_SUCCESS | fail)) == PLX_DESC_WB_SUCCESS)
		return (flags & PLX_DESC_SIZE_MASK) == size ?
			RTE_DMA_STATUS_SUCCESSFUL : RTE_DMA_STATUS_ERROR_UNKNOWN;
	/* Both: the engine cannot say which side failed. */
	if ((flags & fail) == fail)
		return RTE_DMA_STATUS_BUS_ERROR;
	if (flags & PLX_DESC_WB_READ_FAIL)
		return RTE_DMA_STATUS_BUS_READ_ERROR;
	if (flags & PLX_DESC_WB_WRITE_FAIL)
		return RTE_DMA_STATUS_BUS_WRITE_ERROR;
	return RTE_DMA_STATUS_ERROR_UNKNOWN;
}

/* Slots of the op that starts at slot pos. */
static uint16_t
plx_dma_op_slots(const struct plx_dma_chan *ch, uint16_t pos)
{
	return 1 + ch->seg_extra[pos & ch->ring_mask];
}

/*
 * The op of n slots from pos: its state, and its status when that is to
 * be reported. An op's status is its first failed segment's, else that of
 * what stopped it.
 */
static enum plx_dma_op_state
plx_dma_op_state(const struct plx_dma_chan *ch, uint16_t pos, uint16_t n,
		uint8_t halt, enum rte_dma_status_code *st)
{
	bool submitted = (uint16_t)(pos - ch->read_pos) <
		(uint16_t)(ch->submit_pos - ch->read_pos);
	uint16_t i;

	*st = RTE_DMA_STATUS_SUCCESSFUL;
	for (i = 0; submitted && i < n; i++) {
		uint16_t slot = (uint16_t)(pos + i) & ch->ring_mask;
		uint32_t flags = plx_dma_slot_flags(&ch->ring[slot]);

		if (flags & PLX_DESC_VALID)
			break;
		/* The exact clean write-back needs no decoding. */
		if (*st == RTE_DMA_STATUS_SUCCESSFUL && flags !=
				rte_le_to_cpu_32(*plx_dma_slot_expect(ch,
					&ch->ring[slot])))
			*st = plx_dma_wb_status(ch, slot, flags);
	}
	if (submitted && i == n)
		return PLX_DMA_OP_REPORT;
	if (halt == PLX_DMA_HALT_NONE)
		return PLX_DMA_OP_WAIT;
	if (!submitted) {
		/* A lost engine too stops at the batch's gate. */
		*st = RTE_DMA_STATUS_NOT_ATTEMPTED;
		return PLX_DMA_OP_REPORT;
	}
	if (halt == PLX_DMA_HALT_LOST)
		return PLX_DMA_OP_NEVER;
	if (*st == RTE_DMA_STATUS_SUCCESSFUL)
		*st = halt == PLX_DMA_HALT_GONE ?
			RTE_DMA_STATUS_DEV_LINK_ERROR :
			halt == PLX_DMA_HALT_ENGINE ?
			RTE_DMA_STATUS_NOT_ATTEMPTED :
			RTE_DMA_STATUS_USER_ABORT;
	return PLX_DMA_OP_REPORT;
}

/*
 * The op at pos waits for the engine: now and then, see whether the
 * device is still there and the engine still running. The halt to go on
 * with.
 */
static uint8_t
plx_dma_wait_halt(struct plx_dma_chan *ch, uint16_t pos, uint8_t halt)
{
	if (halt != PLX_DMA_HALT_NONE || pos == ch->submit_pos ||
			rte_get_tsc_cycles() < ch->next_gone_check)
		return halt;
	plx_dma_check_engine(ch);
	return rte_atomic_load_explicit(&ch->halt, rte_memory_order_acquire);
}

/* Clear the slot counts of the ops whose first slots run from pos to end. */
static void
plx_dma_clear_heads(uint8_t *seg_extra, uint16_t mask, uint16_t pos,
		uint16_t end)
{
	while (pos != end) {
		uint8_t *extra = &seg_extra[pos & mask];

		pos += 1 + *extra;
		*extra = 0;
	}
}

void
plx_dma_account(struct plx_dma_chan *ch, const struct plx_dma_reported *r,
		uint16_t *last_idx)
{
	uint16_t pos = ch->read_pos + r->slots;
	uint16_t handed = ch->submit_pos - ch->read_pos;

	/* The reported SG ops' first slots may start plain copies next. */
	if (r->sg_ops != 0)
		plx_dma_clear_heads(ch->seg_extra, ch->ring_mask, ch->read_pos,
			pos);
	ch->read_bias += r->slots - r->ops;
	ch->sg_pending -= r->sg_ops;
	ch->completed += r->ops;
	ch->errors += r->failed;
	/*
	 * Never-submitted ones are now reported: keep read_pos <= submit_pos,
	 * and count them as submitted too, so that completed never passes
	 * submitted.
	 */
	if (r->slots > handed) {
		ch->submitted += (uint16_t)((pos - ch->read_bias) -
			(ch->submit_pos - ch->submit_bias));
		ch->submit_pos = pos;
		ch->submit_bias = ch->read_bias;
	}
	ch->read_pos = pos;
	*last_idx = pos - 1 - ch->read_bias;
}

uint16_t
plx_dma_report_ops(struct plx_dma_chan *ch, uint16_t nb_cpls,
		uint16_t *last_idx, bool *has_error,
		enum rte_dma_status_code *status)
{
	uint8_t halt = rte_atomic_load_explicit(&ch->halt,
		rte_memory_order_acquire);
	struct plx_dma_reported r = { 0 };

	while (r.ops < nb_cpls) {
		uint16_t pos = ch->read_pos + r.slots, n;
		enum rte_dma_status_code st;
		enum plx_dma_op_state state;

		if (pos == ch->write_pos)
			break;
		n = plx_dma_op_slots(ch, pos);
		state = plx_dma_op_state(ch, pos, n, halt, &st);
		if (state == PLX_DMA_OP_WAIT) {
			uint8_t now = plx_dma_wait_halt(ch, pos, halt);

			if (now == halt)
				break;
			halt = now;
			continue;
		}
		if (state == PLX_DMA_OP_NEVER)
			break;
		if (status == NULL && st != RTE_DMA_STATUS_SUCCESSFUL) {
			/* completed() stops before a failure; it stays. */
			*has_error = true;
			break;
		}
		if (status != NULL)
			status[r.ops] = st;
		r.failed += st != RTE_DMA_STATUS_SUCCESSFUL;
		r.sg_ops += n > 1;
		r.slots += n;
		r.ops++;
	}
	plx_dma_account(ch, &r, last_idx);
	return r.ops;
}
